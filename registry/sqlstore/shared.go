package sqlstore

import (
	"context"
	"database/sql"

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
}

// DB returns the store's database handles.
func (s *Store) DB() DB { return DB{Write: s.db, Read: s.readDB, d: s.d} }

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
	return t.sqlTx, true
}
