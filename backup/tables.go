package backup

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// tableOrder is the order tables are written and restored in: parents
// before the tables whose foreign keys name them. Tables a later
// migration adds and this list does not name come after, by name, so a
// backup never silently leaves a table out.
var tableOrder = []string{
	"contexts", "schemas", "schema_references", "subjects", "versions", "configs", "modes",
	"principals", "api_tokens",
	"streams", "stream_subjects", "stream_transfers", "subject_claims",
	"lineage_edges", "proposals", "audit_log",
}

// skipTables are bookkeeping, not data: the migration history belongs to
// the binary that opens the store.
var skipTables = map[string]bool{"schema_migrations": true}

// queryer is a transaction or a database.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// listTables returns the store's data tables in tableOrder.
func listTables(ctx context.Context, q queryer, postgres bool) ([]string, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	if postgres {
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("listing tables: %w", err)
		}
		if !skipTables[n] {
			names = append(names, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	sortTables(names)
	return names, nil
}

func sortTables(names []string) {
	rank := func(n string) int {
		if i := slices.Index(tableOrder, n); i >= 0 {
			return i
		}
		return len(tableOrder)
	}
	slices.SortFunc(names, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
}

// schemaVersion is the store's newest applied migration.
func schemaVersion(ctx context.Context, q queryer) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("reading the schema version: %w", err)
	}
	return int(v.Int64), nil
}

// kind is how a column's values are written: JSON booleans, integers or
// strings. Engines disagree (SQLite stores BOOLEAN as 0/1), so the dump
// records the meaning, and restore converts to the target's column type.
type kind int

const (
	kindText kind = iota
	kindInt
	kindBool
	kindFloat
)

func kindOf(dbType string) kind {
	t := strings.ToUpper(dbType)
	switch {
	case t == "BOOL" || t == "BOOLEAN":
		return kindBool
	case strings.Contains(t, "INT"):
		return kindInt
	case t == "REAL" || strings.HasPrefix(t, "FLOAT") || t == "DOUBLE" || t == "NUMERIC":
		return kindFloat
	}
	return kindText
}

// columns returns a table's column names and kinds, as the database
// declares them.
func columns(ctx context.Context, q queryer, table string) ([]string, []kind, error) {
	rows, err := q.QueryContext(ctx, `SELECT * FROM `+quote(table)+` WHERE 1 = 0`)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the columns of %s: %w", table, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the columns of %s: %w", table, err)
	}
	names := make([]string, len(types))
	kinds := make([]kind, len(types))
	for i, ct := range types {
		names[i], kinds[i] = ct.Name(), kindOf(ct.DatabaseTypeName())
	}
	return names, kinds, rows.Err()
}

// quote quotes an identifier (names come from the catalog or the dump,
// which restore checks against the catalog).
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
