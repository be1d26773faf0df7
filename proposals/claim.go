package proposals

import (
	"context"
	"errors"
	"time"
)

// An approval claims its proposal before it registers anything, in a
// transaction of its own (Record.Claim, committed by Store.Update).
// Decisions of other processes (the Service's locks serialise one process
// only) read the claim in their own Update and fail with ErrNotPending,
// so a rejection cannot win while the approval registers the schema (a
// registered version for a rejected proposal), and two approvals never
// both register. A claim older than claimTTL is void: an approver that
// died does not block the proposal. Reads never show claims (Proposal has
// none).
const claimTTL = 5 * time.Minute

// decidable is the rule every change of state checks against r as read in
// its transaction: r is pending, and either c is its claim (the approval
// that holds it) or, c nil, no live claim holds it.
func decidable(r *Record, c *Claim, now time.Time) error {
	if r.State != Pending {
		return notPending(*r)
	}
	if c != nil {
		if !r.Claim.Equal(c) {
			return notPending(*r)
		}
		return nil
	}
	if r.Claim != nil && !r.Claim.At.Before(now.Add(-claimTTL)) {
		return notPending(*r)
	}
	return nil
}

// claim takes proposal id for an approval by approver at now, or fails
// with ErrNotPending when it was decided or is being approved elsewhere.
func (s *Service) claim(ctx context.Context, id int64, approver string, now time.Time) (*Claim, error) {
	c := &Claim{By: approver, At: now}
	_, err := s.store.Update(ctx, id, "", func(r *Record) error {
		if err := decidable(r, nil, now); err != nil {
			return err
		}
		r.Claim = &Claim{By: c.By, At: c.At}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// errKept stops an Update that has nothing to change.
var errKept = errors.New("proposal kept as it is")

// release gives up claim c on proposal id (its registration failed): the
// proposal is pending as before. A claim no longer held (it expired and
// another decision came) is left alone.
func (s *Service) release(ctx context.Context, id int64, c *Claim) error {
	_, err := s.store.Update(ctx, id, "", func(r *Record) error {
		if r.State != Pending || !r.Claim.Equal(c) {
			return errKept
		}
		r.Claim = nil
		return nil
	})
	if errors.Is(err, errKept) {
		return nil
	}
	return err
}

// notPending is the ErrNotPending r is refused a decision with: who
// decided it, or which approval holds it.
func notPending(r Record) error {
	switch {
	case r.State == Pending && r.Claim != nil:
		return errorf(ErrNotPending, "proposal %d is being approved by %s (since %s): only pending proposals can be decided",
			r.ID, r.Claim.By, r.Claim.At.Format(time.RFC3339))
	case r.State == Pending:
		// Only an approval whose claim expired and was released by
		// another's failed approval gets here.
		return errorf(ErrNotPending, "proposal %d is pending, but this approval's hold on it expired while its schema registered", r.ID)
	}
	by := ""
	if r.DecidedBy != "" {
		by = " by " + r.DecidedBy
	}
	return errorf(ErrNotPending, "proposal %d is %s%s, not pending: only pending proposals can be decided", r.ID, r.State, by)
}
