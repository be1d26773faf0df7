package lineage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/accord/accord/contracts"
)

// TestContractChangesApplyInPlace: stream contracts created, changed
// (consumers and their fields), transferred and deleted reach the index
// in place, without a full load, and the index then answers every query
// as one rebuilt from the database does. Declared edges overlap the
// contracts' edges, so merged sources are exercised.
func TestContractChangesApplyInPlace(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		paths := []string{"id", "name", "email", "address", "address.city"}
		for i := range 3 {
			e.stream(t, contracts.Stream{Name: fmt.Sprintf("st%d", i), Owner: fmt.Sprintf("svc%d", i),
				Consumers: []contracts.Consumer{{Principal: fmt.Sprintf("svc%d", i+1), Fields: paths[i : i+2]}}})
		}
		e.edge(t, Consumes, "st1", "svc2", "email")
		e.edge(t, DerivedFrom, "st0", "st4")
		e.svc.opts.MaxAge = time.Hour
		if err := e.svc.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		rebuilt := NewService(e.svc.store, e.streams, e.reg, Options{MaxAge: time.Hour})
		r := rand.New(rand.NewPCG(7, 8))
		name := func() string { return fmt.Sprintf("st%d", r.IntN(6)) }
		svc := func() string { return fmt.Sprintf("svc%d", r.IntN(5)) }
		for step := range 60 {
			n := name()
			_, exists := mustSnapshot(t, e).Get(n)
			var err error
			switch op := r.IntN(4); {
			case !exists:
				_, err = e.streams.Create(ctx, contracts.Stream{Name: n, Owner: svc(), EventType: contracts.State,
					Consumers: []contracts.Consumer{{Principal: svc(), Fields: paths[r.IntN(3):][:2]}}})
			case op == 0:
				_, err = e.streams.Update(ctx, n, func(s *contracts.Stream) error {
					s.Consumers = append(s.Consumers[:0:0], contracts.Consumer{Principal: svc(), Fields: []string{paths[r.IntN(len(paths))]}})
					return nil
				})
			case op == 1:
				_, err = e.streams.Update(ctx, n, func(s *contracts.Stream) error {
					s.Consumers = nil
					return nil
				})
			case op == 2:
				_, err = e.streams.TransferOwnership(ctx, n, svc())
			default:
				err = e.streams.Delete(ctx, n)
			}
			if err != nil {
				continue // a refused change (e.g. a transfer to the owner) changes nothing
			}
			before := e.svc.cur.Load()
			sameAnswers(t, fmt.Sprintf("step %d", step), e.svc, rebuilt)
			if e.svc.cur.Load() != before {
				t.Fatalf("step %d: a contract change forced a full load", step)
			}
		}
	})
}

func mustSnapshot(t *testing.T, e *env) *contracts.Snapshot {
	t.Helper()
	s, err := e.streams.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
