package registry_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/registry"
)

// pageReads counts the version list reads a walk asks of its store.
type pageReads struct {
	registry.Store
	pages, counts atomic.Int64
}

func (s *pageReads) VersionPage(ctx context.Context, regCtx string, q registry.VersionPageQuery) ([]registry.VersionRecord, error) {
	s.pages.Add(1)
	return s.Store.VersionPage(ctx, regCtx, q)
}

func (s *pageReads) VersionCount(ctx context.Context, regCtx string, q registry.VersionPageQuery) (int, error) {
	s.counts.Add(1)
	return s.Store.VersionCount(ctx, regCtx, q)
}

// seeded is one version stored by seedVersions.
type seeded struct {
	ctx, subject string
	version      int
	deleted      bool
}

// seedVersions stores, straight through the store (one transaction per
// subject), more versions than a list page in the default context and in
// context .zz, some soft-deleted (every seventh, a subject's latest, a
// whole subject), and a few in .other. It returns them in the order
// WalkSchemas visits them: context, subject byte-wise, version.
func seedVersions(t *testing.T, s registry.Store) []seeded {
	t.Helper()
	plan := []struct {
		ctx, subject string
		versions     int
		deleted      func(v int) bool
	}{
		{".", "orders-0", 190, func(v int) bool { return v%7 == 0 }},
		{".", "orders-1", 190, func(v int) bool { return v == 190 }},
		{".", "orders-2", 180, func(int) bool { return false }},
		{".", "orders-gone", 5, func(int) bool { return true }},
		{".", "pay-0", 20, func(v int) bool { return v%7 == 0 }},
		{".", "pay-1", 20, func(int) bool { return false }},
		{".other", "orders-x", 20, func(v int) bool { return v == 20 }},
		{".other", "pay-y", 10, func(int) bool { return false }},
		{".zz", "orders-z", 510, func(v int) bool { return v%50 == 0 }},
	}
	var out []seeded
	for _, p := range plan {
		err := s.Update(context.Background(), p.ctx, p.subject, func(tx registry.Tx) error {
			text := fmt.Sprintf(`{"type":"record","name":"R","doc":%q,"fields":[]}`, p.ctx+p.subject)
			sum := sha256.Sum256([]byte("AVRO\x00" + text))
			id, err := tx.InsertSchema(registry.SchemaRecord{Type: "AVRO", Schema: text, Fingerprint: hex.EncodeToString(sum[:])})
			if err != nil {
				return err
			}
			for v := 1; v <= p.versions; v++ {
				if err := tx.InsertVersion(registry.VersionRecord{Subject: p.subject, Version: v, SchemaID: id, Deleted: p.deleted(v)}); err != nil {
					return err
				}
				out = append(out, seeded{p.ctx, p.subject, v, p.deleted(v)})
			}
			return nil
		})
		if err != nil {
			t.Fatalf("seeding %s%s: %v", p.ctx, p.subject, err)
		}
	}
	return out
}

// selectSeeded is what GET /schemas answers for f without offset and
// limit, worked out from the seed: the model the walks are checked
// against.
func selectSeeded(all []seeded, f registry.SchemaFilter) []string {
	ctxOK := func(c string) bool { return true }
	prefix := f.SubjectPrefix
	if rest, ok := strings.CutPrefix(prefix, ":*:"); ok {
		prefix = rest
	} else if prefix != "" {
		n := registry.ParseName(prefix)
		ctxOK = func(c string) bool { return c == n.Context }
		prefix = n.Subject
	}
	var out []string
	for i, s := range all {
		if !ctxOK(s.ctx) || !strings.HasPrefix(s.subject, prefix) || (s.deleted && !f.IncludeDeleted) {
			continue
		}
		if f.LatestOnly {
			later := false
			for _, n := range all[i+1:] {
				if n.ctx == s.ctx && n.subject == s.subject && (f.IncludeDeleted || !n.deleted) {
					later = true
				}
			}
			if later {
				continue
			}
		}
		out = append(out, fmt.Sprintf("%s v%d deleted=%t", registry.Name{Context: s.ctx, Subject: s.subject}, s.version, s.deleted))
	}
	return out
}

func walkSchemas(t *testing.T, r *registry.Registry, f registry.SchemaFilter) []string {
	t.Helper()
	out := []string{}
	err := r.WalkSchemas(context.Background(), f, func(v registry.SchemaVersion) error {
		if v.Schema == nil || v.Schema.ID == 0 {
			return fmt.Errorf("%s v%d: no schema", v.Subject, v.Version)
		}
		out = append(out, fmt.Sprintf("%s v%d deleted=%t", v.Subject, v.Version, v.Deleted))
		return nil
	})
	if err != nil {
		t.Fatalf("WalkSchemas(%+v): %v", f, err)
	}
	return out
}

