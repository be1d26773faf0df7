package sqlstore

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPipelinedLeavesNoTransaction: a pipelined transaction whose
// function fails after a batch leaves the pool's connection idle, its
// writes rolled back, and kept (not reconnected) for the next pipelined
// transaction and for database/sql; one that commits sends BEGIN with its
// first batch and COMMIT with its last (two round trips), and its writes
// stay; a failing statement rolls back the whole transaction; one
// exempt from deadlines is pipelined too; on SQLite Pipelined refuses.
func TestPipelinedLeavesNoTransaction(t *testing.T) {
	ctx := context.Background()
	if err := openStore(t, t.TempDir()).DB().Pipelined(ctx, func(context.Context, *PipelinedTx) error { return nil }); err == nil {
		t.Error("Pipelined ran on SQLite")
	}
	var trips tripCounter
	s, err := Open(ctx, newPostgresSchema(t), WithMaxConns(1), WithLogger(quietLogger()), WithQueryTracer(&trips))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db := s.DB()
	pid := func(out *uint32) *pgx.Batch {
		b := &pgx.Batch{}
		b.Queue("SELECT pg_backend_pid()").QueryRow(func(r pgx.Row) error { return r.Scan(out) })
		return b
	}
	refused := errors.New("refused")
	var first uint32
	err = db.Pipelined(ctx, func(ctx context.Context, p *PipelinedTx) error {
		b := pid(&first)
		b.Queue("CREATE TABLE pipeline_left (n INTEGER)")
		if err := p.Send(b); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("Pipelined: %v, want the function's error", err)
	}
	// One connection in the pool: the same one, idle, without the table.
	var second uint32
	var missing bool
	trips.n.Store(0)
	err = db.Pipelined(ctx, func(ctx context.Context, p *PipelinedTx) error {
		b := pid(&second)
		b.Queue("SELECT to_regclass('pipeline_left') IS NULL").QueryRow(func(r pgx.Row) error { return r.Scan(&missing) })
		if err := p.Send(b); err != nil {
			return err
		}
		b = &pgx.Batch{}
		b.Queue("CREATE TABLE pipeline_kept (n INTEGER)")
		return p.Commit(b)
	})
	if err != nil {
		t.Fatal(err)
	}
	if second != first {
		t.Error("the connection was replaced, not rolled back")
	}
	if !missing {
		t.Error("the failed transaction's table exists: it was committed")
	}
	if n := trips.n.Load(); n != 2 {
		t.Errorf("%d round trips for two batches, want 2", n)
	}
	if _, err := db.Write.ExecContext(ctx, "INSERT INTO pipeline_kept VALUES (1)"); err != nil {
		t.Fatalf("database/sql after Pipelined: %v (the committed table is missing?)", err)
	}
	// A failing statement aborts the transaction: later batches fail, and
	// nothing it wrote stays.
	err = db.Pipelined(ctx, func(ctx context.Context, p *PipelinedTx) error {
		b := &pgx.Batch{}
		b.Queue("INSERT INTO pipeline_kept VALUES (2)")
		b.Queue("SELECT no_such_column FROM pipeline_kept")
		if err := p.Send(b); err == nil {
			t.Error("a failing statement's batch succeeded")
		}
		return p.Commit(nil)
	})
	if err == nil {
		t.Error("Commit after a failed batch succeeded")
	}
	var n int
	if err := db.Write.QueryRowContext(ctx, "SELECT count(*) FROM pipeline_kept").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d rows, want 1: the aborted transaction's insert stayed", n)
	}
	// Exempt from the store's deadlines (WithoutDeadline), the transaction
	// is still pipelined.
	err = db.Pipelined(WithoutDeadline(ctx), func(ctx context.Context, p *PipelinedTx) error {
		b := &pgx.Batch{}
		b.Queue("INSERT INTO pipeline_kept VALUES (3)")
		return p.Commit(b)
	})
	if err != nil {
		t.Fatalf("Pipelined WithoutDeadline: %v", err)
	}
}
