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
	at         time.Time
	loaded     bool
	refreshing bool
}

func (c *findingsCache) get(ctx context.Context) ([]lineage.Finding, error) {
	if c.svc == nil {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded {
		if time.Since(c.at) >= findingsAge && !c.refreshing {
			c.refreshing = true
			go c.refresh()
		}
		return c.list, nil
	}
	list, err := c.svc.Findings(ctx)
	if err != nil {
		return nil, err
	}
	c.list, c.at, c.loaded = list, time.Now(), true
	return list, nil
}

func (c *findingsCache) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := c.svc.Findings(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshing = false
	if err != nil {
		c.log.Warn("ui: refreshing the governance findings", slog.Any("err", err))
		return
	}
	c.list, c.at = list, time.Now()
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
	all, err := h.findings.get(ctx)
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
