package registry

import (
	"context"
	"errors"
	"fmt"
	"sort"
)

// SubjectList selects the subjects WalkSubjects visits.
type SubjectList struct {
	// Prefix filters names as GET /subjects?subjectPrefix= does: empty or
	// ":*:rest" lists every context (with prefix rest), ":.ctx:rest" one
	// context, anything else the default context.
	Prefix  string
	Deleted DeletedFilter
	// Offset names are skipped, then at most Limit are visited (0: all).
	Offset, Limit int
}

// ListReads is how many list pages (WalkSubjects, WalkSchemas) a Registry
// reads from its store at once. A walk of a large registry is a run of
// page reads, each holding a connection of the store's read pool while
// it runs; without a bound, many concurrent whole-list requests take
// every connection and point reads (fetch by id, lookups) wait behind
// them until they time out. Further page reads wait for a slot (or for
// their request to end), page by page, so concurrent walks interleave.
const ListReads = 2

// listRead runs read, one of the page reads ListReads bounds.
func (r *Registry) listRead(ctx context.Context, read func() error) error {
	if err := context.Cause(ctx); err != nil { // select would pick at random
		return fmt.Errorf("waiting to read a list page: %w", err)
	}
	select {
	case r.listReads <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting to read a list page: %w", context.Cause(ctx))
	}
	defer func() { <-r.listReads }()
	return read()
}

// errStop ends a walk early; it never reaches the caller.
var errStop = errors.New("registry: walk stopped")

