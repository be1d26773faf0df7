package registry

import (
	"encoding/json"

	"github.com/accord/accord/audit"
)

// globalTarget names context-wide settings in the audit log, as the
// Confluent registry names them internally.
const globalTarget = "__GLOBAL"

// record appends an audit entry for a change to n inside tx.
func record(tx Tx, n Name, action string, before, after any) error {
	target := n.Subject
	if target == "" {
		target = globalTarget
	}
	return tx.AppendAudit(audit.Entry{Action: action, Context: n.Context, Target: target, Before: audit.Doc(before), After: audit.Doc(after)})
}

// versionDoc is how a version appears in the audit log.
type versionDoc struct {
	Version    int             `json:"version"`
	ID         int64           `json:"id"`
	SchemaType string          `json:"schemaType,omitempty"`
	Schema     string          `json:"schema,omitempty"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Deleted    bool            `json:"deleted,omitempty"`
}
