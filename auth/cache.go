package auth

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// The verification cache keeps hashing and the database off the hot path:
// a credential seen recently (the whole Authorization header value) maps
// to the principal it proved, for at most ttl, so a token revoked or a
// principal disabled on another replica stops working within ttl. Changes
// made through this process purge the cache at once.
//
// Valid credentials live in a direct-mapped table indexed by a seeded
// 64-bit hash of the header: a hit is one atomic load and a string
// comparison, with no lock, because it is paid on every request (an LRU's
// mutex was 15% of a cached GET /schemas/ids/{id}). Two credentials that
// share a slot evict each other, which costs a store lookup, never a wrong
// answer: a hit is confirmed by comparing the full header. Only valid
// credentials are stored whole, so the table holds at most tableSlots
// entries of bounded size.
//
// Failures are remembered briefly, by hash alone, in a small LRU: a flood
// of bad credentials costs a fixed amount of memory, and a client retrying
// the same bad credential reaches argon2id or the database once per
// failTTL.
const (
	tableSlots  = 1 << 14
	failEntries = 4096
	failTTL     = 5 * time.Second
)

type cacheEntry struct {
	cred    string // the Authorization header value that proved p
	p       *Principal
	expires int64 // in the Authenticator's ticks
}

type table [tableSlots]atomic.Pointer[cacheEntry]

type verifyCache struct {
	seed  maphash.Seed
	ttl   time.Duration
	table atomic.Pointer[table]
	fails *lru.Cache[uint64, int64] // hash → expiry (ticks)
	// gen moves on every purge; a verification that started before a purge
	// does not store its (possibly stale) result. mu makes "check gen, then
	// store" atomic with respect to purge; readers never take it.
	gen atomic.Uint64
	mu  sync.RWMutex
	// hits and misses count lookups, for the metrics (CacheStats).
	hits, misses atomic.Uint64
}

func newVerifyCache(ttl time.Duration) *verifyCache {
	c := &verifyCache{seed: maphash.MakeSeed(), ttl: ttl}
	c.table.Store(new(table))
	c.fails, _ = lru.New[uint64, int64](failEntries)
	return c
}

func (c *verifyCache) key(cred string) uint64 { return maphash.String(c.seed, cred) }

// get returns the principal cred proved within the TTL, or whether cred
// failed recently. now, and every time the cache keeps, is in the
// Authenticator's ticks (nanoseconds of its monotonic clock).
func (c *verifyCache) get(cred string, h uint64, now int64) (p *Principal, failed bool) {
	if e := c.table.Load()[h%tableSlots].Load(); e != nil && now < e.expires && e.cred == cred {
		c.hits.Add(1)
		return e.p, false
	}
	if exp, ok := c.fails.Peek(h); ok && now < exp {
		c.hits.Add(1)
		return nil, true
	}
	c.misses.Add(1)
	return nil, false
}

// put remembers that cred proved p at tick now (wall clock: wall), until
// min(now+ttl, until) when until is not zero (a token's expiry).
func (c *verifyCache) put(gen uint64, cred string, h uint64, p *Principal, now int64, wall, until time.Time) {
	exp := now + int64(c.ttl)
	if !until.IsZero() {
		exp = min(exp, now+int64(until.Sub(wall)))
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.gen.Load() != gen {
		return
	}
	c.table.Load()[h%tableSlots].Store(&cacheEntry{cred: cred, p: p, expires: exp})
	c.fails.Remove(h)
}

// fail remembers, by hash only, that a credential failed.
func (c *verifyCache) fail(gen uint64, h uint64, now int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.gen.Load() != gen {
		return
	}
	c.fails.Add(h, now+int64(failTTL))
}

// purge forgets everything: called after any change to principals or
// tokens made through this process.
func (c *verifyCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	c.table.Store(new(table))
	c.fails.Purge()
}

// CacheStats reports the verification cache's hits (a credential proved
// or refused recently) and misses (verified against the store), since the
// process started.
func (a *Authenticator) CacheStats() (hits, misses uint64) {
	return a.cache.hits.Load(), a.cache.misses.Load()
}
