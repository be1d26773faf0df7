package sqlstore

import (
	"context"
	"sync"

	"github.com/accord/accord/registry"
)

// counters mirrors the change counters of a SQLite database in memory.
// This Store is the only writer of its database (one process per data
// folder), so after each commit it knows every counter's value without
// asking: the re-registration fast path then proves its caches current
// without a query. A counter is read from the database once, and only
// ever raised (a read racing a commit cannot lower it), so a value seen
// here is never older than what the database held when it was read.
type counters struct {
	mu sync.Mutex
	m  map[counterKey]int64
}

type counterKey struct{ ctx, subject string } // subject "" for the context's settings

func (c *counters) get(k counterKey) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

// raise records that counter k is at least v.
func (c *counters) raise(k counterKey, v int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[counterKey]int64)
	}
	if v > c.m[k] {
		c.m[k] = v
	}
	if _, ok := c.m[k]; !ok {
		c.m[k] = v
	}
}

// Changes reads the change counters of (regCtx, subject), its context and
// the default context: on PostgreSQL in one statement, on SQLite from
// memory once each has been read (see counters).
func (s *Store) Changes(ctx context.Context, regCtx, subject string) (registry.Changes, error) {
	if s.d.postgres() {
		return s.reader.Changes(ctx, regCtx, subject)
	}
	keys := [3]counterKey{{regCtx, subject}, {regCtx, ""}, {registry.DefaultContext, ""}}
	var vals [3]int64
	for i, k := range keys {
		v, ok := s.counters.get(k)
		if !ok {
			if k.subject == "" && i == 0 {
				continue // the context-wide level has no subject counter
			}
			// Read before any later commit raises it: raise keeps the larger.
			c, err := s.reader.Changes(ctx, regCtx, subject)
			if err != nil {
				return registry.Changes{}, err
			}
			s.counters.raise(keys[0], c.Subject)
			s.counters.raise(keys[1], c.Context)
			s.counters.raise(keys[2], c.Global)
			v, _ = s.counters.get(k)
		}
		vals[i] = v
	}
	if subject == "" {
		vals[0] = 0
	}
	return registry.Changes{Subject: vals[0], Context: vals[1], Global: vals[2]}, nil
}
