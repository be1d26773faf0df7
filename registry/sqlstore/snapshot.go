package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/accord/accord/registry"
)

// SubjectSnapshot reads, in one statement (one round trip, one
// snapshot), what a registration's fast path needs of a subject it has
// nothing cached of: the change counters of (regCtx, subject), its
// context and the default context; the mode and config of each of
// levels; and, with versions, the subject's versions, soft-deleted
// included. Read one by one that was three round trips (registry's
// snapshotReader).
func (r reader) SubjectSnapshot(ctx context.Context, regCtx, subject string, levels []registry.Name, versions bool) (registry.Changes, []registry.Setting, []registry.VersionRecord, error) {
	return r.subjectSnapshot(ctx, regCtx, subject, levels, versions, nil)
}

// SubjectSnapshot is the reader's, on SQLite with its statement prepared
// once on the read pool (SQLite's driver parses a statement on every call
// otherwise, and a registration of a new subject runs it first thing).
func (s *Store) SubjectSnapshot(ctx context.Context, regCtx, subject string, levels []registry.Name, versions bool) (registry.Changes, []registry.Setting, []registry.VersionRecord, error) {
	if s.d.postgres() {
		return s.reader.SubjectSnapshot(ctx, regCtx, subject, levels, versions)
	}
	return s.reader.subjectSnapshot(ctx, regCtx, subject, levels, versions, func(ctx context.Context, q string, args []any) (*sql.Rows, error) {
		st, err := s.snapshots.get(ctx, s.readDB, q)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(ctx, s.dl.call)
		rows, err := st.QueryContext(context.WithValue(ctx, outerCancelKey{}, cancel), args...)
		if err != nil {
			cancel()
		}
		return rows, err // closing rows cancels (newDeadlineRows)
	})
}

// readStmts holds statements prepared on a pool (database/sql prepares
// them again on each connection that runs them). Its texts are bounded:
// SubjectSnapshot's, one per number of levels (at most four), with or
// without versions.
type readStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *readStmts) get(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = make(map[string]*sql.Stmt)
	}
	c.m[q] = st
	return st, nil
}

func (c *readStmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		_ = st.Close()
	}
	c.m = nil
}

func (r reader) subjectSnapshot(ctx context.Context, regCtx, subject string, levels []registry.Name, versions bool, query func(context.Context, string, []any) (*sql.Rows, error)) (registry.Changes, []registry.Setting, []registry.VersionRecord, error) {
	fail := func(err error) (registry.Changes, []registry.Setting, []registry.VersionRecord, error) {
		return registry.Changes{}, nil, nil, fmt.Errorf("sqlstore: snapshot of %s: %w", where(regCtx, subject), err)
	}
	// Every row: kind, index (level or version), three numbers, a text, a
	// flag. c: the counters; m, f: a level's mode and config; v: a
	// version (number, schema id, created at, deleted).
	var b strings.Builder
	b.WriteString(`SELECT 'c', 0,
		COALESCE((SELECT changes FROM subjects WHERE context = ? AND subject = ?), 0),
		COALESCE((SELECT changes FROM contexts WHERE context = ?), 0),
		COALESCE((SELECT changes FROM contexts WHERE context = ?), 0),
		NULL, FALSE`)
	args := []any{regCtx, subject, regCtx, registry.DefaultContext}
	for i, l := range levels {
		fmt.Fprintf(&b, ` UNION ALL SELECT 'm', %d, 0, 0, 0, mode, FALSE FROM modes WHERE context = ? AND subject = ?`, i)
		fmt.Fprintf(&b, ` UNION ALL SELECT 'f', %d, 0, 0, 0, config, FALSE FROM configs WHERE context = ? AND subject = ?`, i)
		args = append(args, l.Context, l.Subject, l.Context, l.Subject)
	}
	if versions {
		b.WriteString(` UNION ALL SELECT 'v', version, schema_id, created_at, 0, NULL, deleted FROM versions WHERE context = ? AND subject = ?`)
		args = append(args, regCtx, subject)
	}

	var (
		rows *sql.Rows
		err  error
	)
	if query != nil {
		rows, err = query(ctx, r.d.rebind(b.String()), args)
	} else {
		rows, err = r.query(ctx, b.String(), args...)
	}
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	var (
		ch       registry.Changes
		settings = make([]registry.Setting, len(levels))
		vs       = []registry.VersionRecord{}
	)
	for rows.Next() {
		var (
			kind    string
			i       int
			a, c, d int64
			text    sql.NullString
			flag    bool
		)
		if err := rows.Scan(&kind, &i, &a, &c, &d, &text, &flag); err != nil {
			return fail(err)
		}
		switch kind {
		case "c":
			ch = registry.Changes{Subject: a, Context: c, Global: d}
		case "m", "f":
			if i < 0 || i >= len(levels) {
				return fail(fmt.Errorf("level %d out of range", i))
			}
			if kind == "m" {
				settings[i].Mode = text.String
			} else {
				settings[i].Config = json.RawMessage(text.String)
			}
		case "v":
			vs = append(vs, registry.VersionRecord{Context: regCtx, Subject: subject, Version: i, SchemaID: a, Deleted: flag, CreatedAt: fromMillis(c)})
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if subject == "" {
		ch.Subject = 0
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Version < vs[j].Version })
	return ch, settings, vs, nil
}
