package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reads other stores announce (PostgreSQL).
//
// A registration's Policy (contracts) reads the subject's stream through
// the registration's transaction (DB.TxFrom), after the lock: a round trip
// of its own, about a tenth of a registration's CPU in Accord. A store
// that knows beforehand what it will read announces the statement
// (DB.AnnounceRead, called through registry.ReadAheadPolicy before the
// transaction begins); the transaction sends it in the batch of its lock
// (lockPipelined), after the lock statement, so it reads what holds under
// the lock, exactly what it would read sent on its own. When the store
// then runs the very same statement, with the same arguments, on the
// transaction, the connection answers it from the rows read (once). Any
// write of the transaction drops what was read ahead, as for the
// registry's own announced reads.

type announcedKey struct{}

// announced is one statement a store announced, and once read ahead, its
// result.
type announced struct {
	owner *sql.DB // the pool whose transactions may answer it
	query string  // rebound
	args  []any
	// Set when read with the lock: the columns and rows, or usable false
	// when a value has a type the connection would not have returned as
	// is (then the statement runs on its own).
	cols   []string
	rows   [][]driver.Value
	usable bool
}

// AnnounceRead returns ctx announcing that the registry write run with
// it will run query (written with ?) with args on its transaction
// (DB.TxFrom): a transaction of this database on PostgreSQL sends it with
// its lock and answers it from there. Elsewhere (SQLite, another
// database, a statement that does not match exactly) the statement runs
// as usual, so an announcement never changes an answer, only its cost.
func (db DB) AnnounceRead(ctx context.Context, query string, args ...any) context.Context {
	if !db.d.postgres() {
		return ctx
	}
	prev, _ := ctx.Value(announcedKey{}).([]*announced)
	next := append(prev[:len(prev):len(prev)], &announced{owner: db.Write, query: db.d.rebind(query), args: args})
	return context.WithValue(ctx, announcedKey{}, next)
}

// announcedFor returns the reads announced in ctx that a transaction of
// owner may answer.
func announcedFor(ctx context.Context, owner *sql.DB) []*announced {
	all, _ := ctx.Value(announcedKey{}).([]*announced)
	var out []*announced
	for _, a := range all {
		if a.owner == owner {
			out = append(out, &announced{owner: a.owner, query: a.query, args: a.args})
		}
	}
	return out
}

// readAnnounced reads a's result from the batch.
func readAnnounced(br pgx.BatchResults, a *announced) error {
	rows, err := br.Query()
	if err != nil {
		return fmt.Errorf("announced read: %w", err)
	}
	defer rows.Close()
	for _, f := range rows.FieldDescriptions() {
		a.cols = append(a.cols, f.Name)
	}
	a.usable = true
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return fmt.Errorf("announced read: %w", err)
		}
		row := make([]driver.Value, len(vals))
		for i, v := range vals {
			dv, ok := asDriverValue(v)
			if !ok {
				a.usable = false
			}
			row[i] = dv
		}
		a.rows = append(a.rows, row)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("announced read: %w", err)
	}
	return nil
}

// asDriverValue converts a value pgx decoded to what pgx's database/sql
// driver returns for the same column; ok is false for a type it may
// return differently (the statement then runs on its own).
func asDriverValue(v any) (driver.Value, bool) {
	switch x := v.(type) {
	case nil, string, []byte, bool, int64, float64, time.Time:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case float32:
		return float64(x), true
	}
	return nil, false
}

// takeAnnounced returns the rows of the announced read that matches query and
// args, once; ok is false when none does.
func takeAnnounced(as []*announced, query string, args []driver.NamedValue) (driver.Rows, bool) {
	for _, a := range as {
		if a == nil || !a.usable || a.query != query || len(a.args) != len(args) {
			continue
		}
		same := true
		for i, v := range args {
			if v.Name != "" || v.Ordinal != i+1 || !sameArg(a.args[i], v.Value) {
				same = false
				break
			}
		}
		if same {
			a.usable = false // answered once
			return &announcedRows{cols: a.cols, rows: a.rows}, true
		}
	}
	return nil, false
}

// sameArg compares arguments of the types announced (comparable values);
// anything else does not match.
func sameArg(a, b any) bool {
	switch a.(type) {
	case string, int, int64, int32, bool:
		return a == b
	}
	return false
}

// announcedRows are an announced read's rows as driver.Rows.
type announcedRows struct {
	cols []string
	rows [][]driver.Value
	next int
}

func (r *announcedRows) Columns() []string { return r.cols }
func (r *announcedRows) Close() error      { return nil }
func (r *announcedRows) Next(dest []driver.Value) error {
	if r.next >= len(r.rows) {
		return io.EOF
	}
	copy(dest, r.rows[r.next])
	r.next++
	return nil
}
