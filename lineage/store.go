package lineage

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
	"github.com/accord/accord/registry/sqlstore"
)

// Audit actions of edge changes, recorded in the transaction of the
// change. A sighting that only moves last_seen records nothing: an
// OpenLineage emitter reports the same edges on every run.
const (
	ActionEdgeCreate = "lineage.edge_create"
	ActionEdgeUpdate = "lineage.edge_update"
	ActionEdgeDelete = "lineage.edge_delete"
)

// SQLStore keeps the stored edges on the registry's database (migration
// 0007). Each row is one edge from one source.
type SQLStore struct {
	db sqlstore.DB
}

// NewSQLStore returns a store on db (from sqlstore.Store.DB).
func NewSQLStore(db sqlstore.DB) *SQLStore { return &SQLStore{db: db} }

const edgeColumns = `kind, from_node, to_node, source, fields, schema_version, drift, first_seen, last_seen, job, column_lineage`

// Check decides whether a write may go ahead, from state read in its
// transaction: producers lists the services producing the written edge's
// stream (see SQLStore.producers). Nil: no check.
type Check func(producers func() ([]string, error)) error

// Put stores each edge (one source each), replacing the row of the same
// kind, ends and source but keeping its first sighting, in one
// transaction, after check (on the first edge's stream) allows it. It
// reports which edges were new.
func (st *SQLStore) Put(ctx context.Context, check Check, edges ...Edge) (created []bool, err error) {
	created = make([]bool, len(edges))
	err = st.inTx(ctx, func(tx *sql.Tx) error {
		if check != nil && len(edges) > 0 {
			if err := st.check(ctx, tx, check, &edges[0]); err != nil {
				return err
			}
		}
		notified := map[pairKey]bool{}
		for i := range edges {
			c, err := st.put(ctx, tx, &edges[i])
			if err != nil {
				return err
			}
			created[i] = c
			if k := edges[i].pair(); !notified[k] {
				notified[k] = true
				if err := st.notify(ctx, tx, k); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil && st.db.IsUniqueViolation(err) {
		// Two writers inserted the same new edge at once (PostgreSQL):
		// the second now finds the row and updates it.
		return st.Put(ctx, check, edges...)
	}
	return created, err
}

func (st *SQLStore) put(ctx context.Context, tx *sql.Tx, e *Edge) (bool, error) {
	src := e.Sources[0]
	lock := ""
	if st.db.Postgres() {
		lock = " FOR UPDATE"
	}
	olds, err := st.query(ctx, tx, `SELECT `+edgeColumns+` FROM lineage_edges WHERE kind = ? AND from_node = ? AND to_node = ? AND source = ?`+lock,
		string(e.Kind), e.From, e.To, string(src))
	if err != nil {
		return false, err
	}
	fields, drift, job, columns := jsonOrNil(e.Fields), jsonOrNil(e.Drift), jobOrNil(e.Job), jsonOrNil(e.ColumnLineage)
	if len(olds) == 0 {
		_, err := tx.ExecContext(ctx, st.db.Rebind(`INSERT INTO lineage_edges (`+edgeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			string(e.Kind), e.From, e.To, string(src), fields, nullInt(e.Version), drift, e.FirstSeen.UnixMilli(), e.LastSeen.UnixMilli(), job, columns)
		if err != nil {
			return false, fmt.Errorf("inserting edge %s: %w", e.Key(), err)
		}
		return true, st.record(ctx, tx, ActionEdgeCreate, nil, e)
	}
	old := olds[0]
	e.FirstSeen = old.FirstSeen
	if _, err := tx.ExecContext(ctx, st.db.Rebind(`UPDATE lineage_edges SET fields = ?, schema_version = ?, drift = ?, last_seen = ?, job = ?, column_lineage = ?
		WHERE kind = ? AND from_node = ? AND to_node = ? AND source = ?`),
		fields, nullInt(e.Version), drift, e.LastSeen.UnixMilli(), job, columns, string(e.Kind), e.From, e.To, string(src)); err != nil {
		return false, fmt.Errorf("updating edge %s: %w", e.Key(), err)
	}
	if sameContent(&old, e) {
		return false, nil
	}
	return false, st.record(ctx, tx, ActionEdgeUpdate, &old, e)
}

// sameContent: a and b differ at most in their sightings.
func sameContent(a, b *Edge) bool {
	da, _ := json.Marshal([]any{a.Drift, a.Job, a.ColumnLineage})
	db, _ := json.Marshal([]any{b.Drift, b.Job, b.ColumnLineage})
	return slices.Equal(a.Fields, b.Fields) && a.Version == b.Version && string(da) == string(db)
}

// Delete removes the edge of kind, from, to and source, after check
// allows it.
func (st *SQLStore) Delete(ctx context.Context, check Check, kind Kind, from, to string, src Source) error {
	return st.inTx(ctx, func(tx *sql.Tx) error {
		if check != nil {
			if err := st.check(ctx, tx, check, &Edge{Kind: kind, From: from, To: to}); err != nil {
				return err
			}
		}
		olds, err := st.query(ctx, tx, `SELECT `+edgeColumns+` FROM lineage_edges WHERE kind = ? AND from_node = ? AND to_node = ? AND source = ?`,
			string(kind), from, to, string(src))
		if err != nil {
			return err
		}
		if len(olds) == 0 {
			return errorf(ErrNotFound, "no %s edge %s %s -> %s", src, kind, from, to)
		}
		if _, err := tx.ExecContext(ctx, st.db.Rebind(`DELETE FROM lineage_edges WHERE kind = ? AND from_node = ? AND to_node = ? AND source = ?`),
			string(kind), from, to, string(src)); err != nil {
			return fmt.Errorf("deleting edge %s: %w", olds[0].Key(), err)
		}
		if err := st.notify(ctx, tx, pairKey{kind, from, to}); err != nil {
			return err
		}
		return st.record(ctx, tx, ActionEdgeDelete, &olds[0], nil)
	})
}

// check runs c in tx for a write of e. On PostgreSQL a write that
// decides from a stream's producers first takes a lock on the stream's
// producers (a transaction-scoped advisory lock), so two writers cannot
// both find a stream without a producer and both become it; on SQLite
// the transaction already excludes every other writer.
func (st *SQLStore) check(ctx context.Context, tx *sql.Tx, c Check, e *Edge) error {
	stream := e.Stream()
	locked := false
	return c(func() ([]string, error) {
		if st.db.Postgres() && !locked {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "lineage producers "+stream); err != nil {
				return nil, fmt.Errorf("locking the producers of %s: %w", stream, err)
			}
			locked = true
		}
		return st.producers(ctx, tx, stream)
	})
}

// producers lists the services producing stream as tx reads them, in the
// order of the index (index.producers): its contract's owner (the
// streams table, migration 0004) and the services, or owners of jobs, of
// its stored produces edges, one per edge.
func (st *SQLStore) producers(ctx context.Context, tx *sql.Tx, stream string) ([]string, error) {
	type producer struct {
		from    string
		job     bool
		service string
	}
	var ps []producer
	var owner string
	err := tx.QueryRowContext(ctx, st.db.Rebind(`SELECT owner FROM streams WHERE name = ?`), stream).Scan(&owner)
	switch {
	case err == nil:
		ps = append(ps, producer{owner, false, owner})
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("reading the owner of stream %s: %w", stream, err)
	}
	rows, err := tx.QueryContext(ctx, st.db.Rebind(`SELECT from_node, job FROM lineage_edges WHERE kind = ? AND to_node = ?`), string(Produces), stream)
	if err != nil {
		return nil, fmt.Errorf("reading the producers of %s: %w", stream, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			from string
			job  sql.NullString
		)
		if err := rows.Scan(&from, &job); err != nil {
			return nil, fmt.Errorf("reading the producers of %s: %w", stream, err)
		}
		p := producer{from, job.Valid, from}
		if job.Valid {
			var j JobRef
			if err := json.Unmarshal([]byte(job.String), &j); err != nil {
				return nil, fmt.Errorf("decoding the job of a producer of %s: %w", stream, err)
			}
			p.service = j.Owner
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the producers of %s: %w", stream, err)
	}
	slices.SortFunc(ps, func(a, b producer) int {
		return cmp.Or(strings.Compare(a.from, b.from), cmp.Compare(btoi(a.job), btoi(b.job)))
	})
	ps = slices.CompactFunc(ps, func(a, b producer) bool { return a.from == b.from && a.job == b.job })
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.service
	}
	return out, nil
}

// feedTopic is the change feed's topic of lineage edges (the Context of a
// registry.Change): not a registry context, which all begin with a dot.
const feedTopic = "lineage"

// notify tells the other replicas, when tx commits, that the edges of k
// changed (see Service.Follow).
func (st *SQLStore) notify(ctx context.Context, tx *sql.Tx, k pairKey) error {
	key, err := json.Marshal([]string{string(k.kind), k.from, k.to})
	if err != nil {
		return fmt.Errorf("lineage: notice of %s %s -> %s: %w", k.kind, k.from, k.to, err)
	}
	if err := st.db.Notify(ctx, tx, feedTopic, string(key)); err != nil {
		return fmt.Errorf("lineage: %w", err)
	}
	return nil
}

// parseNotice reads the edges a notice names.
func parseNotice(key string) (pairKey, bool) {
	var k []string
	if err := json.Unmarshal([]byte(key), &k); err != nil || len(k) != 3 {
		return pairKey{}, false
	}
	return pairKey{Kind(k[0]), k[1], k[2]}, true
}

// rowsOf returns the stored rows of the edges of k.kind from k.from to
// k.to, every source, in the order All lists them.
func (st *SQLStore) rowsOf(ctx context.Context, k pairKey) ([]Edge, error) {
	return st.query(ctx, st.db.Read, `SELECT `+edgeColumns+` FROM lineage_edges WHERE kind = ? AND from_node = ? AND to_node = ? ORDER BY source`,
		string(k.kind), k.from, k.to)
}

// All returns every stored edge, one per row.
func (st *SQLStore) All(ctx context.Context) ([]Edge, error) {
	return st.query(ctx, st.db.Read, `SELECT `+edgeColumns+` FROM lineage_edges ORDER BY kind, from_node, to_node, source`)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (st *SQLStore) query(ctx context.Context, q queryer, query string, args ...any) ([]Edge, error) {
	rows, err := q.QueryContext(ctx, st.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("reading lineage edges: %w", err)
	}
	defer rows.Close()
	var out []Edge
	for rows.Next() {
		var (
			e                  Edge
			kind, src          string
			fields, drift      sql.NullString
			job, columns       sql.NullString
			version            sql.NullInt64
			firstSeen, lastSee int64
		)
		if err := rows.Scan(&kind, &e.From, &e.To, &src, &fields, &version, &drift, &firstSeen, &lastSee, &job, &columns); err != nil {
			return nil, fmt.Errorf("reading lineage edges: %w", err)
		}
		e.Kind, e.Sources, e.Version = Kind(kind), []Source{Source(src)}, int(version.Int64)
		e.FirstSeen, e.LastSeen = time.UnixMilli(firstSeen).UTC(), time.UnixMilli(lastSee).UTC()
		if fields.Valid {
			if err := json.Unmarshal([]byte(fields.String), &e.Fields); err != nil {
				return nil, fmt.Errorf("decoding the fields of edge %s: %w", e.Key(), err)
			}
		}
		if drift.Valid {
			if err := json.Unmarshal([]byte(drift.String), &e.Drift); err != nil {
				return nil, fmt.Errorf("decoding the drift of edge %s: %w", e.Key(), err)
			}
		}
		if job.Valid {
			if err := json.Unmarshal([]byte(job.String), &e.Job); err != nil {
				return nil, fmt.Errorf("decoding the job of edge %s: %w", e.Key(), err)
			}
		}
		if columns.Valid {
			if err := json.Unmarshal([]byte(columns.String), &e.ColumnLineage); err != nil {
				return nil, fmt.Errorf("decoding the column lineage of edge %s: %w", e.Key(), err)
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading lineage edges: %w", err)
	}
	return out, nil
}

// edgeDoc is an edge as the audit log shows it: its content, not its
// sightings.
type edgeDoc struct {
	Kind    Kind               `json:"kind"`
	From    string             `json:"from"`
	To      string             `json:"to"`
	Source  Source             `json:"source"`
	Fields  []string           `json:"fields,omitempty"`
	Version int                `json:"version,omitempty"`
	Drift   []SchemaDifference `json:"drift,omitempty"`
	Job     *JobRef            `json:"job,omitempty"`
	Columns []Derivation       `json:"columnLineage,omitempty"`
}

func (st *SQLStore) record(ctx context.Context, tx *sql.Tx, action string, before, after *Edge) error {
	doc := func(e *Edge) json.RawMessage {
		if e == nil {
			return nil
		}
		return audit.Doc(edgeDoc{e.Kind, e.From, e.To, e.Sources[0], e.Fields, e.Version, e.Drift, e.Job, e.ColumnLineage})
	}
	target := after
	if target == nil {
		target = before
	}
	return audit.Append(ctx, tx, st.db.Rebind, audit.Entry{Action: action, Target: target.Key(), Before: doc(before), After: doc(after)})
}

func (st *SQLStore) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
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

func jsonOrNil[T any](v []T) any {
	if len(v) == 0 {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return string(b)
}

func jobOrNil(j *JobRef) any {
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
