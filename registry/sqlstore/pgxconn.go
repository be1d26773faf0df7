package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Execer runs one statement: a *sql.Tx, or a wrapper queueing statements
// into a pgx.Batch for Pipeline.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Pipeline runs fn on a connection of the write pool as pgx's own
// *pgx.Conn (PostgreSQL only), so a store can send several statements as
// one pgx.Batch: one round trip instead of one per statement. The
// connection is the pool's, so the query tracer (WithQueryTracer) sees
// what fn sends. fn runs under a transaction's deadline (unless ctx is
// marked WithoutDeadline), since it may hold one open across batches; a
// transaction fn leaves open is rolled back, and a connection that cannot
// be brought back to idle is discarded rather than returned to the pool.
func (db DB) Pipeline(ctx context.Context, fn func(ctx context.Context, conn *pgx.Conn) error) error {
	if !db.d.postgres() {
		return errors.New("sqlstore: Pipeline needs PostgreSQL")
	}
	if !exempt(ctx) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, db.dl.tx)
		defer cancel()
	}
	conn, err := db.Write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: pipeline: %w", err)
	}
	defer conn.Close()
	var ferr error
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*deadlineConn)
		if !ok {
			return fmt.Errorf("sqlstore: pipeline: unexpected connection %T", dc)
		}
		sc, ok := c.inner.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqlstore: pipeline: unexpected driver connection %T", c.inner)
		}
		pc := sc.Conn()
		ferr = fn(ctx, pc)
		if pc.IsClosed() {
			return driver.ErrBadConn
		}
		if pc.PgConn().TxStatus() != 'I' {
			// Rolled back under a deadline of its own: ctx may be what ended.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), db.dl.call)
			defer cancel()
			if _, err := pc.Exec(rctx, "ROLLBACK"); err != nil || pc.PgConn().TxStatus() != 'I' {
				return driver.ErrBadConn
			}
		}
		return nil
	})
	if ferr != nil {
		return ferr
	}
	if err != nil && !errors.Is(err, driver.ErrBadConn) {
		return fmt.Errorf("sqlstore: pipeline: %w", err)
	}
	return nil
}
