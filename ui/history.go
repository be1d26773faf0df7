package ui

// The stream page's history and declarations: what each version changed
// against the one before (fields added, removed, retyped) with the
// compatibility verdict of that step, and the fields readers declare they
// read that the latest version no longer has (stale declarations).

import (
	"context"
	"sort"
	"strings"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry"
)

// historyMax bounds the versions whose step is checked on a stream page
// (the newest; older rows say "not checked here").
const historyMax = 20

// versionStep is what a version changed against the previous one.
type versionStep struct {
	Checked    bool
	First      bool // no previous version
	Prev       int  // the previous version
	Compatible bool
	Breaks     int // rules broken
	Added      []string
	Removed    []string
	Retyped    []string
}

// steps fills each version's step (rows in version order, live and
// soft-deleted alike, as the table shows them).
func (h *handler) steps(ctx context.Context, subject string, level compat.Level, rows []versionRow) error {
	var prev *registry.SchemaVersion
	var prevParsed compat.Schema
	from := max(0, len(rows)-historyMax-1)
	for i := from; i < len(rows); i++ {
		sv, err := h.opts.Registry.Version(ctx, subject, rows[i].Version, true)
		if err != nil {
			return err
		}
		parsed, perr := h.opts.Registry.ParseSchema(ctx, subject, registry.SchemaInput{Schema: sv.Schema.Schema, SchemaType: sv.Schema.Type, References: sv.Schema.References})
		if perr != nil && storeFailure(perr) {
			return perr
		}
		switch {
		case i == 0:
			rows[i].Step = versionStep{Checked: true, First: true, Compatible: true}
		case prev != nil:
			vs, err := h.check(ctx, subject, level, *prev, sv)
			if err != nil && storeFailure(err) {
				return err
			}
			st := versionStep{Prev: prev.Version, Checked: err == nil, Compatible: err == nil && len(vs) == 0, Breaks: len(vs)}
			if a, ok := prevParsed.(compat.Structured); ok && perr == nil {
				if b, ok := parsed.(compat.Structured); ok {
					st.Added = addedFields(prevParsed, parsed)
					for _, c := range lineage.DiffFields(a.Fields(), b.Fields(), schemaType(sv.Schema.Type)) {
						if c.Change == lineage.Removed {
							st.Removed = append(st.Removed, c.Path)
						} else {
							st.Retyped = append(st.Retyped, c.Path+" "+c.Change)
						}
					}
				}
			}
			rows[i].Step = st
		}
		svCopy := sv
		prev, prevParsed = &svCopy, parsed
		if perr != nil {
			prevParsed = nil
		}
	}
	return nil
}

// declaredReader is a reader with the fields it says it reads, and those
// of them the latest version no longer has.
type declaredReader struct {
	Name   string
	Fields []string
	Stale  []string
	Source string // contract, lineage
}

// staleDeclarations lists the stream's declared readers (its contract's
// consumers and the lineage graph's consumes edges that name fields) and
// marks the fields the latest schema of subject lacks.
func (h *handler) staleDeclarations(ctx context.Context, st streamData) ([]declaredReader, error) {
	var out []declaredReader
	for _, c := range st.Stream.Consumers {
		out = append(out, declaredReader{Name: c.Principal, Fields: c.Fields, Source: "contract"})
	}
	_, edges, err := h.findings.get(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range edges[st.Stream.Name] {
		out = append(out, declaredReader{Name: e.ToNode().Name, Fields: e.Fields, Source: "lineage"})
	}
	if len(out) == 0 || st.Selected == nil {
		return out, nil
	}
	latest := st.Versions[len(st.Versions)-1]
	sv, err := h.opts.Registry.Version(ctx, st.Subject, latest.Version, true)
	if err != nil {
		return nil, err
	}
	parsed, err := h.opts.Registry.ParseSchema(ctx, st.Subject, registry.SchemaInput{Schema: sv.Schema.Schema, SchemaType: sv.Schema.Type, References: sv.Schema.References})
	if err != nil {
		if storeFailure(err) {
			return nil, err
		}
		return out, nil
	}
	s, ok := parsed.(compat.Structured)
	if !ok {
		return out, nil
	}
	var paths []string
	for _, f := range s.Fields() {
		paths = append(paths, f.Path)
	}
	sort.Strings(paths)
	has := func(f string) bool {
		i := sort.SearchStrings(paths, f)
		return i < len(paths) && (paths[i] == f || strings.HasPrefix(paths[i], f+"."))
	}
	for i := range out {
		for _, f := range out[i].Fields {
			if !has(f) {
				out[i].Stale = append(out[i].Stale, f)
			}
		}
	}
	return out, nil
}

// IsStale reports whether f is one of r's stale fields.
func (r declaredReader) IsStale(f string) bool {
	for _, s := range r.Stale {
		if s == f {
			return true
		}
	}
	return false
}
