package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/registry"
)

type proposalRow struct {
	ID          int64
	Subject     string
	Stream      string
	Proposer    string
	State       string
	BaseVersion int
	CreatedAt   time.Time
	Description string
	// Triage (the list page only): the verdict, the stream's visibility
	// and the readers hurt, from the live report of a pending proposal
	// or the one stored with a decision; HasReport false when neither.
	HasReport  bool
	Compatible bool
	Blocking   bool
	Affected   int
	Reached    int
	Visibility string
	Age        string
}

// Breaking reports whether the proposal breaks a rule or a reader.
func (r proposalRow) Breaking() bool {
	return r.HasReport && (!r.Compatible || r.Blocking || r.Affected > 0)
}

func proposalRows(prs []proposals.Proposal) []proposalRow {
	out := make([]proposalRow, len(prs))
	for i, p := range prs {
		out[i] = proposalRow{ID: p.ID, Subject: p.Subject, Stream: p.Stream, Proposer: p.Proposer, State: string(p.State),
			BaseVersion: p.BaseVersion, CreatedAt: p.CreatedAt, Description: p.Description}
	}
	return out
}

// proposalFilter selects a stream's pending proposals for its page.
func proposalFilter(stream string) proposals.Filter {
	return proposals.Filter{State: proposals.Pending, Stream: stream, Limit: PageSize}
}

// triageMax bounds the proposals a filtered list (mine, public, breaking)
// reads and reports on: the filters apply to the newest triageMax
// proposals of the chosen state (docs/limits.md).
const triageMax = 200

type proposalsData struct {
	Off     bool
	Stream  string // "" every stream
	State   string
	States  []string
	Rows    []proposalRow
	NextURL string
	Before  int64
	// Filters.
	Mine, Public, Breaking bool
	Filtered               bool // one of them is on
	Capped                 bool // more than triageMax proposals were candidates
}

func flagParam(q url.Values, name string) (bool, error) {
	switch q.Get(name) {
	case "", "0":
		return false, nil
	case "1", "on", "true":
		return true, nil
	}
	return false, badRequest("The query parameter %s=%q must be 1 or absent.", name, q.Get(name))
}

func (h *handler) proposalsPage(w http.ResponseWriter, r *http.Request) error {
	d := proposalsData{States: []string{"pending", "approved", "rejected", "withdrawn", "all"}}
	if h.opts.Proposals == nil {
		d.Off = true
		h.render(w, r, 200, "proposals", "Proposals", "Proposals", d)
		return nil
	}
	q := r.URL.Query()
	d.State = q.Get("state")
	if d.State == "" {
		d.State = "pending"
	}
	d.Stream = strings.TrimSpace(q.Get("stream"))
	var err error
	for _, f := range []struct {
		name string
		to   *bool
	}{{"mine", &d.Mine}, {"public", &d.Public}, {"breaking", &d.Breaking}} {
		if *f.to, err = flagParam(q, f.name); err != nil {
			return err
		}
	}
	d.Filtered = d.Mine || d.Public || d.Breaking
	f := proposals.Filter{Stream: d.Stream, Limit: PageSize + 1}
	if d.Filtered {
		f.Limit = triageMax + 1
	}
	if d.State != "all" {
		f.State = proposals.State(d.State)
		if !f.State.Valid() {
			return badRequest("The state %q is not pending, approved, rejected, withdrawn or all.", d.State)
		}
	}
	before, err := intParam(q, "before", 0, 1, 1<<62)
	if err != nil {
		return err
	}
	f.BeforeID, d.Before = int64(before), int64(before)
	ctx := r.Context()
	prs, err := h.opts.Proposals.List(ctx, f)
	if err != nil {
		return err
	}
	if d.Filtered {
		if len(prs) > triageMax {
			prs, d.Capped = prs[:triageMax], true
		}
	} else {
		prs, d.NextURL = keysetPage(r, prs, func(p proposals.Proposal) int64 { return p.ID })
	}
	snap, err := h.streams.get(ctx)
	if err != nil {
		return err
	}
	me := sessionFrom(r).principal
	now := h.now()
	for _, p := range prs {
		row := proposalRows([]proposals.Proposal{p})[0]
		row.Age = age(now.Sub(p.CreatedAt))
		if st, ok := snap.byName[p.Stream]; ok {
			row.Visibility = string(st.Visibility)
		}
		if d.Mine && (p.State != proposals.Pending || !h.opts.Proposals.MayDecide(me, p)) {
			continue
		}
		if d.Public && row.Visibility != "public" {
			continue
		}
		rep := p.DecisionReport
		if p.State == proposals.Pending {
			if rep, err = h.triage(ctx, p); err != nil {
				return err
			}
		}
		if rep != nil {
			row.HasReport, row.Compatible, row.Blocking = true, rep.Compatible, rep.Blocking
			if v := newImpactView(rep.Impact, nil); v != nil {
				row.Affected, row.Reached = len(v.Affected), len(v.Rows)
			}
		}
		if d.Breaking && !row.Breaking() {
			continue
		}
		d.Rows = append(d.Rows, row)
		if d.Filtered && len(d.Rows) == PageSize {
			d.Capped = true
			break
		}
	}
	title := "Proposals"
	if d.Stream != "" {
		title = "Proposals of " + d.Stream
	}
	h.render(w, r, 200, "proposals", title, "Proposals", d)
	return nil
}

