package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/accord/accord/registry"
)

func testDurability(t *testing.T, h *harness) {
	s := h.store()
	id, _ := register(t, s, ".", "orders-value", "durable")
	register(t, s, ".team", "orders-value", "durable elsewhere")
	update(t, s, ".", "", func(tx registry.Tx) error {
		return tx.PutConfig("", json.RawMessage(`{"compatibilityLevel":"FULL"}`))
	})
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		if err := tx.PutMode("orders-value", "READONLY"); err != nil {
			return err
		}
		return tx.SetDeleted("orders-value", 1, true)
	})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = h.store()
	c := ctx(t)
	rec, err := s.SchemaByID(c, ".", id)
	noErr(t, "SchemaByID after reopen", err)
	if rec.Schema != "durable" {
		t.Fatalf("schema after reopen: %+v", rec)
	}
	vs, err := s.Versions(c, ".", "orders-value", true)
	noErr(t, "Versions after reopen", err)
	if len(vs) != 1 || !vs[0].Deleted || vs[0].SchemaID != id {
		t.Fatalf("versions after reopen: %+v", vs)
	}
	checkConfig(t, s, ".", "", `{"compatibilityLevel":"FULL"}`)
	checkMode(t, s, ".", "orders-value", "READONLY")
	contexts, err := s.Contexts(c)
	noErr(t, "Contexts after reopen", err)
	equal(t, "Contexts after reopen", contexts, []string{".", ".team"})
	// Counters survive too.
	id2, v := register(t, s, ".", "orders-value", "after reopen")
	if id2 != id+1 || v != 2 {
		t.Fatalf("after reopen got id %d version %d, want %d and 2", id2, v, id+1)
	}
}

func testWatchEndsWithContext(t *testing.T, h *harness) {
	s := h.store()
	c, cancel := context.WithCancel(ctx(t))
	done := make(chan error, 1)
	go func() { done <- s.Watch(c, func(registry.Change) {}) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("Watch returned %v after its context ended", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return after its context ended")
	}
}

// testSubjectLockSerializesWriters has writers on two store instances do
// read-modify-write on one subject without NextVersion: each reads the
// highest version inside its transaction and inserts the next one. Only
// the subject lock keeps them from choosing the same number.
func testSubjectLockSerializesWriters(t *testing.T, h *harness) {
	stores := []registry.Store{h.store(), h.store()}
	const writers, each = 6, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			s := stores[w%len(stores)]
			for i := range each {
				err := s.Update(ctx(t), ".", "locked-value", func(tx registry.Tx) error {
					vs, err := tx.Versions(ctx(t), ".", "locked-value", true)
					if err != nil {
						return err
					}
					next := 1
					if len(vs) > 0 {
						next = vs[len(vs)-1].Version + 1
					}
					id, err := tx.InsertSchema(schema(fmt.Sprintf("w%d-%d", w, i)))
					if err != nil {
						return err
					}
					return tx.InsertVersion(registry.VersionRecord{Version: next, SchemaID: id})
				})
				if err != nil {
					errs <- fmt.Errorf("writer %d, write %d: %w", w, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	vs, err := stores[0].Versions(ctx(t), ".", "locked-value", true)
	noErr(t, "Versions", err)
	want := make([]int, writers*each)
	for i := range want {
		want[i] = i + 1
	}
	equal(t, "versions", versionNumbers(vs), want)
}

// testConcurrentRegistration registers from many goroutines over two store
// instances on one database, into several subjects and two contexts, and
// checks that no id was handed out twice and no version number was lost or
// duplicated.
func testConcurrentRegistration(t *testing.T, h *harness) {
	stores := []registry.Store{h.store(), h.store()}
	const goroutines, each = 8, 10
	subjects := []string{"a-value", "b-value", "c-value"}
	contexts := []string{".", ".team"}

	type result struct {
		regCtx, subject, text string
		id                    int64
		version               int
	}
	results := make(chan result, goroutines*each)
	errs := make(chan error, goroutines*each)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			s := stores[g%len(stores)]
			for i := range each {
				r := result{
					regCtx:  contexts[(g/2)%len(contexts)],
					subject: subjects[(g+i)%len(subjects)],
					text:    fmt.Sprintf("schema g%d i%d", g, i),
				}
				err := s.Update(ctx(t), r.regCtx, r.subject, func(tx registry.Tx) error {
					var err error
					r.id, r.version, err = registerTx(tx, r.subject, schema(r.text))
					return err
				})
				if err != nil {
					errs <- fmt.Errorf("goroutine %d, registration %d: %w", g, i, err)
					continue
				}
				results <- r
			}
		})
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}

	ids := map[string]map[int64]string{}      // context -> id -> text
	versions := map[string]map[string][]int{} // context -> subject -> versions
	for r := range results {
		if ids[r.regCtx] == nil {
			ids[r.regCtx] = map[int64]string{}
			versions[r.regCtx] = map[string][]int{}
		}
		if prev, dup := ids[r.regCtx][r.id]; dup {
			t.Fatalf("id %d in context %q handed out twice (%q and %q)", r.id, r.regCtx, prev, r.text)
		}
		ids[r.regCtx][r.id] = r.text
		versions[r.regCtx][r.subject] = append(versions[r.regCtx][r.subject], r.version)
	}
	c := ctx(t)
	total := 0
	for regCtx, byID := range ids {
		total += len(byID)
		for id, text := range byID {
			rec, err := stores[1].SchemaByID(c, regCtx, id)
			noErr(t, "SchemaByID", err)
			if rec.Schema != text {
				t.Fatalf("schema %d in %q is %q, want %q", id, regCtx, rec.Schema, text)
			}
		}
		for subject, got := range versions[regCtx] {
			slices.Sort(got)
			want := make([]int, len(got))
			for i := range want {
				want[i] = i + 1
			}
			equal(t, "versions handed out for "+regCtx+" "+subject, got, want)
			stored, err := stores[0].Versions(c, regCtx, subject, true)
			noErr(t, "Versions", err)
			equal(t, "versions stored for "+regCtx+" "+subject, versionNumbers(stored), want)
		}
	}
	if total != goroutines*each {
		t.Fatalf("%d registrations recorded, want %d", total, goroutines*each)
	}
}

// testConcurrentSameSchema registers one schema into many subjects at once
// from two store instances: every writer must end up with the same id,
// none may fail.
func testConcurrentSameSchema(t *testing.T, h *harness) {
	stores := []registry.Store{h.store(), h.store()}
	const writers = 8
	ids := make([]int64, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			subject := fmt.Sprintf("s%d-value", w)
			err := stores[w%len(stores)].Update(ctx(t), ".", subject, func(tx registry.Tx) error {
				var err error
				ids[w], _, err = registerTx(tx, subject, schema("the shared schema"))
				return err
			})
			if err != nil {
				t.Errorf("writer %d: %v", w, err)
			}
		})
	}
	wg.Wait()
	for w, id := range ids {
		if id != ids[0] {
			t.Fatalf("writer %d got id %d, writer 0 got %d", w, id, ids[0])
		}
	}
	vs, err := stores[0].VersionsBySchema(ctx(t), ".", ids[0], false)
	noErr(t, "VersionsBySchema", err)
	if len(vs) != writers {
		t.Fatalf("%d versions use the shared schema, want %d", len(vs), writers)
	}
}
