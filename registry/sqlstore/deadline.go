package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
	"sync"
	"time"
)

// Deadlines. A stalled database (a frozen server, a network that drops
// packets without resetting connections) must make callers fail fast, not
// hang: so every database call gets a deadline, applied here once, in the
// driver the store's *sql.DB handles use. Every SQL store sharing those
// handles (the registry's, auth/sqlauth, contracts, lineage, proposals,
// audit) gets the same discipline without knowing of it.
//
//   - Opening a connection (dial, TLS, start-up) may take callTimeout.
//   - Each statement (exec, query until its rows are closed, prepare,
//     ping, the liveness check before a pooled connection is reused) may
//     take callTimeout, and inside a transaction no longer than what is
//     left of the transaction's own deadline.
//   - A transaction, BEGIN to COMMIT, may take txTimeout.
//
// A call that passes its deadline fails with context.DeadlineExceeded;
// pgx closes a connection whose read or write timed out, so the pool never
// hands out a connection in an unknown state. The caller's own context
// still applies: the earlier of the two deadlines wins.

// DefaultTimeout is the deadline of one database call unless WithTimeout
// says otherwise.
const DefaultTimeout = 5 * time.Second

// txTimeoutFactor: a transaction may take this many calls' time.
const txTimeoutFactor = 2

// deadlines are the bounds a deadlineConnector applies.
type deadlines struct {
	call time.Duration
	tx   time.Duration
}

func newDeadlines(call time.Duration) deadlines {
	if call <= 0 {
		call = DefaultTimeout
	}
	return deadlines{call: call, tx: txTimeoutFactor * call}
}

// deadlineConnector wraps a driver's connector so that every connection it
// opens applies d.
type deadlineConnector struct {
	inner driver.Connector
	d     deadlines
}

func (c deadlineConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if !exempt(ctx) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.d.call)
		defer cancel()
	}
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &deadlineConn{inner: conn, d: c.d}, nil
}

func (c deadlineConnector) Driver() driver.Driver { return c.inner.Driver() }

// deadlineConn applies deadlines to one connection. database/sql uses a
// connection from one goroutine at a time, so txDeadline needs no lock.
type deadlineConn struct {
	inner      driver.Conn
	d          deadlines
	txDeadline time.Time // zero outside a transaction
	// pipe is the open transaction whose BEGIN is sent with its first
	// batch (pipeline.go); nil otherwise.
	pipe *pipeTx
}

// Unwrap returns the driver's own connection, for code that reaches it
// through sql.Conn.Raw (SQLite's online backup, pgx's CopyFrom).
func (c *deadlineConn) Unwrap() driver.Conn { return c.inner }

// callCtx bounds one call on the connection.
func (c *deadlineConn) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if exempt(ctx) {
		return ctx, func() {}
	}
	deadline := time.Now().Add(c.d.call)
	if !c.txDeadline.IsZero() && c.txDeadline.Before(deadline) {
		deadline = c.txDeadline
	}
	return context.WithDeadline(ctx, deadline)
}

func (c *deadlineConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *deadlineConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	var (
		st  driver.Stmt
		err error
	)
	if err := c.beginPending(ctx); err != nil {
		return nil, err
	}
	if p, ok := c.inner.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.inner.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &deadlineStmt{inner: st, conn: c}, nil
}

func (c *deadlineConn) Close() error { return c.inner.Close() }

func (c *deadlineConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *deadlineConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	b, ok := c.inner.(driver.ConnBeginTx)
	if !ok {
		return nil, errors.New("sqlstore: the driver does not support BeginTx")
	}
	// The driver may keep the context it is given for COMMIT and ROLLBACK
	// (pgx does), so BEGIN runs under the transaction's deadline, not a
	// call's.
	if pipelined(ctx) {
		return c.beginPipelined(ctx), nil
	}
	if exempt(ctx) {
		return b.BeginTx(ctx, opts)
	}
	deadline := time.Now().Add(c.d.tx)
	txCtx, cancel := context.WithDeadline(ctx, deadline)
	tx, err := b.BeginTx(txCtx, opts)
	if err != nil {
		cancel()
		return nil, err
	}
	c.txDeadline = deadline
	return &deadlineTx{inner: tx, conn: c, cancel: cancel}, nil
}

