// Package bounded is a concurrent map whose values' total weight (their
// size in bytes, or one per entry) never exceeds a budget: the caches of
// the registry and its HTTP front, whose keys come from clients and whose
// values may be up to a schema's size limit, so that memory follows the
// budget and not the number of schemas stored.
//
// Reads take a shared lock and change nothing, so concurrent readers of
// the hot paths (a schema by id) do not contend. When an insertion would
// pass the budget, entries are evicted at random (the first ones Go's
// randomised map iteration yields) until it fits: random replacement
// needs no bookkeeping on reads, and for the access patterns of a
// registry (a working set of schemas that serializers ask for again and
// again, or uniform scans) its hit ratio is close to LRU's.
package bounded

import (
	"sync"
	"sync/atomic"
)

// Cache maps K to V within a budget of total weight. The zero value is
// not usable; use New. A Cache is safe for concurrent use.
type Cache[K comparable, V any] struct {
	weigh func(V) int64
	max   int64

	mu     sync.RWMutex
	m      map[K]entry[V]
	weight int64

	evictions atomic.Uint64
}

type entry[V any] struct {
	v V
	w int64
}

// New returns a cache holding values of total weight at most max, each
// weighed by weigh (nil: every value weighs 1, so max counts entries). A
// max of 0 or less caches nothing.
func New[K comparable, V any](max int64, weigh func(V) int64) *Cache[K, V] {
	if weigh == nil {
		weigh = func(V) int64 { return 1 }
	}
	return &Cache[K, V]{weigh: weigh, max: max, m: make(map[K]entry[V])}
}

// Get returns the value of k.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	return e.v, ok
}

// LoadOrStore stores v under k unless k is present, and returns the value
// now cached under k (v, or the one already there, then loaded is true),
// as sync.Map's, so racing loaders of one immutable value share one copy.
// A value heavier than the whole budget is returned but not stored.
func (c *Cache[K, V]) LoadOrStore(k K, v V) (actual V, loaded bool) {
	w := c.weigh(v)
	if w < 1 {
		w = 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		return e.v, true
	}
	if w > c.max {
		return v, false
	}
	c.evictFor(w)
	c.m[k] = entry[V]{v, w}
	c.weight += w
	return v, false
}

// Put stores v under k, replacing what was there.
func (c *Cache[K, V]) Put(k K, v V) {
	w := c.weigh(v)
	if w < 1 {
		w = 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		delete(c.m, k)
		c.weight -= e.w
	}
	if w > c.max {
		return
	}
	c.evictFor(w)
	c.m[k] = entry[V]{v, w}
	c.weight += w
}

// evictFor removes random entries until w more fits. c.mu is held.
func (c *Cache[K, V]) evictFor(w int64) {
	for c.weight+w > c.max && len(c.m) > 0 {
		for k, e := range c.m {
			delete(c.m, k)
			c.weight -= e.w
			c.evictions.Add(1)
			break
		}
	}
}

// Delete removes k.
func (c *Cache[K, V]) Delete(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		delete(c.m, k)
		c.weight -= e.w
	}
}

// DeleteFunc removes every entry whose key del reports.
func (c *Cache[K, V]) DeleteFunc(del func(K) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if del(k) {
			delete(c.m, k)
			c.weight -= e.w
		}
	}
}

// Stats are a cache's size and budget.
type Stats struct {
	Entries   int
	Weight    int64 // the values' total weight
	Max       int64 // the budget
	Evictions uint64
}

// Stats reports the cache's size now.
func (c *Cache[K, V]) Stats() Stats {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return Stats{Entries: len(c.m), Weight: c.weight, Max: c.max, Evictions: c.evictions.Load()}
}
