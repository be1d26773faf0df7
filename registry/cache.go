package registry

import (
	"sync"
	"sync/atomic"
)

// hitCounter counts a cache's hits and misses for CacheStats.
type hitCounter struct{ hits, misses atomic.Uint64 }

func (c *hitCounter) count(hit bool) {
	if hit {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
}

type cacheKey struct{ ctx, subject string }

// viewCache holds per-subject values that change when the subject is
// written (versions, config, mode). A loader reads generation() before going
// to the store and passes it to put: if anything was invalidated meanwhile,
// the possibly stale value is not cached.
type viewCache[V any] struct {
	mu  sync.RWMutex
	gen uint64
	m   map[cacheKey]V
	hitCounter
}

func (c *viewCache[V]) get(k cacheKey) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	c.count(ok)
	return v, ok
}

func (c *viewCache[V]) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *viewCache[V]) put(k cacheKey, v V, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil {
		c.m = make(map[cacheKey]V)
	}
	c.m[k] = v
}

// invalidate drops k, or everything in the context when k.subject is ""
// (context-wide settings are inherited by every subject).
func (c *viewCache[V]) invalidate(k cacheKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if k.subject == "" {
		for key := range c.m {
			if key.ctx == k.ctx || k.ctx == DefaultContext {
				delete(c.m, key)
			}
		}
		return
	}
	delete(c.m, k)
}
