package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/accord/accord/registry"
)

const versionColumns = `subject, version, schema_id, deleted, created_at`

// versionsSQL lists every version of a subject, soft-deleted ones
// included (Versions with includeDeleted).
const versionsSQL = `SELECT ` + versionColumns + ` FROM versions WHERE context = ? AND subject = ? ORDER BY version`

// Versions lists the versions of subject in ascending order.
func (r reader) Versions(ctx context.Context, regCtx, subject string, includeDeleted bool) ([]registry.VersionRecord, error) {
	q := `SELECT ` + versionColumns + ` FROM versions WHERE context = ? AND subject = ?`
	if !includeDeleted {
		q += ` AND NOT deleted`
	}
	vs, err := r.versions(ctx, regCtx, q+` ORDER BY version`, regCtx, subject)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: versions of %s: %w", where(regCtx, subject), err)
	}
	return vs, nil
}

// VersionsByPrefix lists the versions of the subjects of regCtx whose
// names start with prefix, ordered by subject (byte-wise) then version.
func (r reader) VersionsByPrefix(ctx context.Context, regCtx, prefix string, includeDeleted bool) ([]registry.VersionRecord, error) {
	q, args := prefixFilter(`SELECT `+versionColumns+` FROM versions WHERE context = ?`, regCtx, prefix, includeDeleted)
	vs, err := r.versions(ctx, regCtx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: versions of subjects with prefix %q in context %q: %w", prefix, regCtx, err)
	}
	sortVersions(vs)
	return vs, nil
}

// VersionsBySchema lists the versions of regCtx that use schema id,
// ordered by subject then version.
func (r reader) VersionsBySchema(ctx context.Context, regCtx string, id int64, includeDeleted bool) ([]registry.VersionRecord, error) {
	q := `SELECT ` + versionColumns + ` FROM versions WHERE context = ? AND schema_id = ?`
	if !includeDeleted {
		q += ` AND NOT deleted`
	}
	vs, err := r.versions(ctx, regCtx, q, regCtx, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: versions using schema %d in context %q: %w", id, regCtx, err)
	}
	sortVersions(vs)
	return vs, nil
}

// Subjects lists the subjects of regCtx that have a version and whose
// names start with prefix, sorted byte-wise.
func (r reader) Subjects(ctx context.Context, regCtx, prefix string, includeDeleted bool) ([]string, error) {
	q, args := prefixFilter(`SELECT DISTINCT subject FROM versions WHERE context = ?`, regCtx, prefix, includeDeleted)
	names, err := r.strings(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: subjects with prefix %q in context %q: %w", prefix, regCtx, err)
	}
	return names, nil
}

// Contexts lists the contexts in which a version was ever registered,
// and ".", sorted.
func (r reader) Contexts(ctx context.Context) ([]string, error) {
	names, err := r.strings(ctx, `SELECT DISTINCT context FROM subjects WHERE last_version > 0`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: contexts: %w", err)
	}
	i := sort.SearchStrings(names, ".")
	if i == len(names) || names[i] != "." {
		names = append(names[:i], append([]string{"."}, names[i:]...)...)
	}
	return names, nil
}

// prefixFilter appends the prefix and deleted filters to a query on
// versions whose first argument is the context. The prefix is compared as
// the first characters of the name, not with LIKE, so that '%', '_' and
// letter case mean nothing special on either engine.
func prefixFilter(q, regCtx, prefix string, includeDeleted bool) (string, []any) {
	args := []any{regCtx}
	if prefix != "" {
		q += ` AND substr(subject, 1, ?) = ?`
		args = append(args, utf8.RuneCountInString(prefix), prefix)
	}
	if !includeDeleted {
		q += ` AND NOT deleted`
	}
	return q, args
}

func (r reader) versions(ctx context.Context, regCtx, q string, args ...any) ([]registry.VersionRecord, error) {
	rows, err := r.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanVersions(rows, regCtx)
}

// scanVersions reads rows of versionColumns.
func scanVersions(rows rowScanner, regCtx string) ([]registry.VersionRecord, error) {
	vs := []registry.VersionRecord{}
	for rows.Next() {
		v := registry.VersionRecord{Context: regCtx}
		var created int64
		if err := rows.Scan(&v.Subject, &v.Version, &v.SchemaID, &v.Deleted, &created); err != nil {
			return nil, err
		}
		v.CreatedAt = fromMillis(created)
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// strings runs a query of one text column and returns its values sorted.
func (r reader) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := r.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Strings(out) // byte-wise, whatever the database collation
	return out, nil
}

// sortVersions orders by subject (byte-wise) then version.
func sortVersions(vs []registry.VersionRecord) {
	sort.Slice(vs, func(i, j int) bool {
		if vs[i].Subject != vs[j].Subject {
			return vs[i].Subject < vs[j].Subject
		}
		return vs[i].Version < vs[j].Version
	})
}

// NextVersion returns the next version number of the locked subject: one
// more than its highest remaining version, soft-deleted ones included (so a
// permanently deleted latest number is handed out again, as Confluent
// does). The counter row records it.
func (t *tx) NextVersion() (int, error) {
	if err := t.needSubject("next version"); err != nil {
		return 0, err
	}
	var v int
	if err := t.queryRow(t.ctx,
		`UPDATE subjects SET last_version = 1 + (SELECT COALESCE(MAX(version), 0) FROM versions WHERE context = ? AND subject = ?)
		 WHERE context = ? AND subject = ? RETURNING last_version`,
		t.regCtx, t.subject, t.regCtx, t.subject).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlstore: next version of %s: %w", where(t.regCtx, t.subject), err)
	}
	return v, nil
}

