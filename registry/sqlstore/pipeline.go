package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/accord/accord/registry"
)

// Pipelined transactions on PostgreSQL (issue 17).
//
// A registration's transaction was a round trip per statement: BEGIN, the
// lock, each read it decides from, each write, COMMIT. pgx can send
// several statements in one round trip (a batch: the server runs them in
// order, each with its own snapshot, and answers them together), so a
// transaction of the Store on PostgreSQL now sends:
//
//   - BEGIN, the subject's lock and the reads the registry announced
//     (registry.WithReadAhead: every level's settings, the subject's
//     versions, the schema by fingerprint) in one batch. The reads are
//     statements of their own that start after the lock statement has
//     finished, so they read what holds under the lock, exactly as if
//     they had been sent one by one; the transaction answers each
//     announced read from them once, and any write drops what is left.
//   - Writes whose result the caller does not need at once (the new
//     schema with an id already taken, the next version when the
//     transaction has read the subject's versions under its lock, the
//     audit entry) are queued, and sent with COMMIT in one last batch.
//     Any other statement, or a read through DB.TxFrom, sends the queue
//     first, so every statement still sees the transaction's earlier
//     writes.
//
// If a statement of a batch fails the server skips the rest, COMMIT
// included, and the transaction is rolled back as before. A queued schema
// insert is a plain INSERT: when another transaction stored the same
// fingerprint meanwhile it fails on the unique key (after waiting for
// that transaction, as ON CONFLICT would), so nothing is committed; the
// transaction is then run again (errRaced) and finds that schema.

// errRaced reports that a queued schema insert lost the race for its
// fingerprint to a concurrent transaction: the whole transaction was
// rolled back and is run again, which then finds that schema.
var errRaced = errors.New("sqlstore: the schema was stored meanwhile by another transaction")

type pipelinedKey struct{}

// withPipelinedBegin marks ctx so that deadlineConn.BeginTx sends no
// BEGIN: the transaction's first batch, or its first statement, does.
func withPipelinedBegin(ctx context.Context) context.Context {
	return context.WithValue(ctx, pipelinedKey{}, true)
}

func pipelined(ctx context.Context) bool {
	v, _ := ctx.Value(pipelinedKey{}).(bool)
	return v
}

// pipeTx is the driver.Tx of a transaction whose BEGIN goes with its
// first batch and whose COMMIT may go with its last.
type pipeTx struct {
	conn      *deadlineConn
	begun     bool // BEGIN was sent
	committed bool // a batch's COMMIT succeeded
	// tx is the Store's transaction on it, once it sent a batch: the
	// connection answers the reads other stores announced from its
	// ahead (announce.go), and drops them on a write.
	tx *tx
}

// beginPipelined opens a transaction without a round trip.
// Under WithoutDeadline it gets no deadline of its own.
func (c *deadlineConn) beginPipelined(ctx context.Context) driver.Tx {
	if !exempt(ctx) {
		c.txDeadline = time.Now().Add(c.d.tx)
	}
	c.pipe = &pipeTx{conn: c}
	return c.pipe
}

// beginPending sends BEGIN on its own when a statement reaches the
// connection of a pipelined transaction before any batch did.
func (c *deadlineConn) beginPending(ctx context.Context) error {
	if c.pipe == nil || c.pipe.begun {
		return nil
	}
	c.pipe.begun = true
	e, ok := c.inner.(driver.ExecerContext)
	if !ok {
		return errors.New("sqlstore: the driver cannot execute BEGIN")
	}
	_, err := e.ExecContext(ctx, "begin", nil)
	return err
}

func (t *pipeTx) Commit() error {
	defer t.end()
	if t.committed || !t.begun {
		return nil
	}
	return t.exec("commit")
}

func (t *pipeTx) Rollback() error {
	defer t.end()
	if t.committed || !t.begun {
		return nil
	}
	return t.exec("rollback")
}

func (t *pipeTx) exec(q string) error {
	e, ok := t.conn.inner.(driver.ExecerContext)
	if !ok {
		return errors.New("sqlstore: the driver cannot execute " + q)
	}
	ctx, cancel := t.conn.callCtx(context.Background())
	defer cancel()
	_, err := e.ExecContext(ctx, q, nil)
	return err
}

// end forgets the transaction. A connection not back to idle (a failed
// ROLLBACK) is closed, so the pool never hands out one inside a
// transaction.
func (t *pipeTx) end() {
	t.conn.txDeadline = time.Time{}
	t.conn.pipe = nil
	if pc, ok := pgxConn(t.conn); ok && pc.PgConn().TxStatus() != 'I' {
		ctx, cancel := context.WithTimeout(context.Background(), t.conn.d.call)
		defer cancel()
		_ = pc.Close(ctx)
	}
}

func pgxConn(c *deadlineConn) (*pgx.Conn, bool) {
	sc, ok := c.inner.(*stdlib.Conn)
	if !ok {
		return nil, false
	}
	return sc.Conn(), true
}

