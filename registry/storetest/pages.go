package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/accord/accord/registry"
)

// testPages reads subjects and versions a page at a time, with pages of
// 1, 2, 3 and 100 rows, and checks that the pages put together are the
// whole lists Subjects and VersionsByPrefix answer, in the same order,
// for each prefix and deleted filter; that an offset skips rows of those
// lists; and that VersionCount counts them.
func testPages(t *testing.T, h *harness) {
	s := h.store()
	for _, subj := range []string{"orders-value", "orders-key", "ordersX", "Orders-value", "pay%_x", "payAx", "zäh-value", "z-value", "gone", "\u00ffa", "\u00ff\u00ffb"} {
		register(t, s, ".", subj, "schema of "+subj)
	}
	register(t, s, ".", "orders-value", "orders v2")
	register(t, s, ".", "orders-value", "orders v3")
	register(t, s, ".", "payAx", "payAx v2")
	register(t, s, ".other", "orders-elsewhere", "elsewhere")
	update(t, s, ".", "ordersX", func(tx registry.Tx) error { return tx.SetDeleted("ordersX", 1, true) })
	update(t, s, ".", "gone", func(tx registry.Tx) error { return tx.SetDeleted("gone", 1, true) })
	update(t, s, ".", "orders-value", func(tx registry.Tx) error { return tx.SetDeleted("orders-value", 3, true) })

	c := ctx(t)
	for _, prefix := range []string{"", "orders", "Orders", "pay%", "pay_", "zä", "orders-value", "nothing", "\u00ff"} {
		live, err := s.Subjects(c, ".", prefix, false)
		noErr(t, "Subjects", err)
		all, err := s.Subjects(c, ".", prefix, true)
		noErr(t, "Subjects(includeDeleted)", err)
		deletedOnly := []string{}
		for _, x := range all {
			if !slices.Contains(live, x) {
				deletedOnly = append(deletedOnly, x)
			}
		}
		want := map[registry.DeletedFilter][]string{registry.LiveOnly: live, registry.WithDeleted: all, registry.DeletedOnly: deletedOnly}
		for filter, names := range want {
			for _, size := range []int{1, 2, 3, 100} {
				got := []string{}
				after := ""
				for {
					page, err := s.SubjectPage(c, ".", registry.SubjectPageQuery{Prefix: prefix, After: after, Deleted: filter, Limit: size})
					noErr(t, "SubjectPage", err)
					if len(page) > size {
						t.Fatalf("SubjectPage of limit %d answered %d names", size, len(page))
					}
					got = append(got, page...)
					if len(page) < size {
						break
					}
					after = page[len(page)-1]
				}
				equal(t, fmt.Sprintf("subject pages of %d, prefix %q, filter %d", size, prefix, filter), got, names)
			}
			// An offset skips that many of the selected names, in the
			// database, before the page.
			for _, off := range []int{0, 1, 2, len(names) - 1, len(names), len(names) + 5} {
				page, err := s.SubjectPage(c, ".", registry.SubjectPageQuery{Prefix: prefix, Deleted: filter, Offset: off, Limit: 2})
				noErr(t, "SubjectPage(Offset)", err)
				want := []string{}
				if off >= 0 && off < len(names) {
					want = names[off:min(off+2, len(names))]
				}
				equal(t, fmt.Sprintf("subject page of 2 at offset %d, prefix %q, filter %d", off, prefix, filter), page, want)
			}
		}
		for _, deleted := range []bool{false, true} {
			vs, err := s.VersionsByPrefix(c, ".", prefix, deleted)
			noErr(t, "VersionsByPrefix", err)
			latest := []registry.VersionRecord{}
			for i, v := range vs {
				if i+1 < len(vs) && vs[i+1].Subject == v.Subject {
					continue
				}
				latest = append(latest, v)
			}
			for _, latestOnly := range []bool{false, true} {
				want := vs
				if latestOnly {
					want = latest
				}
				for _, size := range []int{1, 2, 3, 100} {
					var got []registry.VersionRecord
					q := registry.VersionPageQuery{Prefix: prefix, IncludeDeleted: deleted, LatestOnly: latestOnly, Limit: size}
					for {
						page, err := s.VersionPage(c, ".", q)
						noErr(t, "VersionPage", err)
						got = append(got, page...)
						if len(page) < size {
							break
						}
						q.AfterSubject, q.AfterVersion = page[len(page)-1].Subject, page[len(page)-1].Version
					}
					equal(t, fmt.Sprintf("version pages of %d, prefix %q, deleted %t, latestOnly %t", size, prefix, deleted, latestOnly),
						subjectVersions(got), subjectVersions(want))
				}
				// VersionCount counts what the pages select, whatever the
				// page fields say.
				for _, q := range []registry.VersionPageQuery{
					{Prefix: prefix, IncludeDeleted: deleted, LatestOnly: latestOnly},
					{Prefix: prefix, IncludeDeleted: deleted, LatestOnly: latestOnly, AfterSubject: "p", AfterVersion: 1, Offset: 2, Limit: 1},
				} {
					n, err := s.VersionCount(c, ".", q)
					noErr(t, "VersionCount", err)
					if n != len(want) {
						t.Fatalf("VersionCount(%+v) = %d, want %d", q, n, len(want))
					}
				}
				// An offset skips that many of the selected versions, in
				// the database, before the page; after a keyset start it
				// skips rows after that start.
				for _, off := range []int{0, 1, 2, len(want) - 1, len(want), len(want) + 5} {
					page, err := s.VersionPage(c, ".", registry.VersionPageQuery{Prefix: prefix, IncludeDeleted: deleted, LatestOnly: latestOnly, Offset: off, Limit: 2})
					noErr(t, "VersionPage(Offset)", err)
					w := []registry.VersionRecord{}
					if off >= 0 && off < len(want) {
						w = want[off:min(off+2, len(want))]
					}
					equal(t, fmt.Sprintf("version page of 2 at offset %d, prefix %q, deleted %t, latestOnly %t", off, prefix, deleted, latestOnly),
						subjectVersions(page), subjectVersions(w))
					if len(want) > 0 && off >= 0 {
						first := want[0]
						page, err := s.VersionPage(c, ".", registry.VersionPageQuery{Prefix: prefix, IncludeDeleted: deleted, LatestOnly: latestOnly,
							AfterSubject: first.Subject, AfterVersion: first.Version, Offset: off, Limit: 2})
						noErr(t, "VersionPage(After, Offset)", err)
						w := []registry.VersionRecord{}
						if off+1 < len(want) {
							w = want[off+1 : min(off+3, len(want))]
						}
						equal(t, fmt.Sprintf("version page of 2 after %s v%d at offset %d, prefix %q, deleted %t, latestOnly %t", first.Subject, first.Version, off, prefix, deleted, latestOnly),
							subjectVersions(page), subjectVersions(w))
					}
				}
			}
		}
	}
	// Another context's subjects stay there.
	other, err := s.SubjectPage(c, ".other", registry.SubjectPageQuery{Limit: 10})
	noErr(t, "SubjectPage(.other)", err)
	equal(t, "subjects of .other", other, []string{"orders-elsewhere"})
	n, err := s.VersionCount(c, ".other", registry.VersionPageQuery{})
	noErr(t, "VersionCount(.other)", err)
	if n != 1 {
		t.Fatalf("VersionCount(.other) = %d, want 1", n)
	}
}
