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

// maxPreparedLevels bounds the statements SubjectState prepares on
// SQLite's read pool: one text per number of levels up to it (a subject
// has at most four, registry's levelsOf), times three for the versions
// and schemas asked. A read of more levels runs unprepared.
const maxPreparedLevels = 4

// SubjectState reads, in one statement (one round trip, one snapshot),
// what what asks of (regCtx, subject) and its change counters: the write
// path's fast path for a subject it has nothing cached of (counters,
// every level's settings, the versions), and the read side's view miss
// (the subject's own settings, every version with its schema). Read one
// by one that was three round trips for the first and ~13 at scale for
// the second. A subject with nothing stored has zero counters, zero
// settings and no versions.
func (r reader) SubjectState(ctx context.Context, regCtx, subject string, what registry.SubjectRead) (registry.SubjectState, error) {
	q, args := subjectStateQuery(regCtx, subject, what)
	rows, err := r.query(ctx, q, args...)
	if err != nil {
		return registry.SubjectState{}, fmt.Errorf("sqlstore: state of %s: %w", where(regCtx, subject), err)
	}
	return scanSubjectState(rows, regCtx, subject, what)
}

// SubjectState is reader's, on SQLite through a statement prepared once
// on the read pool: the SQLite driver prepares each statement on every
// call otherwise, and preparing the view miss's cost more than running it
// (a CPU profile of seeding: 95 % of the call); a registration of a new
// subject runs it first thing. PostgreSQL's pgx caches prepared
// statements per connection itself.
func (s *Store) SubjectState(ctx context.Context, regCtx, subject string, what registry.SubjectRead) (registry.SubjectState, error) {
	if s.d.postgres() || len(what.Levels) > maxPreparedLevels {
		return s.reader.SubjectState(ctx, regCtx, subject, what)
	}
	q, args := subjectStateQuery(regCtx, subject, what)
	stmt, err := s.readStmts.get(ctx, s.readDB, s.d.rebind(q))
	if err != nil {
		return registry.SubjectState{}, fmt.Errorf("sqlstore: state of %s: prepare: %w", where(regCtx, subject), err)
	}
	// One deadline for the call, the wait for a pooled connection
	// included, as boundedQuerier gives every other read; the rows are
	// read and closed before it ends.
	ctx, cancel := context.WithTimeout(ctx, s.dl.call)
	defer cancel()
	rows, err := observed(s.obs, "query", func() (*sql.Rows, error) { return stmt.QueryContext(ctx, args...) })
	if err != nil {
		return registry.SubjectState{}, fmt.Errorf("sqlstore: state of %s: %w", where(regCtx, subject), err)
	}
	return scanSubjectState(rows, regCtx, subject, what)
}

// subjectStateQuery builds SubjectState's statement: a UNION ALL of rows
// of one shape, each of a kind: c, the counters (always one row); m and
// f, a level's mode and config (none when the level has none); v, a
// version, with its schema's columns when what.Schemas (NULL otherwise).
// Every branch reads by primary key. The text depends only on the number
// of levels and the two flags, so SQLite's prepared statements are few.
//
// Columns: kind, index (level or version), a, b, c (numbers), text, flag,
// then the schema's type, text, references, metadata, rule set,
// fingerprint and guid. c: a, b, c are the subject's, its context's and
// the default context's counters. v: a is the schema id, b the version's
// creation time, c the schema's, flag the version's deleted.
func subjectStateQuery(regCtx, subject string, what registry.SubjectRead) (string, []any) {
	const noSchema = `, NULL, NULL, NULL, NULL, NULL, NULL, NULL`
	var b strings.Builder
	b.WriteString(`SELECT 'c', 0,
		COALESCE((SELECT changes FROM subjects WHERE context = ? AND subject = ?), 0),
		COALESCE((SELECT changes FROM contexts WHERE context = ?), 0),
		COALESCE((SELECT changes FROM contexts WHERE context = ?), 0),
		NULL, FALSE` + noSchema)
	args := []any{regCtx, subject, regCtx, registry.DefaultContext}
	for i, l := range what.Levels {
		fmt.Fprintf(&b, ` UNION ALL SELECT 'm', %d, 0, 0, 0, mode, FALSE%s FROM modes WHERE context = ? AND subject = ?`, i, noSchema)
		fmt.Fprintf(&b, ` UNION ALL SELECT 'f', %d, 0, 0, 0, config, FALSE%s FROM configs WHERE context = ? AND subject = ?`, i, noSchema)
		args = append(args, l.Context, l.Subject, l.Context, l.Subject)
	}
	switch {
	case what.Versions && what.Schemas:
		// LEFT JOIN: a version whose schema is missing is an error to
		// report (scanSubjectState), not a version to drop.
		b.WriteString(` UNION ALL SELECT 'v', v.version, v.schema_id, v.created_at, x.created_at, NULL, v.deleted,
			x.schema_type, x.schema_text, x.refs, x.metadata, x.ruleset, x.fingerprint, x.guid
			FROM versions v LEFT JOIN schemas x ON x.context = v.context AND x.id = v.schema_id
			WHERE v.context = ? AND v.subject = ?`)
		args = append(args, regCtx, subject)
	case what.Versions:
		b.WriteString(` UNION ALL SELECT 'v', version, schema_id, created_at, 0, NULL, deleted` + noSchema +
			` FROM versions WHERE context = ? AND subject = ?`)
		args = append(args, regCtx, subject)
	}
	return b.String(), args
}

