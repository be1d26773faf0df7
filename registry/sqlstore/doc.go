// Package sqlstore implements registry.Store on SQL databases: SQLite for
// the embedded single-process default and PostgreSQL for production, where
// several Accord replicas share one database.
//
// Open picks the engine from its argument: a postgres:// or postgresql://
// URL selects PostgreSQL (pgx through database/sql); anything else is a
// data directory holding the SQLite file accord.db (modernc.org/sqlite, no
// cgo). Open applies the embedded migrations (package migrations) before it
// returns.
//
// # Transactions and locks
//
// Update runs its function in one transaction that first locks the row of
// the subject (or, for subject "", of the context). On PostgreSQL that is
// INSERT ... ON CONFLICT DO NOTHING followed by SELECT ... FOR NO KEY UPDATE
// (dialect.go says why not FOR UPDATE); on SQLite it is BEGIN IMMEDIATE on
// a single writer connection (SQLite allows one writer per file anyway; a
// second process waits on the busy timeout). Transactions run at
// PostgreSQL's default READ COMMITTED level, so reads made after taking the
// lock see every write committed before it.
//
// A transaction that fails with a serialization failure or a deadlock
// (PostgreSQL) or with SQLITE_BUSY/SQLITE_LOCKED is rolled back and run
// again from the start, so the function given to Update may run more than
// once and must have no effects outside the Tx it is given. Update must not
// be called from inside another Update's function.
//
// Ids come from a counter in the database (contexts.last_id), moved inside
// the writing transaction and never moved back by a committed transaction,
// so they are never reused. Version numbers are one more than the
// subject's highest remaining version (soft-deleted ones included), read
// under the subject's lock, as Confluent numbers them.
//
// # Watch
//
// On PostgreSQL every committed Update sends a NOTIFY on the channel
// accord_changes whose payload names the store instance, the context and
// the subject. Watch LISTENs on a dedicated connection, reconnecting with
// backoff when it drops, and reports changes made by other Store instances.
// Notifications sent while no connection was listening are lost, so each
// time Watch starts listening (the first time and after every reconnect) it
// first reports the zero registry.Change{}: callers should treat it as
// "anything may have changed" and drop what they cache. The zero Change is
// also reported when a notification could not name its subject (names too
// long for a NOTIFY payload). On SQLite, Watch returns nil at once.
//
// # Store conventions
//
// List methods (Versions, Subjects, ...) return an empty, non-nil slice
// rather than ErrNotFound when nothing matches. Names are compared and
// sorted byte-wise, the same on both engines whatever the database
// collation. Timestamps are stored with millisecond precision.
package sqlstore