// triage is the part of a pending proposal's report the list shows: the
// compatibility verdict and the impact, without the lints (the
// notification rule reads every contract, too slow for 50 rows at 10,000
// streams; the proposal's page shows them). nil when the report cannot
// be computed (the subject was deleted since): the row says "unknown".
func (h *handler) triage(ctx context.Context, p proposals.Proposal) (*proposals.Report, error) {
	in := registry.SchemaInput{Schema: p.Schema, SchemaType: p.SchemaType, References: p.References}
	cr, err := h.opts.Registry.CheckCompatibility(ctx, p.Subject, 0, in, false)
	if err != nil {
		if storeFailure(err) {
			return nil, err
		}
		return nil, nil
	}
	rep := &proposals.Report{Compatible: cr.Compatible, Differences: cr.Violations}
	if h.opts.Lineage != nil && p.Stream != "" {
		imp, err := h.opts.Lineage.Impact(ctx, p.Stream, lineage.ImpactRequest{Subject: p.Subject, Schema: in})
		switch {
		case err == nil:
			rep.Impact = &imp
		case storeFailure(err):
			return nil, err
		}
	}
	return rep, nil
}

// age says how long ago, in the largest whole unit.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/(24*time.Hour)), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

type proposalData struct {
	P           proposals.Proposal
	Report      *proposals.Report
	ReportErr   string
	Live        bool // Report is computed now (pending), not the one stored with the decision
	Impact      *impactView
	Diff        Diff
	View        string // side or inline
	Full        bool   // every unchanged line shown
	BaseLabel   string
	MayDecide   bool
	MayWithdraw bool
	VersionURL  string
	StreamURL   string
	// The decision form's state: what was typed, what was wrong with it,
	// and the confirmation after a decision.
	Comment  string
	FormErr  string
	Confirm  string
	Findings []finding
}

// decidedWords confirms a decision (?decided=...) after the redirect.
var decidedWords = map[string]string{"approved": "Approved", "rejected": "Rejected", "withdrawn": "Withdrawn"}

func (h *handler) proposalPage(w http.ResponseWriter, r *http.Request) error {
	return h.proposalPageWith(w, r, http.StatusOK, "", "")
}

