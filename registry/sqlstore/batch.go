package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Execer runs one statement: a *sql.Tx, or a wrapper queueing statements
// into a pgx.Batch for a PipelinedTx.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// PipelinedTx is a transaction on PostgreSQL that other stores send as
// pgx batches, the registry's own pipelined transaction (pipeline.go):
// BEGIN goes with the first batch and COMMIT with the last, so a store
// that reads, decides in Go, then writes does it in two round trips.
// Each batch runs under the transaction's deadline and is measured by
// the Store's observer; a batch's statements are the write pool's, so
// the query tracer (WithQueryTracer) sees them.
type PipelinedTx struct {
	t    *tx
	done bool // Commit was called: no batch may follow
}

// Pipelined runs fn in a pipelined transaction on a connection of the
// write pool (PostgreSQL only). fn sends batches with Send and the last
// one with Commit; when fn returns nil without calling Commit, COMMIT is
// sent on its own. When fn fails, or a batch does, the transaction is
// rolled back; a connection that cannot be brought back to idle is closed
// rather than returned to the pool. The transaction has the deadline of
// the Store's transactions unless ctx is marked WithoutDeadline.
func (db DB) Pipelined(ctx context.Context, fn func(ctx context.Context, p *PipelinedTx) error) error {
	if !db.d.postgres() {
		return errors.New("sqlstore: a pipelined transaction needs PostgreSQL")
	}
	ctx, cancel := db.dl.txContext(ctx) // bounds the wait for a connection too
	defer cancel()
	conn, err := db.Write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: pipelined transaction: begin: %w", err)
	}
	defer conn.Close() // after the deferred rollback below
	sqlTx, err := conn.BeginTx(withPipelinedBegin(ctx), nil)
	if err != nil {
		return fmt.Errorf("sqlstore: pipelined transaction: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = sqlTx.Rollback()
		}
	}()
	p := &PipelinedTx{t: &tx{reader: reader{d: db.d, o: db.o}, sqlTx: sqlTx, owner: db.Write, ctx: ctx, conn: conn}}
	if err := fn(ctx, p); err != nil {
		return err
	}
	if !p.done {
		if err := p.Commit(nil); err != nil {
			return err
		}
	}
	if err := sqlTx.Commit(); err != nil { // COMMIT went with the last batch: this ends the transaction
		return fmt.Errorf("sqlstore: pipelined transaction: commit: %w", err)
	}
	committed = true
	return nil
}

// Send sends, in one round trip, BEGIN when not sent yet and b's
// statements. The statements run one after another, each seeing the earlier
// ones' effects; each result goes to its statement's callback
// (pgx.QueuedQuery's Query, QueryRow or Exec) in order. A failed
// statement or callback aborts the transaction: every later Send fails.
func (p *PipelinedTx) Send(b *pgx.Batch) error {
	if p.done {
		return errors.New("sqlstore: pipelined transaction: Send after Commit")
	}
	err, _ := p.t.batch(appending(b), nil, false)
	return err
}

// Commit sends b's statements (b may be nil) and COMMIT in one
// round trip, as Send does. Once sent, COMMIT runs on the server unless
// a statement before it fails; a callback's error is reported but does
// not undo it.
func (p *PipelinedTx) Commit(b *pgx.Batch) error {
	if p.done {
		return errors.New("sqlstore: pipelined transaction: Commit called twice")
	}
	p.done = true
	err, _ := p.t.batch(appending(b), nil, true)
	return err
}

// appending queues b's statements, callbacks included, after those the
// transaction sends first (BEGIN, queued writes).
func appending(b *pgx.Batch) func(*pgx.Batch) {
	return func(into *pgx.Batch) {
		if b != nil {
			into.QueuedQueries = append(into.QueuedQueries, b.QueuedQueries...)
		}
	}
}
