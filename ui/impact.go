package ui

// The proposal's "who is hurt" view: the impact analysis's consumers
// merged (one row per reader, however many paths reach it), the ones
// reading a changed field first, and a summary in words above the table,
// so a reviewer sees the affected reader without scrolling.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/lineage"
)

// impactRow is one reader of the changed stream (or of a stream derived
// from it): a service, or one of its jobs.
type impactRow struct {
	Service        string
	Job            *lineage.JobRef
	Paths          [][]lineage.Hop // every path that reaches it, shortest first
	Depth          int             // of the shortest path
	FieldsDeclared bool
	Fields         []lineage.FieldChange
}

// Affected reports whether the reader reads a field the change touches.
func (r impactRow) Affected() bool { return len(r.Fields) > 0 }

// impactView is what the proposal page shows of an impact analysis.
type impactView struct {
	Rows       []impactRow
	Affected   []string // readers of a changed field, by name
	Unaffected int      // reached, declared fields, none changed
	Undeclared int      // reached, no fields declared
	Added      []string // field paths the proposal adds
	Removed    []lineage.FieldChange
}

// Summary is the one-paragraph answer to "who is hurt".
func (v impactView) Summary() []string {
	var out []string
	switch n := len(v.Affected); n {
	case 0:
		out = append(out, "No consumer reads a changed field.")
	case 1:
		out = append(out, "1 consumer reads a changed field: "+v.Affected[0]+".")
	default:
		out = append(out, fmt.Sprintf("%d consumers read a changed field: %s.", n, strings.Join(v.Affected, ", ")))
	}
	var rest []string
	if v.Unaffected > 0 {
		rest = append(rest, fmt.Sprintf("%d reached, unaffected as declared", v.Unaffected))
	}
	if v.Undeclared > 0 {
		verb := "declare"
		if v.Undeclared == 1 {
			verb = "declares"
		}
		rest = append(rest, fmt.Sprintf("%d %s no fields (they may be affected)", v.Undeclared, verb))
	}
	if len(rest) > 0 {
		out = append(out, strings.Join(rest, "; ")+".")
	}
	return out
}

func readerKey(c lineage.ImpactedConsumer) string {
	if c.Job != nil {
		return "job:" + c.Job.Key()
	}
	return "service:" + c.Service
}

// newImpactView merges the consumers of imp (the analysis lists a reader
// once per path) and orders them: affected first, then unaffected, then
// those that declared nothing; nearer before farther, then by name.
// added are the field paths the proposal adds.
func newImpactView(imp *lineage.Impact, added []string) *impactView {
	if imp == nil {
		return nil
	}
	v := &impactView{Added: added}
	for _, c := range imp.Changes {
		if c.Change == lineage.Removed {
			v.Removed = append(v.Removed, c)
		}
	}
	idx := map[string]int{}
	for _, c := range imp.Consumers {
		k := readerKey(c)
		i, ok := idx[k]
		if !ok {
			idx[k] = len(v.Rows)
			v.Rows = append(v.Rows, impactRow{Service: c.Service, Job: c.Job, Depth: c.Depth, Paths: [][]lineage.Hop{c.Path},
				FieldsDeclared: c.FieldsDeclared, Fields: slices.Clone(c.Fields)})
			continue
		}
		r := &v.Rows[i]
		if c.Depth < r.Depth {
			r.Depth = c.Depth
			r.Paths = append([][]lineage.Hop{c.Path}, r.Paths...)
		} else {
			r.Paths = append(r.Paths, c.Path)
		}
		r.FieldsDeclared = r.FieldsDeclared || c.FieldsDeclared
		for _, f := range c.Fields {
			if !slices.Contains(r.Fields, f) {
				r.Fields = append(r.Fields, f)
			}
		}
	}
	rank := func(r impactRow) int {
		switch {
		case r.Affected():
			return 0
		case r.FieldsDeclared:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(v.Rows, func(a, b impactRow) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		if a.Depth != b.Depth {
			return a.Depth - b.Depth
		}
		return strings.Compare(a.Name(), b.Name())
	})
	for _, r := range v.Rows {
		switch rank(r) {
		case 0:
			v.Affected = append(v.Affected, r.Name())
		case 1:
			v.Unaffected++
		default:
			v.Undeclared++
		}
	}
	return v
}

// Name is the reader as a person names it: the service, or its job.
func (r impactRow) Name() string {
	if r.Job != nil {
		return r.Service + " (job " + r.Job.Name + ")"
	}
	return r.Service
}

// addedFields lists the field paths in proposed that base lacks; nil
// when either schema cannot list its fields.
func addedFields(base, proposed compat.Schema) []string {
	b, ok1 := base.(compat.Structured)
	p, ok2 := proposed.(compat.Structured)
	if !ok1 || !ok2 {
		return nil
	}
	had := map[string]bool{}
	for _, f := range b.Fields() {
		had[f.Path] = true
	}
	var out []string
	for _, f := range p.Fields() {
		if !had[f.Path] {
			out = append(out, f.Path)
		}
	}
	return out
}
