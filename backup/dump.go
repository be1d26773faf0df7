package backup

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/accord/accord/registry/sqlstore"
)

// Snapshot is one consistent read of a store: every table read through it
// sees the same committed state. On PostgreSQL it is a REPEATABLE READ,
// READ ONLY transaction; on SQLite a read transaction, which in WAL mode
// reads the database as of its first statement while writers go on.
type Snapshot struct {
	tx       *sql.Tx
	postgres bool
	// Version is the store's newest migration; Tables its data tables in
	// restore order.
	Version int
	Tables  []string
}

// OpenSnapshot starts the snapshot. Everything committed before it
// returns is in it; nothing committed after is.
func OpenSnapshot(ctx context.Context, db sqlstore.DB) (*Snapshot, error) {
	var opts *sql.TxOptions
	if db.Postgres() {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := db.Read.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("starting the backup transaction: %w", err)
	}
	s := &Snapshot{tx: tx, postgres: db.Postgres()}
	// The first statement fixes the snapshot (both engines take it then).
	if s.Version, err = schemaVersion(ctx, tx); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	if s.Tables, err = listTables(ctx, tx, s.postgres); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return s, nil
}

// Close ends the snapshot.
func (s *Snapshot) Close() error { return s.tx.Rollback() }

// Engine names the snapshot's engine as headers record it.
func (s *Snapshot) Engine() string {
	if s.postgres {
		return "postgres"
	}
	return "sqlite"
}

// WriteTables writes tables (all of them when nil) to w, rows in the
// order of their first column.
func (s *Snapshot) WriteTables(ctx context.Context, w *Writer, tables []string) error {
	if tables == nil {
		tables = s.Tables
	}
	for _, t := range tables {
		if err := s.writeTable(ctx, w, t); err != nil {
			return err
		}
	}
	return nil
}

func (s *Snapshot) writeTable(ctx context.Context, w *Writer, table string) error {
	names, kinds, err := columns(ctx, s.tx, table)
	if err != nil {
		return err
	}
	if err := w.Table(table, names); err != nil {
		return err
	}
	rows, err := s.tx.QueryContext(ctx, `SELECT * FROM `+quote(table)+` ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("reading %s: %w", table, err)
	}
	defer rows.Close()
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("reading %s: %w", table, err)
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = normalize(v, kinds[i])
		}
		if err := w.Row(out); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", table, err)
	}
	return nil
}

// normalize turns a scanned value into the JSON value of its column kind.
func normalize(v any, k kind) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch x := v.(type) {
	case nil:
		return nil
	case int64:
		if k == kindBool {
			return x != 0
		}
	case bool:
		if k == kindInt {
			if x {
				return int64(1)
			}
			return int64(0)
		}
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// Backup writes a whole store to out as a backup document, from one
// snapshot. Only ctx ends it: the store's per-call deadline (--db-timeout)
// is for requests, and a large store's snapshot is held far longer.
func Backup(ctx context.Context, db sqlstore.DB, out io.Writer) (Trailer, error) {
	ctx = sqlstore.WithoutDeadline(ctx)
	s, err := OpenSnapshot(ctx, db)
	if err != nil {
		return Trailer{}, err
	}
	defer s.Close()
	w, err := NewWriter(out, Header{Kind: KindBackup, Engine: s.Engine(), SchemaVersion: s.Version})
	if err != nil {
		return Trailer{}, err
	}
	if err := s.WriteTables(ctx, w, nil); err != nil {
		return Trailer{}, err
	}
	if err := w.Close(); err != nil {
		return Trailer{}, err
	}
	return Trailer{Tables: w.tables, Rows: w.rows}, nil
}

// value converts a dump value to what the target column of kind k takes.
func value(v any, k kind) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case json.Number:
		switch k {
		case kindInt:
			return x.Int64()
		case kindBool:
			n, err := x.Int64()
			return n != 0, err
		case kindFloat:
			return x.Float64()
		}
		return x.String(), nil
	case bool:
		if k == kindInt {
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
		if k == kindText {
			return strconv.FormatBool(x), nil
		}
		return x, nil
	case string:
		switch k {
		case kindInt:
			return strconv.ParseInt(x, 10, 64)
		case kindBool:
			return strconv.ParseBool(x)
		}
		return x, nil
	case int64, float64:
		return x, nil
	}
	return nil, fmt.Errorf("unexpected value %v (%T)", v, v)
}