// ReserveVersion moves the locked subject's version counter to v if it is
// below it.
func (t *tx) ReserveVersion(v int) error {
	if err := t.needSubject("reserve version"); err != nil {
		return err
	}
	if v < 1 {
		return fmt.Errorf("sqlstore: reserve version %d of %s: versions start at 1", v, where(t.regCtx, t.subject))
	}
	if err := t.raiseVersion(v); err != nil {
		return fmt.Errorf("sqlstore: reserve version %d of %s: %w", v, where(t.regCtx, t.subject), err)
	}
	return nil
}

func (t *tx) raiseVersion(v int) error {
	_, err := t.exec(t.ctx,
		`UPDATE subjects SET last_version = CASE WHEN last_version < ? THEN ? ELSE last_version END WHERE context = ? AND subject = ?`,
		v, v, t.regCtx, t.subject)
	return err
}

// InsertVersion stores a version of the locked subject. v.Context and
// v.Subject may be left empty; if set they must name the locked subject.
// The schema must exist (else ErrNotFound) and the version must be free
// (else ErrConflict). The subject's version counter is moved past
// v.Version, so NextVersion never hands it out again.
func (t *tx) InsertVersion(v registry.VersionRecord) error {
	if err := t.needSubject("insert version"); err != nil {
		return err
	}
	fail := func(err error) error {
		return fmt.Errorf("sqlstore: insert version %d of %s: %w", v.Version, where(t.regCtx, t.subject), err)
	}
	switch {
	case v.Context != "" && v.Context != t.regCtx:
		return fail(fmt.Errorf("record is for context %q", v.Context))
	case v.Subject != "" && v.Subject != t.subject:
		return fail(fmt.Errorf("record is for subject %q", v.Subject))
	case v.Version < 1:
		return fail(errors.New("versions start at 1"))
	}
	var one int
	err := t.queryRow(t.ctx, `SELECT 1 FROM schemas WHERE context = ? AND id = ?`, t.regCtx, v.SchemaID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fail(fmt.Errorf("schema %d: %w", v.SchemaID, registry.ErrNotFound))
	}
	if err != nil {
		return fail(fmt.Errorf("look up schema %d: %w", v.SchemaID, err))
	}
	err = t.queryRow(t.ctx, `SELECT 1 FROM versions WHERE context = ? AND subject = ? AND version = ?`,
		t.regCtx, t.subject, v.Version).Scan(&one)
	if err == nil {
		return fail(fmt.Errorf("version exists: %w", registry.ErrConflict))
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fail(fmt.Errorf("look up version: %w", err))
	}
	if _, err := t.exec(t.ctx, `
		INSERT INTO versions (context, subject, version, schema_id, deleted, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		t.regCtx, t.subject, v.Version, v.SchemaID, v.Deleted, toMillis(v.CreatedAt)); err != nil {
		if t.d.isUniqueViolation(err) {
			err = fmt.Errorf("%w: %w", registry.ErrConflict, err)
		}
		return fail(err)
	}
	if err := t.raiseVersion(v.Version); err != nil {
		return fail(fmt.Errorf("move version counter: %w", err))
	}
	t.touched[t.subject] = true
	return nil
}

// AppendVersion stores the next version of the locked subject (as
// NextVersion numbers it) with schema id and returns its number. On
// PostgreSQL it is one statement where NextVersion and InsertVersion take
// five: the version counter moves in the same statement, and the keys
// check what InsertVersion checks by hand (the schema exists, the version
// does not). Used by registrations that do not choose their version.
func (t *tx) AppendVersion(schemaID int64) (int, error) {
	if err := t.needSubject("append version"); err != nil {
		return 0, err
	}
	fail := func(err error) (int, error) {
		if t.d.isUniqueViolation(err) {
			err = fmt.Errorf("%w: %w", registry.ErrConflict, err)
		}
		return 0, fmt.Errorf("sqlstore: append version of %s with schema %d: %w", where(t.regCtx, t.subject), schemaID, err)
	}
	var v int
	if t.canQueue() && t.maxKnown && t.notice != nil && !t.touched[t.subject] {
		// Pipelined (pipeline.go): the number is known from the versions
		// read under the lock, so the statement waits for the commit's
		// batch. The version's foreign key fails it (and the whole
		// transaction) if the schema it names was not stored.
		payload, err := t.notice(t.subject)
		if err != nil {
			return 0, err
		}
		v = t.maxVersion + 1
		t.queue(`
			WITH c AS (UPDATE subjects SET last_version = ?, changes = changes + 1 WHERE context = ? AND subject = ? RETURNING changes),
			i AS (
				INSERT INTO versions (context, subject, version, schema_id, deleted, created_at)
				VALUES (?, ?, ?, ?, ?, ?) RETURNING version)
			SELECT i.version, c.changes FROM i CROSS JOIN c CROSS JOIN LATERAL (SELECT pg_notify(?, ?)) n`,
			false,
			v, t.regCtx, t.subject,
			t.regCtx, t.subject, v, schemaID, false, toMillis(time.Time{}),
			channel, payload)
		t.maxVersion, t.maxKnown = v, true
		if t.counted == nil {
			t.counted = map[string]int64{}
		}
		t.counted[t.subject] = 0 // moved by the queued statement; PostgreSQL keeps no mirror (raiseCounters)
	} else if t.d.postgres() && t.notice != nil && !t.touched[t.subject] {
		// The subject's change counter and its NOTIFY too (countChanges
		// then skips the subject): one statement for the whole write.
		payload, err := t.notice(t.subject)
		if err != nil {
			return 0, err
		}
		var c int64
		if err := t.queryRow(t.ctx, `
			WITH v AS (
				UPDATE subjects SET last_version = 1 + (SELECT COALESCE(MAX(version), 0) FROM versions WHERE context = ? AND subject = ?),
					changes = changes + 1
				WHERE context = ? AND subject = ? RETURNING last_version, changes),
			i AS (
				INSERT INTO versions (context, subject, version, schema_id, deleted, created_at)
				SELECT ?, ?, last_version, ?, ?, ? FROM v RETURNING version)
			SELECT i.version, v.changes FROM i CROSS JOIN v CROSS JOIN LATERAL (SELECT pg_notify(?, ?)) n`,
			t.regCtx, t.subject, t.regCtx, t.subject,
			t.regCtx, t.subject, schemaID, false, toMillis(time.Time{}),
			channel, payload).Scan(&v, &c); err != nil {
			return fail(err)
		}
		if t.counted == nil {
			t.counted = map[string]int64{}
		}
		t.counted[t.subject] = c
	} else if t.d.postgres() {
		if err := t.queryRow(t.ctx, `
			WITH v AS (
				UPDATE subjects SET last_version = 1 + (SELECT COALESCE(MAX(version), 0) FROM versions WHERE context = ? AND subject = ?)
				WHERE context = ? AND subject = ? RETURNING last_version)
			INSERT INTO versions (context, subject, version, schema_id, deleted, created_at)
			SELECT ?, ?, last_version, ?, ?, ? FROM v RETURNING version`,
			t.regCtx, t.subject, t.regCtx, t.subject,
			t.regCtx, t.subject, schemaID, false, toMillis(time.Time{})).Scan(&v); err != nil {
			return fail(err)
		}
	} else {
		// SQLite runs in process: the statements cost no round trip.
		var err error
		if v, err = t.NextVersion(); err != nil {
			return 0, err
		}
		if _, err := t.exec(t.ctx, `
			INSERT INTO versions (context, subject, version, schema_id, deleted, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			t.regCtx, t.subject, v, schemaID, false, toMillis(time.Time{})); err != nil {
			return fail(err)
		}
	}
	t.touched[t.subject] = true
	return v, nil
}

// SetDeleted soft-deletes or restores a version; ErrNotFound if it does
// not exist.
func (t *tx) SetDeleted(subject string, version int, deleted bool) error {
	res, err := t.exec(t.ctx,
		`UPDATE versions SET deleted = ? WHERE context = ? AND subject = ? AND version = ?`,
		deleted, t.regCtx, subject, version)
	if err == nil {
		err = oneRow(res)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: set deleted=%t on version %d of %s: %w", deleted, version, where(t.regCtx, subject), err)
	}
	t.touched[subject] = true
	return nil
}

// DeleteVersion permanently deletes a version; ErrNotFound if it does not
// exist. Its number is not reused.
func (t *tx) DeleteVersion(subject string, version int) error {
	res, err := t.exec(t.ctx,
		`DELETE FROM versions WHERE context = ? AND subject = ? AND version = ?`,
		t.regCtx, subject, version)
	if err == nil {
		err = oneRow(res)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: delete version %d of %s: %w", version, where(t.regCtx, subject), err)
	}
	t.touched[subject] = true
	return nil
}

// oneRow turns "no row changed" into ErrNotFound.
func oneRow(res sql.Result) error {
	n, err := rowsAffected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return registry.ErrNotFound
	}
	return nil
}
