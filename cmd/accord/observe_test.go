package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeMetricsAddr: with --metrics-addr, /metrics is served there
// without credentials (auth is on) and not on the API listener; the
// access log names the route template.
func TestServeMetricsAddr(t *testing.T) {
	t.Setenv("ACCORD_BOOTSTRAP_ADMIN_PASSWORD", "root-password-123")
	p := startAccord(t, "--data-dir", t.TempDir(), "--metrics-addr", "127.0.0.1:0", "--auth", "on", "--bootstrap-admin", "root")
	var metricsAddr string
	re := regexp.MustCompile(`"metrics listening" addr=(\S+)`)
	for deadline := time.Now().Add(10 * time.Second); metricsAddr == ""; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(p.logs.String()); m != nil {
			metricsAddr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no metrics listener in the logs:\n%s", p.logs)
		}
	}
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("http://" + metricsAddr + "/metrics")
	if code != 200 || !strings.Contains(body, "accord_build_info{") || !strings.Contains(body, "kafka_schema_registry_registered_count") {
		t.Fatalf("GET /metrics on --metrics-addr: %d\n%.500s", code, body)
	}
	// Not on the API listener: there it is an unknown path behind
	// authentication.
	if code, _ := get("http://" + p.addr + "/metrics"); code != 401 {
		t.Errorf("GET /metrics on --addr: %d, want 401", code)
	}
	if code, _ := get("http://" + p.addr + "/subjects/x/versions"); code != 401 {
		t.Errorf("GET /subjects/x/versions without credentials: %d, want 401", code)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(p.logs.String(), "route=/subjects/{subject}/versions status=401"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no access log line for the refused request:\n%s", p.logs)
		}
	}
}

func TestObservabilityFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"serve", "--log-format", "xml"}, 2},
		{[]string{"proxy", "--log-format", "yaml", "--upstream", "k:1"}, 2},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--access-log", "sometimes"}, 1},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--metrics-token-file", "/nonexistent/token"}, 1},
		{[]string{"version"}, 0},
	} {
		if got := run(c.args); got != c.want {
			t.Errorf("accord %v: exit %d, want %d", c.args, got, c.want)
		}
	}
}
