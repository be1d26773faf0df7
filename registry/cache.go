package registry

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/accord/accord/registry/bounded"
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
// written (versions, config, mode). Each value carries the change counter
// (Changes) read before the value was: a write may trust it only while
// the counter still reads the same (see fresh). A loader reads
// generation() before going to the store and passes it to put: if
// anything was invalidated meanwhile, the possibly stale value is not
// cached.
//
// generation() is a counter every invalidation moves; a put is refused
// only when its own key's stripe (one of genStripes, by hash) or the
// whole cache (a context-wide invalidation) was invalidated after the
// loader's generation: at a thousand writes a second, one counter for
// all keys refused most puts of subjects nobody had touched.
//
// The cache holds values of total weight at most max (weigh: a view
// weighs its versions, a config or mode 1); past it, put evicts entries
// at random, as package bounded does, so reads stay under a shared lock.
type viewCache[V any] struct {
	mu  sync.RWMutex
	gen uint64
	// stripes[i] is the generation of the last invalidation of a key of
	// stripe i, wide of the last context-wide one (see put).
	stripes [genStripes]uint64
	wide    uint64
	m       map[cacheKey]cached[V]
	weight  int64
	max     int64
	weigh   func(V) int64
	hitCounter
	evictions uint64 // under mu
}

type cached[V any] struct {
	v   V
	tag int64 // the change counter read before v
	w   int64
}

func newViewCache[V any](max int64, weigh func(V) int64) viewCache[V] {
	if weigh == nil {
		weigh = func(V) int64 { return 1 }
	}
	return viewCache[V]{max: max, weigh: weigh}
}

func (c *viewCache[V]) get(k cacheKey) (V, bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	c.count(ok)
	return e.v, ok
}

// fresh returns the value of k if it was read at change counter tag, so
// is what the store holds as long as the counter reads tag.
func (c *viewCache[V]) fresh(k cacheKey, tag int64) (V, bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || e.tag != tag {
		c.count(false)
		var zero V
		return zero, false
	}
	c.count(true)
	return e.v, true
}

// peek returns the value of k, fresh or not (not counted: a guess, not
// an answer).
func (c *viewCache[V]) peek(k cacheKey) (V, bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	return e.v, ok
}

// has reports whether k holds a value, fresh or not (not counted).
func (c *viewCache[V]) has(k cacheKey) bool {
	c.mu.RLock()
	_, ok := c.m[k]
	c.mu.RUnlock()
	return ok
}

func (c *viewCache[V]) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *viewCache[V]) put(k cacheKey, v V, tag int64, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wide > gen || c.stripes[stripeOf(k)] > gen {
		return // k may have been invalidated after the value was read
	}
	if c.m == nil {
		c.m = make(map[cacheKey]cached[V])
	}
	w := max(c.weigh(v), 1)
	if old, ok := c.m[k]; ok {
		delete(c.m, k)
		c.weight -= old.w
	}
	if w > c.max {
		return
	}
	for c.weight+w > c.max && len(c.m) > 0 {
		for key, e := range c.m { // a random entry
			delete(c.m, key)
			c.weight -= e.w
			c.evictions++
			break
		}
	}
	c.m[k] = cached[V]{v, tag, w}
	c.weight += w
}

func (c *viewCache[V]) stats() bounded.Stats {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return bounded.Stats{Entries: len(c.m), Weight: c.weight, Max: c.max, Evictions: c.evictions}
}

// invalidate drops k, or everything in the context when k.subject is ""
// (context-wide settings are inherited by every subject).
func (c *viewCache[V]) invalidate(k cacheKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.stripes[stripeOf(k)] = c.gen
	if k.subject == "" {
		c.wide = c.gen
		for key, e := range c.m {
			if key.ctx == k.ctx || k.ctx == DefaultContext || k.ctx == GlobalContext {
				delete(c.m, key)
				c.weight -= e.w
			}
		}
		return
	}
	if e, ok := c.m[k]; ok {
		delete(c.m, k)
		c.weight -= e.w
	}
}

// genStripes is how many stripes of keys viewCache tracks invalidations
// of.
const genStripes = 256

var stripeSeed = maphash.MakeSeed()

func stripeOf(k cacheKey) int {
	var h maphash.Hash
	h.SetSeed(stripeSeed)
	h.WriteString(k.ctx)
	h.WriteByte(0)
	h.WriteString(k.subject)
	return int(h.Sum64() % genStripes)
}

// levelsOf lists the levels whose settings apply to n, least specific
// first (scopeLevels: the default context's, .__GLOBAL's, n's context's,
// n's).
func levelsOf(n Name) []Name { return scopeLevels(n) }

// tagOf is the counter in ch that moves when level l's settings or
// versions change.
func tagOf(ch Changes, l Name) int64 {
	switch {
	case l.Subject != "":
		return ch.Subject
	case l.Context == DefaultContext, l.Context == GlobalContext:
		// A write of .__GLOBAL's settings moves the default context's
		// counter too (sqlstore's countChanges).
		return ch.Global
	default:
		return ch.Context
	}
}
