package auth

import (
	"context"
	"strings"
)

// Require checks that the caller of ctx holds one of roles. A request
// without a principal passes only when authentication is off (open mode:
// every action is allowed); callers that run with authentication on
// always carry one. action names what was attempted, for the message.
func Require(ctx context.Context, action string, roles ...Role) error {
	p := FromContext(ctx)
	if p == nil {
		return nil
	}
	if p.HasAny(roles...) {
		return nil
	}
	return Errorf(ErrForbidden, "%s requires the role %s; principal %q has %s",
		action, joinRoles(roles, " or "), p.Name, joinRoles(p.Roles, ", "))
}

func joinRoles(roles []Role, sep string) string {
	if len(roles) == 0 {
		return "no role"
	}
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, sep)
}
