package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/accord/accord/registry"
)

// TestPostgresIDsOutsideTheTransaction: once a context's counter row is
// committed, registrations take their ids on the allocator's connection
// (ids.go). Concurrent registrations on two stores of one database, half
// of them of one new schema under distinct subjects, half of distinct
// schemas: the shared schema gets one id, every other schema its own, no
// registration fails, and the counter covers every id handed out.
func TestPostgresIDsOutsideTheTransaction(t *testing.T) {
	dsn := newPostgresSchema(t)
	stores := []*Store{openStore(t, dsn), openStore(t, dsn)}
	ctx := context.Background()
	insert := func(s *Store, subject, text string) (int64, error) {
		var id int64
		err := s.Update(ctx, ".", subject, func(rtx registry.Tx) error {
			var err error
			if id, err = rtx.InsertSchema(registry.SchemaRecord{Type: "AVRO", Schema: text, Fingerprint: "fp-" + text}); err != nil {
				return err
			}
			_, err = rtx.(*tx).AppendVersion(id)
			return err
		})
		return id, err
	}
	if _, err := insert(stores[0], "seed-value", "seed"); err != nil { // commits the counter's row
		t.Fatal(err)
	}
	const writers = 16
	ids := make([]int64, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			text := "shared"
			if w%2 == 1 {
				text = fmt.Sprintf("own-%d", w)
			}
			var err error
			if ids[w], err = insert(stores[w%2], fmt.Sprintf("s%d-value", w), text); err != nil {
				t.Errorf("writer %d: %v", w, err)
			}
		})
	}
	wg.Wait()
	seen := map[int64]int{}
	var maxID int64
	for w, id := range ids {
		maxID = max(maxID, id)
		if w%2 == 0 {
			if id != ids[0] {
				t.Errorf("writer %d got id %d for the shared schema, writer 0 got %d", w, id, ids[0])
			}
			continue
		}
		if prev, ok := seen[id]; ok || id == ids[0] || id <= 1 {
			t.Errorf("writer %d got id %d, already writer %d's or the shared schema's (%d) or the seed's", w, id, prev, ids[0])
		}
		seen[id] = w
	}
	var last int64
	if err := stores[0].db.QueryRowContext(ctx, `SELECT last_id FROM contexts WHERE context = '.'`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	if last < maxID {
		t.Fatalf("the counter is at %d, below id %d handed out", last, maxID)
	}
	// The allocator's connections are the ones that moved it.
	var n int
	if err := stores[0].db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'accord-ids' AND datname = current_database()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no allocator connection: the ids were not taken outside the transactions")
	}
}
