package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

// TestSubjectListStreams lists more subjects than one store page and one
// flush of the answer hold, in three contexts and with default-context
// names that sort between the other contexts' names, and checks that
// GET /subjects (whole, paged with offset and limit, deleted, deletedOnly,
// by prefix) and GET /schemas (whole and paged) answer exactly the
// sorted lists.
func TestSubjectListStreams(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		ctx := context.Background()
		store, err := sqlstore.Open(ctx, target, sqlstore.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		if err != nil {
			t.Fatal(err)
		}
		seed := registry.New(store, nil, avro.Format{})
		pad := strings.Repeat("p", 70) // 1,100 names of ~80 bytes: past one 64 KiB flush
		var all, live, deletedOnly []string
		add := func(name string, deleted bool) {
			schema := fmt.Sprintf(`{"type":"record","name":"R","fields":[{"name":"f","type":"string","doc":%q}]}`, name)
			if _, err := seed.Register(ctx, name, registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: schema}}); err != nil {
				t.Fatalf("registering %s: %v", name, err)
			}
			if deleted {
				if _, err := seed.DeleteSubject(ctx, name, false); err != nil {
					t.Fatalf("deleting %s: %v", name, err)
				}
				deletedOnly = append(deletedOnly, name)
			} else {
				live = append(live, name)
			}
			all = append(all, name)
		}
		for i := range 1000 {
			add(fmt.Sprintf("s%04d-%s", i, pad), i%97 == 0)
		}
		for i := range 50 {
			add(fmt.Sprintf(":.a-b:t%03d-%s", i, pad), false)
			add(fmt.Sprintf(":.b:u%03d-%s", i, pad), i == 7)
		}
		for _, name := range []string{":.a", ":.b;x", ":.a-b", "Zebra", "0first"} { // default-context names around the contexts' runs
			add(name, false)
		}
		store.Close()
		for _, l := range [][]string{all, live, deletedOnly} {
			sort.Strings(l)
		}

		s := startServer(t, target, api.Options{})
		var got []string
		r := s.ok("GET", "/subjects", nil, &got)
		if !slices.Equal(got, live) {
			t.Fatalf("GET /subjects: %d names, want %d; first difference at %d", len(got), len(live), firstDiff(got, live))
		}
		if r.Header.Get("Content-Length") != "" {
			t.Errorf("a list of %d bytes was sent with Content-Length, not streamed", len(r.Body))
		}
		s.ok("GET", "/subjects?deleted=true", nil, &got)
		if !slices.Equal(got, all) {
			t.Fatalf("GET /subjects?deleted=true: %d names, want %d; first difference at %d", len(got), len(all), firstDiff(got, all))
		}
		s.ok("GET", "/subjects?deletedOnly=true", nil, &got)
		if !slices.Equal(got, deletedOnly) {
			t.Fatalf("GET /subjects?deletedOnly=true = %v, want %v", got, deletedOnly)
		}
		for _, pg := range []struct{ offset, limit int }{{0, 10}, {995, 20}, {1040, 100}, {1095, 1000}, {5000, 10}, {0, 700}} {
			s.ok("GET", fmt.Sprintf("/subjects?offset=%d&limit=%d", pg.offset, pg.limit), nil, &got)
			want := live[min(pg.offset, len(live)):min(pg.offset+pg.limit, len(live))]
			if !slices.Equal(got, want) {
				t.Errorf("offset %d limit %d: %d names, want %d; first difference at %d", pg.offset, pg.limit, len(got), len(want), firstDiff(got, want))
			}
			if got == nil {
				t.Errorf("offset %d limit %d: null, want []", pg.offset, pg.limit)
			}
		}
		// One context in scope (an unqualified prefix names the default
		// context): the database skips the offset. Offsets within the
		// first page, past it, at the end and beyond, with and without a
		// limit, and with deleted subjects counted or not.
		var defLive, defAll []string
		for _, n := range live {
			if strings.HasPrefix(n, "s") {
				defLive = append(defLive, n)
			}
		}
		for _, n := range all {
			if strings.HasPrefix(n, "s") {
				defAll = append(defAll, n)
			}
		}
		for _, pg := range []struct {
			offset, limit int
			deleted       bool
		}{{0, 10, false}, {7, 3, false}, {600, 20, false}, {985, 100, false}, {989, 5, false}, {2000, 5, false}, {600, 0, false}, {7, 0, false}, {1, 0, true}, {600, 20, true}, {999, 0, true}} {
			u, names := fmt.Sprintf("/subjects?subjectPrefix=s&offset=%d", pg.offset), defLive
			if pg.limit > 0 {
				u += fmt.Sprintf("&limit=%d", pg.limit)
			}
			if pg.deleted {
				u, names = u+"&deleted=true", defAll
			}
			end := len(names)
			if pg.limit > 0 {
				end = min(pg.offset+pg.limit, len(names))
			}
			want := names[min(pg.offset, len(names)):max(end, min(pg.offset, len(names)))]
			s.ok("GET", u, nil, &got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %d names, want %d; first difference at %d", u, len(got), len(want), firstDiff(got, want))
			}
		}
		s.ok("GET", "/subjects?subjectPrefix=:.b:", nil, &got)
		var inB []string
		for _, n := range live {
			if strings.HasPrefix(n, ":.b:") {
				inB = append(inB, n)
			}
		}
		if !slices.Equal(got, inB) {
			t.Errorf("subjectPrefix=:.b: = %d names, want %d", len(got), len(inB))
		}

		for path, want := range map[string][]string{
			"/contexts":                  {".", ".a-b", ".b"},
			"/contexts?contextPrefix=.b": {".b"},
			"/contexts?offset=1&limit=1": {".a-b"},
			"/contexts?offset=5":         {},
		} {
			s.ok("GET", path, nil, &got)
			if !slices.Equal(got, want) || got == nil {
				t.Errorf("GET %s = %v, want %v", path, got, want)
			}
		}

		var schemas []struct {
			Subject string `json:"subject"`
			Version int    `json:"version"`
			Schema  string `json:"schema"`
		}
		s.ok("GET", "/schemas?subjectPrefix=s0&offset=500&limit=3", nil, &schemas)
		var s0 []string
		for _, n := range live {
			if strings.HasPrefix(n, "s0") {
				s0 = append(s0, n)
			}
		}
		if len(schemas) != 3 || schemas[0].Subject != s0[500] || schemas[2].Subject != s0[502] || !strings.Contains(schemas[1].Schema, s0[501]) {
			t.Errorf("GET /schemas page = %+v, want %v", schemas, s0[500:503])
		}
		s.ok("GET", "/schemas", nil, &schemas)
		if len(schemas) != len(live) {
			t.Errorf("GET /schemas: %d versions, want %d", len(schemas), len(live))
		}
		// GET /schemas?offset=&limit=, whose offset the database skips
		// (passing over whole contexts by their count), answers the very
		// bytes of the whole list's entries from offset on: offsets in
		// the first store page, at its end, in each context (the default
		// one holds 1,005 subjects, then .a-b and .b 50 each) and past the
		// end, with deleted versions or not, latest only, by prefix.
		for _, q := range []string{"", "deleted=true", "latestOnly=true", "subjectPrefix=:*:t0", "subjectPrefix=:.b:"} {
			var whole []json.RawMessage
			s.ok("GET", "/schemas?"+q, nil, &whole)
			for _, off := range []int{0, 7, 499, 500, 501, 994, 995, 1004, 1005, 1006, 1044, 1055, 1060, len(whole) - 1, len(whole), len(whole) + 5} {
				for _, limit := range []int{0, 3, 600} {
					u := fmt.Sprintf("/schemas?%s&offset=%d", q, off)
					end := len(whole)
					if limit > 0 {
						u += fmt.Sprintf("&limit=%d", limit)
						end = min(off+limit, end)
					}
					from := min(off, len(whole))
					var page []json.RawMessage
					s.ok("GET", u, nil, &page)
					if page == nil || !slices.EqualFunc(page, whole[from:max(end, from)], func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
						t.Errorf("GET %s: %d entries, want the %d of the whole list from %d", u, len(page), max(end, from)-from, from)
					}
				}
			}
		}
	})
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