// proposalPageWith renders a proposal with the decision form's comment
// and error (a refused decision keeps what the reviewer typed).
func (h *handler) proposalPageWith(w http.ResponseWriter, r *http.Request, status int, comment, formErr string) error {
	if h.opts.Proposals == nil || h.opts.Registry == nil {
		return notFound("Proposals are not served by this server.")
	}
	pr, err := h.proposal(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	p := sessionFrom(r).principal
	d := proposalData{P: pr, MayDecide: h.opts.Proposals.MayDecide(p, pr), MayWithdraw: h.opts.Proposals.MayWithdraw(p, pr),
		Comment: comment, FormErr: formErr, View: q.Get("view"), Full: q.Get("full") == "1"}
	if d.View == "" {
		d.View = "side"
	}
	if d.View != "side" && d.View != "inline" {
		return badRequest("The view %q is not side or inline.", d.View)
	}
	if w, ok := decidedWords[q.Get("decided")]; ok && string(pr.State) == q.Get("decided") {
		d.Confirm = w + " by " + pr.DecidedBy + "."
		if pr.Version > 0 {
			d.Confirm = fmt.Sprintf("%s by %s: registered as version %d of %s.", w, pr.DecidedBy, pr.Version, pr.Subject)
		}
	}
	if pr.Stream != "" {
		d.StreamURL = "/ui/streams/" + url.PathEscape(pr.Stream) + "?subject=" + url.QueryEscape(pr.Subject)
	}
	if pr.Version > 0 {
		if pr.Stream != "" {
			d.VersionURL = d.StreamURL + "&version=" + strconv.Itoa(pr.Version)
		} else if pr.SchemaID > 0 {
			d.VersionURL = fmt.Sprintf("/ui/schemas/%d?subject=%s", pr.SchemaID, url.QueryEscape(pr.Subject))
		}
	}
	// A pending proposal's report is computed now (advice for the
	// reviewer: a failure to compute it is shown, not a failed page); a
	// decided one shows the report stored with its decision.
	if pr.State == proposals.Pending {
		d.Live = true
		rep, err := h.opts.Proposals.Report(ctx, pr)
		if err != nil {
			if s, _ := h.errorFor(r, err); s >= 500 {
				return err
			}
			d.ReportErr = err.Error()
		} else {
			d.Report = &rep
		}
	} else {
		d.Report = pr.DecisionReport
	}
	// The diff against the base version, both in their display forms (the
	// proposal canonicalized as registering would store it).
	var base Code
	var baseSchema compat.Schema
	d.BaseLabel = "no earlier version (a new subject)"
	if pr.BaseVersion > 0 {
		sv, err := h.opts.Registry.Version(ctx, pr.Subject, pr.BaseVersion, true)
		switch {
		case err == nil:
			base = render(sv.Schema.Type, sv.Schema.Schema)
			d.BaseLabel = fmt.Sprintf("version %d (schema id %d)", pr.BaseVersion, sv.Schema.ID)
			baseSchema, _ = h.opts.Registry.ParseSchema(ctx, pr.Subject, registry.SchemaInput{Schema: sv.Schema.Schema, SchemaType: sv.Schema.Type, References: sv.Schema.References})
		case errors.Is(err, registry.ErrSubjectNotFound) || errors.Is(err, registry.ErrVersionNotFound):
			d.BaseLabel = fmt.Sprintf("version %d (no longer in the registry)", pr.BaseVersion)
		default:
			return err
		}
	}
	text := pr.Schema
	var added []string
	if s, err := h.opts.Registry.ParseSchema(ctx, pr.Subject, registry.SchemaInput{Schema: pr.Schema, SchemaType: pr.SchemaType, References: pr.References}); err == nil {
		text = s.Canonical()
		if baseSchema != nil {
			added = addedFields(baseSchema, s)
		}
	}
	var vs []compat.Violation
	if d.Report != nil {
		vs = d.Report.Differences
		d.Impact = newImpactView(d.Report.Impact, added)
	}
	d.Diff = buildDiff(base, render(schemaType(pr.SchemaType), text), vs)
	if !d.Full {
		d.Diff = d.Diff.folded(diffContext)
	}
	if d.Findings, err = h.findingsFor(ctx, pr.Stream); err != nil {
		return err
	}
	h.render(w, r, status, "proposal", fmt.Sprintf("Proposal #%d", pr.ID), "Proposals", d)
	return nil
}

func (h *handler) proposal(r *http.Request) (proposals.Proposal, error) {
	raw, _ := pathParam(r, "id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return proposals.Proposal{}, notFound("There is no proposal %q.", raw)
	}
	return h.opts.Proposals.Get(r.Context(), id)
}

// decide approves, rejects or withdraws a proposal. The service checks
// who may (the form's presence proves nothing); MayDecide first gives a
// plain 403 before anything is attempted.
func (h *handler) decide(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Proposals == nil {
		return notFound("Proposals are not served by this server.")
	}
	pr, err := h.proposal(r)
	if err != nil {
		return err
	}
	p := sessionFrom(r).principal
	comment := r.PostForm.Get("comment")
	ctx := r.Context()
	decision := pathParamRaw(r, "decision")
	var to proposals.State
	switch decision {
	case "approve":
		to = proposals.Approved
		if !h.opts.Proposals.MayDecide(p, pr) && pr.State == proposals.Pending {
			return forbidden("You may not approve proposal #%d: approving needs the role reviewer or admin, and not being its proposer.", pr.ID)
		}
	case "reject":
		to = proposals.Rejected
		if !h.opts.Proposals.MayDecide(p, pr) && pr.State == proposals.Pending {
			return forbidden("You may not reject proposal #%d: rejecting needs the role reviewer or admin, and not being its proposer.", pr.ID)
		}
		if strings.TrimSpace(comment) == "" && pr.State == proposals.Pending {
			// The proposer learns why only from the comment.
			return h.proposalPageWith(w, r, http.StatusUnprocessableEntity, comment,
				"Say why you reject it: a rejection needs a comment, which the proposer reads.")
		}
	case "withdraw":
		to = proposals.Withdrawn
		if !h.opts.Proposals.MayWithdraw(p, pr) && pr.State == proposals.Pending {
			return forbidden("Only its proposer or an admin may withdraw proposal #%d.", pr.ID)
		}
	default:
		return notFound("There is no such action.")
	}
	switch to {
	case proposals.Approved:
		_, err = h.opts.Proposals.Approve(ctx, pr.ID, comment)
	case proposals.Rejected:
		_, err = h.opts.Proposals.Reject(ctx, pr.ID, comment)
	default:
		_, err = h.opts.Proposals.Withdraw(ctx, pr.ID, comment)
	}
	if err != nil {
		status, _ := h.errorFor(r, err)
		if status >= 500 || status == 499 {
			return err
		}
		// A refused decision stays on the proposal, in words, with the
		// comment as typed.
		return h.proposalPageWith(w, r, status, comment, decisionRefusal(decision, pr, err))
	}
	http.Redirect(w, r, fmt.Sprintf("/ui/proposals/%d?decided=%s#outcome", pr.ID, to), http.StatusSeeOther)
	return nil
}

// decisionRefusal says in words why a decision was refused, for the
// reviewer (the service's error says it for the log and the API).
func decisionRefusal(decision string, pr proposals.Proposal, err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, proposals.ErrNotPending):
		return fmt.Sprintf("Proposal #%d was decided in the meantime, so it cannot be %s now. The page shows its decision.", pr.ID, pastTense(decision))
	case strings.Contains(msg, "only its owner or an admin may write it"):
		return fmt.Sprintf("Approving proposal #%d registers its schema as its proposer, %s, and %s no longer owns stream %s (ownership moved since it was proposed). Ask the stream's owner to propose the change again, or withdraw this proposal.",
			pr.ID, pr.Proposer, pr.Proposer, pr.Stream)
	case errors.Is(err, registry.ErrIncompatible):
		return fmt.Sprintf("The schema of proposal #%d is no longer compatible with %s (it changed since the proposal was made), so it cannot be registered: %s", pr.ID, pr.Subject, msg)
	}
	return fmt.Sprintf("Proposal #%d could not be %s: %s.", pr.ID, pastTense(decision), msg)
}

func pastTense(decision string) string {
	switch decision {
	case "approve":
		return "approved"
	case "reject":
		return "rejected"
	}
	return "withdrawn"
}