// TestWalkSchemasOffset: GET /schemas?offset=N&limit=M, whose offset the
// database skips, answers what skipping in Go did: the whole walk (offset
// 0, read by keyset pages) cut at offset and limit. Offsets at 0, inside
// the first page, at and around a page boundary (ListPageSize), at
// context boundaries and past the end; with and without a limit; live
// versions, with deleted ones, latest only; within one context and
// across several (the offset passes over whole contexts by their count).
func TestWalkSchemasOffset(t *testing.T) {
	eachStore(t, func(t *testing.T, r *registry.Registry, cs *countingStore) {
		all := seedVersions(t, cs)
		const page = registry.ListPageSize
		for _, f := range []registry.SchemaFilter{
			// One context in scope: the database skips the whole offset.
			{SubjectPrefix: "orders-"},
			{SubjectPrefix: "orders-", IncludeDeleted: true},
			{SubjectPrefix: "orders-", LatestOnly: true},
			{SubjectPrefix: "orders-", IncludeDeleted: true, LatestOnly: true},
			{SubjectPrefix: ":.zz:"},
			{SubjectPrefix: ":.other:pay"},
			{SubjectPrefix: ":.:nothing"},
			// Every context: the offset passes over whole contexts.
			{},
			{IncludeDeleted: true},
			{LatestOnly: true},
			{SubjectPrefix: ":*:pay-"},
		} {
			whole := walkSchemas(t, r, f)
			if want := selectSeeded(all, f); !slices.Equal(whole, want) {
				t.Fatalf("%+v: walked %d versions, want %d; first difference at %d", f, len(whole), len(want), firstDiff(whole, want))
			}
			offsets := []int{0, 1, 7, page - 1, page, page + 1, len(whole) - 1, len(whole), len(whole) + 10}
			// Where each context's run ends, and around it.
			for i := 1; i < len(whole); i++ {
				if ctxOf(whole[i]) != ctxOf(whole[i-1]) {
					offsets = append(offsets, i-1, i, i+1)
				}
			}
			slices.Sort(offsets)
			for _, off := range slices.Compact(offsets) {
				if off < 0 || off > len(whole)+10 {
					continue // a page's offsets when the list is shorter than one
				}
				for _, limit := range []int{0, 3, page + 3} {
					g := f
					g.Offset, g.Limit = off, limit
					from, end := min(off, len(whole)), len(whole)
					if limit > 0 {
						end = min(off+limit, end)
					}
					want := whole[from:max(end, from)]
					if got := walkSchemas(t, r, g); !slices.Equal(got, want) {
						t.Errorf("%+v: %d versions, want %d; first difference at %d", g, len(got), len(want), firstDiff(got, want))
					}
				}
			}
		}
	})
}

// ctxOf is the context of a walked version as walkSchemas renders it.
func ctxOf(v string) string {
	if rest, ok := strings.CutPrefix(v, ":"); ok {
		c, _, _ := strings.Cut(rest, ":")
		return c
	}
	return "."
}

// TestWalkSchemasDeepOffsetIsOneRead: a deep offset costs the same store
// reads as offset 0 within one context: one page read, however deep
// (skipping in Go took a page read per ListPageSize versions skipped).
// Across contexts it costs a page read and a count per context passed
// over.
func TestWalkSchemasDeepOffsetIsOneRead(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *registry.Registry, cs *countingStore) {
		all := seedVersions(t, cs)
		pr := &pageReads{Store: cs}
		r := registry.New(pr, slog.New(slog.DiscardHandler), avro.Format{})
		inDefault := len(selectSeeded(all, registry.SchemaFilter{SubjectPrefix: ":.:"}))
		inOther := len(selectSeeded(all, registry.SchemaFilter{SubjectPrefix: ":.other:"}))
		orders := len(selectSeeded(all, registry.SchemaFilter{SubjectPrefix: "orders-"}))
		for _, tc := range []struct {
			name          string
			f             registry.SchemaFilter
			want          int // versions walked
			pages, counts int64
		}{
			{"one context, deep offset, limit", registry.SchemaFilter{SubjectPrefix: "orders-", Offset: orders - 8, Limit: 5}, 5, 1, 0},
			{"one context, deep offset, rest of the list", registry.SchemaFilter{SubjectPrefix: "orders-", Offset: orders - 8}, 8, 1, 0},
			{"one context, offset past the end", registry.SchemaFilter{SubjectPrefix: "orders-", Offset: orders + 1000, Limit: 5}, 0, 1, 0},
			{"one context, a page's worth after the offset", registry.SchemaFilter{SubjectPrefix: "orders-", Offset: 3, Limit: registry.ListPageSize}, registry.ListPageSize, 1, 0},
			{"one context, latest only", registry.SchemaFilter{SubjectPrefix: ":.zz:", LatestOnly: true, IncludeDeleted: true, Offset: 0, Limit: 5}, 1, 1, 0},
			{"all contexts, offset in the first", registry.SchemaFilter{Offset: inDefault - 3, Limit: 2}, 2, 1, 0},
			{"all contexts, offset in the second", registry.SchemaFilter{Offset: inDefault + 3, Limit: 5}, 5, 2, 1},
			{"all contexts, offset in the third", registry.SchemaFilter{Offset: inDefault + inOther + 400, Limit: 5}, 5, 3, 2},
			{"all contexts, offset past the end", registry.SchemaFilter{Offset: len(all) * 2, Limit: 5}, 0, 3, 2},
		} {
			pr.pages.Store(0)
			pr.counts.Store(0)
			got := walkSchemas(t, r, tc.f)
			if len(got) != tc.want {
				t.Errorf("%s: walked %d versions, want %d", tc.name, len(got), tc.want)
			}
			if p, c := pr.pages.Load(), pr.counts.Load(); p != tc.pages || c != tc.counts {
				t.Errorf("%s: %d page reads and %d counts, want %d and %d", tc.name, p, c, tc.pages, tc.counts)
			}
		}
	})
}

// firstDiff is the first index at which a and b differ.
func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
