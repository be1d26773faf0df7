package lineage

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/sqlcontracts"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

// replica is a second Accord process on target's database: its own
// store (so its own change-feed identity), registry, contracts and
// lineage Service, wired to the registry's feed as accord serve wires
// them (Registry.OnChange), which runs once Registry.Run does.
func replica(t *testing.T, target string) (*Service, *registry.Registry) {
	t.Helper()
	store, err := sqlstore.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	reg := registry.New(store, nil, avro.Format{})
	streams := contracts.NewService(sqlcontracts.New(store.DB()), reg, contracts.Options{})
	reg.OnChange(streams.Changed)
	svc := NewService(NewTestStore(store.DB()), streams, reg, Options{MaxAge: time.Hour})
	reg.OnChange(svc.Changed)
	return svc, reg
}

// TestFollowAppliesOtherReplicasWrites: on PostgreSQL, an edge another
// replica writes or deletes reaches this replica's index through the
// registry's change feed (Service.Changed), applied in place (the index
// is not rebuilt), and the index then answers as a rebuilt one.
func TestFollowAppliesOtherReplicasWrites(t *testing.T) {
	target := storetest.PostgresSchema(t)
	a, _ := replica(t, target)
	b, bReg := replica(t, target)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := a.PutEdge(ctx, Edge{Kind: DerivedFrom, From: "orders", To: "orders-enriched"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	first := b.cur.Load()
	following := make(chan error, 1)
	go func() { following <- bReg.Run(ctx) }()
	// The feed's first connection may have missed notices: b reloads once,
	// in the background of a query.
	eventually(t, "the reload after the feed connected", func() bool {
		if _, err := b.Edges(ctx, EdgeFilter{}); err != nil {
			t.Fatal(err)
		}
		return b.cur.Load() != first
	})
	b.mu.Lock() // once the background reload is over
	settled := b.cur.Load()
	b.mu.Unlock()

	if _, err := a.PutEdge(ctx, Edge{Kind: Consumes, From: "orders-enriched", To: "bi-svc", Fields: []string{"total"}}); err != nil {
		t.Fatal(err)
	}
	has := func(kind Kind, from, to string) bool {
		es, err := b.Edges(ctx, EdgeFilter{Node: from})
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(es, func(e Edge) bool { return e.Kind == kind && e.From == from && e.To == to })
	}
	eventually(t, "the other replica's edge", func() bool { return has(Consumes, "orders-enriched", "bi-svc") })
	if err := a.DeleteEdge(ctx, DerivedFrom, "orders", "orders-enriched"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the other replica's deletion", func() bool { return !has(DerivedFrom, "orders", "orders-enriched") })
	if b.cur.Load() != settled {
		t.Error("the index was rebuilt; the notices were to be applied in place")
	}
	rebuilt := NewService(b.store, b.streams, b.reg, Options{MaxAge: -1})
	sameAnswers(t, "after the other replica's writes", b, rebuilt)
	cancel()
	if err := <-following; err != nil {
		t.Fatalf("the change feed: %v", err)
	}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("waited 10 s for %s", what)
}
