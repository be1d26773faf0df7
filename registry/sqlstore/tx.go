package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/accord/accord/registry"
)

// Retry policy for transactions that fail with a retryable error.
const (
	maxAttempts  = 10
	retryBackoff = 5 * time.Millisecond
	maxBackoff   = 500 * time.Millisecond
)

// Update runs fn in a transaction holding the lock of (regCtx, subject),
// or of regCtx when subject is "". If fn returns an error the transaction
// is rolled back and the error is returned as is. Transactions that fail
// with a serialization failure, a deadlock or a busy database are run
// again, fn included.
func (s *Store) Update(ctx context.Context, regCtx, subject string, fn func(registry.Tx) error) (err error) {
	if regCtx == "" {
		return errors.New("sqlstore: update: empty context name")
	}
	if s.obs != nil {
		start := time.Now()
		var end func(error)
		ctx, end = s.obs.StartSpan(ctx, "db transaction")
		defer func() { end(err); s.obs.Transaction(time.Since(start), err) }()
	}
	if !s.d.postgres() && !s.ungrouped {
		return s.updateGrouped(ctx, regCtx, subject, fn)
	}
	return s.updateRetrying(ctx, regCtx, subject, fn)
}

// updateRetrying runs fn in a transaction of its own, again while it
// fails with a retryable error.
func (s *Store) updateRetrying(ctx context.Context, regCtx, subject string, fn func(registry.Tx) error) (err error) {
	backoff := retryBackoff
	for attempt := 1; ; attempt++ {
		err = s.updateOnce(ctx, regCtx, subject, fn)
		if err == nil || attempt == maxAttempts || !(s.d.isRetryable(err) || errors.Is(err, errRaced)) || ctx.Err() != nil {
			return err
		}
		s.log.DebugContext(ctx, "retrying transaction", "context", regCtx, "subject", subject, "attempt", attempt, "err", err)
		wait := backoff/2 + rand.N(backoff) // jitter, mean backoff
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("sqlstore: update %s: %w (after %v)", where(regCtx, subject), ctx.Err(), err)
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (s *Store) updateOnce(ctx context.Context, regCtx, subject string, fn func(registry.Tx) error) error {
	ctx, cancel := s.dl.txContext(ctx) // bounds the wait for a connection too
	defer cancel()
	var (
		conn  *sql.Conn
		sqlTx *sql.Tx
		err   error
	)
	if s.d.postgres() {
		// Pipelined (pipeline.go): BEGIN goes with the first batch.
		if conn, err = s.db.Conn(ctx); err != nil {
			return fmt.Errorf("sqlstore: update %s: begin: %w", where(regCtx, subject), err)
		}
		defer conn.Close() // after the deferred rollback below
		sqlTx, err = conn.BeginTx(withPipelinedBegin(ctx), nil)
	} else {
		sqlTx, err = s.db.BeginTx(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: update %s: begin: %w", where(regCtx, subject), err)
	}
	committed, committing := false, false
	var t *tx
	defer func() {
		if !committed {
			_ = sqlTx.Rollback()
			if !committing && t != nil {
				// Rolled back for sure: hand back the ids it took.
				s.giveBack(regCtx, t.taken)
			}
		}
	}()
	t = &tx{
		reader:  reader{q: sqlTx, d: s.d, o: s.obs, stmts: s.stmts, tx: sqlTx},
		sqlTx:   sqlTx,
		owner:   s.db,
		ids:     s.ids,
		ctx:     ctx,
		regCtx:  regCtx,
		subject: subject,
		touched: map[string]bool{},
		conn:    conn,
		known:   s.known.has(regCtx),
	}
	if s.d.postgres() {
		t.notice = func(name string) (string, error) { return s.notice(regCtx, name) }
		t.reader.q = flushing{t}
	}
	if err := t.lock(); err != nil {
		return err
	}
	if err := fn(t); err != nil {
		if errors.Is(t.broken, errRaced) {
			// A queued schema lost its race when sent before the commit
			// (pipeline.go); fn then failed on the aborted transaction.
			return t.broken
		}
		return err
	}
	moved, err := t.countChanges(t.notice)
	if err != nil {
		return err
	}
	if conn != nil {
		// The queued writes and COMMIT in one round trip.
		err, beforeCommit := t.commitPipelined()
		if err != nil {
			committing = !beforeCommit // a failed COMMIT may have committed: keep the ids
			if beforeCommit && errors.Is(err, errRaced) {
				return err
			}
			return fmt.Errorf("sqlstore: update %s: commit: %w", where(regCtx, subject), err)
		}
	}
	committing = true // a failed COMMIT may have committed: keep the ids
	if _, err := observed(s.obs, "commit", func() (struct{}, error) { return struct{}{}, sqlTx.Commit() }); err != nil {
		return fmt.Errorf("sqlstore: update %s: commit: %w", where(regCtx, subject), err)
	}
	committed = true
	t.moved = moved
	s.raiseCounters(t)
	if subject != "" && s.d.postgres() {
		s.known.add(regCtx)
	}
	return nil
}

// raiseCounters records in the SQLite Store's mirror the counters a
// committed transaction moved.
func (s *Store) raiseCounters(t *tx) {
	if s.d.postgres() {
		return
	}
	for name, c := range t.moved {
		s.counters.raise(counterKey{t.regCtx, name}, c)
	}
	if t.globalMoved > 0 {
		s.counters.raise(counterKey{registry.DefaultContext, ""}, t.globalMoved)
	}
}

// tx is the registry.Tx handed to Update's function.
type tx struct {
	reader
	sqlTx *sql.Tx
	owner *sql.DB // the pool sqlTx came from, see DB.TxFrom
	ids   *sql.DB // Store.ids
	taken []int64 // ids takeID took for this transaction
	// absent are fingerprints SchemaByFingerprint found no schema for in
	// this transaction: InsertSchema need not look again before taking an
	// id (a schema stored since is caught on insert, at the cost of an id).
	absent   map[string]bool
	inserted insertedSchema // by the last InsertSchema
	// notice makes a change's NOTIFY payload (PostgreSQL); counted holds
	// the subjects whose counter a statement already moved, and NOTIFY
	// sent, in this transaction (AppendVersion), with the new value.
	notice  func(name string) (string, error)
	counted map[string]int64
	ctx     context.Context
	regCtx  string
	subject string          // the locked subject, "" for context-wide writes
	touched map[string]bool // subjects written ("" for context-wide settings), for the counters and NOTIFY
	// globalMoved is the default context's counter after a write of
	// .__GLOBAL settings moved it (countChanges); 0 otherwise.
	globalMoved int64
	moved       map[string]int64 // countChanges's result, once committed

	// Pipelined transactions (PostgreSQL, pipeline.go): conn is the
	// connection the transaction runs on, pending the writes queued for
	// the next batch, ahead the reads announced with the lock, broken the
	// error that aborted the transaction in a batch. maxVersion is the
	// locked subject's highest version (soft-deleted included) as read
	// under the lock, while maxKnown.
	conn       *sql.Conn
	pending    []queued
	ahead      *readAhead
	broken     error
	maxVersion int
	maxKnown   bool
	// known: the context's row is committed (contexts.go), so the lock
	// statement leaves it alone.
	known bool
}

// countChanges moves the change counter of every subject the transaction
// wrote (and of its context when it wrote context-wide settings), so
// that a cache read before the transaction commits can no longer pass
// for current (registry.Changes). A transaction that wrote nothing moves
// no counter: a re-registration answered in the transaction must not
// make every replica's cache look stale.
//
// With notice (PostgreSQL) the same statement sends each change's
// notification (pg_notify, delivered at commit) with notice's payload.
//
// It returns the counters' new values by name.
func (t *tx) countChanges(notice func(name string) (string, error)) (map[string]int64, error) {
	names := make([]string, 0, len(t.touched))
	for name := range t.touched {
		names = append(names, name)
	}
	sort.Strings(names)
	moved := make(map[string]int64, len(names))
	for _, name := range names {
		if c, ok := t.counted[name]; ok {
			moved[name] = c
			continue
		}
		var (
			c   int64
			err error
		)
		q, args := `UPDATE contexts SET changes = changes + 1 WHERE context = ? RETURNING changes`, []any{t.regCtx}
		if name != "" {
			// A context-wide transaction may set a subject's mode or config
			// before the subject has a row.
			q, args = `
				INSERT INTO subjects (context, subject, last_version, changes) VALUES (?, ?, 0, 1)
				ON CONFLICT (context, subject) DO UPDATE SET changes = subjects.changes + 1
				RETURNING changes`, []any{t.regCtx, name}
		}
		if notice != nil {
			payload, perr := notice(name)
			if perr != nil {
				return nil, perr
			}
			// One round trip for both: the counter's statement becomes a
			// CTE whose row drives the notification.
			q = `WITH c AS (` + q + `) SELECT c.changes FROM c CROSS JOIN LATERAL (SELECT pg_notify(?, ?)) n`
			args = append(args, channel, payload)
		}
		err = t.queryRow(t.ctx, q, args...).Scan(&c)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: update %s: count the change: %w", settingOf(t.regCtx, name), err)
		}
		moved[name] = c
	}
	if t.regCtx == registry.GlobalContext && t.touched[""] {
		// .__GLOBAL settings apply in every context: move the counter the
		// registry reads for the default context too (registry.Changes's
		// Global), so no cache of them passes for current.
		if err := t.queryRow(t.ctx, `
			INSERT INTO contexts (context, last_id, changes) VALUES (?, 0, 1)
			ON CONFLICT (context) DO UPDATE SET changes = contexts.changes + 1
			RETURNING changes`, registry.DefaultContext).Scan(&t.globalMoved); err != nil {
			return nil, fmt.Errorf("sqlstore: update %s: count the change: %w", settingOf(t.regCtx, ""), err)
		}
	}
	return moved, nil
}

// ShareLock takes a shared lock on the row of (regCtx, subject), if it
// exists: a subject without a row has no version to protect. On SQLite
// the transaction already excludes every other writer.
func (t *tx) ShareLock(regCtx, subject string) error {
	if !t.d.postgres() {
		return nil
	}
	var one int
	err := t.queryRow(t.ctx, `SELECT 1 FROM subjects WHERE context = ? AND subject = ? FOR SHARE`, regCtx, subject).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlstore: share-lock %s: %w", where(regCtx, subject), err)
	}
	return nil
}

var _ registry.Tx = (*tx)(nil)

// lock creates the context's row and the subject's row if needed and locks
// the one the transaction is about. On SQLite the transaction already
// holds the database's write lock (BEGIN IMMEDIATE).
func (t *tx) lock() error {
	w := where(t.regCtx, t.subject)
	if t.subject != "" && t.d.postgres() {
		return t.lockSubjectPostgres(w)
	}
	if _, err := t.exec(t.ctx,
		`INSERT INTO contexts (context, last_id) VALUES (?, 0) ON CONFLICT (context) DO NOTHING`,
		t.regCtx); err != nil {
		return fmt.Errorf("sqlstore: update %s: create context: %w", w, err)
	}
	var counter int64
	if t.subject == "" {
		if err := t.queryRow(t.ctx,
			`SELECT last_id FROM contexts WHERE context = ?`+t.d.forUpdate,
			t.regCtx).Scan(&counter); err != nil {
			return fmt.Errorf("sqlstore: update %s: lock context: %w", w, err)
		}
		return nil
	}
	if _, err := t.exec(t.ctx,
		`INSERT INTO subjects (context, subject, last_version) VALUES (?, ?, 0) ON CONFLICT (context, subject) DO NOTHING`,
		t.regCtx, t.subject); err != nil {
		return fmt.Errorf("sqlstore: update %s: create subject: %w", w, err)
	}
	if err := t.queryRow(t.ctx,
		`SELECT last_version FROM subjects WHERE context = ? AND subject = ?`+t.d.forUpdate,
		t.regCtx, t.subject).Scan(&counter); err != nil {
		return fmt.Errorf("sqlstore: update %s: lock subject: %w", w, err)
	}
	return nil
}

// lockSubjectPostgres is lock for a subject on PostgreSQL, in one round
// trip: it creates the context's row if needed and creates or locks the
// subject's (an upsert that changes nothing still takes the row's lock,
// FOR NO KEY UPDATE, as the SELECT of the general case does).
func (t *tx) lockSubjectPostgres(w string) error {
	if t.conn != nil {
		return t.lockPipelined(w)
	}
	var counter int64
	q, args := t.lockSubjectStatement()
	if err := t.queryRow(t.ctx, q, args...).Scan(&counter); err != nil {
		return fmt.Errorf("sqlstore: update %s: lock subject: %w", w, err)
	}
	return nil
}

// lockSubjectStatement is lockSubjectPostgres's statement and arguments:
// without the context's row when it is known (contexts.go).
func (t *tx) lockSubjectStatement() (string, []any) {
	if t.known {
		return lockKnownSubjectSQL, []any{t.regCtx, t.subject}
	}
	return lockSubjectSQL, []any{t.regCtx, t.regCtx, t.subject}
}

// lockKnownSubjectSQL is lockSubjectSQL in a context whose row is
// committed.
const lockKnownSubjectSQL = `
		INSERT INTO subjects (context, subject, last_version) VALUES (?, ?, 0)
		ON CONFLICT (context, subject) DO UPDATE SET last_version = subjects.last_version
		RETURNING last_version`

// lockSubjectSQL is lockSubjectPostgres's statement.
const lockSubjectSQL = `
		WITH c AS (INSERT INTO contexts (context, last_id) VALUES (?, 0) ON CONFLICT (context) DO NOTHING)
		INSERT INTO subjects (context, subject, last_version) VALUES (?, ?, 0)
		ON CONFLICT (context, subject) DO UPDATE SET last_version = subjects.last_version
		RETURNING last_version`

// needSubject fails when the transaction locks no subject.
func (t *tx) needSubject(op string) error {
	if t.subject == "" {
		return fmt.Errorf("sqlstore: %s in context %q: the transaction locks no subject", op, t.regCtx)
	}
	return nil
}

// where names (context, subject) in messages.
func where(regCtx, subject string) string {
	if subject == "" {
		return fmt.Sprintf("context %q", regCtx)
	}
	return fmt.Sprintf("subject %q in context %q", subject, regCtx)
}

// rowsAffected returns how many rows res changed.
func rowsAffected(res sql.Result) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("rows affected: %w", err)
	}
	return n, nil
}

// ForgetContext removes the subject rows of the locked context, which must
// have no versions left (the foreign key refuses otherwise).
func (t *tx) ForgetContext() error {
	if t.subject != "" {
		return fmt.Errorf("sqlstore: forget context %q: the transaction locks a subject", t.regCtx)
	}
	if _, err := t.exec(t.ctx, `DELETE FROM subjects WHERE context = ?`, t.regCtx); err != nil {
		return fmt.Errorf("sqlstore: forget context %q: %w", t.regCtx, err)
	}
	return nil
}