// queued is a write sent with the transaction's next batch. With
// raceOnUnique, a unique violation means a concurrent transaction stored
// the same schema first (errRaced).
type queued struct {
	sql          string // rebound
	args         []any
	raceOnUnique bool
}

// readAhead holds the results of the reads announced with the lock
// (registry.ReadAhead), each answered once.
type readAhead struct {
	levels      []registry.Name
	settings    []registry.Setting
	versions    []registry.VersionRecord
	hasVersions bool
	fp          string
	schema      registry.SchemaRecord
	schemaErr   error // registry.ErrNotFound when absent
	hasSchema   bool
	announced   []*announced // other stores' (DB.AnnounceRead)
}

// batch sends, in one round trip on the transaction's connection, BEGIN
// when not sent yet, the queued writes, what build queues, and COMMIT
// when commit; read reads the results of build's statements, or, when
// nil, each goes to its statement's callback (PipelinedTx). It reports
// whether the failure (if any) came before COMMIT ran, so nothing was
// committed for sure.
func (t *tx) batch(build func(*pgx.Batch), read func(pgx.BatchResults) error, commit bool) (err error, beforeCommit bool) {
	if t.broken != nil {
		return t.broken, true
	}
	pending := t.pending
	t.pending = nil
	beforeCommit = true
	run := func() (struct{}, error) {
		return struct{}{}, t.conn.Raw(func(dc any) error {
			c, ok := dc.(*deadlineConn)
			if !ok || c.pipe == nil {
				return errors.New("sqlstore: batch outside a pipelined transaction")
			}
			pc, ok := pgxConn(c)
			if !ok {
				return errors.New("sqlstore: batch on a connection that is not pgx's")
			}
			c.pipe.tx = t
			var b pgx.Batch
			begin := !c.pipe.begun
			if begin {
				b.Queue("begin")
			}
			for _, q := range pending {
				b.Queue(q.sql, q.args...)
			}
			from := len(b.QueuedQueries)
			if build != nil {
				build(&b)
			}
			built := b.QueuedQueries[from:]
			if commit {
				b.Queue("commit")
			}
			ctx, cancel := c.callCtx(t.ctx)
			defer cancel()
			c.pipe.begun = true
			br := pc.SendBatch(ctx, &b)
			err := func() error {
				if begin {
					if _, err := br.Exec(); err != nil {
						return err
					}
				}
				for _, q := range pending {
					if _, err := br.Exec(); err != nil {
						if q.raceOnUnique && t.d.isUniqueViolation(err) {
							return fmt.Errorf("%w: %w", errRaced, err)
						}
						return err
					}
				}
				if read != nil {
					if err := read(br); err != nil {
						return err
					}
				} else if err := answer(br, built); err != nil {
					return err
				}
				if commit {
					beforeCommit = false
					ct, err := br.Exec()
					if err != nil {
						return err
					}
					if ct.String() != "COMMIT" {
						// A COMMIT of a transaction that failed answers ROLLBACK.
						return fmt.Errorf("sqlstore: the transaction was rolled back (%s)", ct)
					}
					c.pipe.committed = true
				}
				return nil
			}()
			if cerr := br.Close(); err == nil {
				err = cerr
			}
			return err
		})
	}
	_, err = observed(t.o, "query", run)
	if err != nil && !commit {
		// The transaction is aborted: every later statement fails.
		t.broken = err
	}
	return err, beforeCommit
}

// answer hands each of qs's results, in order, to its callback
// (pgx.QueuedQuery's Query, QueryRow or Exec), or reads it as an Exec.
func answer(br pgx.BatchResults, qs []*pgx.QueuedQuery) error {
	for _, q := range qs {
		if q.Fn != nil {
			if err := q.Fn(br); err != nil {
				return err
			}
		} else if _, err := br.Exec(); err != nil {
			return err
		}
	}
	return nil
}

// flush sends the queued writes, if any.
func (t *tx) flush() error {
	if len(t.pending) == 0 {
		return t.broken
	}
	err, _ := t.batch(nil, nil, false)
	return err
}

// queue adds a write to the next batch (query written with ?).
func (t *tx) queue(query string, raceOnUnique bool, args ...any) {
	t.pending = append(t.pending, queued{sql: t.d.rebind(query), args: args, raceOnUnique: raceOnUnique})
	t.ahead = nil // what was read ahead may no longer hold
}

// canQueue reports whether writes may wait for the next batch.
func (t *tx) canQueue() bool { return t.conn != nil && t.broken == nil }

// commitPipelined sends the queued writes and COMMIT in one batch.
func (t *tx) commitPipelined() (err error, beforeCommit bool) {
	return t.batch(nil, nil, true)
}

// flushing is the querier of a pipelined transaction: every statement
// first sends the queued writes, so it sees them; a write drops what was
// read ahead.
type flushing struct{ t *tx }

func (f flushing) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := f.t.flush(); err != nil {
		return nil, err
	}
	f.t.ahead = nil
	f.t.maxKnown = false
	return f.t.sqlTx.ExecContext(ctx, query, args...)
}

