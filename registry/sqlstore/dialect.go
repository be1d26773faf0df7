package sqlstore

import (
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/accord/accord/migrations"
)

// dialect holds what differs between the engines: placeholders, row
// locking and how errors are classified. Everything else is shared SQL.
type dialect struct {
	name string // migrations.SQLite or migrations.Postgres

	// forUpdate is appended to SELECTs that must lock the rows they read
	// (PostgreSQL). SQLite's writer holds the whole database instead.
	//
	// It is FOR NO KEY UPDATE rather than FOR UPDATE: the locked rows
	// (contexts, subjects) are parents of foreign keys, and inserting a
	// child row takes FOR KEY SHARE on its parent. FOR UPDATE conflicts with
	// that, so two writers that each inserted a child (say a new subject of
	// one context) and then locked the parent would deadlock. FOR NO KEY
	// UPDATE is still exclusive among lockers and is what UPDATE of a
	// non-key column takes anyway.
	forUpdate string

	rebound sync.Map // query text with ? -> query text with $n (PostgreSQL)
}

func newDialect(name string) *dialect {
	d := &dialect{name: name}
	if name == migrations.Postgres {
		d.forUpdate = " FOR NO KEY UPDATE"
	}
	return d
}

func (d *dialect) postgres() bool { return d.name == migrations.Postgres }

// rebind turns the ? placeholders of query into PostgreSQL's $1, $2, ...;
// SQLite takes ? as written. Queries are constants, so results are cached.
func (d *dialect) rebind(query string) string {
	if !d.postgres() {
		return query
	}
	if q, ok := d.rebound.Load(query); ok {
		return q.(string)
	}
	q := rebindDollar(query)
	d.rebound.Store(query, q)
	return q
}

// rebindDollar numbers the ? placeholders of query that are outside
// single-quoted literals.
func rebindDollar(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 8)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted // '' inside a literal toggles twice
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// SQLite result codes (primary codes are the low byte of extended ones).
const (
	sqliteBusy                 = 5
	sqliteLocked               = 6
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// PostgreSQL SQLSTATE codes.
const (
	pgUniqueViolation      = "23505"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// isUniqueViolation reports whether err is a primary key or unique
// constraint violation.
func (d *dialect) isUniqueViolation(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == pgUniqueViolation
	}
	if liteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		c := liteErr.Code()
		return c == sqliteConstraintPrimaryKey || c == sqliteConstraintUnique
	}
	return false
}

// isRetryable reports whether the transaction that failed with err should
// be run again: serialization failures and deadlocks on PostgreSQL, a busy
// or locked database on SQLite.
func (d *dialect) isRetryable(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == pgSerializationFailure || pgErr.Code == pgDeadlockDetected
	}
	if liteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		c := liteErr.Code() & 0xff
		return c == sqliteBusy || c == sqliteLocked
	}
	return false
}