func (c *deadlineConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.inner.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	if c.pipe != nil && c.pipe.tx != nil {
		c.pipe.tx.ahead = nil // a write: what was read ahead may no longer hold
	}
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	if err := c.beginPending(ctx); err != nil {
		return nil, err
	}
	return e.ExecContext(ctx, query, args)
}

func (c *deadlineConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.inner.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	if c.pipe != nil && c.pipe.tx != nil && c.pipe.tx.ahead != nil {
		if rows, ok := takeAnnounced(c.pipe.tx.ahead.announced, query, args); ok {
			return rows, nil // read with the lock (announce.go)
		}
	}
	ctx, cancel := c.callCtx(ctx)
	if err := c.beginPending(ctx); err != nil {
		cancel()
		return nil, err
	}
	rows, err := q.QueryContext(ctx, query, args)
	if err != nil {
		cancel()
		return nil, err
	}
	return newDeadlineRows(ctx, rows, cancel), nil // reading the rows is part of the call
}

func (c *deadlineConn) Ping(ctx context.Context) error {
	p, ok := c.inner.(driver.Pinger)
	if !ok {
		return nil
	}
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	return p.Ping(ctx)
}

// ResetSession runs before a pooled connection is reused; pgx pings the
// server there, which would hang on a stalled one.
func (c *deadlineConn) ResetSession(ctx context.Context) error {
	c.txDeadline = time.Time{}
	c.pipe = nil
	r, ok := c.inner.(driver.SessionResetter)
	if !ok {
		return nil
	}
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	return r.ResetSession(ctx)
}

