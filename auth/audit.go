package auth

import "time"

// Audit actions of principal and token changes, recorded by the Store in
// the transaction of the change (see package audit).
const (
	ActionPrincipalCreate  = "principal.create"
	ActionPrincipalUpdate  = "principal.update"
	ActionPrincipalDisable = "principal.disable"
	ActionPrincipalEnable  = "principal.enable"
	ActionTokenCreate      = "token.create"
	ActionTokenRevoke      = "token.revoke"
)

// BootstrapActor is the actor of the changes Bootstrap makes: they happen
// at start-up, before anyone signs in.
const BootstrapActor = "bootstrap"

// PrincipalDoc is a principal as the audit log shows it: the API's shape,
// never its password hash. PasswordChanged marks a new password (both
// sides of a rotation otherwise look the same).
type PrincipalDoc struct {
	Name            string `json:"name"`
	Roles           []Role `json:"roles"`
	HasPassword     bool   `json:"has_password"`
	PasswordChanged bool   `json:"password_changed,omitempty"`
	Disabled        bool   `json:"disabled"`
	CreatedAt       string `json:"created_at,omitempty"`
	UpdatedAt       string `json:"updated_at,omitempty"`
}

// AuditDoc returns r as the audit log shows it.
func (r PrincipalRecord) AuditDoc() PrincipalDoc {
	return PrincipalDoc{
		Name: r.Name, Roles: r.Roles, HasPassword: r.PasswordHash != "", Disabled: r.Disabled,
		CreatedAt: auditTime(r.CreatedAt), UpdatedAt: auditTime(r.UpdatedAt),
	}
}

// TokenDoc is a token as the audit log shows it: never its secret or the
// secret's hash.
type TokenDoc struct {
	ID          string `json:"id"`
	Principal   string `json:"principal"`
	Description string `json:"description"`
	CreatedAt   string `json:"created_at,omitempty"`
	ExpiresAt   string `json:"expires_at,omitempty"`
	RevokedAt   string `json:"revoked_at,omitempty"`
}

// AuditDoc returns t as the audit log shows it.
func (t TokenRecord) AuditDoc() TokenDoc {
	return TokenDoc{
		ID: t.ID, Principal: t.Principal, Description: t.Description,
		CreatedAt: auditTime(t.CreatedAt), ExpiresAt: auditTime(t.ExpiresAt), RevokedAt: auditTime(t.RevokedAt),
	}
}

func auditTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
