package sqlstore

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPipelineLeavesNoTransaction: a Pipeline whose function fails inside
// a transaction leaves the pool's connection idle, its writes rolled
// back, and kept (not reconnected) for the next Pipeline and for
// database/sql; on SQLite Pipeline refuses.
func TestPipelineLeavesNoTransaction(t *testing.T) {
	ctx := context.Background()
	if err := openStore(t, t.TempDir()).DB().Pipeline(ctx, func(context.Context, *pgx.Conn) error { return nil }); err == nil {
		t.Error("Pipeline ran on SQLite")
	}
	s, err := Open(ctx, newPostgresSchema(t), WithMaxConns(1), WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db := s.DB()
	refused := errors.New("refused")
	var pid uint32
	err = db.Pipeline(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		pid = conn.PgConn().PID()
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue("CREATE TABLE pipeline_left (n INTEGER)")
		if err := conn.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("Pipeline: %v, want the function's error", err)
	}
	// One connection in the pool: the same one, idle, without the table.
	err = db.Pipeline(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		if conn.PgConn().PID() != pid {
			t.Error("the connection was replaced, not rolled back")
		}
		if st := conn.PgConn().TxStatus(); st != 'I' {
			t.Errorf("transaction status %c, want idle", st)
		}
		var missing bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass('pipeline_left') IS NULL").Scan(&missing); err != nil {
			return err
		}
		if !missing {
			t.Error("the left transaction's table exists: it was committed")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.ExecContext(ctx, "CREATE TABLE pipeline_after (n INTEGER)"); err != nil {
		t.Fatalf("database/sql after Pipeline: %v", err)
	}
}
