package main

import (
	"os"
	"regexp"
	"testing"
	"time"
)

// TestBenchCeilingHasServeTimeouts: bench/run.sh serves its baseline
// (bench/ceiling) with the http.Server timeouts accord serve sets at its
// defaults, so the comparison profile compares like with like; a change
// to serve's timeouts must be made there too.
func TestBenchCeilingHasServeTimeouts(t *testing.T) {
	script, err := os.ReadFile("../../bench/run.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^SERVE_TIMEOUTS=\((.*)\)$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("bench/run.sh has no SERVE_TIMEOUTS=(...) line")
	}
	passed := map[string]time.Duration{}
	for _, f := range regexp.MustCompile(`--([a-z-]+) (\S+)`).FindAllSubmatch(m[1], -1) {
		d, err := time.ParseDuration(string(f[2]))
		if err != nil {
			t.Fatalf("SERVE_TIMEOUTS --%s: %v", f[1], err)
		}
		passed[string(f[1])] = d
	}
	srv, _ := boundedServer(nil, nil, connLimits{})
	for flag, want := range map[string]time.Duration{
		"read-header-timeout": srv.ReadHeaderTimeout,
		"read-timeout":        srv.ReadTimeout,
		"write-timeout":       srv.WriteTimeout,
		"idle-timeout":        srv.IdleTimeout,
	} {
		if got, ok := passed[flag]; !ok || got != want {
			t.Errorf("bench/run.sh gives the ceiling --%s %v (given: %v), accord serve sets %v", flag, got, ok, want)
		}
	}
}
