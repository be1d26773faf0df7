package contracts

import (
	"context"
	"database/sql"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/registry"
)

// Audit actions of stream changes, recorded by the SQLStore in the
// transaction of the change. The subjects' compatibility levels a stream
// sets are recorded by the registry (config.update).
const (
	ActionStreamCreate   = "stream.create"
	ActionStreamUpdate   = "stream.update"
	ActionStreamDelete   = "stream.delete"
	ActionStreamTransfer = "stream.transfer"
	// ActionSubjectClaim: a principal became the only writer of a subject
	// of no stream (UnownedClaim).
	ActionSubjectClaim = "subject.claim"
	// ActionSubjectRelease: a claim ended because a stream was declared
	// over the subject.
	ActionSubjectRelease = "subject.claim_release"
)

// claimDoc is a subject claim as the audit log shows it.
type claimDoc struct {
	Subject string `json:"subject"`
	Owner   string `json:"owner"`
}

// record appends the audit entry of a stream change inside tx. Streams
// are not in a registry context, so their entries have none.
func (st *SQLStore) record(ctx context.Context, tx *sql.Tx, action, stream string, before, after *Stream) error {
	e := audit.Entry{Action: action, Target: stream}
	if before != nil {
		e.Before = audit.Doc(before)
	}
	if after != nil {
		e.After = audit.Doc(after)
	}
	return audit.Append(ctx, tx, st.db.Rebind, e)
}

// recordClaim appends the audit entry of a claim or its release; the
// subject is canonical, so its context is split off as the registry does.
func (st *SQLStore) recordClaim(ctx context.Context, tx *sql.Tx, action, subject, owner string) error {
	n := registry.ParseName(subject)
	doc := audit.Doc(claimDoc{Subject: subject, Owner: owner})
	e := audit.Entry{Action: action, Context: n.Context, Target: n.Subject, After: doc}
	if action == ActionSubjectRelease {
		e.Before, e.After = doc, nil
	}
	return audit.Append(ctx, tx, st.db.Rebind, e)
}
