package ui_test

import (
	"fmt"
	"net/url"
	"testing"
)

// The decision comes after the evidence; rejecting needs a comment (the
// refusal keeps what was typed, in words, on the proposal); a decision
// keeps the report it was made on.
func TestDecisionAfterEvidence(t *testing.T) {
	e := newEnv(t, true)
	pr := e.seed()
	path := fmt.Sprintf("/ui/proposals/%d", pr.ID)
	c := e.client().signedIn(t, "rita")
	a := c.get(t, path)
	wantStatus(t, "proposal", a, 200)
	// In the page's order: who is affected, the verdict, lints, the diff, then the form.
	order := []string{"Who is affected", "Compatibility", "Lints", "Diff against the base version", ">Approve<"}
	last := -1
	for _, s := range order {
		i := indexOf(a.body, s)
		if i < 0 || i < last {
			t.Fatalf("%q at %d, after the previous at %d (want %v in that order)", s, i, last, order)
		}
		last = i
	}
	wantContains(t, "proposal", a, "No consumer reads a changed field.", "Added: <code>note</code>", `class="changes"`)

	csrf := c.csrf(t, path)
	r := c.post(t, path+"/reject", url.Values{"csrf": {csrf}, "comment": {"  "}})
	wantStatus(t, "reject without comment", r, 422)
	wantContains(t, "reject without comment", r, `role="alert"`, "a rejection needs a comment", `aria-invalid="true"`, ">Reject<")

	r = c.post(t, path+"/reject", url.Values{"csrf": {csrf}, "comment": {"note must be required"}})
	wantStatus(t, "reject", r, 303)
	got, err := e.props.Get(e.ctx, pr.ID)
	must(t, "get", err)
	if got.DecisionReport == nil || got.DecisionReport.Level == "" {
		t.Fatalf("the rejection kept no report: %+v", got.DecisionReport)
	}
	a = c.get(t, path+"?decided=rejected")
	wantContains(t, "rejected", a, "Rejected by rita.", "Report at decision time", "Who is affected", "note must be required")

	// The audit entry links the proposal and carries the comment.
	wantContains(t, "audit", c.get(t, "/ui/audit?action=proposal.reject"), fmt.Sprintf(`href="/ui/proposals/%d"`, pr.ID), "note must be required")

	// Deciding again keeps the comment and says why in words.
	r = c.post(t, path+"/approve", url.Values{"csrf": {csrf}, "comment": {"my typed words"}})
	wantStatus(t, "approve a rejected one", r, 409)
	wantContains(t, "approve a rejected one", r, "was decided in the meantime")
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// The proposals list triages: verdict, affected consumers, visibility,
// description and age per row, a pending count in the navigation, and
// filters for mine to review, public only and breaking only.
func TestProposalsTriage(t *testing.T) {
	e := newEnv(t, true)
	pr := e.seed()
	link := fmt.Sprintf(`href="/ui/proposals/%d"`, pr.ID)
	c := e.client().signedIn(t, "rita")
	a := c.get(t, "/ui/proposals")
	wantStatus(t, "list", a, 200)
	wantContains(t, "list", a, link, ">Verdict<", ">Affected consumers<", ">Visibility<", ">Age<", "add a note",
		`<span class="badge ok">compatible</span>`, `Proposals <span class="count-badge">1<span class="visually-hidden"> pending</span>`)
	for _, tc := range []struct {
		query string
		who   string
		want  bool
	}{
		{"?mine=1", "rita", true},
		{"?mine=1", "orders-svc", false}, // its own proposal is not its to review
		{"?public=1", "rita", true},
		{"?breaking=1", "rita", false}, // compatible, nobody hurt
	} {
		got := e.client().signedIn(t, tc.who).get(t, "/ui/proposals"+tc.query)
		wantStatus(t, tc.query, got, 200)
		if has := indexOf(got.body, link) >= 0; has != tc.want {
			t.Errorf("%s as %s: lists the proposal %t, want %t", tc.query, tc.who, has, tc.want)
		}
	}
	wantStatus(t, "bad flag", c.get(t, "/ui/proposals?breaking=maybe"), 400)
}
