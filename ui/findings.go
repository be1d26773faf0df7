package ui

// Governance findings (lineage.Service.Findings: private streams read
// outside their domain, unowned streams, producers that are not owners,
// ...) on the stream, lineage and proposal pages. Computing them walks the
// whole graph, so the UI keeps the last answer and serves it for
// findingsAge, refreshing in the background after that (as streamCache
// does): a page never waits for the walk except the very first one.

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/accord/accord/lineage"
)

const findingsAge = 2 * time.Second

// finding is what a page shows of a lineage.Finding.
type finding = lineage.Finding

type findingsCache struct {
	svc *lineage.Service
	log *slog.Logger

	mu         sync.Mutex
	list       []lineage.Finding
	readers    map[string][]lineage.Edge // consumes edges that name fields, by stream
	at         time.Time
	loaded     bool
	refreshing bool
}

func (c *findingsCache) get(ctx context.Context) ([]lineage.Finding, map[string][]lineage.Edge, error) {
	if c.svc == nil {
		return nil, nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded {
		if time.Since(c.at) >= findingsAge && !c.refreshing {
			c.refreshing = true
			go c.refresh()
		}
		return c.list, c.readers, nil
	}
	list, readers, err := c.load(ctx)
	if err != nil {
		return nil, nil, err
	}
	c.list, c.readers, c.at, c.loaded = list, readers, time.Now(), true
	return list, readers, nil
}

// load reads the findings and the consumes edges that declare fields (the
// stream page's stale-declaration check reads them from here, so a
// lineage reload after a write never holds up that page).
func (c *findingsCache) load(ctx context.Context) ([]lineage.Finding, map[string][]lineage.Edge, error) {
	list, err := c.svc.Findings(ctx)
	if err != nil {
		return nil, nil, err
	}
	edges, err := c.svc.Edges(ctx, lineage.EdgeFilter{Kind: lineage.Consumes})
	if err != nil {
		return nil, nil, err
	}
	readers := map[string][]lineage.Edge{}
	for _, e := range edges {
		if len(e.Fields) > 0 {
			readers[e.From] = append(readers[e.From], e)
		}
	}
	return list, readers, nil
}

func (c *findingsCache) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, readers, err := c.load(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshing = false
	if err != nil {
		c.log.Warn("ui: refreshing the governance findings", slog.Any("err", err))
		return
	}
	c.list, c.readers, c.at = list, readers, time.Now()
}

// findingsFor returns the findings about a stream ("" none).
func (h *handler) findingsFor(ctx context.Context, stream string) ([]finding, error) {
	if stream == "" {
		return nil, nil
	}
	return h.findingsWhere(ctx, func(f lineage.Finding) bool { return f.Stream == stream })
}

// findingsWhere returns the findings keep selects.
func (h *handler) findingsWhere(ctx context.Context, keep func(lineage.Finding) bool) ([]finding, error) {
	all, _, err := h.findings.get(ctx)
	if err != nil {
		return nil, err
	}
	var out []finding
	for _, f := range all {
		if keep(f) {
			out = append(out, f)
		}
	}
	return out, nil
}
