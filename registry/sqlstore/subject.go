package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/accord/accord/registry"
)

// subjectStateQuery reads a subject's change counter, mode, config, and
// every version with its schema: one row per version (one row of NULL
// version columns when it has none), each carrying the subject's columns.
// The driving one-row table keeps the subject's columns when it has no
// row, config, mode or version; every join is on a primary key.
const subjectStateQuery = `
	SELECT s.changes, m.mode, c.config,
		v.version, v.schema_id, v.deleted, v.created_at,
		x.schema_type, x.schema_text, x.refs, x.metadata, x.ruleset, x.fingerprint, x.created_at, x.guid
	FROM (SELECT CAST(? AS TEXT) AS context, CAST(? AS TEXT) AS subject) k
	LEFT JOIN subjects s ON s.context = k.context AND s.subject = k.subject
	LEFT JOIN modes m ON m.context = k.context AND m.subject = k.subject
	LEFT JOIN configs c ON c.context = k.context AND c.subject = k.subject
	LEFT JOIN versions v ON v.context = k.context AND v.subject = k.subject
	LEFT JOIN schemas x ON x.context = v.context AND x.id = v.schema_id
	ORDER BY v.version`

// SubjectState reads what the registry builds a subject's cached view
// from (registry.SubjectReader) in one statement, so in one snapshot: a
// view read at scale, where views and schemas are evicted, took a read of
// the counters, one of the versions, one per schema and one each for the
// subject's config and mode. A subject with nothing stored has the zero
// SubjectState (no versions, counter 0).
func (r reader) SubjectState(ctx context.Context, regCtx, subject string) (registry.SubjectState, error) {
	st, err := r.subjectState(ctx, regCtx, subject)
	if err != nil {
		return registry.SubjectState{}, fmt.Errorf("sqlstore: state of %s: %w", where(regCtx, subject), err)
	}
	return st, nil
}

// SubjectState is reader's, on SQLite through a statement prepared once
// on the read pool: the SQLite driver prepares each statement on every
// call otherwise, and preparing this one cost more than running it (a
// CPU profile of seeding: 95 % of the call). PostgreSQL's pgx caches
// prepared statements per connection itself.
func (s *Store) SubjectState(ctx context.Context, regCtx, subject string) (registry.SubjectState, error) {
	if s.d.postgres() {
		return s.reader.SubjectState(ctx, regCtx, subject)
	}
	st, err := s.subjectStateSQLite(ctx, regCtx, subject)
	if err != nil {
		return registry.SubjectState{}, fmt.Errorf("sqlstore: state of %s: %w", where(regCtx, subject), err)
	}
	return st, nil
}

func (s *Store) subjectStateSQLite(ctx context.Context, regCtx, subject string) (registry.SubjectState, error) {
	stmt, err := s.readStmt.get(ctx, s.readDB)
	if err != nil {
		return registry.SubjectState{}, err
	}
	// One deadline for the call, the wait for a pooled connection
	// included, as boundedQuerier gives every other read.
	ctx, cancel := context.WithTimeout(ctx, s.dl.call)
	defer cancel()
	rows, err := observed(s.obs, "query", func() (*sql.Rows, error) { return stmt.QueryContext(ctx, regCtx, subject) })
	if err != nil {
		return registry.SubjectState{}, err
	}
	return scanSubjectState(rows, regCtx, subject)
}

// preparedRead is subjectStateQuery prepared once on a read pool
// (database/sql prepares it again on each connection that runs it, once).
type preparedRead struct {
	mu   sync.Mutex
	stmt *sql.Stmt
}

func (p *preparedRead) get(ctx context.Context, db *sql.DB) (*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stmt != nil {
		return p.stmt, nil
	}
	stmt, err := db.PrepareContext(ctx, subjectStateQuery)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	p.stmt = stmt
	return stmt, nil
}

func (r reader) subjectState(ctx context.Context, regCtx, subject string) (registry.SubjectState, error) {
	rows, err := r.query(ctx, subjectStateQuery, regCtx, subject)
	if err != nil {
		return registry.SubjectState{}, err
	}
	return scanSubjectState(rows, regCtx, subject)
}

// scanSubjectState reads the rows of subjectStateQuery and closes them.
func scanSubjectState(rows *sql.Rows, regCtx, subject string) (registry.SubjectState, error) {
	defer rows.Close()
	st := registry.SubjectState{Versions: []registry.VersionRecord{}, Schemas: []registry.SchemaRecord{}}
	for rows.Next() {
		var (
			changes                          sql.NullInt64
			mode, config                     sql.NullString
			version, schemaID, vCreated      sql.NullInt64
			deleted                          sql.NullBool
			typ, text, refs, meta, rules, fp sql.NullString
			guid                             sql.NullString
			sCreated                         sql.NullInt64
		)
		if err := rows.Scan(&changes, &mode, &config,
			&version, &schemaID, &deleted, &vCreated,
			&typ, &text, &refs, &meta, &rules, &fp, &sCreated, &guid); err != nil {
			return registry.SubjectState{}, err
		}
		st.Changes, st.Mode = changes.Int64, mode.String
		if config.Valid {
			st.Config = json.RawMessage(config.String)
		}
		if !version.Valid {
			continue // no version: the one row of the subject's columns
		}
		if !typ.Valid {
			// The foreign key forbids it; say so rather than serve a
			// version without its schema.
			return registry.SubjectState{}, fmt.Errorf("version %d: schema %d is missing", version.Int64, schemaID.Int64)
		}
		st.Versions = append(st.Versions, registry.VersionRecord{
			Context: regCtx, Subject: subject, Version: int(version.Int64), SchemaID: schemaID.Int64,
			Deleted: deleted.Bool, CreatedAt: fromMillis(vCreated.Int64),
		})
		rec := registry.SchemaRecord{
			Context: regCtx, ID: schemaID.Int64, Type: typ.String, Schema: text.String,
			Fingerprint: fp.String, GUID: guid.String, CreatedAt: fromMillis(sCreated.Int64),
		}
		// Decoded as SchemaByID decodes them (schemas.go's scanSchema).
		if refs.Valid && refs.String != "" {
			if err := json.Unmarshal([]byte(refs.String), &rec.References); err != nil {
				return registry.SubjectState{}, fmt.Errorf("schema %d: decode stored references: %w", rec.ID, err)
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
		st.Schemas = append(st.Schemas, rec)
	}
	if err := rows.Err(); err != nil {
		return registry.SubjectState{}, err
	}
	return st, nil
}

var _ registry.SubjectReader = (*Store)(nil)
