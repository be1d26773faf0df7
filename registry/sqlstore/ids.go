package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/accord/accord/registry"
)

// Schema ids on PostgreSQL.
//
// A context's ids come from its counter, contexts.last_id. Moving it
// inside a registration's transaction would lock the context's row until
// that transaction commits, so every registration of the context — of any
// subject, on any replica — would wait for the one before it to commit,
// WAL flush included: about a thousand a second at best, whatever else
// is made faster. So a registration that needs a new id takes it from the
// counter in a statement of its own on a separate connection (autocommit,
// a row lock held for microseconds), and stores its schema in its own
// transaction with INSERT … ON CONFLICT (context, fingerprint) DO NOTHING:
// two registrations of one new schema under different subjects still get
// one id, the second taking the first's once it commits.
//
// What this gives up: an id taken by a registration that then fails or
// loses that race is never used (a gap; ids stay unique and increasing,
// and nothing promises they are dense). The counter's statement commits
// with synchronous_commit off, so it costs no WAL flush: if the server
// crashes before the flush, the counter may come back lower, but only by
// ids no committed schema holds, since a registration's own commit
// flushes the WAL up to and including the counter's move before anyone is
// told the id.
//
// The counter's row exists and is committed once a context has had a
// registration; the first registration of a new context, one with an id
// chosen (IMPORT), a counter at the end of the id space and a wait on the
// counter's row longer than idLockTimeout take the locked path in the
// transaction (InsertSchema), as before.

// idLockTimeout bounds the allocator's wait for the counter's row.
const idLockTimeout = "1s"

// openIDAllocator opens the small pool of autocommit connections that
// move the counters.
func openIDAllocator(cfg *pgx.ConnConfig, dl deadlines) *sql.DB {
	c := cfg.Copy()
	c.RuntimeParams["synchronous_commit"] = "off"
	c.RuntimeParams["application_name"] = "accord-ids"
	// A wait on the counter's row longer than this falls back to the
	// locked path (takeID): a transaction holding the row may be waiting
	// for the caller's own subject lock (DeleteContext deletes the
	// context's subject rows), a cycle PostgreSQL cannot see through two
	// connections; on the locked path it can, and breaks it.
	c.RuntimeParams["lock_timeout"] = idLockTimeout
	db := sql.OpenDB(deadlineConnector{inner: stdlib.GetConnector(*c), d: dl})
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(2)
	return db
}

// takeID takes the next id of the transaction's context from its counter
// on the allocator's connection. ok is false when the counter cannot give
// one that way: its row is not committed yet (a new context), or it has
// reached registry.MaxID; the caller then takes the locked path.
func (t *tx) takeID() (id int64, ok bool, err error) {
	if t.ids == nil {
		return 0, false, nil
	}
	err = t.ids.QueryRowContext(t.ctx, t.d.rebind(
		`UPDATE contexts SET last_id = last_id + 1 WHERE context = ? AND last_id < ? RETURNING last_id`),
		t.regCtx, registry.MaxID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows), isLockTimeout(err):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("take an id: %w", err)
	}
	t.taken = append(t.taken, id)
	return id, true, nil
}

// giveBack returns the ids a rolled-back transaction took, newest first,
// as far as no later id was taken since: a refused or failed registration
// then spends no id unless another registration ran beside it. Best
// effort; an id not given back is a gap.
func (s *Store) giveBack(regCtx string, ids []int64) {
	if len(ids) == 0 || s.ids == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.dl.call)
	defer cancel()
	for _, id := range slices.Backward(ids) {
		res, err := s.ids.ExecContext(ctx, s.d.rebind(
			`UPDATE contexts SET last_id = last_id - 1 WHERE context = ? AND last_id = ?`), regCtx, id)
		if err != nil {
			s.log.Warn("giving back a schema id", "context", regCtx, "id", id, "err", err)
			return
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return
		}
	}
}

// SchemaByFingerprint is the reader's, remembering in the transaction a
// fingerprint found absent (see tx.absent).
func (t *tx) SchemaByFingerprint(ctx context.Context, regCtx, fp string) (registry.SchemaRecord, error) {
	var (
		rec registry.SchemaRecord
		err error
	)
	if a := t.ahead; a != nil && a.hasSchema && a.fp == fp && regCtx == t.regCtx {
		// Read with the lock (pipeline.go).
		rec, err = a.schema, a.schemaErr
		a.hasSchema = false
		if err != nil {
			err = fmt.Errorf("sqlstore: schema with fingerprint %q in context %q: %w", fp, regCtx, err)
		}
	} else {
		rec, err = t.reader.SchemaByFingerprint(ctx, regCtx, fp)
	}
	if errors.Is(err, registry.ErrNotFound) && regCtx == t.regCtx {
		if t.absent == nil {
			t.absent = map[string]bool{}
		}
		t.absent[fp] = true
	}
	return rec, err
}

// isLockTimeout reports whether err is PostgreSQL's lock_not_available
// (lock_timeout expired).
func isLockTimeout(err error) bool {
	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	return ok && pgErr.Code == "55P03"
}
