package sqlstore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/accord/accord/migrations"
)

func TestRebind(t *testing.T) {
	pg := newDialect(migrations.Postgres)
	lite := newDialect(migrations.SQLite)
	cases := map[string]string{
		`SELECT 1`:                                            `SELECT 1`,
		`SELECT a FROM t WHERE b = ? AND c = ?`:               `SELECT a FROM t WHERE b = $1 AND c = $2`,
		`SELECT '?' , ? FROM t WHERE x = 'it''s ?'`:           `SELECT '?' , $1 FROM t WHERE x = 'it''s ?'`,
		`INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`: `INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
	}
	for in, want := range cases {
		for range 2 { // the second call is served from the cache
			if got := pg.rebind(in); got != want {
				t.Errorf("postgres rebind(%q) = %q, want %q", in, got, want)
			}
		}
		if got := lite.rebind(in); got != in {
			t.Errorf("sqlite rebind(%q) = %q, want it unchanged", in, got)
		}
	}
}

func TestErrorClassification(t *testing.T) {
	d := newDialect(migrations.Postgres)
	wrap := func(code string) error {
		return fmt.Errorf("context: %w", &pgconn.PgError{Code: code})
	}
	if !d.isUniqueViolation(wrap(pgUniqueViolation)) || d.isUniqueViolation(wrap(pgDeadlockDetected)) {
		t.Error("isUniqueViolation misclassifies PostgreSQL errors")
	}
	if !d.isRetryable(wrap(pgDeadlockDetected)) || !d.isRetryable(wrap(pgSerializationFailure)) || d.isRetryable(wrap(pgUniqueViolation)) {
		t.Error("isRetryable misclassifies PostgreSQL errors")
	}
	if d.isRetryable(errors.New("plain")) || d.isUniqueViolation(nil) {
		t.Error("plain errors classified as database errors")
	}
}
