package sqllineage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry/sqlstore"
)

// putPipelined is Put on PostgreSQL in two round trips, whatever the
// number of edges, where statement by statement it took seven for one
// edge (BEGIN, the row, the write, the audit entry, the notice, COMMIT,
// the rows read back). The same transaction reads and decides as putTx's:
//
//  1. BEGIN (sqlstore.PipelinedTx sends it); when the check reads
//     producers, the lock on the stream's producers, then its owner and
//     stored produces edges; each written row, FOR UPDATE. The statements of a batch run one after another,
//     so the producers are read after the lock is granted, as in putTx.
//  2. Go decides: the check, created or updated, the audit entries.
//  3. The writes, the audit entries, the notices, each written pair's
//     rows read back, COMMIT (PipelinedTx.Commit sends it).
//
// An error anywhere leaves the transaction to sqlstore's Pipelined, which
// rolls it back.
func (st *Store) putPipelined(ctx context.Context, check *lineage.Check, edges []lineage.Edge) (lineage.Written, error) {
	edges = slices.Clone(edges)
	w := lineage.Written{Created: make([]bool, len(edges)), Rows: make([][]lineage.Edge, len(edges))}
	err := st.db.Pipelined(ctx, func(ctx context.Context, p *sqlstore.PipelinedTx) error {
		// 1. Read.
		var (
			owner   sql.NullString
			ps      []producer
			checkOn string
		)
		olds := make([]*lineage.Edge, len(edges))
		b := &pgx.Batch{}
		if check != nil && check.Producers && len(edges) > 0 {
			checkOn = edges[0].Stream()
			b.Queue(producersLock, producersLockKey(checkOn))
			b.Queue(st.db.Rebind(ownerQuery), checkOn).QueryRow(func(row pgx.Row) error {
				if err := row.Scan(&owner); err != nil && !errors.Is(err, pgx.ErrNoRows) {
					return fmt.Errorf("reading the owner of stream %s: %w", checkOn, err)
				}
				return nil
			})
			b.Queue(st.db.Rebind(producersQuery), string(lineage.Produces), checkOn).Query(func(rows pgx.Rows) error {
				for rows.Next() {
					var p producer
					if err := rows.Scan(&p.from, &p.job); err != nil {
						return fmt.Errorf("reading the producers of %s: %w", checkOn, err)
					}
					ps = append(ps, p)
				}
				return rows.Err()
			})
		}
		for i := range edges {
			e := &edges[i]
			b.Queue(st.db.Rebind(`SELECT `+Columns+` FROM lineage_edges WHERE kind = ? AND from_node = ? AND to_node = ? AND source = ? FOR UPDATE`),
				string(e.Kind), e.From, e.To, string(e.Sources[0])).Query(func(rows pgx.Rows) error {
				for rows.Next() {
					old, err := scanEdge(rows)
					if err != nil {
						return err
					}
					olds[i] = &old
				}
				return rows.Err()
			})
		}
		if err := p.Send(b); err != nil {
			return fmt.Errorf("lineage: reading the edges to write: %w", err)
		}

		// 2. Decide.
		if check != nil && len(edges) > 0 {
			var services []string
			if checkOn != "" {
				var err error
				if services, err = producers(checkOn, owner, ps); err != nil {
					return err
				}
			}
			if err := check.Decide(services); err != nil {
				return err
			}
		}

		// 3. Write, read back, commit.
		b = &pgx.Batch{}
		q := queue{b}
		notified := map[pair]bool{}
		for i := range edges {
			e := &edges[i]
			// An edge written twice in one Put: the second write finds the
			// first's row, as it would statement by statement.
			old := olds[i]
			for j := range i {
				if edges[j].Kind == e.Kind && edges[j].From == e.From && edges[j].To == e.To && edges[j].Sources[0] == e.Sources[0] {
					old = &edges[j]
				}
			}
			w.Created[i] = old == nil
			for _, s := range writeStatements(e, old) {
				b.Queue(st.db.Rebind(s.query), s.args...)
			}
			if a, ok := auditEntry(e, old); ok {
				if err := audit.Append(ctx, q, st.db.Rebind, a); err != nil {
					return err
				}
			}
			if k := pairOf(e); !notified[k] {
				notified[k] = true
				if err := st.db.Notify(ctx, q, lineage.FeedTopic, lineage.NoticeKey(k.kind, k.from, k.to)); err != nil {
					return fmt.Errorf("lineage: %w", err)
				}
			}
		}
		read := map[pair][]lineage.Edge{}
		for k := range notified {
			b.Queue(st.db.Rebind(rowsQuery), string(k.kind), k.from, k.to).Query(func(rows pgx.Rows) error {
				var out []lineage.Edge
				for rows.Next() {
					e, err := scanEdge(rows)
					if err != nil {
						return err
					}
					out = append(out, e)
				}
				read[k] = out
				return rows.Err()
			})
		}
		if err := p.Commit(b); err != nil {
			return fmt.Errorf("lineage: writing edges: %w", err)
		}
		for i := range edges {
			w.Rows[i] = read[pairOf(&edges[i])]
		}
		return nil
	})
	if err != nil {
		return lineage.Written{}, err
	}
	return w, nil
}

// queue is an audit.Execer (and sqlstore.Execer) that queues each
// statement into a batch: its outcome shows when the batch is sent.
type queue struct{ b *pgx.Batch }

func (q queue) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	q.b.Queue(query, args...)
	return nil, nil
}
