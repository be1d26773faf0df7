package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/accord/accord/registry"
)

// SubjectSnapshot reads, in one statement (one round trip, one
// snapshot), what a registration's fast path needs of a subject it has
// nothing cached of: the change counters of (regCtx, subject), its
// context and the default context; the mode and config of each of
// levels; and the subject's versions, soft-deleted included. Read one by
// one that was three round trips (registry's snapshotReader).
func (r reader) SubjectSnapshot(ctx context.Context, regCtx, subject string, levels []registry.Name) (registry.Changes, []registry.Setting, []registry.VersionRecord, error) {
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
	b.WriteString(` UNION ALL SELECT 'v', version, schema_id, created_at, 0, NULL, deleted FROM versions WHERE context = ? AND subject = ?`)
	args = append(args, regCtx, subject)

	rows, err := r.query(ctx, b.String(), args...)
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
