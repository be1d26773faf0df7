package sqlcontracts_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/sqlcontracts"
)

// TestSnapshot: the Service's Snapshot shows every write made through it
// when the write returns, matches the store, never changes under a reader
// that holds it, and is safe to read while writers run.
func TestSnapshot(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlcontracts.Store) {
		ctx := t.Context()
		svc := contracts.NewService(st, nil, contracts.Options{})
		names := func(ss []contracts.Stream) []string {
			out := []string{}
			for _, s := range ss {
				out = append(out, s.Name)
			}
			return out
		}
		empty, err := svc.Snapshot(ctx)
		must(t, "first snapshot", err)
		if empty.Len() != 0 {
			t.Fatalf("snapshot of an empty store: %v", names(empty.All()))
		}

		const writers, each = 4, 10
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					name := fmt.Sprintf("s%d-%d", w, i)
					gen := svc.Generation()
					if _, err := svc.Create(ctx, contracts.Stream{Name: name, Owner: "svc", EventType: contracts.State}); err != nil {
						t.Errorf("create %s: %v", name, err)
						return
					}
					snap, err := svc.Snapshot(ctx)
					if err != nil {
						t.Errorf("snapshot: %v", err)
						return
					}
					if _, ok := snap.Get(name); !ok {
						t.Errorf("%s missing from the snapshot after its create returned", name)
					}
					if svc.Generation() == gen {
						t.Errorf("Generation unchanged by the create of %s", name)
					}
				}
			})
		}
		wg.Go(func() { // a reader meanwhile: each snapshot stays sorted and whole
			for range 200 {
				snap, err := svc.Snapshot(ctx)
				if err != nil {
					t.Errorf("snapshot: %v", err)
					return
				}
				if ns := names(snap.All()); !slices.IsSorted(ns) || len(ns) != snap.Len() {
					t.Errorf("snapshot not sorted or not whole: %v", ns)
				}
			}
		})
		wg.Wait()

		held, err := svc.Snapshot(ctx)
		must(t, "snapshot", err)
		stored, err := st.List(ctx, contracts.Filter{})
		must(t, "list", err)
		if got, want := names(held.All()), names(stored); !slices.Equal(got, want) || len(got) != writers*each {
			t.Fatalf("snapshot %v, store %v", got, want)
		}
		if got := held.List(contracts.Filter{Owner: "svc", EventType: contracts.State}); len(got) != writers*each {
			t.Errorf("List(filter): %d streams", len(got))
		}

		// Writes replace the snapshot; the one held does not change.
		_, err = svc.TransferOwnership(ctx, "s0-0", "other-svc")
		must(t, "transfer", err)
		must(t, "delete", svc.Delete(ctx, "s0-1"))
		if s, _ := held.Get("s0-0"); s.Owner != "svc" {
			t.Errorf("a held snapshot changed: owner %s", s.Owner)
		}
		if _, ok := held.Get("s0-1"); !ok {
			t.Error("a held snapshot lost a stream")
		}
		now, err := svc.Snapshot(ctx)
		must(t, "snapshot", err)
		if s, _ := now.Get("s0-0"); s.Owner != "other-svc" {
			t.Errorf("transfer not in the snapshot: owner %s", s.Owner)
		}
		if _, ok := now.Get("s0-1"); ok || now.Len() != writers*each-1 {
			t.Errorf("delete not in the snapshot: %d streams", now.Len())
		}

		// Invalidate (accord import wrote behind the Service): the next
		// read reloads from the store.
		gen := svc.Generation()
		svc.Invalidate()
		if svc.Generation() == gen {
			t.Error("Invalidate left Generation unchanged")
		}
		again, err := svc.Snapshot(ctx)
		must(t, "snapshot after Invalidate", err)
		if again == now || again.Len() != now.Len() {
			t.Errorf("after Invalidate: same snapshot %t, %d streams", again == now, again.Len())
		}
	})
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
