package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/accord/accord/registry"
)

// TestAnnouncedReadGoesWithTheLock: a statement another store announced
// (DB.AnnounceRead) is sent in the batch of the transaction's lock, after
// the lock statement, and the same statement run on the transaction
// (DB.TxFrom) is answered from it: no round trip of its own, and it sees
// what holds under the lock (the subject row the lock statement created).
// A statement that differs, or one run after a write of the transaction,
// goes to the database and sees that write; so does a second run.
func TestAnnouncedReadGoesWithTheLock(t *testing.T) {
	s, trips := openCounting(t, newPostgresSchema(t))
	db := s.DB()
	const q = `SELECT subject, last_version FROM subjects WHERE context = ? AND subject = ?`
	read := func(ctx context.Context, subject string) (string, int, error) {
		tx, ok := db.TxFrom(ctx)
		if !ok {
			return "", 0, errors.New("no transaction in the context")
		}
		var (
			name string
			last int
		)
		err := tx.QueryRowContext(ctx, db.Rebind(q), ".", subject).Scan(&name, &last)
		return name, last, err
	}

	for _, tc := range []struct {
		name string
		// announced is the subject announced; read the one read.
		announced, read string
		writeFirst      bool
		trips           int64 // BEGIN+lock(+announced), the read unless answered, COMMIT
	}{
		{name: "answered from the lock's batch", announced: "a-value", read: "a-value", trips: 2},
		{name: "other arguments go to the database", announced: "b-value", read: "a-value", trips: 3},
		{name: "a write first drops it", announced: "c-value", read: "c-value", writeFirst: true, trips: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := db.AnnounceRead(t.Context(), q, ".", tc.announced)
			before := trips.n.Load()
			err := s.Update(ctx, ".", tc.read, func(rtx registry.Tx) error {
				ctx := registry.WithTx(ctx, rtx)
				if tc.writeFirst {
					tx, _ := db.TxFrom(ctx)
					if _, err := tx.ExecContext(ctx, db.Rebind(`UPDATE subjects SET last_version = 7 WHERE context = ? AND subject = ?`), ".", tc.read); err != nil {
						return err
					}
				}
				name, last, err := read(ctx, tc.read)
				if errors.Is(err, sql.ErrNoRows) {
					return errors.New("the subject's row is not there: read before the lock")
				}
				if err != nil {
					return err
				}
				if name != tc.read {
					t.Errorf("read subject %q, want %q", name, tc.read)
				}
				if want := map[bool]int{true: 7}[tc.writeFirst]; last != want {
					t.Errorf("last_version %d, want %d", last, want)
				}
				// Answered once: a second run reads the database.
				if _, _, err := read(ctx, tc.read); err != nil {
					return err
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := trips.n.Load() - before; got != tc.trips+1 {
				t.Errorf("%d round trips, want %d", got, tc.trips+1)
			}
		})
	}
}
