package auth

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// TestThrottleMemoryBound: a flood of failures for distinct names from
// distinct addresses keeps at most ThrottleEntries records per table, so
// the throttle's memory stays under a ceiling whatever the flood.
func TestThrottleMemoryBound(t *testing.T) {
	const ceiling = 32 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	th := newThrottle()
	now := time.Unix(2_000_000_000, 0)
	for i := range 4 * ThrottleEntries {
		name, addr := fmt.Sprintf("ghost-%d-%s", i, "padding-to-a-realistic-name"), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		th.fail(name, addr, now)
		th.succeed(name+"x", addr, now)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("throttle state after %d distinct failures: %d users, %d addresses, %d trusted pairs, heap +%.1f MiB",
		4*ThrottleEntries, th.users.Len(), th.addrs.Len(), th.trusted.Len(), float64(grew)/(1<<20))
	if th.users.Len() > ThrottleEntries || th.addrs.Len() > ThrottleEntries || th.trusted.Len() > ThrottleEntries {
		t.Errorf("tables over %d entries", ThrottleEntries)
	}
	if grew > ceiling {
		t.Errorf("the throttle grew the heap by %d bytes, ceiling %d", grew, ceiling)
	}
	runtime.KeepAlive(th)
}

// TestClientKey: addresses are keyed by IP, IPv6 by its /64.
func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7:40000":          "203.0.113.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ff::1]:443":   "2001:db8:1:2::/64",
		"[::ffff:10.0.0.1]:80":       "10.0.0.1",
		"":                           "",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
