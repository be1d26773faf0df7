package registry_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/registry"
)

// pageCounter records how many list pages its store reads at once.
type pageCounter struct {
	*countingStore
	inFlight, most atomic.Int64
}

func (p *pageCounter) SubjectPage(ctx context.Context, regCtx string, q registry.SubjectPageQuery) ([]string, error) {
	n := p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	for m := p.most.Load(); n > m && !p.most.CompareAndSwap(m, n); m = p.most.Load() {
	}
	time.Sleep(5 * time.Millisecond) // a page read that takes a while, as on a large registry
	return p.countingStore.SubjectPage(ctx, regCtx, q)
}

// TestListReadsAreBounded: however many whole-list requests run at once,
// at most registry.ListReads list pages are read from the store at a time,
// so list walks cannot take every connection of the read pool from point
// reads; every walk still gets its whole list.
func TestListReadsAreBounded(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *registry.Registry, cs *countingStore) {
		pc := &pageCounter{countingStore: cs}
		r := registry.New(pc, slog.New(slog.DiscardHandler), avro.Format{})
		ctx := context.Background()
		for i := range 5 {
			if _, err := r.Register(ctx, fmt.Sprintf("s%d-value", i), registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: s1}}); err != nil {
				t.Fatalf("register: %v", err)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				names, err := r.Subjects(ctx, "", false)
				if err == nil && len(names) != 5 {
					err = fmt.Errorf("listed %d subjects, want 5", len(names))
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if most := pc.most.Load(); most > registry.ListReads || most < 1 {
			t.Fatalf("%d list pages were read at once, want 1..%d", most, registry.ListReads)
		}

	})
}
