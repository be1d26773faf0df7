package auth_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/accord/accord/auth"
)

// TestPasswordThrottle: the attack review's 150 wrong passwords followed
// by the right one, from one address. Past FreeAttempts failures the
// principal and the address are locked: attempts are refused at once
// (429, Retry-After) without hashing, the right password too, while
// tokens still work and the owner signs in from an address it used before.
func TestPasswordThrottle(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		const attacker, home, fresh = "203.0.113.7:40000", "198.51.100.2:50000", "192.0.2.9:1234"
		// The owner signed in from home before the flood.
		if _, err := f.a.AuthenticateHeaderFrom(ctx, basic("root", adminPassword), home); err != nil {
			t.Fatal(err)
		}
		f.clk.Add(auth.DefaultCacheTTL + time.Second) // no cached verdicts from here on
		start := time.Now()
		throttled := 0
		for i := range 150 {
			_, err := f.a.AuthenticateHeaderFrom(ctx, basic("root", fmt.Sprintf("guess number %d", i)), attacker)
			var te *auth.ThrottledError
			switch {
			case errors.As(err, &te):
				throttled++
				if !errors.Is(err, auth.ErrThrottled) || te.Seconds() < 1 {
					t.Fatalf("attempt %d: %v (retry after %v)", i, err, te.RetryAfter)
				}
			case errors.Is(err, auth.ErrUnauthenticated):
				if i >= auth.FreeAttempts {
					t.Fatalf("attempt %d was checked: want it throttled after %d failures", i, auth.FreeAttempts)
				}
			default:
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		took := time.Since(start)
		t.Logf("150 wrong passwords: %d throttled, %v", throttled, took)
		if throttled != 150-auth.FreeAttempts {
			t.Errorf("%d attempts throttled, want %d", throttled, 150-auth.FreeAttempts)
		}
		// The right password from the flooding address is refused too.
		if _, err := f.a.AuthenticateHeaderFrom(ctx, basic("root", adminPassword), attacker); !errors.Is(err, auth.ErrThrottled) {
			t.Errorf("the right password after the flood: %v, want it throttled", err)
		}
		// From a fresh address the principal is locked as well...
		if _, err := f.a.AuthenticateHeaderFrom(ctx, basic("root", adminPassword), fresh); !errors.Is(err, auth.ErrThrottled) {
			t.Errorf("the right password from a fresh address: %v, want it throttled", err)
		}
		// ...but not from the owner's usual address.
		if p, err := f.a.AuthenticateHeaderFrom(ctx, basic("root", adminPassword), home); err != nil || p.Name != "root" {
			t.Errorf("the owner from its usual address during the flood: %v", err)
		}
		// Tokens are never throttled, whatever the address.
		if p, err := f.a.AuthenticateHeaderFrom(ctx, "Bearer "+f.adminTok, attacker); err != nil || p.Name != "root" {
			t.Errorf("a token from the flooding address: %v", err)
		}
		if p, err := f.a.AuthenticateHeaderFrom(ctx, basic("root", f.adminTok), attacker); err != nil || p.Name != "root" {
			t.Errorf("Basic name:token from the flooding address: %v", err)
		}
		// Locks end: after MaxLockout the right password works again.
		f.clk.Add(auth.MaxLockout + time.Second)
		if _, err := f.a.AuthenticateHeaderFrom(ctx, basic("root", adminPassword), attacker); err != nil {
			t.Errorf("the right password once the lock ended: %v", err)
		}
	})
}
