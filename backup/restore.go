package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/accord/accord/registry/sqlstore"
)

// NotEmptyError refuses a restore into a store that holds data: restoring
// over it would mix two registries' ids. It names what is there.
type NotEmptyError struct {
	Rows map[string]int64 // table -> rows, tables with rows only
}

func (e *NotEmptyError) Error() string {
	var parts []string
	for t, n := range e.Rows {
		parts = append(parts, fmt.Sprintf("%s: %d", t, n))
	}
	sort.Strings(parts)
	return "the target store is not empty (" + strings.Join(parts, ", ") + "); restore into an empty store, or force it to replace everything the target holds"
}

// RestoreOptions configure Restore.
type RestoreOptions struct {
	// Force replaces a non-empty store's contents (its audit log
	// included) instead of refusing.
	Force bool
}

// Restore writes the backup document read from in into the store db
// (opened and migrated by sqlstore.Open), in one transaction: either the
// whole backup is restored or nothing changes. A document cut short
// (without its trailer), made by a newer schema than the target's, or
// holding a table or column the target lacks is refused.
//
// Caches of servers running on the store do not see a restore: restore
// into a store no server uses (stop them, or restore into a new database
// and point them at it).
func Restore(ctx context.Context, db sqlstore.DB, in io.Reader, opts RestoreOptions) (Trailer, error) {
	rd, err := NewReader(in)
	if err != nil {
		return Trailer{}, err
	}
	if rd.Header.Kind != KindBackup {
		return Trailer{}, fmt.Errorf("this is an accord %s document, not a backup: load it with accord import", rd.Header.Kind)
	}
	// One transaction for the whole document, as long as the document
	// takes: only ctx ends it, not the store's per-call deadline.
	ctx = sqlstore.WithoutDeadline(ctx)
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return Trailer{}, fmt.Errorf("starting the restore transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	pg := db.Postgres()
	version, err := schemaVersion(ctx, tx)
	if err != nil {
		return Trailer{}, err
	}
	if rd.Header.SchemaVersion > version {
		return Trailer{}, fmt.Errorf("the backup was made by a newer Accord (schema version %d; this one has %d): restore it with that version or newer", rd.Header.SchemaVersion, version)
	}
	tables, err := listTables(ctx, tx, pg)
	if err != nil {
		return Trailer{}, err
	}
	counts, err := rowCounts(ctx, tx, tables)
	if err != nil {
		return Trailer{}, err
	}
	if len(counts) > 0 {
		if !opts.Force {
			return Trailer{}, &NotEmptyError{Rows: counts}
		}
		if err := wipe(ctx, tx, tables, pg); err != nil {
			return Trailer{}, err
		}
	}
	identity, err := identityColumns(ctx, tx, pg)
	if err != nil {
		return Trailer{}, err
	}

	var (
		stmt  *sql.Stmt
		kinds []kind
		table string
		args  []any
		end   Trailer
	)
	closeStmt := func() {
		if stmt != nil {
			stmt.Close()
			stmt = nil
		}
	}
	defer closeStmt()
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Trailer{}, err
		}
		switch {
		case rec.Table != nil:
			closeStmt()
			table = rec.Table.Name
			if stmt, kinds, err = insertStmt(ctx, tx, table, rec.Table.Columns, pg, identity[table] != ""); err != nil {
				return Trailer{}, err
			}
			args = make([]any, len(kinds))
		case rec.Row != nil:
			if stmt == nil {
				return Trailer{}, errors.New("the backup has a row before any table")
			}
			for i, v := range rec.Row {
				if args[i], err = value(v, kinds[i]); err != nil {
					return Trailer{}, fmt.Errorf("restoring %s: %w", table, err)
				}
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return Trailer{}, fmt.Errorf("restoring a row of %s: %w", table, err)
			}
		case rec.End != nil:
			end = *rec.End
		default:
			return Trailer{}, errors.New("a backup holds tables only: this document has subjects or configs (an export? load it with accord import)")
		}
	}
	closeStmt()
	if pg {
		for t, col := range identity {
			// The next generated id follows the largest restored one.
			q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)`, t, col, quote(col), quote(t))
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return Trailer{}, fmt.Errorf("moving the id sequence of %s: %w", t, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return Trailer{}, fmt.Errorf("committing the restore: %w", err)
	}
	return end, nil
}

// insertStmt prepares the INSERT of a dumped table's rows, checking that
// the target has the table and every column the dump names; columns the
// target has and the dump lacks (an older backup) take their defaults.
func insertStmt(ctx context.Context, tx *sql.Tx, table string, cols []string, pg, overriding bool) (*sql.Stmt, []kind, error) {
	names, tkinds, err := columns(ctx, tx, table)
	if err != nil {
		return nil, nil, fmt.Errorf("the target has no table %s the backup holds (restore with a newer Accord?): %w", table, err)
	}
	byName := map[string]kind{}
	for i, n := range names {
		byName[n] = tkinds[i]
	}
	kinds := make([]kind, len(cols))
	quoted := make([]string, len(cols))
	marks := make([]string, len(cols))
	for i, c := range cols {
		k, ok := byName[c]
		if !ok {
			return nil, nil, fmt.Errorf("the target's table %s has no column %s the backup holds (restore with a newer Accord?)", table, c)
		}
		kinds[i], quoted[i], marks[i] = k, quote(c), "?"
		if pg {
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
	}
	q := `INSERT INTO ` + quote(table) + ` (` + strings.Join(quoted, ", ") + `)`
	if overriding {
		q += ` OVERRIDING SYSTEM VALUE`
	}
	q += ` VALUES (` + strings.Join(marks, ", ") + `)`
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("preparing the restore of %s: %w", table, err)
	}
	return stmt, kinds, nil
}

// rowCounts returns the tables holding rows and how many.
func rowCounts(ctx context.Context, q queryer, tables []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range tables {
		var n int64
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(t)).Scan(&n); err != nil {
			return nil, fmt.Errorf("counting the rows of %s: %w", t, err)
		}
		if n > 0 {
			out[t] = n
		}
	}
	return out, nil
}

// wipe deletes every row, children first, with the append-only triggers
// of the audit log lifted for the transaction (they come back with it).
func wipe(ctx context.Context, tx *sql.Tx, tables []string, pg bool) error {
	if pg {
		for _, t := range tables {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+quote(t)+` DISABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("lifting the triggers of %s: %w", t, err)
			}
		}
		for i := len(tables) - 1; i >= 0; i-- {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+quote(tables[i])); err != nil {
				return fmt.Errorf("emptying %s: %w", tables[i], err)
			}
		}
		for _, t := range tables {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+quote(t)+` ENABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("restoring the triggers of %s: %w", t, err)
			}
		}
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		return fmt.Errorf("listing triggers: %w", err)
	}
	var triggers [][2]string
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			rows.Close()
			return fmt.Errorf("listing triggers: %w", err)
		}
		triggers = append(triggers, [2]string{name, text})
	}
	rows.Close()
	for _, tr := range triggers {
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER `+quote(tr[0])); err != nil {
			return fmt.Errorf("lifting trigger %s: %w", tr[0], err)
		}
	}
	for i := len(tables) - 1; i >= 0; i-- {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+quote(tables[i])); err != nil {
			return fmt.Errorf("emptying %s: %w", tables[i], err)
		}
	}
	for _, tr := range triggers {
		if _, err := tx.ExecContext(ctx, tr[1]); err != nil {
			return fmt.Errorf("restoring trigger %s: %w", tr[0], err)
		}
	}
	return nil
}

// identityColumns maps each table with a database-generated id
// (PostgreSQL identity columns) to that column. SQLite's AUTOINCREMENT
// follows explicit ids by itself.
func identityColumns(ctx context.Context, q queryer, pg bool) (map[string]string, error) {
	out := map[string]string{}
	if !pg {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		return nil, fmt.Errorf("listing identity columns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, fmt.Errorf("listing identity columns: %w", err)
		}
		out[t] = c
	}
	return out, rows.Err()
}
