// Package auth knows who is calling: principals (services and people),
// their roles, API tokens and passwords, and how a request proves its
// identity (Bearer token or HTTP Basic, as Confluent clients send with
// basic.auth.user.info).
package auth

import "context"

// Role is what a principal may do.
type Role string

// Roles.
const (
	// RoleAdmin may do everything, including managing principals and tokens.
	RoleAdmin Role = "admin"
	// RoleReviewer may approve or reject proposed changes to public streams.
	RoleReviewer Role = "reviewer"
	// RoleReader may read everything it is shown and write nothing.
	RoleReader Role = "reader"
	// RoleService marks a service principal: it owns streams and writes
	// the schemas of the streams it owns.
	RoleService Role = "service"
)

// Roles lists every role, in the order they are documented.
var Roles = []Role{RoleAdmin, RoleReviewer, RoleReader, RoleService}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Principal is an authenticated caller.
type Principal struct {
	Name  string `json:"name"`
	Roles []Role `json:"roles"`
}

// Has reports whether p holds role r.
func (p *Principal) Has(r Role) bool {
	if p == nil {
		return false
	}
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// HasAny reports whether p holds at least one of roles.
func (p *Principal) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if p.Has(r) {
			return true
		}
	}
	return false
}

// IsAdmin reports whether p is an admin.
func (p *Principal) IsAdmin() bool { return p.Has(RoleAdmin) }

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal of the request, nil when anonymous.
// When authentication is off (an open server on loopback) requests carry
// no principal and every action is allowed (see Require).
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}
