// Package sqlauth is the auth.Store on the registry's SQL database
// (SQLite or PostgreSQL), through registry/sqlstore's shared handles: one
// database, one set of migrations (0003_auth), one connection discipline.
package sqlauth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/registry/sqlstore"
)

// Store is an auth.Store. It is safe for concurrent use.
type Store struct {
	db sqlstore.DB
}

var _ auth.Store = (*Store)(nil)

// New returns a Store on db (from sqlstore.Store.DB); the tables come from
// the migrations sqlstore.Open applied.
func New(db sqlstore.DB) *Store { return &Store{db: db} }

const principalCols = `name, roles, password_hash, disabled, created_at, updated_at`

const tokenCols = `id, principal, secret_hash, description, created_at, expires_at, revoked_at, last_used_at`

// CreatePrincipal implements auth.Store.
func (s *Store) CreatePrincipal(ctx context.Context, p auth.PrincipalRecord) error {
	roles, err := json.Marshal(p.Roles)
	if err != nil {
		return fmt.Errorf("sqlauth: create principal %q: %w", p.Name, err)
	}
	return s.inTx(ctx, "create principal "+p.Name, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.Rebind(
			`INSERT INTO principals (`+principalCols+`) VALUES (?, ?, ?, ?, ?, ?)`),
			p.Name, string(roles), nullString(p.PasswordHash), p.Disabled, p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli())
		switch {
		case s.db.IsUniqueViolation(err):
			return auth.Errorf(auth.ErrPrincipalExists, "principal %q already exists", p.Name)
		case err != nil:
			return fmt.Errorf("sqlauth: create principal %q: %w", p.Name, err)
		}
		return s.record(ctx, tx, auth.ActionPrincipalCreate, p.Name, nil, p.AuditDoc())
	})
}

// inTx runs fn in a write transaction and commits it unless fn fails.
func (s *Store) inTx(ctx context.Context, what string, fn func(*sql.Tx) error) error {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlauth: %s: begin: %w", what, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlauth: %s: commit: %w", what, err)
	}
	return nil
}

// record appends the audit entry of a change inside its transaction, so
// the change never commits without it. before and after are audit docs
// (nil for nothing), never records: those carry hashes.
func (s *Store) record(ctx context.Context, tx *sql.Tx, action, target string, before, after any) error {
	return audit.Append(ctx, tx, s.db.Rebind, audit.Entry{
		Action: action, Target: target, Before: audit.Doc(before), After: audit.Doc(after),
	})
}

// Principal implements auth.Store.
func (s *Store) Principal(ctx context.Context, name string) (auth.PrincipalRecord, error) {
	return s.principal(ctx, s.db.Read, name, "")
}

func (s *Store) principal(ctx context.Context, q querier, name, suffix string) (auth.PrincipalRecord, error) {
	p, err := scanPrincipal(q.QueryRowContext(ctx, s.db.Rebind(
		`SELECT `+principalCols+` FROM principals WHERE name = ?`+suffix), name))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return auth.PrincipalRecord{}, auth.Errorf(auth.ErrPrincipalNotFound, "principal %q not found", name)
	case err != nil:
		return auth.PrincipalRecord{}, fmt.Errorf("sqlauth: read principal %q: %w", name, err)
	}
	return p, nil
}

// Principals implements auth.Store.
func (s *Store) Principals(ctx context.Context) ([]auth.PrincipalRecord, error) {
	return s.principals(ctx, s.db.Read)
}