// scanSubjectState reads the rows of subjectStateQuery and closes them.
func scanSubjectState(rows *sql.Rows, regCtx, subject string, what registry.SubjectRead) (registry.SubjectState, error) {
	defer rows.Close()
	fail := func(err error) (registry.SubjectState, error) {
		return registry.SubjectState{}, fmt.Errorf("sqlstore: state of %s: %w", where(regCtx, subject), err)
	}
	type version struct {
		v registry.VersionRecord
		s registry.SchemaRecord
	}
	var (
		st = registry.SubjectState{Settings: make([]registry.Setting, len(what.Levels))}
		vs []version
	)
	for rows.Next() {
		var (
			kind                                   string
			i                                      int
			a, b, c                                int64
			text                                   sql.NullString
			flag                                   bool
			typ, schema, refs, meta, rules, fp, id sql.NullString
		)
		if err := rows.Scan(&kind, &i, &a, &b, &c, &text, &flag,
			&typ, &schema, &refs, &meta, &rules, &fp, &id); err != nil {
			return fail(err)
		}
		switch kind {
		case "c":
			st.Changes = registry.Changes{Subject: a, Context: b, Global: c}
		case "m", "f":
			if i < 0 || i >= len(what.Levels) {
				return fail(fmt.Errorf("level %d out of range", i))
			}
			if kind == "m" {
				st.Settings[i].Mode = text.String
			} else if text.Valid {
				st.Settings[i].Config = json.RawMessage(text.String)
			}
		case "v":
			x := version{v: registry.VersionRecord{
				Context: regCtx, Subject: subject, Version: i, SchemaID: a, Deleted: flag, CreatedAt: fromMillis(b),
			}}
			if what.Schemas {
				if !typ.Valid {
					// The foreign key forbids it; say so rather than
					// serve a version without its schema.
					return fail(fmt.Errorf("version %d: schema %d is missing", i, a))
				}
				rec, err := schemaRecordOf(regCtx, a, c, typ, schema, refs, meta, rules, fp, id)
				if err != nil {
					return fail(err)
				}
				x.s = rec
			}
			vs = append(vs, x)
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if subject == "" {
		st.Changes.Subject = 0
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].v.Version < vs[j].v.Version })
	st.Versions = make([]registry.VersionRecord, len(vs))
	for i := range vs {
		st.Versions[i] = vs[i].v
	}
	st.Schemas = []registry.SchemaRecord{}
	if what.Schemas {
		st.Schemas = make([]registry.SchemaRecord, len(vs))
		for i := range vs {
			st.Schemas[i] = vs[i].s
		}
	}
	return st, nil
}

// schemaRecordOf builds a schema record from a v row's columns, decoded
// as SchemaByID decodes them (schemas.go's scanSchema).
func schemaRecordOf(regCtx string, id, created int64, typ, text, refs, meta, rules, fp, guid sql.NullString) (registry.SchemaRecord, error) {
	rec := registry.SchemaRecord{
		Context: regCtx, ID: id, Type: typ.String, Schema: text.String,
		Fingerprint: fp.String, GUID: guid.String, CreatedAt: fromMillis(created),
	}
	if refs.Valid && refs.String != "" {
		if err := json.Unmarshal([]byte(refs.String), &rec.References); err != nil {
			return registry.SchemaRecord{}, fmt.Errorf("schema %d: decode stored references: %w", id, err)
		}
	}
	if meta.Valid {
		rec.Metadata = json.RawMessage(meta.String)
	}
	if rules.Valid {
		rec.RuleSet = json.RawMessage(rules.String)
	}
	if rec.GUID == "" {
		rec.GUID = registry.GUIDOf(rec.Fingerprint)
	}
	return rec, nil
}

// readStmts holds statements prepared on a pool (database/sql prepares
// them again on each connection that runs them). Its texts are bounded:
// SubjectState's, one per number of levels up to maxPreparedLevels, for
// each of its three shapes of versions read.
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

var _ registry.SubjectReader = (*Store)(nil)
