package ui

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/registry"
)

type auditData struct {
	Off                   bool
	Action, Actor, Target string
	Context               string // a subject's context ("." the default); "" any
	Before                int64
	Entries               []auditRow
	NextURL               string
}

// auditRow is an entry with what a reader follows from it: a proposal's
// entries link the proposal and show the decision's comment.
type auditRow struct {
	audit.Entry
	ProposalID int64
	Comment    string
}

func auditRows(entries []audit.Entry) []auditRow {
	out := make([]auditRow, len(entries))
	for i, e := range entries {
		out[i].Entry = e
		if !strings.HasPrefix(e.Action, "proposal.") {
			continue
		}
		var doc struct {
			ID      int64  `json:"id"`
			Comment string `json:"comment"`
		}
		if json.Unmarshal(e.After, &doc) == nil {
			out[i].ProposalID, out[i].Comment = doc.ID, doc.Comment
		}
	}
	return out
}

// auditPage lists the audit log, newest first, 50 entries a page (paged by
// entry id, as the API's before= does). Admins and reviewers only, as
// GET /v1/audit.
func (h *handler) auditPage(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(r.Context(), "reading the audit log", auth.RoleAdmin, auth.RoleReviewer); err != nil {
		return err
	}
	d := auditData{}
	if h.opts.Audit == nil {
		d.Off = true
		h.render(w, r, 200, "audit", "Audit log", "Audit", d)
		return nil
	}
	q := r.URL.Query()
	d.Action, d.Actor, d.Target = strings.TrimSpace(q.Get("action")), strings.TrimSpace(q.Get("actor")), strings.TrimSpace(q.Get("target"))
	d.Context = strings.TrimSpace(q.Get("context"))
	before, err := intParam(q, "before", 0, 1, 1<<62)
	if err != nil {
		return err
	}
	d.Before = int64(before)
	entries, err := h.opts.Audit.List(r.Context(), audit.Filter{Action: d.Action, Actor: d.Actor, Context: d.Context, Target: d.Target, BeforeID: d.Before, Limit: PageSize + 1})
	if err != nil {
		return err
	}
	entries, d.NextURL = keysetPage(r, entries, func(e audit.Entry) int64 { return e.ID })
	d.Entries = auditRows(entries)
	h.render(w, r, 200, "audit", "Audit log", "Audit", d)
	return nil
}

type subjectVersion struct {
	Version  int
	SchemaID int64
	Type     string
	Deleted  bool
}

type subjectRow struct {
	Subject  string
	Versions []subjectVersion
	Deleted  bool // every version is soft-deleted
}

type subjectsData struct {
	Prefix                          string
	Deleted                         bool
	Rows                            []subjectRow
	Total, Page, Pages, First, Last int
	PrevURL, NextURL                string
}

// subjectsPage is the raw Confluent view for admins: subjects (50 a page)
// with every version, soft-deleted ones marked. The subject names are one
// query; each subject of the page is then read through the registry's
// caches (subject views and schemas by id), so a page costs at most 50
// small reads the first time and none after.
func (h *handler) subjectsPage(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(r.Context(), "the subjects view", auth.RoleAdmin); err != nil {
		return err
	}
	if h.opts.Registry == nil {
		return notFound("The registry is not served by this server.")
	}
	q := r.URL.Query()
	d := subjectsData{Prefix: strings.TrimSpace(q.Get("prefix"))}
	switch q.Get("deleted") {
	case "", "0":
	case "1", "on", "true":
		d.Deleted = true
	default:
		return badRequest("The query parameter deleted=%q must be 1 or absent.", q.Get("deleted"))
	}
	page, err := intParam(q, "page", 1, 1, 1_000_000)
	if err != nil {
		return err
	}
	ctx := r.Context()
	// The names are walked a store page at a time: the request keeps this
	// page's names and counts the others (a registry may hold a million).
	list := registry.SubjectList{Prefix: d.Prefix}
	if d.Deleted {
		list.Deleted = registry.WithDeleted
	}
	lo := (page - 1) * PageSize
	var names []string
	err = h.opts.Registry.WalkSubjects(ctx, list, func(name string) error {
		if d.Total >= lo && d.Total < lo+PageSize {
			names = append(names, name)
		}
		d.Total++
		return nil
	})
	if err != nil {
		return err
	}
	d.Page = page
	d.Pages = max(1, (d.Total+PageSize-1)/PageSize)
	lo = min(lo, d.Total)
	hi := min(lo+PageSize, d.Total)
	d.First, d.Last = lo+1, hi
	for _, s := range names {
		row := subjectRow{Subject: s, Deleted: true}
		nums, err := h.opts.Registry.Versions(ctx, s, true)
		if err != nil {
			return err
		}
		for _, v := range nums {
			sv, err := h.opts.Registry.Version(ctx, s, v, true)
			if err != nil {
				return err
			}
			row.Versions = append(row.Versions, subjectVersion{Version: v, SchemaID: sv.Schema.ID, Type: schemaType(sv.Schema.Type), Deleted: sv.Deleted})
			row.Deleted = row.Deleted && sv.Deleted
		}
		d.Rows = append(d.Rows, row)
	}
	if page > 1 {
		d.PrevURL = pageURL(r, page-1)
	}
	if hi < d.Total {
		d.NextURL = pageURL(r, page+1)
	}
	h.render(w, r, 200, "subjects", "Subjects", "Subjects", d)
	return nil
}
