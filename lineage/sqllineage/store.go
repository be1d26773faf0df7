// Package sqllineage is the lineage.Store on the registry's SQL database
// (SQLite or PostgreSQL; migrations 0007 and 0010), through
// registry/sqlstore's shared handles, so that package lineage, and what
// embeds it, links no database driver.
//
// A write reads what it decides from in its own transaction (the written
// rows, locked, and, when the check asks, the stream's producers under a
// lock on them) and appends its audit entries and its change-feed notice
// there. On PostgreSQL a Put is two round trips whatever it writes
// (pipeline.go): one batch reads, Go decides, one batch writes, reads the
// written edges' rows back (so the Service brings its index up to date
// without another round trip) and commits.
package sqllineage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry/sqlstore"
)

// Store is a lineage.Store. It is safe for concurrent use.
type Store struct {
	db sqlstore.DB
}

var _ lineage.Store = (*Store)(nil)

// New returns a Store on db (from sqlstore.Store.DB).
func New(db sqlstore.DB) *Store { return &Store{db: db} }

// Columns are the columns of a stored edge, in the order rows are
// written and scanned.
const Columns = `kind, from_node, to_node, source, fields, schema_version, drift, first_seen, last_seen, job, column_lineage`

// Put implements lineage.Store. Two writers inserting the same new edge
// at once (PostgreSQL): the second's transaction fails on the primary
// key, and it is run again, finding the row and updating it.
func (st *Store) Put(ctx context.Context, check *lineage.Check, edges ...lineage.Edge) (lineage.Written, error) {
	for {
		var (
			w   lineage.Written
			err error
		)
		if st.db.Postgres() {
			w, err = st.putPipelined(ctx, check, edges)
		} else {
			w, err = st.putTx(ctx, check, edges)
		}
		if err != nil && st.db.IsUniqueViolation(err) && ctx.Err() == nil {
			continue
		}
		return w, err
	}
}

// putTx is Put through database/sql, for SQLite: in process, so there
// are no round trips to save, and it does not read the rows back, which
// would hold the one writer longer than a read after commit does.
func (st *Store) putTx(ctx context.Context, check *lineage.Check, edges []lineage.Edge) (lineage.Written, error) {
	edges = slices.Clone(edges)
	w := lineage.Written{Created: make([]bool, len(edges))}
	err := st.inTx(ctx, func(tx *sql.Tx) error {
		if check != nil && len(edges) > 0 {
			if err := st.check(ctx, tx, check, &edges[0]); err != nil {
				return err
			}
		}
		notified := map[pair]bool{}
		for i := range edges {
			e := &edges[i]
			olds, err := st.query(ctx, tx, `SELECT `+Columns+` FROM lineage_edges WHERE kind = ? AND from_node = ? AND to_node = ? AND source = ?`+st.forUpdate(),
				string(e.Kind), e.From, e.To, string(e.Sources[0]))
			if err != nil {
				return err
			}
			var old *lineage.Edge
			if len(olds) > 0 {
				old = &olds[0]
			}
			w.Created[i] = old == nil
			for _, s := range writeStatements(e, old) {
				if _, err := tx.ExecContext(ctx, st.db.Rebind(s.query), s.args...); err != nil {
					return fmt.Errorf("writing edge %s: %w", e.Key(), err)
				}
			}
			if a, ok := auditEntry(e, old); ok {
				if err := audit.Append(ctx, tx, st.db.Rebind, a); err != nil {
					return err
				}
			}
			if k := pairOf(e); !notified[k] {
				notified[k] = true
				if err := st.db.Notify(ctx, tx, lineage.FeedTopic, lineage.NoticeKey(k.kind, k.from, k.to)); err != nil {
					return fmt.Errorf("lineage: %w", err)
				}
			}
		}
		return nil
	})
	return w, err
}

// pair names the stored rows of one edge whatever their source: what a
// write changes and the Service merges again.
type pair struct {
	kind     lineage.Kind
	from, to string
}