func (c *deadlineConn) IsValid() bool {
	if v, ok := c.inner.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// CheckNamedValue passes arguments to the driver's own checker: pgx
// accepts types (slices, its own) that database/sql's default rejects.
func (c *deadlineConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.inner.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// deadlineTx ends the transaction's deadline when it commits or rolls back.
type deadlineTx struct {
	inner  driver.Tx
	conn   *deadlineConn
	cancel context.CancelFunc
}

func (t *deadlineTx) Commit() error {
	defer t.end()
	return t.inner.Commit()
}

func (t *deadlineTx) Rollback() error {
	defer t.end()
	return t.inner.Rollback()
}

func (t *deadlineTx) end() {
	t.cancel()
	t.conn.txDeadline = time.Time{}
}

// deadlineStmt bounds each execution of a prepared statement.
type deadlineStmt struct {
	inner driver.Stmt
	conn  *deadlineConn
}

func (s *deadlineStmt) Close() error  { return s.inner.Close() }
func (s *deadlineStmt) NumInput() int { return s.inner.NumInput() }

// Exec and Query complete driver.Stmt; database/sql calls ExecContext and
// QueryContext, which both drivers implement.
func (s *deadlineStmt) Exec(args []driver.Value) (driver.Result, error) {
	//lint:ignore SA1019 the interface's required method, never called by database/sql here
	return s.inner.Exec(args)
}

func (s *deadlineStmt) Query(args []driver.Value) (driver.Rows, error) {
	//lint:ignore SA1019 as Exec
	return s.inner.Query(args)
}

func (s *deadlineStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.inner.(driver.StmtExecContext)
	if !ok {
		return nil, errors.New("sqlstore: the driver's statements do not support ExecContext")
	}
	ctx, cancel := s.conn.callCtx(ctx)
	defer cancel()
	return e.ExecContext(ctx, args)
}

func (s *deadlineStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.inner.(driver.StmtQueryContext)
	if !ok {
		return nil, errors.New("sqlstore: the driver's statements do not support QueryContext")
	}
	ctx, cancel := s.conn.callCtx(ctx)
	rows, err := q.QueryContext(ctx, args)
	if err != nil {
		cancel()
		return nil, err
	}
	return newDeadlineRows(ctx, rows, cancel), nil
}

func (s *deadlineStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := s.inner.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return s.conn.CheckNamedValue(nv)
}

// newDeadlineRows wraps rows read under ctx; closing them cancels ctx's
// deadline, and also that of a boundedQuerier's call which the context
// carries.
func newDeadlineRows(ctx context.Context, rows driver.Rows, cancel context.CancelFunc) *deadlineRows {
	if outer, ok := ctx.Value(outerCancelKey{}).(context.CancelFunc); ok {
		inner := cancel
		cancel = func() { inner(); outer() }
	}
	return &deadlineRows{inner: rows, cancel: cancel}
}

// deadlineRows ends its query's deadline when closed. It passes the
// optional column-type and result-set interfaces through.
type deadlineRows struct {
	inner     driver.Rows
	cancel    context.CancelFunc
	closeOnce sync.Once
}

func (r *deadlineRows) Columns() []string              { return r.inner.Columns() }
func (r *deadlineRows) Next(dest []driver.Value) error { return r.inner.Next(dest) }

func (r *deadlineRows) Close() error {
	err := r.inner.Close()
	r.closeOnce.Do(r.cancel)
	return err
}

func (r *deadlineRows) HasNextResultSet() bool {
	if n, ok := r.inner.(driver.RowsNextResultSet); ok {
		return n.HasNextResultSet()
	}
	return false
}

func (r *deadlineRows) NextResultSet() error {
	if n, ok := r.inner.(driver.RowsNextResultSet); ok {
		return n.NextResultSet()
	}
	return io.EOF
}

func (r *deadlineRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.inner.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *deadlineRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.inner.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *deadlineRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.inner.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *deadlineRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.inner.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *deadlineRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.inner.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

type noDeadlineKey struct{}

// WithoutDeadline marks ctx so that the calls made with it get no deadline
// from the store, only ctx's own: for migrations, backups and exports,
// whose statements may run long on a large database.
func WithoutDeadline(ctx context.Context) context.Context {
	return context.WithValue(ctx, noDeadlineKey{}, true)
}

func exempt(ctx context.Context) bool {
	v, _ := ctx.Value(noDeadlineKey{}).(bool)
	return v
}

// txContext bounds a whole transaction of the store's own, waiting for a
// connection included (the driver's deadlines start once it has one; on
// SQLite writers queue for the single writer connection).
func (d deadlines) txContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if exempt(ctx) {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d.tx)
}

// outerCancelKey carries the cancel function of a boundedQuerier's call to
// the driver's rows, which end it when closed.
type outerCancelKey struct{}

// boundedQuerier gives each call on db one deadline, the wait for a pooled
// connection included: the driver's deadlines start only once the call
// has a connection, and when every connection is busy the wait could
// otherwise last as long as the queue ahead. The Store's own reads go
// through it; transactions get the same from txContext.
type boundedQuerier struct {
	db *sql.DB
	d  deadlines
}

func (b boundedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if exempt(ctx) {
		return b.db.ExecContext(ctx, query, args...)
	}
	ctx, cancel := context.WithTimeout(ctx, b.d.call)
	defer cancel()
	return b.db.ExecContext(ctx, query, args...)
}

func (b boundedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if exempt(ctx) {
		return b.db.QueryContext(ctx, query, args...)
	}
	ctx, cancel := context.WithTimeout(ctx, b.d.call)
	rows, err := b.db.QueryContext(context.WithValue(ctx, outerCancelKey{}, cancel), query, args...)
	if err != nil {
		cancel()
	}
	return rows, err // closing rows cancels (newDeadlineRows); else the timer ends it
}

func (b boundedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if exempt(ctx) {
		return b.db.QueryRowContext(ctx, query, args...)
	}
	ctx, cancel := context.WithTimeout(ctx, b.d.call)
	// Row.Scan closes the rows, which cancels; a query that fails before
	// reaching the driver leaves the timer to end it within the deadline.
	return b.db.QueryRowContext(context.WithValue(ctx, outerCancelKey{}, cancel), query, args...)
}
