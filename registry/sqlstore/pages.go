package sqlstore

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/accord/accord/registry"
)

// Keyset pages of subjects and versions, in byte-wise order of subject
// names whatever the database's collation: on PostgreSQL the subject is
// compared as COLLATE "C", which the index of migration 0016 serves; on
// SQLite the primary key is already byte-wise (BINARY). A page starts
// where the last one stopped, so reading page n costs the same as page 1.

// bytewise is the subject column compared byte-wise.
func (r reader) bytewise() string {
	if r.d.postgres() {
		return `subject COLLATE "C"`
	}
	return `subject`
}

// prefixRange appends the conditions that keep subjects starting with
// prefix: a byte-wise range the index serves, and the exact test.
func (r reader) prefixRange(q string, args []any, prefix string) (string, []any) {
	if prefix == "" {
		return q, args
	}
	col := r.bytewise()
	q += ` AND ` + col + ` >= ? AND substr(subject, 1, ?) = ?`
	args = append(args, prefix, utf8.RuneCountInString(prefix), prefix)
	if end, ok := prefixEnd(prefix); ok {
		q += ` AND ` + col + ` < ?`
		args = append(args, end)
	}
	return q, args
}

// prefixEnd is a string that sorts byte-wise after every string that
// starts with prefix and before every other string after prefix: prefix
// with its last character replaced by the next one (UTF-8's byte order
// is code point order, and the bound must be valid UTF-8 for
// PostgreSQL); false when there is none.
func prefixEnd(prefix string) (string, bool) {
	rs := []rune(prefix)
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i] + 1
		if r == 0xd800 { // surrogates are not characters
			r = 0xe000
		}
		if r <= utf8.MaxRune {
			rs[i] = r
			return string(rs[:i+1]), true
		}
	}
	return "", false
}

// SubjectPage lists one page of the subjects of regCtx, byte-wise.
func (r reader) SubjectPage(ctx context.Context, regCtx string, p registry.SubjectPageQuery) ([]string, error) {
	col := r.bytewise()
	q := `SELECT ` + col + ` FROM versions WHERE context = ? AND ` + col + ` > ?`
	args := []any{regCtx, p.After}
	q, args = r.prefixRange(q, args, p.Prefix)
	if p.Deleted == registry.LiveOnly {
		q += ` AND NOT deleted`
	}
	q += ` GROUP BY ` + col
	if p.Deleted == registry.DeletedOnly {
		q += ` HAVING SUM(CASE WHEN deleted THEN 0 ELSE 1 END) = 0`
	}
	q += ` ORDER BY ` + col + ` LIMIT ? OFFSET ?`
	args = append(args, max(p.Limit, 1), max(p.Offset, 0))
	rows, err := r.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: subjects of context %q after %q: %w", regCtx, p.After, err)
	}
	defer rows.Close()
	out := make([]string, 0, min(max(p.Limit, 1), registry.ListPageSize))
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("sqlstore: subjects of context %q: %w", regCtx, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: subjects of context %q: %w", regCtx, err)
	}
	return out, nil
}

// versionSelection is the FROM and WHERE of the versions of regCtx p
// selects (its Prefix, IncludeDeleted and LatestOnly; not its page),
// shared by VersionPage and VersionCount so both count the same rows.
func (r reader) versionSelection(regCtx string, p registry.VersionPageQuery) (string, []any) {
	q := ` FROM versions v WHERE context = ?`
	args := []any{regCtx}
	q, args = r.prefixRange(q, args, p.Prefix)
	if !p.IncludeDeleted {
		q += ` AND NOT deleted`
	}
	if p.LatestOnly {
		q += ` AND version = (SELECT MAX(w.version) FROM versions w WHERE w.context = v.context AND w.subject = v.subject`
		if !p.IncludeDeleted {
			q += ` AND NOT w.deleted`
		}
		q += `)`
	}
	return q, args
}

// VersionPage lists one page of the versions of regCtx, by subject
// (byte-wise) then version.
func (r reader) VersionPage(ctx context.Context, regCtx string, p registry.VersionPageQuery) ([]registry.VersionRecord, error) {
	col := r.bytewise()
	from, args := r.versionSelection(regCtx, p)
	q := `SELECT ` + versionColumns + from + ` AND (` + col + `, version) > (?, ?) ORDER BY ` + col + `, version LIMIT ? OFFSET ?`
	args = append(args, p.AfterSubject, p.AfterVersion, max(p.Limit, 1), max(p.Offset, 0))
	vs, err := r.versions(ctx, regCtx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: versions of context %q after %q version %d: %w", regCtx, p.AfterSubject, p.AfterVersion, err)
	}
	return vs, nil
}

// VersionCount counts the versions of regCtx p selects.
func (r reader) VersionCount(ctx context.Context, regCtx string, p registry.VersionPageQuery) (int, error) {
	from, args := r.versionSelection(regCtx, p)
	var n int
	if err := r.queryRow(ctx, `SELECT COUNT(*)`+from, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: counting versions of context %q: %w", regCtx, err)
	}
	return n, nil
}