func pairOf(e *lineage.Edge) pair { return pair{e.Kind, e.From, e.To} }

// rowsQuery reads the rows of a pair as lineage.Store.Rows lists them.
const rowsQuery = `SELECT ` + Columns + ` FROM lineage_edges WHERE kind = ? AND from_node = ? AND to_node = ? ORDER BY source`

func (st *Store) forUpdate() string {
	if st.db.Postgres() {
		return " FOR UPDATE"
	}
	return ""
}

// statement is one SQL statement with ? placeholders and its arguments.
type statement struct {
	query string
	args  []any
}

// writeStatements store e (first sighting kept from old, which they
// set on e) over old, the row of e's kind, ends and source read in the
// transaction (nil: none).
func writeStatements(e *lineage.Edge, old *lineage.Edge) []statement {
	src := e.Sources[0]
	fields, drift, job, columns := jsonOrNil(e.Fields), jsonOrNil(e.Drift), jobOrNil(e.Job), jsonOrNil(e.ColumnLineage)
	if old == nil {
		return []statement{{`INSERT INTO lineage_edges (` + Columns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{string(e.Kind), e.From, e.To, string(src), fields, nullInt(e.Version), drift, e.FirstSeen.UnixMilli(), e.LastSeen.UnixMilli(), job, columns}}}
	}
	e.FirstSeen = old.FirstSeen
	return []statement{{`UPDATE lineage_edges SET fields = ?, schema_version = ?, drift = ?, last_seen = ?, job = ?, column_lineage = ?
		WHERE kind = ? AND from_node = ? AND to_node = ? AND source = ?`,
		[]any{fields, nullInt(e.Version), drift, e.LastSeen.UnixMilli(), job, columns, string(e.Kind), e.From, e.To, string(src)}}}
}

// auditEntry is the audit entry of writing e over old (nil: a new edge);
// none when only the sightings moved.
func auditEntry(e, old *lineage.Edge) (audit.Entry, bool) {
	switch {
	case old == nil:
		return entry(lineage.ActionEdgeCreate, nil, e), true
	case sameContent(old, e):
		return audit.Entry{}, false
	}
	return entry(lineage.ActionEdgeUpdate, old, e), true
}

// sameContent: a and b differ at most in their sightings.
func sameContent(a, b *lineage.Edge) bool {
	da, _ := json.Marshal([]any{a.Drift, a.Job, a.ColumnLineage})
	db, _ := json.Marshal([]any{b.Drift, b.Job, b.ColumnLineage})
	return slices.Equal(a.Fields, b.Fields) && a.Version == b.Version && string(da) == string(db)
}

// Delete implements lineage.Store.
func (st *Store) Delete(ctx context.Context, check *lineage.Check, kind lineage.Kind, from, to string, src lineage.Source) error {
	return st.inTx(ctx, func(tx *sql.Tx) error {
		if check != nil {
			if err := st.check(ctx, tx, check, &lineage.Edge{Kind: kind, From: from, To: to}); err != nil {
				return err
			}
		}
		olds, err := st.query(ctx, tx, `SELECT `+Columns+` FROM lineage_edges WHERE kind = ? AND from_node = ? AND to_node = ? AND source = ?`+st.forUpdate(),
			string(kind), from, to, string(src))
		if err != nil {
			return err
		}
		if len(olds) == 0 {
			return lineage.Errorf(lineage.ErrNotFound, "no %s edge %s %s -> %s", src, kind, from, to)
		}
		if _, err := tx.ExecContext(ctx, st.db.Rebind(`DELETE FROM lineage_edges WHERE kind = ? AND from_node = ? AND to_node = ? AND source = ?`),
			string(kind), from, to, string(src)); err != nil {
			return fmt.Errorf("deleting edge %s: %w", olds[0].Key(), err)
		}
		if err := st.db.Notify(ctx, tx, lineage.FeedTopic, lineage.NoticeKey(kind, from, to)); err != nil {
			return fmt.Errorf("lineage: %w", err)
		}
		return audit.Append(ctx, tx, st.db.Rebind, entry(lineage.ActionEdgeDelete, &olds[0], nil))
	})
}

