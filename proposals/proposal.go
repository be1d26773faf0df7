package proposals

import (
	"time"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry"
)

// State is where a proposal is in its life cycle.
type State string

// States. Pending is the only one that changes.
const (
	Pending   State = "pending"
	Approved  State = "approved"
	Rejected  State = "rejected"
	Withdrawn State = "withdrawn"
)

// States lists every state.
var States = []State{Pending, Approved, Rejected, Withdrawn}

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	for _, x := range States {
		if s == x {
			return true
		}
	}
	return false
}

// Proposal is a schema proposed for a subject.
type Proposal struct {
	ID          int64                `json:"id"`
	Subject     string               `json:"subject"`          // qualified subject name
	Stream      string               `json:"stream,omitempty"` // the subject's stream when proposed, "" when none
	SchemaType  string               `json:"schemaType"`       // AVRO, PROTOBUF, JSON
	Schema      string               `json:"schema"`
	References  []registry.Reference `json:"references,omitempty"`
	Description string               `json:"description,omitempty"`
	Proposer    string               `json:"proposer"`
	BaseVersion int                  `json:"baseVersion"` // subject's latest version when proposed; 0 for a new subject
	State       State                `json:"state"`
	CreatedAt   time.Time            `json:"createdAt"`
	DecidedBy   string               `json:"decidedBy,omitempty"`
	DecidedAt   *time.Time           `json:"decidedAt,omitempty"`
	Comment     string               `json:"comment,omitempty"`  // the decision's comment
	SchemaID    int64                `json:"schemaId,omitempty"` // registered id once approved
	Version     int                  `json:"version,omitempty"`  // registered version once approved
	// DecisionReport is the report the decision was made on, computed
	// when it was made (before an approval registers the schema); nil
	// while pending, or when it could not be computed.
	DecisionReport *Report `json:"decisionReport,omitempty"`
}

// NewProposal is what a proposer submits.
type NewProposal struct {
	Subject     string
	SchemaType  string // "" means AVRO
	Schema      string
	References  []registry.Reference
	Description string
}

// Filter selects proposals; empty fields match everything.
type Filter struct {
	State    State // "" all
	Stream   string
	Subject  string
	Proposer string
	Limit    int   // default 100, max 1000
	BeforeID int64 // paging, newest first: proposals with a smaller id
}

// Listing limits.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Report is computed live against the subject's current versions.
type Report struct {
	Level       compat.Level       `json:"level"`
	Compatible  bool               `json:"compatible"`
	Differences []compat.Violation `json:"differences"` // located: version, location, message, rule id
	Lints       []contracts.Lint   `json:"lints"`
	Blocking    bool               `json:"blocking"`         // an error-level lint would refuse registration
	Impact      *lineage.Impact    `json:"impact,omitempty"` // nil when the subject has no stream or lineage is off
}