// WalkSubjects calls fn with each subject name of q (qualified outside the
// default context), in byte-wise order of the names as clients write
// them, reading the store ListPageSize names at a time: a walk holds one
// page, never the whole list. Names written while a walk runs may or may
// not be visited (each page is read at its own time). An error from fn
// ends the walk and is returned.
func (r *Registry) WalkSubjects(ctx context.Context, q SubjectList, fn func(name string) error) error {
	ctxs, p, err := r.prefixScope(ctx, q.Prefix)
	if err != nil {
		return err
	}
	// With one context to walk (the usual case), the database skips the
	// offset in the first page's query; with several, the skip happens
	// in the merged walk, since a context's share of it is not known.
	skip, dbSkip, seen := q.Offset, 0, 0
	if len(ctxs) == 1 {
		dbSkip, skip = skip, 0
	}
	pageSize := ListPageSize
	if q.Limit > 0 {
		pageSize = min(pageSize, skip+q.Limit)
	}
	emit := func(name string) error {
		if skip > 0 {
			skip--
			return nil
		}
		if q.Limit > 0 && seen >= q.Limit {
			return errStop
		}
		seen++
		return fn(name)
	}
	// Every name of a context c other than the default one starts with
	// ":c:", and no two such prefixes start one another, so each context
	// is one run of the sorted list; the default context's names go
	// around and between these runs.
	var def bool
	others := make([]string, 0, len(ctxs))
	for _, c := range ctxs {
		if c == DefaultContext {
			def = true
		} else {
			others = append(others, c)
		}
	}
	sort.Slice(others, func(i, j int) bool { return ":"+others[i]+":" < ":"+others[j]+":" })
	walk := func(c string, each func(name string) error) error {
		after := ""
		for {
			var page []string
			err := r.listRead(ctx, func() (err error) {
				page, err = r.store.SubjectPage(ctx, c, SubjectPageQuery{Prefix: p, After: after, Deleted: q.Deleted, Offset: dbSkip, Limit: pageSize})
				return err
			})
			if err != nil {
				return storeErr("listing subjects", err)
			}
			dbSkip = 0
			for _, s := range page {
				if err := each(Name{c, s}.String()); err != nil {
					return err
				}
			}
			if len(page) < pageSize {
				return nil
			}
			after = page[len(page)-1]
		}
	}
	next := 0
	othersBefore := func(name string) error {
		for ; next < len(others) && ":"+others[next]+":" < name; next++ {
			if err := walk(others[next], emit); err != nil {
				return err
			}
		}
		return nil
	}
	err = nil
	if def {
		err = walk(DefaultContext, func(name string) error {
			if err := othersBefore(name); err != nil {
				return err
			}
			return emit(name)
		})
	}
	if err == nil {
		for ; next < len(others); next++ {
			if err = walk(others[next], emit); err != nil {
				break
			}
		}
	}
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// Subjects lists subject names (qualified outside the default context),
// sorted. It holds the whole list: WalkSubjects does not.
func (r *Registry) Subjects(ctx context.Context, prefix string, includeDeleted bool) ([]string, error) {
	q := SubjectList{Prefix: prefix}
	if includeDeleted {
		q.Deleted = WithDeleted
	}
	out := []string{}
	err := r.WalkSubjects(ctx, q, func(name string) error {
		out = append(out, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SchemaFilter selects versions for GET /schemas.
type SchemaFilter struct {
	SubjectPrefix  string
	IncludeDeleted bool
	LatestOnly     bool
	Offset, Limit  int
}

// WalkSchemas calls fn with each version f selects and its schema,
// ordered by context, subject (byte-wise) and version, reading the store
// ListPageSize versions at a time (as WalkSubjects).
//
// The offset is skipped by the database: each context is one run of the
// walk, so what is left of the offset goes to the first page read of the
// next context (VersionPageQuery.Offset). When that page is empty the
// offset covers the whole context, and one count of its versions says
// how much of the offset the next context skips. A deep offset costs a
// page read, plus a page read and a count per context it passes over,
// not a page read per ListPageSize versions skipped.
func (r *Registry) WalkSchemas(ctx context.Context, f SchemaFilter, fn func(SchemaVersion) error) error {
	ctxs, p, err := r.prefixScope(ctx, f.SubjectPrefix)
	if err != nil {
		return err
	}
	pageSize := ListPageSize
	if f.Limit > 0 {
		pageSize = min(pageSize, f.Limit)
	}
	skip, seen := max(f.Offset, 0), 0
	for i, c := range ctxs {
		q := VersionPageQuery{Prefix: p, IncludeDeleted: f.IncludeDeleted, LatestOnly: f.LatestOnly, Offset: skip, Limit: pageSize}
		for {
			var page []VersionRecord
			err := r.listRead(ctx, func() (err error) {
				page, err = r.store.VersionPage(ctx, c, q)
				return err
			})
			if err != nil {
				return storeErr("listing versions", err)
			}
			if q.Offset > 0 {
				skip, err = r.skipLeft(ctx, c, q, len(page) > 0, i == len(ctxs)-1)
				if err != nil {
					return err
				}
				q.Offset = 0
			}
			for _, v := range page {
				rec, err := r.schemaRecord(ctx, r.store, v.Context, v.SchemaID)
				if err != nil {
					return err
				}
				if err := fn(SchemaVersion{Subject: Name{v.Context, v.Subject}.String(), Version: v.Version, Deleted: v.Deleted, Schema: rec}); err != nil {
					return err
				}
				seen++
				if f.Limit > 0 && seen >= f.Limit {
					return nil
				}
			}
			if len(page) < pageSize {
				break
			}
			q.AfterSubject, q.AfterVersion = page[len(page)-1].Subject, page[len(page)-1].Version
		}
	}
	return nil
}

// skipLeft is what is left of offset q.Offset after the first page read
// of context c: nothing when that page held a row (the offset ended in
// c) or c is the last context walked; otherwise the offset less c's
// count of the versions q selects (versions written since the page read
// may make that count larger than the offset: nothing is left then).
func (r *Registry) skipLeft(ctx context.Context, c string, q VersionPageQuery, found, last bool) (int, error) {
	if found || last {
		return 0, nil
	}
	var n int
	err := r.listRead(ctx, func() (err error) {
		n, err = r.store.VersionCount(ctx, c, q)
		return err
	})
	if err != nil {
		return 0, storeErr("counting versions", err)
	}
	return max(q.Offset-n, 0), nil
}

// Schemas lists versions with their schemas, ordered by context, subject
// and version. It holds the whole list: WalkSchemas does not.
func (r *Registry) Schemas(ctx context.Context, f SchemaFilter) ([]SchemaVersion, error) {
	out := []SchemaVersion{}
	err := r.WalkSchemas(ctx, f, func(v SchemaVersion) error {
		out = append(out, v)
		return nil
	})
	return out, err
}
