package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accord/accord/registry"
)

// TestGroupCommitKeepsEachWriteApart runs many concurrent writers on
// SQLite, so that they share group transactions: each writer's outcome
// is its own (a failing writer's rows are gone, the others' kept), ids
// and versions are handed out as one by one, and the change counters the
// Store mirrors match the database.
func TestGroupCommitKeepsEachWriteApart(t *testing.T) {
	s := openStore(t, newSQLiteDir(t))
	ctx := context.Background()
	errRefused := errors.New("refused")
	const writers = 120
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			subject := fmt.Sprintf("s%d-value", i)
			errs[i] = s.Update(ctx, ".", subject, func(tx registry.Tx) error {
				rec := registry.SchemaRecord{Type: "AVRO", Schema: fmt.Sprintf(`"s%d"`, i), Fingerprint: fmt.Sprintf("fp-%d", i)}
				id, err := tx.InsertSchema(rec)
				if err != nil {
					return err
				}
				if _, err := tx.(interface{ AppendVersion(int64) (int, error) }).AppendVersion(id); err != nil {
					return err
				}
				if i%3 == 0 {
					return errRefused // after writing: all of it must go
				}
				return nil
			})
		}()
	}
	wg.Wait()
	var ids []int64
	for i, err := range errs {
		subject := fmt.Sprintf("s%d-value", i)
		vs, verr := s.Versions(ctx, ".", subject, true)
		if verr != nil {
			t.Fatal(verr)
		}
		_, ferr := s.SchemaByFingerprint(ctx, ".", fmt.Sprintf("fp-%d", i))
		if i%3 == 0 {
			if !errors.Is(err, errRefused) {
				t.Errorf("writer %d: got %v, want its own refusal", i, err)
			}
			if len(vs) != 0 || !errors.Is(ferr, registry.ErrNotFound) {
				t.Errorf("writer %d was refused but left %d versions (schema lookup: %v)", i, len(vs), ferr)
			}
			continue
		}
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
			continue
		}
		if len(vs) != 1 || vs[0].Version != 1 {
			t.Errorf("writer %d: versions %+v, want version 1", i, vs)
			continue
		}
		ids = append(ids, vs[0].SchemaID)
		ch, err := s.Changes(ctx, ".", subject)
		if err != nil {
			t.Fatal(err)
		}
		db, err := s.reader.Changes(ctx, ".", subject)
		if err != nil {
			t.Fatal(err)
		}
		if ch != db || ch.Subject != 1 {
			t.Errorf("writer %d: mirrored counters %+v, database %+v, want subject counter 1", i, ch, db)
		}
	}
	// Ids are unique and dense: a refused writer's id went back with its
	// savepoint.
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] || id < 1 || id > int64(len(ids)) {
			t.Fatalf("ids %v are not 1..%d, each once", ids, len(ids))
		}
		seen[id] = true
	}
}

// BenchmarkSQLiteCommits: small writes (a mode each) from 32 concurrent
// writers, with group commit and with each write committed on its own, in
// the same run. What it measures is mostly the disk's fsync:
//
//	go test -run '^$' -bench SQLiteCommits -benchtime 1x ./registry/sqlstore/
func BenchmarkSQLiteCommits(b *testing.B) {
	for _, grouped := range []bool{true, false} {
		name := "grouped"
		if !grouped {
			name = "one-by-one"
		}
		b.Run(name, func(b *testing.B) {
			s, err := Open(context.Background(), b.TempDir(), WithLogger(quietLogger()))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.ungrouped = !grouped
			var n atomic.Int64
			var wg sync.WaitGroup
			const d = 3 * time.Second
			stop := time.Now().Add(d)
			for w := range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; time.Now().Before(stop); i++ {
						subject := fmt.Sprintf("w%d-%d", w, i)
						if err := s.Update(context.Background(), ".", subject, func(tx registry.Tx) error {
							return tx.PutMode(subject, registry.ModeReadWrite)
						}); err != nil {
							b.Error(err)
							return
						}
						n.Add(1)
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(n.Load())/d.Seconds(), "commits/s")
		})
	}
}
