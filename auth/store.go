package auth

import (
	"context"
	"time"
)

// Store persists principals and tokens. The SQL implementation
// (auth/sqlauth) shares the registry's database and migrations.
//
// Read methods return an error wrapping ErrPrincipalNotFound or
// ErrTokenNotFound when the row does not exist. Writes are durable when
// they return, and each appends its audit entry (package audit, actor and
// request from the context) in the same transaction; a write that changes
// nothing (revoking a revoked token) records nothing.
type Store interface {
	// CreatePrincipal stores a new principal; ErrPrincipalExists if the
	// name is taken (disabled principals keep their names).
	CreatePrincipal(ctx context.Context, p PrincipalRecord) error
	// Principal returns the principal named name.
	Principal(ctx context.Context, name string) (PrincipalRecord, error)
	// Principals lists every principal, disabled ones included, by name.
	Principals(ctx context.Context) ([]PrincipalRecord, error)
	// UpdatePrincipal applies fn to the stored principal in one
	// transaction and stores the result (Name and CreatedAt are kept). It
	// fails with ErrLastAdmin, storing nothing, when the change would
	// leave no enabled admin.
	UpdatePrincipal(ctx context.Context, name string, fn func(*PrincipalRecord) error) (PrincipalRecord, error)

	// CreateToken stores a new token; ErrPrincipalNotFound if its
	// principal does not exist.
	CreateToken(ctx context.Context, t TokenRecord) error
	// Token returns the token with id.
	Token(ctx context.Context, id string) (TokenRecord, error)
	// Tokens lists the tokens of principal ("" for every principal),
	// newest first.
	Tokens(ctx context.Context, principal string) ([]TokenRecord, error)
	// RevokeToken marks the token revoked at at; revoking a revoked token
	// keeps the first revocation time. It returns the stored token.
	RevokeToken(ctx context.Context, id string, at time.Time) (TokenRecord, error)
	// TouchToken records that the token was used at at.
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// PrincipalRecord is a stored principal.
type PrincipalRecord struct {
	Name  string
	Roles []Role
	// PasswordHash is the PHC-encoded password hash (argon2id), "" when the
	// principal has no password and signs in with tokens only.
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Principal returns the caller identity of r.
func (r PrincipalRecord) Principal() *Principal {
	return &Principal{Name: r.Name, Roles: append([]Role(nil), r.Roles...)}
}

// TokenRecord is a stored API token. The secret itself is never stored.
type TokenRecord struct {
	ID          string
	Principal   string
	SecretHash  string // hex SHA-256 of the secret
	Description string
	CreatedAt   time.Time
	ExpiresAt   time.Time // zero: never expires
	RevokedAt   time.Time // zero: not revoked
	LastUsedAt  time.Time // zero: never used (updated at most once a minute)
}

// Token states.
const (
	TokenActive  = "active"
	TokenExpired = "expired"
	TokenRevoked = "revoked"
)

// State says whether t is usable at now.
func (t TokenRecord) State(now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return TokenRevoked
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return TokenExpired
	}
	return TokenActive
}
