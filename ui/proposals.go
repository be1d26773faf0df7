package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/accord/accord/compat"
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

type proposalsData struct {
	Off     bool
	Stream  string // "" every stream
	State   string
	States  []string
	Rows    []proposalRow
	NextURL string
	Before  int64
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
	f := proposals.Filter{Stream: d.Stream, Limit: PageSize + 1}
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
	prs, err := h.opts.Proposals.List(r.Context(), f)
	if err != nil {
		return err
	}
	prs, d.NextURL = keysetPage(r, prs, func(p proposals.Proposal) int64 { return p.ID })
	d.Rows = proposalRows(prs)
	title := "Proposals"
	if d.Stream != "" {
		title = "Proposals of " + d.Stream
	}
	h.render(w, r, 200, "proposals", title, "Proposals", d)
	return nil
}

type proposalData struct {
	P           proposals.Proposal
	Report      *proposals.Report
	ReportErr   string
	Diff        Diff
	BaseLabel   string
	MayDecide   bool
	MayWithdraw bool
	VersionURL  string
	StreamURL   string
}

func (h *handler) proposalPage(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Proposals == nil || h.opts.Registry == nil {
		return notFound("Proposals are not served by this server.")
	}
	pr, err := h.proposal(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	p := sessionFrom(r).principal
	d := proposalData{P: pr, MayDecide: h.opts.Proposals.MayDecide(p, pr), MayWithdraw: h.opts.Proposals.MayWithdraw(p, pr)}
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
	// The live report is advice for the reviewer: a failure to compute it
	// (the subject was deleted since) is shown, not a failed page.
	if pr.State == proposals.Pending {
		rep, err := h.opts.Proposals.Report(ctx, pr)
		if err != nil {
			if s, _ := h.errorFor(r, err); s >= 500 {
				return err
			}
			d.ReportErr = err.Error()
		} else {
			d.Report = &rep
		}
	}
	// The diff against the base version, both in their display forms (the
	// proposal canonicalized as registering would store it).
	var base Code
	d.BaseLabel = "no earlier version (a new subject)"
	if pr.BaseVersion > 0 {
		sv, err := h.opts.Registry.Version(ctx, pr.Subject, pr.BaseVersion, true)
		switch {
		case err == nil:
			base = render(sv.Schema.Type, sv.Schema.Schema)
			d.BaseLabel = fmt.Sprintf("version %d (schema id %d)", pr.BaseVersion, sv.Schema.ID)
		case errors.Is(err, registry.ErrSubjectNotFound) || errors.Is(err, registry.ErrVersionNotFound):
			d.BaseLabel = fmt.Sprintf("version %d (no longer in the registry)", pr.BaseVersion)
		default:
			return err
		}
	}
	text := pr.Schema
	if s, err := h.opts.Registry.ParseSchema(ctx, pr.Subject, registry.SchemaInput{Schema: pr.Schema, SchemaType: pr.SchemaType, References: pr.References}); err == nil {
		text = s.Canonical()
	}
	var vs []compat.Violation
	if d.Report != nil {
		vs = d.Report.Differences
	}
	d.Diff = buildDiff(base, render(schemaType(pr.SchemaType), text), vs)
	h.render(w, r, 200, "proposal", fmt.Sprintf("Proposal #%d", pr.ID), "Proposals", d)
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
	switch pathParamRaw(r, "decision") {
	case "approve":
		if !h.opts.Proposals.MayDecide(p, pr) && pr.State == proposals.Pending {
			return forbidden("You may not approve proposal #%d: approving needs the role reviewer or admin, and not being its proposer.", pr.ID)
		}
		_, err = h.opts.Proposals.Approve(ctx, pr.ID, comment)
	case "reject":
		if !h.opts.Proposals.MayDecide(p, pr) && pr.State == proposals.Pending {
			return forbidden("You may not reject proposal #%d: rejecting needs the role reviewer or admin, and not being its proposer.", pr.ID)
		}
		_, err = h.opts.Proposals.Reject(ctx, pr.ID, comment)
	case "withdraw":
		if !h.opts.Proposals.MayWithdraw(p, pr) && pr.State == proposals.Pending {
			return forbidden("Only its proposer or an admin may withdraw proposal #%d.", pr.ID)
		}
		_, err = h.opts.Proposals.Withdraw(ctx, pr.ID, comment)
	default:
		return notFound("There is no such action.")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/ui/proposals/%d", pr.ID), http.StatusSeeOther)
	return nil
}