// check runs c in tx for a write of e. On PostgreSQL a check that
// decides from a stream's producers first takes a lock on them (a
// transaction-scoped advisory lock), so two writers cannot both find a
// stream without a producer and both become it; on SQLite the
// transaction already excludes every other writer.
func (st *Store) check(ctx context.Context, tx *sql.Tx, c *lineage.Check, e *lineage.Edge) error {
	if !c.Producers {
		return c.Decide(nil)
	}
	stream := e.Stream()
	if st.db.Postgres() {
		if _, err := tx.ExecContext(ctx, producersLock, producersLockKey(stream)); err != nil {
			return fmt.Errorf("locking the producers of %s: %w", stream, err)
		}
	}
	var owner sql.NullString
	err := tx.QueryRowContext(ctx, st.db.Rebind(ownerQuery), stream).Scan(&owner)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("reading the owner of stream %s: %w", stream, err)
	}
	rows, err := tx.QueryContext(ctx, st.db.Rebind(producersQuery), string(lineage.Produces), stream)
	if err != nil {
		return fmt.Errorf("reading the producers of %s: %w", stream, err)
	}
	defer rows.Close()
	var ps []producer
	for rows.Next() {
		var p producer
		if err := rows.Scan(&p.from, &p.job); err != nil {
			return fmt.Errorf("reading the producers of %s: %w", stream, err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading the producers of %s: %w", stream, err)
	}
	services, err := producers(stream, owner, ps)
	if err != nil {
		return err
	}
	return c.Decide(services)
}

// The statements of a check on a stream's producers: the lock (PostgreSQL),
// the contract's owner (the streams table, migration 0004) and the stored
// produces edges.
const (
	producersLock  = `SELECT pg_advisory_xact_lock(hashtext($1))`
	ownerQuery     = `SELECT owner FROM streams WHERE name = ?`
	producersQuery = `SELECT from_node, job FROM lineage_edges WHERE kind = ? AND to_node = ?`
)

func producersLockKey(stream string) string { return "lineage producers " + stream }

// producer is a stored produces edge as a check reads it.
type producer struct {
	from string
	job  sql.NullString
}

// producers lists the services producing stream, in the order of the
// index: its contract's owner (when owner is valid) and the services, or
// owners of jobs, of its stored produces edges ps, one per edge, by From,
// a service before a job.
func producers(stream string, owner sql.NullString, ps []producer) ([]string, error) {
	type node struct {
		from    string
		job     bool
		service string
	}
	var ns []node
	if owner.Valid {
		ns = append(ns, node{owner.String, false, owner.String})
	}
	for _, p := range ps {
		n := node{p.from, p.job.Valid, p.from}
		if p.job.Valid {
			var j lineage.JobRef
			if err := json.Unmarshal([]byte(p.job.String), &j); err != nil {
				return nil, fmt.Errorf("decoding the job of a producer of %s: %w", stream, err)
			}
			n.service = j.Owner
		}
		ns = append(ns, n)
	}
	slices.SortFunc(ns, func(a, b node) int {
		return cmp.Or(strings.Compare(a.from, b.from), cmp.Compare(btoi(a.job), btoi(b.job)))
	})
	ns = slices.CompactFunc(ns, func(a, b node) bool { return a.from == b.from && a.job == b.job })
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.service
	}
	return out, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Rows implements lineage.Store.
func (st *Store) Rows(ctx context.Context, kind lineage.Kind, from, to string) ([]lineage.Edge, error) {
	return st.query(ctx, st.db.Read, rowsQuery, string(kind), from, to)
}

// All implements lineage.Store.
func (st *Store) All(ctx context.Context) ([]lineage.Edge, error) {
	return st.query(ctx, st.db.Read, `SELECT `+Columns+` FROM lineage_edges ORDER BY kind, from_node, to_node, source`)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// scanner is what reading a row needs (*sql.Rows and pgx.Rows alike).
type scanner interface {
	Scan(dest ...any) error
}

func (st *Store) query(ctx context.Context, q queryer, query string, args ...any) ([]lineage.Edge, error) {
	rows, err := q.QueryContext(ctx, st.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("reading lineage edges: %w", err)
	}
	defer rows.Close()
	var out []lineage.Edge
	for rows.Next() {
		e, err := scanEdge(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading lineage edges: %w", err)
	}
	return out, nil
}

// scanEdge reads one row of Columns.
func scanEdge(rows scanner) (lineage.Edge, error) {
	var (
		e                   lineage.Edge
		kind, src           string
		fields, drift       sql.NullString
		job, columns        sql.NullString
		version             sql.NullInt64
		firstSeen, lastSeen int64
	)
	if err := rows.Scan(&kind, &e.From, &e.To, &src, &fields, &version, &drift, &firstSeen, &lastSeen, &job, &columns); err != nil {
		return e, fmt.Errorf("reading lineage edges: %w", err)
	}
	e.Kind, e.Sources, e.Version = lineage.Kind(kind), []lineage.Source{lineage.Source(src)}, int(version.Int64)
	e.FirstSeen, e.LastSeen = time.UnixMilli(firstSeen).UTC(), time.UnixMilli(lastSeen).UTC()
	for _, d := range []struct {
		col  sql.NullString
		into any
		what string
	}{{fields, &e.Fields, "fields"}, {drift, &e.Drift, "drift"}, {job, &e.Job, "job"}, {columns, &e.ColumnLineage, "column lineage"}} {
		if d.col.Valid {
			if err := json.Unmarshal([]byte(d.col.String), d.into); err != nil {
				return e, fmt.Errorf("decoding the %s of edge %s: %w", d.what, e.Key(), err)
			}
		}
	}
	return e, nil
}

// edgeDoc is an edge as the audit log shows it: its content, not its
// sightings.
type edgeDoc struct {
	Kind    lineage.Kind               `json:"kind"`
	From    string                     `json:"from"`
	To      string                     `json:"to"`
	Source  lineage.Source             `json:"source"`
	Fields  []string                   `json:"fields,omitempty"`
	Version int                        `json:"version,omitempty"`
	Drift   []lineage.SchemaDifference `json:"drift,omitempty"`
	Job     *lineage.JobRef            `json:"job,omitempty"`
	Columns []lineage.Derivation       `json:"columnLineage,omitempty"`
}

// entry is the audit entry of action changing before into after.
func entry(action string, before, after *lineage.Edge) audit.Entry {
	doc := func(e *lineage.Edge) json.RawMessage {
		if e == nil {
			return nil
		}
		return audit.Doc(edgeDoc{e.Kind, e.From, e.To, e.Sources[0], e.Fields, e.Version, e.Drift, e.Job, e.ColumnLineage})
	}
	target := after
	if target == nil {
		target = before
	}
	return audit.Entry{Action: action, Target: target.Key(), Before: doc(before), After: doc(after)}
}

func (st *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := st.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("lineage: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("lineage: commit: %w", err)
	}
	return nil
}

// JSONOrNil is how a list column (fields, drift, column lineage) is
// stored: a JSON array, NULL when empty.
func JSONOrNil[T any](v []T) any {
	if len(v) == 0 {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return string(b)
}

func jsonOrNil[T any](v []T) any { return JSONOrNil(v) }

func jobOrNil(j *lineage.JobRef) any {
	if j == nil {
		return nil
	}
	b, err := json.Marshal(j)
	if err != nil {
		return nil
	}
	return string(b)
}

func nullInt(v int) any {
	if v == 0 {
		return nil
	}
	return v
}
