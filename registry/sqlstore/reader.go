package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/accord/accord/registry"
)

// querier is what reads and writes need: *sql.DB outside transactions,
// *sql.Tx inside.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader implements registry.Reader on a querier. The Store embeds one on
// its read pool, each Tx one on its transaction. Its methods live in the
// file of what they read (schemas.go, versions.go, config.go).
type reader struct {
	q querier
	d *dialect
	o Observer // nil: calls are not measured
	// stmts and tx, in a SQLite writer transaction: q's statements run
	// prepared once (stmts.go).
	stmts *stmtCache
	tx    *sql.Tx
}

var _ registry.Reader = reader{}

func (r reader) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := r.txStmt(ctx, query); st != nil {
		return observed(r.o, "exec", func() (sql.Result, error) { return st.ExecContext(ctx, args...) })
	}
	return observed(r.o, "exec", func() (sql.Result, error) { return r.q.ExecContext(ctx, r.d.rebind(query), args...) })
}

func (r reader) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := r.txStmt(ctx, query); st != nil {
		return observed(r.o, "query", func() (*sql.Rows, error) { return st.QueryContext(ctx, args...) })
	}
	return observed(r.o, "query", func() (*sql.Rows, error) { return r.q.QueryContext(ctx, r.d.rebind(query), args...) })
}

func (r reader) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := r.txStmt(ctx, query); st != nil {
		row, _ := observed(r.o, "query", func() (*sql.Row, error) { return st.QueryRowContext(ctx, args...), nil })
		return row
	}
	row, _ := observed(r.o, "query", func() (*sql.Row, error) { return r.q.QueryRowContext(ctx, r.d.rebind(query), args...), nil })
	return row
}

// Timestamps are stored as Unix milliseconds.
func toMillis(t time.Time) int64 {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Changes reads the change counters of (regCtx, subject), its context and
// the default context in one statement (one snapshot); a missing row
// counts 0.
func (r reader) Changes(ctx context.Context, regCtx, subject string) (registry.Changes, error) {
	var c registry.Changes
	err := r.queryRow(ctx, `SELECT
		COALESCE((SELECT changes FROM subjects WHERE context = ? AND subject = ?), 0),
		COALESCE((SELECT changes FROM contexts WHERE context = ?), 0),
		COALESCE((SELECT changes FROM contexts WHERE context = ?), 0)`,
		regCtx, subject, regCtx, registry.DefaultContext).Scan(&c.Subject, &c.Context, &c.Global)
	if err != nil {
		return registry.Changes{}, fmt.Errorf("sqlstore: change counters of %s: %w", settingOf(regCtx, subject), err)
	}
	return c, nil
}
