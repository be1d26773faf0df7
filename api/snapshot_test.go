package api_test

import (
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry/storetest"
	"github.com/accord/accord/ui"
)

// TestContractsSnapshotFollowsOtherReplicas: two replicas (whole stacks,
// as accord serve wires them) on one PostgreSQL database. A stream written
// through replica A reaches replica B's contracts snapshot once the change
// feed delivers it, with no reload of B's caches by age, and B's UI list
// and lineage index, which read that snapshot, show it at once. Also after
// B's change feed was cut and came back.
func TestContractsSnapshotFollowsOtherReplicas(t *testing.T) {
	target := storetest.PostgresSchema(t)
	replica := func() (*accordtest.Stack, string) {
		// Lineage's default MaxAge (5 s): only the snapshot's change may
		// make B's index see A's write within the waits below.
		st := accordtest.New(t, target, accordtest.Options{Watch: true, LogWriter: io.Discard})
		web := ui.New(ui.Options{Registry: st.Registry, Contracts: st.Contracts, Lineage: st.Lineage, Audit: st.Audit, Logger: st.Log})
		hs := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, Contracts: st.Contracts, Audit: st.Audit, Lineage: st.Lineage, UI: web}))
		t.Cleanup(hs.Close)
		return st, hs.URL
	}
	a, _ := replica()
	b, bURL := replica()

	uiList := func() string {
		t.Helper()
		resp, err := http.Get(bURL + "/ui/streams")
		must(t, "GET /ui/streams", err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		must(t, "reading /ui/streams", err)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /ui/streams: %d %s", resp.StatusCode, body)
		}
		return string(body)
	}
	ownerInLineage := func(stream string) string {
		t.Helper()
		g, err := b.Lineage.Whole(b.Ctx)
		must(t, "lineage graph", err)
		for _, n := range g.Nodes {
			if n.Kind == lineage.StreamNode && n.Name == stream {
				return n.Owner
			}
		}
		return ""
	}
	// waitB waits until B's snapshot satisfies ok, which the change feed
	// should bring about well within the bound.
	waitB := func(what string, ok func(*contracts.Snapshot) bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			snap, err := b.Contracts.Snapshot(b.Ctx)
			must(t, "B's snapshot", err)
			if ok(snap) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("B's contracts snapshot never showed %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	has := func(name, owner string) func(*contracts.Snapshot) bool {
		return func(s *contracts.Snapshot) bool { st, ok := s.Get(name); return ok && st.Owner == owner }
	}

	// Warm B's caches before A writes.
	if strings.Contains(uiList(), "orders-ledger") || ownerInLineage("orders-ledger") != "" {
		t.Fatal("B shows a stream before any was declared")
	}
	gen := b.Contracts.Generation()

	_, err := a.Contracts.Create(a.Ctx, contracts.Stream{Name: "orders-ledger", Owner: "orders-svc", EventType: contracts.State, Visibility: contracts.Public})
	must(t, "A declares orders-ledger", err)
	waitB("orders-ledger created on A", has("orders-ledger", "orders-svc"))
	if b.Contracts.Generation() == gen {
		t.Error("B's snapshot changed but its Generation did not")
	}
	if !strings.Contains(uiList(), "orders-ledger") {
		t.Error("B's snapshot has orders-ledger but B's UI list does not")
	}
	if got := ownerInLineage("orders-ledger"); got != "orders-svc" {
		t.Errorf("B's lineage index: orders-ledger owned by %q, want orders-svc", got)
	}

	_, err = a.Contracts.TransferOwnership(a.Ctx, "orders-ledger", "billing-svc")
	must(t, "A transfers orders-ledger", err)
	waitB("the transfer made on A", has("orders-ledger", "billing-svc"))
	if got := ownerInLineage("orders-ledger"); got != "billing-svc" {
		t.Errorf("B's lineage index after the transfer: owner %q, want billing-svc", got)
	}

	must(t, "A deletes orders-ledger", a.Contracts.Delete(a.Ctx, "orders-ledger"))
	waitB("the delete made on A", func(s *contracts.Snapshot) bool { _, ok := s.Get("orders-ledger"); return !ok })
	if strings.Contains(uiList(), "orders-ledger") {
		t.Error("B's UI list still shows the deleted orders-ledger")
	}

	// Cut both replicas' change feeds: a write made meanwhile is missed
	// by the feed; B must still come to show it (reloaded on reconnection,
	// or when read while the feed is down).
	db, err := sql.Open("pgx", target)
	must(t, "open", err)
	defer db.Close()
	_, err = db.ExecContext(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'accord-watch'`)
	must(t, "terminating the change feeds", err)
	_, err = a.Contracts.Create(a.Ctx, contracts.Stream{Name: "clicks", Owner: "web-svc", EventType: contracts.Measurement})
	must(t, "A declares clicks", err)
	waitB("clicks, created while the feeds were cut", has("clicks", "web-svc"))
	if got := ownerInLineage("clicks"); got != "web-svc" {
		t.Errorf("B's lineage index: clicks owned by %q, want web-svc", got)
	}
}
