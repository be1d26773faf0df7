package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/accord/accord/registry"
)

const schemaColumns = `id, schema_type, schema_text, refs, metadata, ruleset, fingerprint, created_at, guid`

// schemaByFingerprintSQL reads the schema of a fingerprint.
const schemaByFingerprintSQL = `SELECT ` + schemaColumns + ` FROM schemas WHERE context = ? AND fingerprint = ?`

// SchemaByID returns the schema with id in regCtx.
func (r reader) SchemaByID(ctx context.Context, regCtx string, id int64) (registry.SchemaRecord, error) {
	rec, err := r.scanSchema(regCtx, r.queryRow(ctx,
		`SELECT `+schemaColumns+` FROM schemas WHERE context = ? AND id = ?`, regCtx, id))
	if err != nil {
		return registry.SchemaRecord{}, fmt.Errorf("sqlstore: schema %d in context %q: %w", id, regCtx, err)
	}
	return rec, nil
}

// SchemaByFingerprint returns the schema whose fingerprint is fp in regCtx.
func (r reader) SchemaByFingerprint(ctx context.Context, regCtx, fp string) (registry.SchemaRecord, error) {
	rec, err := r.scanSchema(regCtx, r.queryRow(ctx, schemaByFingerprintSQL, regCtx, fp))
	if err != nil {
		return registry.SchemaRecord{}, fmt.Errorf("sqlstore: schema with fingerprint %q in context %q: %w", fp, regCtx, err)
	}
	return rec, nil
}

func (r reader) scanSchema(regCtx string, row *sql.Row) (registry.SchemaRecord, error) {
	return scanSchemaRow(regCtx, row)
}

// scanSchemaRow reads a row of schemaColumns (*sql.Row or pgx.Row);
// ErrNotFound when there is none.
func scanSchemaRow(regCtx string, row interface{ Scan(...any) error }) (registry.SchemaRecord, error) {
	rec := registry.SchemaRecord{Context: regCtx}
	var refs, metadata, ruleset, guid sql.NullString
	var created int64
	err := row.Scan(&rec.ID, &rec.Type, &rec.Schema, &refs, &metadata, &ruleset, &rec.Fingerprint, &created, &guid)
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return rec, registry.ErrNotFound
	}
	if err != nil {
		return rec, err
	}
	if refs.Valid && refs.String != "" {
		if err := json.Unmarshal([]byte(refs.String), &rec.References); err != nil {
			return rec, fmt.Errorf("decode stored references: %w", err)
		}
	}
	if metadata.Valid {
		rec.Metadata = json.RawMessage(metadata.String)
	}
	if ruleset.Valid {
		rec.RuleSet = json.RawMessage(ruleset.String)
	}
	rec.CreatedAt = fromMillis(created)
	rec.GUID = guid.String
	if rec.GUID == "" {
		rec.GUID = registry.GUIDOf(rec.Fingerprint)
	}
	return rec, nil
}