func (f flushing) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := f.t.flush(); err != nil {
		return nil, err
	}
	return f.t.sqlTx.QueryContext(ctx, query, args...)
}

func (f flushing) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	// *sql.Row cannot carry the send's error: a failed send aborted the
	// transaction (or closed the connection), so the statement fails on
	// its own, and the commit refuses (t.broken).
	_ = f.t.flush()
	return f.t.sqlTx.QueryRowContext(ctx, query, args...)
}

// queueAudit is the audit.Execer of a pipelined transaction: the entry
// goes with the next batch.
type queueAudit struct{ t *tx }

func (q queueAudit) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	q.t.pending = append(q.t.pending, queued{sql: query, args: args})
	return driver.RowsAffected(1), nil
}

// lockPipelined is lock for a subject on PostgreSQL: BEGIN, the lock
// (lockSubjectPostgres's statement) and the reads announced in t.ctx
// (registry.ReadAhead, and other stores' DB.AnnounceRead) in one round
// trip.
func (t *tx) lockPipelined(w string) error {
	ra, _ := registry.ReadAheadFrom(t.ctx)
	ahead := &readAhead{announced: announcedFor(t.ctx, t.owner)}
	var counter int64
	err, _ := t.batch(func(b *pgx.Batch) {
		q, args := t.lockSubjectStatement()
		b.Queue(t.d.rebind(q), args...)
		if len(ra.Levels) > 0 {
			q, args := settingsQuery(ra.Levels)
			b.Queue(t.d.rebind(q), args...)
		}
		if ra.Versions {
			b.Queue(t.d.rebind(versionsSQL), t.regCtx, t.subject)
		}
		if ra.Fingerprint != "" {
			b.Queue(t.d.rebind(schemaByFingerprintSQL), t.regCtx, ra.Fingerprint)
		}
		for _, a := range ahead.announced {
			b.Queue(a.query, a.args...)
		}
	}, func(br pgx.BatchResults) error {
		if err := br.QueryRow().Scan(&counter); err != nil {
			return fmt.Errorf("lock subject: %w", err)
		}
		if len(ra.Levels) > 0 {
			rows, err := br.Query()
			if err != nil {
				return fmt.Errorf("settings: %w", err)
			}
			ahead.settings, err = scanSettings(rows, len(ra.Levels))
			rows.Close()
			if err != nil {
				return fmt.Errorf("settings: %w", err)
			}
			ahead.levels = ra.Levels
		}
		if ra.Versions {
			rows, err := br.Query()
			if err != nil {
				return fmt.Errorf("versions: %w", err)
			}
			ahead.versions, err = scanVersions(rows, t.regCtx)
			rows.Close()
			if err != nil {
				return fmt.Errorf("versions: %w", err)
			}
			ahead.hasVersions = true
		}
		if ra.Fingerprint != "" {
			rec, err := scanSchemaRow(t.regCtx, br.QueryRow())
			if err != nil && !errors.Is(err, registry.ErrNotFound) {
				return fmt.Errorf("schema by fingerprint: %w", err)
			}
			ahead.fp, ahead.schema, ahead.schemaErr, ahead.hasSchema = ra.Fingerprint, rec, err, true
		}
		for _, a := range ahead.announced {
			if err := readAnnounced(br, a); err != nil {
				return err
			}
		}
		return nil
	}, false)
	if err != nil {
		return fmt.Errorf("sqlstore: update %s: %w", w, err)
	}
	t.ahead = ahead
	return nil
}

// Settings answers from what was read with the lock when it was announced.
func (t *tx) Settings(ctx context.Context, levels []registry.Name) ([]registry.Setting, error) {
	if a := t.ahead; a != nil && a.levels != nil && slicesEqual(a.levels, levels) {
		out := a.settings
		a.levels, a.settings = nil, nil
		return out, nil
	}
	return t.reader.Settings(ctx, levels)
}

// Versions answers from what was read with the lock when it was
// announced, and records the locked subject's highest version (see
// AppendVersion).
func (t *tx) Versions(ctx context.Context, regCtx, subject string, includeDeleted bool) ([]registry.VersionRecord, error) {
	locked := regCtx == t.regCtx && subject == t.subject && subject != "" && includeDeleted
	var (
		vs  []registry.VersionRecord
		err error
	)
	if a := t.ahead; locked && a != nil && a.hasVersions {
		vs = a.versions
		a.versions, a.hasVersions = nil, false
	} else if vs, err = t.reader.Versions(ctx, regCtx, subject, includeDeleted); err != nil {
		return nil, err
	}
	if locked && t.conn != nil && len(t.pending) == 0 {
		t.maxVersion, t.maxKnown = 0, true
		for _, v := range vs {
			t.maxVersion = max(t.maxVersion, v.Version)
		}
	}
	return vs, nil
}

func slicesEqual(a, b []registry.Name) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