func (s *Store) principals(ctx context.Context, q querier) ([]auth.PrincipalRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+principalCols+` FROM principals`)
	if err != nil {
		return nil, fmt.Errorf("sqlauth: list principals: %w", err)
	}
	defer rows.Close()
	var out []auth.PrincipalRecord
	for rows.Next() {
		p, err := scanPrincipal(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlauth: list principals: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlauth: list principals: %w", err)
	}
	// Sorted here, not by ORDER BY: byte order whatever the collation.
	slices.SortFunc(out, func(a, b auth.PrincipalRecord) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}

// UpdatePrincipal implements auth.Store.
func (s *Store) UpdatePrincipal(ctx context.Context, name string, fn func(*auth.PrincipalRecord) error) (auth.PrincipalRecord, error) {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return auth.PrincipalRecord{}, fmt.Errorf("sqlauth: update principal %q: begin: %w", name, err)
	}
	defer func() { _ = tx.Rollback() }()
	// On PostgreSQL the row lock serialises updates of one principal; on
	// SQLite the writer's BEGIN IMMEDIATE holds the whole database.
	lock := ""
	if s.db.Postgres() {
		lock = " FOR NO KEY UPDATE" // tokens reference the row: see sqlstore's dialect
	}
	old, err := s.principal(ctx, tx, name, lock)
	if err != nil {
		return auth.PrincipalRecord{}, err
	}
	p := old
	p.Roles = slices.Clone(old.Roles)
	if err := fn(&p); err != nil {
		return auth.PrincipalRecord{}, err
	}
	p.Name, p.CreatedAt = old.Name, old.CreatedAt
	if enabledAdmin(old) && !enabledAdmin(p) {
		all, err := s.principals(ctx, tx)
		if err != nil {
			return auth.PrincipalRecord{}, err
		}
		if !slices.ContainsFunc(all, func(o auth.PrincipalRecord) bool { return o.Name != name && enabledAdmin(o) }) {
			return auth.PrincipalRecord{}, auth.Errorf(auth.ErrLastAdmin,
				"principal %q is the last enabled admin: make another principal admin first", name)
		}
	}
	roles, err := json.Marshal(p.Roles)
	if err != nil {
		return auth.PrincipalRecord{}, fmt.Errorf("sqlauth: update principal %q: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, s.db.Rebind(
		`UPDATE principals SET roles = ?, password_hash = ?, disabled = ?, updated_at = ? WHERE name = ?`),
		string(roles), nullString(p.PasswordHash), p.Disabled, p.UpdatedAt.UnixMilli(), name); err != nil {
		return auth.PrincipalRecord{}, fmt.Errorf("sqlauth: update principal %q: %w", name, err)
	}
	action := auth.ActionPrincipalUpdate
	switch {
	case p.Disabled && !old.Disabled:
		action = auth.ActionPrincipalDisable
	case !p.Disabled && old.Disabled:
		action = auth.ActionPrincipalEnable
	}
	after := p.AuditDoc()
	after.PasswordChanged = p.PasswordHash != old.PasswordHash && p.PasswordHash != ""
	if err := s.record(ctx, tx, action, name, old.AuditDoc(), after); err != nil {
		return auth.PrincipalRecord{}, err
	}
	if err := tx.Commit(); err != nil {
		return auth.PrincipalRecord{}, fmt.Errorf("sqlauth: update principal %q: commit: %w", name, err)
	}
	return p, nil
}

func enabledAdmin(p auth.PrincipalRecord) bool {
	return !p.Disabled && slices.Contains(p.Roles, auth.RoleAdmin)
}