// MaxSchemaID returns the highest schema id of regCtx (0 when none).
func (r reader) MaxSchemaID(ctx context.Context, regCtx string) (int64, error) {
	var id int64
	if err := r.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM schemas WHERE context = ?`, regCtx).Scan(&id); err != nil {
		return 0, fmt.Errorf("sqlstore: highest schema id in context %q: %w", regCtx, err)
	}
	return id, nil
}

// SchemaGUIDs lists the (context, id) pairs of the schemas whose GUID is
// guid, ordered by context then id.
func (r reader) SchemaGUIDs(ctx context.Context, guid string) ([]registry.ContextID, error) {
	rows, err := r.query(ctx, `SELECT context, id FROM schemas WHERE guid = ? ORDER BY context, id`, guid)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: schemas with guid %q: %w", guid, err)
	}
	defer rows.Close()
	var out []registry.ContextID
	for rows.Next() {
		var c registry.ContextID
		if err := rows.Scan(&c.Context, &c.ID); err != nil {
			return nil, fmt.Errorf("sqlstore: schemas with guid %q: %w", guid, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: schemas with guid %q: %w", guid, err)
	}
	return out, nil
}

// ReferencedBy lists the ids of schemas that reference subject/version and
// still have a version (soft-deleted included), in ascending order.
func (r reader) ReferencedBy(ctx context.Context, regCtx, subject string, version int) ([]int64, error) {
	rows, err := r.query(ctx, `
		SELECT DISTINCT sr.schema_id
		FROM schema_references sr
		WHERE sr.context = ? AND sr.ref_subject = ? AND sr.ref_version = ?
		  AND EXISTS (SELECT 1 FROM versions v WHERE v.context = sr.context AND v.schema_id = sr.schema_id)
		ORDER BY sr.schema_id`,
		regCtx, subject, version)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: schemas referencing %s version %d: %w", where(regCtx, subject), version, err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlstore: schemas referencing %s version %d: %w", where(regCtx, subject), version, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: schemas referencing %s version %d: %w", where(regCtx, subject), version, err)
	}
	return ids, nil
}

// InsertSchema stores rec in the transaction's context and returns its id.
//
// With rec.ID 0 it returns the id of the schema with the same fingerprint
// if there is one (two writers of different subjects may race to store the
// same schema; the loser gets the winner's id instead of a failed
// transaction), and otherwise allocates the context's next id. With an
// explicit rec.ID (IMPORT) it moves the context's counter past the id; the
// id must be free or already hold a schema with the same fingerprint, and
// the fingerprint must not be stored under another id, else ErrConflict.
func (t *tx) InsertSchema(rec registry.SchemaRecord) (int64, error) {
	fail := func(err error) (int64, error) {
		if rec.ID != 0 {
			return 0, fmt.Errorf("sqlstore: insert schema with id %d in context %q: %w", rec.ID, t.regCtx, err)
		}
		return 0, fmt.Errorf("sqlstore: insert schema in context %q: %w", t.regCtx, err)
	}
	switch {
	case rec.Context != "" && rec.Context != t.regCtx:
		return fail(fmt.Errorf("record is for context %q", rec.Context))
	case rec.ID < 0 || rec.ID > registry.MaxID:
		return fail(fmt.Errorf("id %d is outside 1..%d: %w", rec.ID, registry.MaxID, registry.ErrIDOutOfRange))
	case rec.Type == "":
		return fail(errors.New("empty schema type"))
	case rec.Fingerprint == "":
		return fail(errors.New("empty fingerprint"))
	case rec.Metadata != nil && !json.Valid(rec.Metadata):
		return fail(errors.New("metadata is not valid JSON"))
	case rec.RuleSet != nil && !json.Valid(rec.RuleSet):
		return fail(errors.New("rule set is not valid JSON"))
	}

	if rec.ID == 0 && t.ids != nil {
		// PostgreSQL: an id from the counter without holding its lock
		// (ids.go). An id is not spent on a schema already stored: the
		// caller's SchemaByFingerprint in this transaction said so, or
		// look here.
		if !t.absent[rec.Fingerprint] {
			var existing int64
			err := t.queryRow(t.ctx, `SELECT id FROM schemas WHERE context = ? AND fingerprint = ?`,
				t.regCtx, rec.Fingerprint).Scan(&existing)
			if err == nil {
				return existing, nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fail(fmt.Errorf("look up fingerprint: %w", err))
			}
		}
		id, ok, err := t.takeID()
		if err != nil {
			return fail(err)
		}
		if ok {
			return t.storeSchema(rec, id, fail)
		}
	}

	// Lock the counter: this waits for any concurrent writer of this
	// context's schemas on the locked path, so the checks below see its
	// rows (a writer that took its id from the counter is caught by the
	// unique fingerprint when storing).
	var last int64
	if err := t.queryRow(t.ctx, `SELECT last_id FROM contexts WHERE context = ?`+t.d.forUpdate,
		t.regCtx).Scan(&last); err != nil {
		return fail(fmt.Errorf("lock id counter: %w", err))
	}
	var existing int64
	err := t.queryRow(t.ctx, `SELECT id FROM schemas WHERE context = ? AND fingerprint = ?`,
		t.regCtx, rec.Fingerprint).Scan(&existing)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fail(fmt.Errorf("look up fingerprint: %w", err))
	}

	id := rec.ID
	if id == 0 {
		if found {
			return existing, nil
		}
		if last >= registry.MaxID {
			// Ids are 32-bit on the wire: one above MaxID no client could use.
			return fail(fmt.Errorf("every id up to %d is taken: %w", registry.MaxID, registry.ErrIDOutOfRange))
		}
		if err := t.queryRow(t.ctx,
			`UPDATE contexts SET last_id = last_id + 1 WHERE context = ? RETURNING last_id`,
			t.regCtx).Scan(&id); err != nil {
			return fail(fmt.Errorf("allocate id: %w", err))
		}
	} else {
		if found {
			if existing == id {
				return id, nil
			}
			return fail(fmt.Errorf("the same schema is stored as id %d: %w", existing, registry.ErrConflict))
		}
		var one int
		err := t.queryRow(t.ctx, `SELECT 1 FROM schemas WHERE context = ? AND id = ?`, t.regCtx, id).Scan(&one)
		if err == nil {
			return fail(fmt.Errorf("id %d holds another schema: %w", id, registry.ErrConflict))
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fail(fmt.Errorf("look up id: %w", err))
		}
		if id > last {
			if _, err := t.exec(t.ctx, `UPDATE contexts SET last_id = ? WHERE context = ?`, id, t.regCtx); err != nil {
				return fail(fmt.Errorf("move id counter: %w", err))
			}
		}
	}

	return t.storeSchema(rec, id, fail)
}

// storeSchema inserts rec as schema id, with its references. With rec.ID
// 0 (an id the store chose) a schema with the same fingerprint stored
// meanwhile by another transaction wins: its id is returned and nothing
// is stored.
func (t *tx) storeSchema(rec registry.SchemaRecord, id int64, fail func(error) (int64, error)) (int64, error) {
	delete(t.absent, rec.Fingerprint)
	var refs, metadata, ruleset any // nil stores NULL
	if len(rec.References) > 0 {
		b, err := json.Marshal(rec.References)
		if err != nil {
			return fail(fmt.Errorf("encode references: %w", err))
		}
		refs = string(b)
	}
	if rec.Metadata != nil {
		metadata = string(rec.Metadata)
	}
	if rec.RuleSet != nil {
		ruleset = string(rec.RuleSet)
	}
	insert := `
		INSERT INTO schemas (context, id, schema_type, schema_text, refs, metadata, ruleset, fingerprint, created_at, guid)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	created := toMillis(rec.CreatedAt)
	args := []any{t.regCtx, id, rec.Type, rec.Schema, refs, metadata, ruleset, rec.Fingerprint, created, registry.GUIDOf(rec.Fingerprint)}
	if rec.ID == 0 && t.canQueue() {
		// Pipelined (pipeline.go): sent with the commit's batch. If a
		// concurrent transaction stores the fingerprint first, the insert
		// fails on the unique key, nothing commits, and the transaction
		// runs again (errRaced), finding that schema.
		t.queue(insert, true, args...)
		for i, ref := range rec.References {
			t.queue(`
				INSERT INTO schema_references (context, schema_id, ord, ref_name, ref_subject, ref_version)
				VALUES (?, ?, ?, ?, ?, ?)`, false,
				t.regCtx, id, i, ref.Name, ref.Subject, ref.Version)
		}
		t.inserted = insertedSchema{id: id, created: created}
		return id, nil
	}
	if rec.ID == 0 {
		// Waits for a concurrent insert of the same fingerprint; if that
		// commits, takes its id (a new statement sees it).
		var got int64
		err := t.queryRow(t.ctx, insert+` ON CONFLICT (context, fingerprint) DO NOTHING RETURNING id`, args...).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			if err := t.queryRow(t.ctx, `SELECT id FROM schemas WHERE context = ? AND fingerprint = ?`,
				t.regCtx, rec.Fingerprint).Scan(&got); err != nil {
				return fail(fmt.Errorf("look up fingerprint: %w", err))
			}
			return got, nil
		}
		if err != nil {
			if t.d.isUniqueViolation(err) {
				err = fmt.Errorf("%w: %w", registry.ErrConflict, err)
			}
			return fail(err)
		}
	} else if _, err := t.exec(t.ctx, insert, args...); err != nil {
		if t.d.isUniqueViolation(err) {
			err = fmt.Errorf("%w: %w", registry.ErrConflict, err)
		}
		return fail(err)
	}
	for i, ref := range rec.References {
		if _, err := t.exec(t.ctx, `
			INSERT INTO schema_references (context, schema_id, ord, ref_name, ref_subject, ref_version)
			VALUES (?, ?, ?, ?, ?, ?)`,
			t.regCtx, id, i, ref.Name, ref.Subject, ref.Version); err != nil {
			return fail(fmt.Errorf("store reference %q: %w", ref.Name, err))
		}
	}
	t.inserted = insertedSchema{id: id, created: created}
	return id, nil
}

// insertedSchema is the schema a transaction's last InsertSchema stored
// (id 0 when it stored none: the schema was there).
type insertedSchema struct {
	id      int64
	created int64 // Unix milliseconds, as stored
}

// InsertSchemaRecord is InsertSchema returning the stored record: built
// from rec when this call stored it (no read back), read when the schema
// was already there (registry's schemaInserter).
func (t *tx) InsertSchemaRecord(rec registry.SchemaRecord) (registry.SchemaRecord, error) {
	t.inserted = insertedSchema{}
	id, err := t.InsertSchema(rec)
	if err != nil {
		return registry.SchemaRecord{}, err
	}
	if t.inserted.id != id {
		return t.SchemaByID(t.ctx, t.regCtx, id)
	}
	out := rec
	out.Context, out.ID = t.regCtx, id
	out.CreatedAt = fromMillis(t.inserted.created)
	out.GUID = registry.GUIDOf(rec.Fingerprint)
	if len(out.References) == 0 {
		out.References = nil // as read back
	}
	return out, nil
}
