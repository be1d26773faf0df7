package main

import "testing"

// A cache budget below 1 is a usage error (exit 2) before anything is
// opened: a budget of 0 would cache nothing and make every read go to
// the store.
func TestCacheFlagsMustBePositive(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--schema-cache-mib", "0"},
		{"serve", "--parsed-cache-mib", "-1"},
		{"serve", "--subject-cache-versions", "0"},
	} {
		if code := run(args); code != 2 {
			t.Errorf("accord %v: exit %d, want 2", args, code)
		}
	}
}
