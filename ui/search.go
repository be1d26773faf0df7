package ui

// Search across the catalogue (/ui/search): stream names and
// descriptions, owners, consumers, tags and domains, schema formats and
// the field names of each stream's latest schemas (every format, through
// the format-neutral field view). Field names need every latest schema
// parsed, so they live in an index built in the background: it is rebuilt
// when the contracts change and at most searchIndexAge after a schema
// change elsewhere, and a search never waits for it longer than
// searchWait (it then matches everything but field names, and says so).

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry"
)

const (
	searchIndexAge = 10 * time.Second
	searchWait     = 50 * time.Millisecond
	// searchMax bounds the hits a search lists; searchQueryMax the query.
	searchMax      = 100
	searchQueryMax = 200
)

// streamFields is what the index knows of one stream's schemas.
type streamFields struct {
	Formats []string // AVRO, PROTOBUF, JSON
	Fields  []string // field paths, lower-cased for matching
	Paths   []string // as written
}

type searchIndex struct {
	gen    uint64
	at     time.Time
	fields map[string]streamFields
}

type searchCache struct {
	h   *handler
	log *slog.Logger

	mu       sync.Mutex
	idx      *searchIndex
	building chan struct{} // closed when the build in progress ends
}

// get returns the index, starting a build when there is none or it is
// stale, and waiting for a build at most searchWait (nil: not ready).
func (c *searchCache) get(ctx context.Context, snap *streamSnap) *searchIndex {
	c.mu.Lock()
	idx := c.idx
	stale := idx == nil || idx.gen != snap.gen || time.Since(idx.at) > searchIndexAge
	if stale && c.building == nil {
		done := make(chan struct{})
		c.building = done
		go c.build(snap, done)
	}
	wait := c.building
	c.mu.Unlock()
	if idx != nil && idx.gen == snap.gen {
		return idx // fresh enough (or being refreshed): serve it
	}
	select {
	case <-wait:
	case <-time.After(searchWait):
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idx
}

func (c *searchCache) build(snap *streamSnap, done chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	idx := &searchIndex{gen: snap.gen, at: time.Now(), fields: make(map[string]streamFields, len(snap.list))}
	var err error
	for i := range snap.list {
		st := &snap.list[i]
		var sf streamFields
		for _, subj := range st.Subjects() {
			schema, sv, e := c.h.opts.Registry.LatestSchema(ctx, subj)
			if errors.Is(e, registry.ErrSubjectNotFound) || errors.Is(e, registry.ErrVersionNotFound) {
				continue
			}
			if e != nil {
				if storeFailure(e) {
					err = e
					break
				}
				continue // a schema that no longer parses: skip its fields
			}
			if f := schemaType(sv.Schema.Type); !contains(sf.Formats, f) {
				sf.Formats = append(sf.Formats, f)
			}
			if s, ok := schema.(compat.Structured); ok {
				for _, f := range s.Fields() {
					sf.Paths = append(sf.Paths, f.Path)
					sf.Fields = append(sf.Fields, strings.ToLower(f.Path))
				}
			}
		}
		if err != nil {
			break
		}
		idx.fields[st.Name] = sf
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.building = nil
	if err != nil {
		c.log.Warn("ui: building the search index", slog.Any("err", err))
		return
	}
	c.idx = idx
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// searchHit is a stream and why it matched.
type searchHit struct {
	Stream contracts.Stream
	Why    []string // "field customer.email", "owner orders-svc", …
}

type searchData struct {
	Q          string
	Hits       []searchHit
	More       bool // more than searchMax matched
	NoFields   bool // the field index was not ready
	Total      int
	StreamsOff bool
}

func (h *handler) searchPage(w http.ResponseWriter, r *http.Request) error {
	d := searchData{Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	if len(d.Q) > searchQueryMax {
		return badRequest("The search is %d characters long; at most %d are searched.", len(d.Q), searchQueryMax)
	}
	if h.opts.Contracts == nil || h.opts.Registry == nil {
		d.StreamsOff = true
		h.render(w, r, 200, "search", "Search", "Streams", d)
		return nil
	}
	if d.Q != "" {
		snap, err := h.streams.get(r.Context())
		if err != nil {
			return err
		}
		idx := h.search.get(r.Context(), snap)
		d.NoFields = idx == nil
		q := strings.ToLower(d.Q)
		has := func(s string) bool { return strings.Contains(strings.ToLower(s), q) }
		for i := range snap.list {
			st := &snap.list[i]
			var why []string
			add := func(what, v string) {
				if has(v) && len(why) < 6 {
					why = append(why, what+" "+v)
				}
			}
			add("name", st.Name)
			add("description", st.Description)
			add("owner", st.Owner)
			add("event type", string(st.EventType))
			for _, c := range st.Consumers {
				add("consumer", c.Principal)
			}
			add("domain", st.Tags.Domain)
			add("entity", st.Tags.Entity)
			for _, l := range st.Tags.Labels {
				add("tag", l)
			}
			for _, p := range st.Tags.PII {
				add("PII", p)
			}
			if idx != nil {
				sf := idx.fields[st.Name]
				for _, f := range sf.Formats {
					add("format", f)
				}
				for j, f := range sf.Fields {
					if strings.Contains(f, q) && len(why) < 6 {
						why = append(why, "field "+sf.Paths[j])
					}
				}
			}
			if len(why) == 0 {
				continue
			}
			d.Total++
			if len(d.Hits) < searchMax {
				d.Hits = append(d.Hits, searchHit{Stream: *st, Why: why})
			}
		}
		d.More = d.Total > len(d.Hits)
		// Names first, then the rest by name.
		sort.SliceStable(d.Hits, func(i, j int) bool {
			ni, nj := has(d.Hits[i].Stream.Name), has(d.Hits[j].Stream.Name)
			if ni != nj {
				return ni
			}
			return d.Hits[i].Stream.Name < d.Hits[j].Stream.Name
		})
	}
	title := "Search"
	if d.Q != "" {
		title = "Search: " + d.Q
	}
	h.render(w, r, 200, "search", title, "Streams", d)
	return nil
}
