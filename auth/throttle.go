package auth

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Password throttling. Passwords are the one credential a caller can
// guess: API tokens carry 256 random bits and are not throttled. Failed
// password attempts are counted per principal name and per client address
// (an IPv6 address by its /64, which one host usually holds whole); past
// FreeAttempts failures a key is locked for a delay that doubles with each
// further failure, up to MaxLockout. A locked key is refused at once with
// ErrThrottled (429 and Retry-After) before any hashing, so a flood costs
// no argon2id time and real sign-ins are not queued behind it.
//
// A flood against one principal from other addresses must not lock its
// owner out: an address from which the principal signed in successfully in
// the last TrustFor is not held by the principal's lock (only by its own
// address's). docs/limits.md states the bounds.
const (
	// FreeAttempts is how many failures a key may have: the last of them
	// locks it.
	FreeAttempts = 10
	// FirstLockout is the lock after the FreeAttempts-th failure; each
	// further failure (once the lock ended) doubles it.
	FirstLockout = time.Second
	// MaxLockout bounds one lock.
	MaxLockout = 15 * time.Minute
	// ForgetAfter: a key with no failure for this long starts afresh.
	ForgetAfter = time.Hour
	// TrustFor is how long a successful sign-in from an address exempts
	// that address from its principal's lock.
	TrustFor = 30 * 24 * time.Hour
	// ThrottleEntries bounds each table (principals, addresses, trusted
	// pairs): memory stays under about 21 MiB whatever the flood
	// (TestThrottleMemoryBound); the least recently failed keys are
	// forgotten first.
	ThrottleEntries = 32 << 10
)

// ErrThrottled: too many failed password attempts; retry later.
var ErrThrottled = errors.New("too many failed attempts")

// ThrottledError is an ErrThrottled error saying when to retry.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed sign-in attempts for this principal or from this address: retry in %d s", e.Seconds())
}

// Unwrap makes the error match ErrThrottled.
func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// Seconds is RetryAfter rounded up to whole seconds (at least 1), as the
// Retry-After header carries it.
func (e *ThrottledError) Seconds() int {
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// failures is one key's record.
type failures struct {
	n           int
	last, until time.Time
}

// throttle holds the failure records. Its tables are LRU caches, so their
// memory is bounded; lru.Cache locks itself, and mu makes each
// read-modify-write of a record atomic.
type throttle struct {
	mu      sync.Mutex
	users   *lru.Cache[string, *failures]
	addrs   *lru.Cache[string, *failures]
	trusted *lru.Cache[string, time.Time] // principal "\x00" address → last success
}

func newThrottle() *throttle {
	t := &throttle{}
	t.users, _ = lru.New[string, *failures](ThrottleEntries)
	t.addrs, _ = lru.New[string, *failures](ThrottleEntries)
	t.trusted, _ = lru.New[string, time.Time](ThrottleEntries)
	return t
}

// clientKey is the throttling key of a request's remote address ("" when
// unknown): the IP, or for IPv6 its /64.
func clientKey(remoteAddr string) string {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// check refuses an attempt for user from addr while a lock holds it.
func (t *throttle) check(user, addr string, now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	wait := time.Duration(0)
	if addr != "" {
		if f, ok := t.addrs.Peek(addr); ok && now.Before(f.until) {
			wait = f.until.Sub(now)
		}
	}
	if f, ok := t.users.Peek(user); ok && now.Before(f.until) && !t.isTrusted(user, addr, now) {
		wait = max(wait, f.until.Sub(now))
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

func (t *throttle) isTrusted(user, addr string, now time.Time) bool {
	if addr == "" {
		return false
	}
	at, ok := t.trusted.Peek(user + "\x00" + addr)
	return ok && now.Sub(at) < TrustFor
}

// fail records a wrong password for user from addr.
func (t *throttle) fail(user, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	record(t.users, user, now)
	if addr != "" {
		record(t.addrs, addr, now)
	}
}

func record(c *lru.Cache[string, *failures], key string, now time.Time) {
	f, ok := c.Get(key)
	if !ok || now.Sub(f.last) >= ForgetAfter {
		f = &failures{}
		c.Add(key, f)
	}
	f.n++
	f.last = now
	if over := f.n - FreeAttempts; over >= 0 {
		lock := MaxLockout
		if over < 20 { // 2^20 s is far past MaxLockout
			lock = min(MaxLockout, FirstLockout<<over)
		}
		f.until = now.Add(lock)
	}
}

// succeed records a right password: the principal's failures are
// forgotten and the address is trusted for it. The address's own failures
// stay: one known password must not buy guesses at others.
func (t *throttle) succeed(user, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.users.Remove(user)
	if addr != "" {
		t.trusted.Add(user+"\x00"+addr, now)
	}
}
