package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/accord/accord/registry"
)

// TestLockInAKnownContextLeavesItsRowAlone: the first subject written in
// a context creates the context's row; once that is committed, the lock
// of another subject of the context does not touch the row, so it does
// not wait for a transaction holding it (the id allocator moves the
// row's counter at every registration, and another replica's may be
// descheduled while it does).
func TestLockInAKnownContextLeavesItsRowAlone(t *testing.T) {
	dsn := newPostgresSchema(t)
	s := openStore(t, dsn)
	ctx := t.Context()
	touch := func(c, subject string) error {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		return s.Update(ctx, c, subject, func(tx registry.Tx) error {
			_, err := tx.Versions(ctx, c, subject, true)
			return err
		})
	}
	if err := touch(".fresh", "first-value"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.readDB.QueryRowContext(ctx, `SELECT count(*) FROM contexts WHERE context = '.fresh'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the new context's row: %d rows (%v), want 1", n, err)
	}

	// Another session holds the context's row, as the allocator does.
	other, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	holder, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.ExecContext(ctx, `UPDATE contexts SET last_id = last_id WHERE context = '.fresh'`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := touch(".fresh", "second-value"); err != nil {
		t.Fatalf("locking a subject while another session holds the known context's row: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the lock waited %v for the context's row", d)
	}
}
