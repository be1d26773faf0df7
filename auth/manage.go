package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/accord/accord/audit"
)

// Principal and token management. Every change goes through the
// Authenticator so that it also purges the verification cache: a token
// revoked or a principal disabled through this process stops working on
// the next request.

// MaxNameLen bounds principal names.
const MaxNameLen = 128

// CheckName reports whether name is acceptable for a principal: 1 to 128
// letters, digits, '.', '_', '@' or '-', starting with a letter or digit.
// (No ':' — Basic auth splits name:password at the first one.)
func CheckName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return Errorf(ErrInvalid, "principal name must be 1 to %d characters", MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '@' && c != '-') {
			return Errorf(ErrInvalid, "principal name %q: use letters, digits, '.', '_', '@' and '-', starting with a letter or digit", name)
		}
	}
	return nil
}

// NormalizeRoles checks roles (at least one, each known) and returns them
// without duplicates in the documented order.
func NormalizeRoles(roles []Role) ([]Role, error) {
	if len(roles) == 0 {
		return nil, Errorf(ErrInvalid, "a principal needs at least one role: %s", joinRoles(Roles, ", "))
	}
	for _, r := range roles {
		if !r.Valid() {
			return nil, Errorf(ErrInvalid, "unknown role %q: use %s", r, joinRoles(Roles, ", "))
		}
	}
	var out []Role
	for _, r := range Roles {
		if slices.Contains(roles, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// NewPrincipal is what CreatePrincipal takes.
type NewPrincipal struct {
	Name     string
	Roles    []Role
	Password string // optional; "" for a principal that uses tokens only
}

// CreatePrincipal creates a principal.
func (a *Authenticator) CreatePrincipal(ctx context.Context, np NewPrincipal) (PrincipalRecord, error) {
	if err := CheckName(np.Name); err != nil {
		return PrincipalRecord{}, err
	}
	roles, err := NormalizeRoles(np.Roles)
	if err != nil {
		return PrincipalRecord{}, err
	}
	rec := PrincipalRecord{Name: np.Name, Roles: roles}
	if np.Password != "" {
		if rec.PasswordHash, err = HashPassword(np.Password); err != nil {
			return PrincipalRecord{}, err
		}
	}
	now := a.now().UTC().Truncate(time.Millisecond)
	rec.CreatedAt, rec.UpdatedAt = now, now
	if err := a.store.CreatePrincipal(ctx, rec); err != nil {
		return PrincipalRecord{}, err
	}
	a.cache.purge() // a cached failure of this name's password must not linger
	a.log.InfoContext(ctx, "principal created", "principal", rec.Name, "roles", joinRoles(rec.Roles, ","))
	return rec, nil
}

// Principal returns the principal named name.
func (a *Authenticator) Principal(ctx context.Context, name string) (PrincipalRecord, error) {
	return a.store.Principal(ctx, name)
}

// Principals lists every principal.
func (a *Authenticator) Principals(ctx context.Context) ([]PrincipalRecord, error) {
	return a.store.Principals(ctx)
}

// PrincipalUpdate changes a principal; nil fields are left as they are.
type PrincipalUpdate struct {
	Roles *[]Role
	// Password sets the password; "" removes it (tokens only).
	Password *string
	Disabled *bool
}

// UpdatePrincipal changes a principal. It refuses changes that would leave
// no enabled admin.
func (a *Authenticator) UpdatePrincipal(ctx context.Context, name string, u PrincipalUpdate) (PrincipalRecord, error) {
	var roles []Role
	if u.Roles != nil {
		var err error
		if roles, err = NormalizeRoles(*u.Roles); err != nil {
			return PrincipalRecord{}, err
		}
	}
	var hash string
	if u.Password != nil && *u.Password != "" {
		var err error
		if hash, err = HashPassword(*u.Password); err != nil {
			return PrincipalRecord{}, err
		}
	}
	rec, err := a.store.UpdatePrincipal(ctx, name, func(p *PrincipalRecord) error {
		if u.Roles != nil {
			p.Roles = roles
		}
		if u.Password != nil {
			p.PasswordHash = hash
		}
		if u.Disabled != nil {
			p.Disabled = *u.Disabled
		}
		p.UpdatedAt = a.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	if err != nil {
		return PrincipalRecord{}, err
	}
	a.cache.purge()
	a.log.InfoContext(ctx, "principal updated", "principal", rec.Name, "roles", joinRoles(rec.Roles, ","), "disabled", rec.Disabled)
	return rec, nil
}

// IssuedToken is a new token with its text, which is shown once and never
// stored.
type IssuedToken struct {
	TokenRecord
	Text string
}

// IssueToken creates a token for principal, valid until expiresAt (zero:
// no expiry).
func (a *Authenticator) IssueToken(ctx context.Context, principal, description string, expiresAt time.Time) (IssuedToken, error) {
	now := a.now().UTC().Truncate(time.Millisecond)
	if !expiresAt.IsZero() && !expiresAt.After(now) {
		return IssuedToken{}, Errorf(ErrInvalid, "expiry %s is not in the future", expiresAt.UTC().Format(time.RFC3339))
	}
	if len(description) > 1024 {
		return IssuedToken{}, Errorf(ErrInvalid, "description is longer than 1024 bytes")
	}
	p, err := a.store.Principal(ctx, principal)
	if err != nil {
		return IssuedToken{}, err
	}
	if p.Disabled {
		return IssuedToken{}, Errorf(ErrInvalid, "principal %q is disabled: enable it before issuing tokens", principal)
	}
	id, text, hash, err := NewToken()
	if err != nil {
		return IssuedToken{}, err
	}
	rec := TokenRecord{
		ID:          id,
		Principal:   principal,
		SecretHash:  hash,
		Description: description,
		CreatedAt:   now,
		ExpiresAt:   expiresAt.UTC().Truncate(time.Millisecond),
	}
	if err := a.store.CreateToken(ctx, rec); err != nil {
		return IssuedToken{}, err
	}
	a.log.InfoContext(ctx, "token issued", "token", id, "principal", principal)
	return IssuedToken{TokenRecord: rec, Text: text}, nil
}

// Token returns the token with id.
func (a *Authenticator) Token(ctx context.Context, id string) (TokenRecord, error) {
	return a.store.Token(ctx, id)
}

// Tokens lists the tokens of principal, or of everyone when principal is "".
func (a *Authenticator) Tokens(ctx context.Context, principal string) ([]TokenRecord, error) {
	return a.store.Tokens(ctx, principal)
}

// RevokeToken revokes a token at once: in this process immediately, on
// other replicas within the cache TTL.
func (a *Authenticator) RevokeToken(ctx context.Context, id string) (TokenRecord, error) {
	rec, err := a.store.RevokeToken(ctx, id, a.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return TokenRecord{}, err
	}
	a.cache.purge()
	a.log.InfoContext(ctx, "token revoked", "token", id, "principal", rec.Principal)
	return rec, nil
}

// HasAdmin reports whether an enabled admin exists: with none, nobody can
// manage principals, so a server with authentication on refuses to start.
func (a *Authenticator) HasAdmin(ctx context.Context) (bool, error) {
	all, err := a.store.Principals(ctx)
	if err != nil {
		return false, fmt.Errorf("auth: listing principals: %w", err)
	}
	for _, p := range all {
		if !p.Disabled && slices.Contains(p.Roles, RoleAdmin) {
			return true, nil
		}
	}
	return false, nil
}

// Bootstrap makes sure the admin name exists, so a fresh server with
// authentication on has someone who can sign in. secret is either an
// Accord token (acc_<id>_<secret>, e.g. generated by the deployment) or a
// password. An existing principal is left untouched, so restarting with
// the same flags is harmless and a rotated password is not silently
// overwritten; a token not yet stored is added to it. created reports
// whether anything was stored.
func (a *Authenticator) Bootstrap(ctx context.Context, name, secret string) (created bool, err error) {
	if err := CheckName(name); err != nil {
		return false, err
	}
	if secret == "" {
		return false, Errorf(ErrInvalid, "bootstrap admin %q needs a password or token; there is no default", name)
	}
	// Nobody is signed in at start-up: the audit log names the bootstrap.
	ctx = audit.WithWho(ctx, audit.Who{Actor: BootstrapActor, RequestID: audit.WhoFrom(ctx).RequestID})
	id, tokSecret, isToken := ParseToken(secret)
	_, err = a.store.Principal(ctx, name)
	switch {
	case err == nil:
	case errors.Is(err, ErrPrincipalNotFound):
		np := NewPrincipal{Name: name, Roles: []Role{RoleAdmin}}
		if !isToken {
			np.Password = secret
		}
		if _, err := a.CreatePrincipal(ctx, np); err != nil {
			return false, fmt.Errorf("auth: bootstrap admin %q: %w", name, err)
		}
		created = true
	default:
		return false, fmt.Errorf("auth: bootstrap admin %q: %w", name, err)
	}
	if !isToken {
		return created, nil
	}
	switch tok, err := a.store.Token(ctx, id); {
	case err == nil:
		if tok.Principal != name {
			return false, Errorf(ErrInvalid, "bootstrap token %s belongs to %q, not %q", id, tok.Principal, name)
		}
		return created, nil
	case !errors.Is(err, ErrTokenNotFound):
		return false, fmt.Errorf("auth: bootstrap admin %q: %w", name, err)
	}
	now := a.now().UTC().Truncate(time.Millisecond)
	if err := a.store.CreateToken(ctx, TokenRecord{
		ID: id, Principal: name, SecretHash: HashSecret(tokSecret),
		Description: "bootstrap", CreatedAt: now,
	}); err != nil {
		return false, fmt.Errorf("auth: bootstrap admin %q: %w", name, err)
	}
	a.cache.purge()
	return true, nil
}
