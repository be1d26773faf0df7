package proposals

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestDecidable: the rule every decision and claim applies to the
// proposal as read in its transaction.
func TestDecidable(t *testing.T) {
	now := time.UnixMilli(1700000000000).UTC()
	mine := &Claim{By: "rita", At: now.Add(-time.Minute)}
	theirs := &Claim{By: "rob", At: now.Add(-time.Minute)}
	stale := &Claim{By: "rob", At: now.Add(-claimTTL - time.Millisecond)}
	edge := &Claim{By: "rob", At: now.Add(-claimTTL)}
	pending := func(c *Claim) *Record { return &Record{Proposal: Proposal{ID: 7, State: Pending}, Claim: c} }
	for _, c := range []struct {
		name string
		r    *Record
		c    *Claim // the deciding approval's claim, nil for other decisions
		want string // "" allowed, else part of the ErrNotPending message
	}{
		{"pending, unclaimed", pending(nil), nil, ""},
		{"pending, claimed by another approval", pending(theirs), nil, "being approved by rob"},
		{"claimed exactly claimTTL ago: still live", pending(edge), nil, "being approved by rob"},
		{"claim older than claimTTL: void", pending(stale), nil, ""},
		{"the approval holding the claim", pending(mine), &Claim{By: "rita", At: mine.At}, ""},
		{"an approval whose claim was replaced", pending(theirs), mine, "being approved by rob"},
		{"an approval whose claim was released", pending(nil), mine, "hold on it expired"},
		{"decided", &Record{Proposal: Proposal{ID: 7, State: Rejected, DecidedBy: "rob"}}, nil, "rejected by rob"},
		{"decided, with the approver's claim", &Record{Proposal: Proposal{ID: 7, State: Approved, DecidedBy: "rob"}}, mine, "approved by rob"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := decidable(c.r, c.c, now)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && (!errors.Is(err, ErrNotPending) || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want ErrNotPending saying %q", err, c.want)
			}
		})
	}
}