// CreateToken implements auth.Store.
func (s *Store) CreateToken(ctx context.Context, t auth.TokenRecord) error {
	return s.inTx(ctx, "create token for "+t.Principal, func(tx *sql.Tx) error {
		// Checked in the transaction for a clear error; the foreign key is
		// the guarantee.
		if _, err := s.principal(ctx, tx, t.Principal, ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(
			`INSERT INTO api_tokens (`+tokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			t.ID, t.Principal, t.SecretHash, t.Description, t.CreatedAt.UnixMilli(),
			nullTime(t.ExpiresAt), nullTime(t.RevokedAt), nullTime(t.LastUsedAt)); err != nil {
			if s.db.IsUniqueViolation(err) {
				return auth.Errorf(auth.ErrInvalid, "token %s already exists", t.ID)
			}
			return fmt.Errorf("sqlauth: create token for %q: %w", t.Principal, err)
		}
		return s.record(ctx, tx, auth.ActionTokenCreate, t.ID, nil, t.AuditDoc())
	})
}

// Token implements auth.Store.
func (s *Store) Token(ctx context.Context, id string) (auth.TokenRecord, error) {
	t, err := scanToken(s.db.Read.QueryRowContext(ctx, s.db.Rebind(
		`SELECT `+tokenCols+` FROM api_tokens WHERE id = ?`), id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return auth.TokenRecord{}, auth.Errorf(auth.ErrTokenNotFound, "token %q not found", id)
	case err != nil:
		return auth.TokenRecord{}, fmt.Errorf("sqlauth: read token %q: %w", id, err)
	}
	return t, nil
}

// Tokens implements auth.Store.
func (s *Store) Tokens(ctx context.Context, principal string) ([]auth.TokenRecord, error) {
	query, args := `SELECT `+tokenCols+` FROM api_tokens`, []any{}
	if principal != "" {
		query, args = query+` WHERE principal = ?`, append(args, principal)
	}
	rows, err := s.db.Read.QueryContext(ctx, s.db.Rebind(query+` ORDER BY created_at DESC, id`), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlauth: list tokens: %w", err)
	}
	defer rows.Close()
	var out []auth.TokenRecord
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlauth: list tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlauth: list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken implements auth.Store.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) (auth.TokenRecord, error) {
	var out auth.TokenRecord
	err := s.inTx(ctx, "revoke token "+id, func(tx *sql.Tx) error {
		lock := ""
		if s.db.Postgres() {
			lock = " FOR UPDATE"
		}
		old, err := scanToken(tx.QueryRowContext(ctx, s.db.Rebind(
			`SELECT `+tokenCols+` FROM api_tokens WHERE id = ?`+lock), id))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return auth.Errorf(auth.ErrTokenNotFound, "token %q not found", id)
		case err != nil:
			return fmt.Errorf("sqlauth: revoke token %q: %w", id, err)
		}
		out = old
		if !old.RevokedAt.IsZero() {
			return nil // the first revocation stands; nothing changes, nothing is recorded
		}
		out.RevokedAt = at.UTC().Truncate(time.Millisecond)
		if _, err := tx.ExecContext(ctx, s.db.Rebind(
			`UPDATE api_tokens SET revoked_at = ? WHERE id = ?`), out.RevokedAt.UnixMilli(), id); err != nil {
			return fmt.Errorf("sqlauth: revoke token %q: %w", id, err)
		}
		return s.record(ctx, tx, auth.ActionTokenRevoke, id, old.AuditDoc(), out.AuditDoc())
	})
	if err != nil {
		return auth.TokenRecord{}, err
	}
	return out, nil
}

// TouchToken implements auth.Store.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	if _, err := s.db.Write.ExecContext(ctx, s.db.Rebind(
		`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), at.UnixMilli(), id); err != nil {
		return fmt.Errorf("sqlauth: record use of token %q: %w", id, err)
	}
	return nil
}

// querier is *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type scanner interface{ Scan(dest ...any) error }

func scanPrincipal(row scanner) (auth.PrincipalRecord, error) {
	var (
		p                  auth.PrincipalRecord
		roles              string
		hash               sql.NullString
		created, updatedAt int64
	)
	if err := row.Scan(&p.Name, &roles, &hash, &p.Disabled, &created, &updatedAt); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(roles), &p.Roles); err != nil {
		return p, fmt.Errorf("principal %q: roles %q: %w", p.Name, roles, err)
	}
	p.PasswordHash = hash.String
	p.CreatedAt, p.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updatedAt).UTC()
	return p, nil
}

func scanToken(row scanner) (auth.TokenRecord, error) {
	var (
		t                         auth.TokenRecord
		created                   int64
		expires, revoked, lastUse sql.NullInt64
	)
	if err := row.Scan(&t.ID, &t.Principal, &t.SecretHash, &t.Description, &created, &expires, &revoked, &lastUse); err != nil {
		return t, err
	}
	t.CreatedAt = time.UnixMilli(created).UTC()
	t.ExpiresAt, t.RevokedAt, t.LastUsedAt = fromNull(expires), fromNull(revoked), fromNull(lastUse)
	return t, nil
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullTime(t time.Time) sql.NullInt64 {
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: !t.IsZero()}
}

func fromNull(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}
