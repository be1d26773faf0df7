package proposals

import (
	"context"
	"time"

	"github.com/accord/accord/auth"
)

// Store persists proposals (package sqlproposals on the registry's
// database). It saves and loads; the Service alone decides what a
// proposal may become: a write that depends on the stored state reads it
// inside Update's transaction and hands it to the Service's fn. Writes are
// durable when they return and append their audit entries (package audit;
// actor and request id from the context) in the same transaction. A
// missing proposal is ErrNotFound.
type Store interface {
	// Create stores r, with a new ID, unless a pending proposal of r's
	// subject and fingerprint exists (one per pair, also between
	// processes), and returns what is stored: r (true) or the pending one
	// (false). A stored r gets its ActionCreate entry.
	Create(ctx context.Context, r Record) (Record, bool, error)
	// Get returns proposal id.
	Get(ctx context.Context, id int64) (Record, error)
	// List returns the proposals f selects, newest (highest id) first,
	// at most f.Limit of them (which the Service sets).
	List(ctx context.Context, f Filter) ([]Proposal, error)
	// PendingCount counts the pending proposals.
	PendingCount(ctx context.Context) (int, error)
	// PendingByStream counts pending proposals per stream; streams with
	// none, and proposals of no stream, are absent.
	PendingByStream(ctx context.Context) (map[string]int, error)
	// Update reads proposal id in a write transaction that holds it
	// against every other writer (other processes included) until it
	// ends, lets fn change it, and stores what fn may change: State,
	// DecidedBy, DecidedAt, Comment, SchemaID, Version, DecisionReport and
	// Claim (the rest is fixed at Create). With action not "" it appends
	// that audit entry, the proposal before and after. If fn fails,
	// nothing is written and its error is returned as it is.
	Update(ctx context.Context, id int64, action string, fn func(*Record) error) (Record, error)
}

// Record is a proposal as its Store keeps it: what callers see
// (Proposal) and what only the Service uses.
type Record struct {
	Proposal
	// ProposerRoles are the proposer's roles when it proposed: the
	// approval's principal when no PrincipalDirectory says otherwise.
	ProposerRoles []auth.Role
	// Fingerprint identifies "the same schema" (type, canonical text and
	// references, as submitted): one pending proposal per subject and
	// fingerprint.
	Fingerprint string
	// Claim is an approval in progress on a pending proposal, nil when
	// none (see claimTTL). A Store keeps it only while the proposal is
	// pending.
	Claim *Claim
}

// Claim is an approval's hold on a pending proposal while it registers
// the schema: other decisions wait for it to end or expire.
type Claim struct {
	By string    // the approver
	At time.Time // when the approval claimed it, to the millisecond
}

// Equal reports whether c and o are the same claim (nil matches nil).
func (c *Claim) Equal(o *Claim) bool {
	if c == nil || o == nil {
		return c == o
	}
	return c.By == o.By && c.At.Equal(o.At)
}
