package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/accord/accord/migrations"
)

// OpenReadOnly opens the database named by dsn (as Open takes it) for
// reading only, as accord backup does while accord serve runs: it neither
// creates nor migrates anything, and on SQLite it opens accord.db
// read-only (mode=ro, query_only) without taking the data folder's lock,
// so it works beside the server that holds it; WAL lets it read a
// consistent snapshot while the server writes. Only DB.Read is set.
func OpenReadOnly(ctx context.Context, dsn string) (DB, func() error, error) {
	if dsn == "" {
		return DB{}, nil, errors.New("sqlstore: open read-only: empty data directory or database URL")
	}
	if IsPostgresURL(dsn) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return DB{}, nil, fmt.Errorf("sqlstore: open postgres: %w", err)
		}
		db.SetMaxOpenConns(2)
		if err := db.PingContext(ctx); err != nil {
			_ = db.Close()
			return DB{}, nil, fmt.Errorf("sqlstore: connect to postgres %s: %w", redact(dsn), err)
		}
		return DB{Read: db, d: newDialect(migrations.Postgres)}, db.Close, nil
	}
	path := filepath.Join(dsn, FileName)
	if strings.ContainsAny(path, "?#") {
		return DB{}, nil, fmt.Errorf("sqlstore: data directory %q: '?' and '#' are not allowed in the path", dsn)
	}
	if _, err := os.Stat(path); err != nil {
		return DB{}, nil, fmt.Errorf("sqlstore: no Accord database in %s: %w", dsn, err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_busy_timeout=5000&_query_only=1")
	if err != nil {
		return DB{}, nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(2)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return DB{}, nil, fmt.Errorf("sqlstore: open sqlite %s read-only: %w", path, err)
	}
	return DB{Read: db, d: newDialect(migrations.SQLite)}, db.Close, nil
}
