package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/accord/accord/registry"
)

// DB gives other packages' SQL stores (auth, contracts, audit) the
// database this Store opened, so that one database, one set of migrations
// and one connection discipline serve them all.
type DB struct {
	// Write runs transactions; on SQLite it is the single writer
	// connection whose transactions begin IMMEDIATE.
	Write *sql.DB
	// Read serves reads outside transactions.
	Read *sql.DB
	d    *dialect
	id   string    // the Store's instance, so that Watch skips its own notices
	dl   deadlines // of Pipelined
	o    Observer  // measures Pipelined's batches; nil: none
}

// DB returns the store's database handles.
func (s *Store) DB() DB { return DB{Write: s.db, Read: s.readDB, d: s.d, id: s.id, dl: s.dl, o: s.obs} }

// Postgres reports whether the database is PostgreSQL (else SQLite).
func (db DB) Postgres() bool { return db.d.postgres() }

// Rebind rewrites a query written with ? placeholders for the engine.
func (db DB) Rebind(query string) string { return db.d.rebind(query) }

// IsUniqueViolation reports whether err is a unique-constraint violation.
func (db DB) IsUniqueViolation(err error) bool { return db.d.isUniqueViolation(err) }

// TxFrom returns the open transaction of a registry write whose context
// ctx is (registry.WithTx), when it runs on this database: other
// services' stores read and write through it, so that what a registry
// write decides from (a stream's owner, a claim) is read under its lock
// and commits or rolls back with it. Without one they use Write and Read.
func (db DB) TxFrom(ctx context.Context) (*sql.Tx, bool) {
	t, ok := registry.TxFrom(ctx).(*tx)
	if !ok || t.owner != db.Write {
		return nil, false
	}
	// What the caller runs on the transaction must see its queued writes
	// (pipeline.go). A failed send aborts the transaction: the caller's
	// statement then fails, and so does the commit.
	_ = t.flush()
	return t.sqlTx, true
}

// LockSubjects takes, in tx, the lock that registry writers of each
// subject hold (Store.Update's), creating the subject's row if needed, so
// that a change another service makes to what registrations of those
// subjects decide from (a stream's owner, its review rule) serialises
// with them. names are qualified subject names (registry.ParseName);
// they are locked in sorted order, so two such transactions cannot
// deadlock each other. On SQLite tx already excludes every other writer.
func (db DB) LockSubjects(ctx context.Context, tx *sql.Tx, names []string) error {
	if !db.d.postgres() {
		return nil
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for i, name := range sorted {
		if i > 0 && name == sorted[i-1] {
			continue
		}
		n := registry.ParseName(name)
		if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO contexts (context, last_id) VALUES (?, 0) ON CONFLICT (context) DO NOTHING`), n.Context); err != nil {
			return fmt.Errorf("sqlstore: lock %s: create context: %w", where(n.Context, n.Subject), err)
		}
		if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO subjects (context, subject, last_version) VALUES (?, ?, 0) ON CONFLICT (context, subject) DO NOTHING`), n.Context, n.Subject); err != nil {
			return fmt.Errorf("sqlstore: lock %s: create subject: %w", where(n.Context, n.Subject), err)
		}
		var one int
		if err := tx.QueryRowContext(ctx, db.d.rebind(`SELECT 1 FROM subjects WHERE context = ? AND subject = ?`+db.d.forUpdate), n.Context, n.Subject).Scan(&one); err != nil {
			return fmt.Errorf("sqlstore: lock %s: %w", where(n.Context, n.Subject), err)
		}
	}
	return nil
}
