package api_test

// The health endpoints, and what a client reads when the store fails: a
// Confluent error document with a fixed message and the request id, never
// the store's own error text.

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
)

// call does one request and decodes nothing.
func call(t *testing.T, method, url, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", api.ContentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(out)
}

func TestHealthEndpoints(t *testing.T) {
	st := accordtest.New(t, filepath.Join(t.TempDir(), "data"), accordtest.Options{LogLevel: slog.LevelError})
	srv := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, Readiness: st.Store}))
	t.Cleanup(srv.Close)

	for _, path := range []string{"/", "/health", "/v1/health", "/health/live", "/health/ready", "/health/startup"} {
		resp, body := call(t, "GET", srv.URL+path, "", nil)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
		}
	}

	// The database goes away: readiness says so at once, liveness and
	// startup (already passed) do not.
	if err := st.Store.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond) // past the shared result's lifetime
	for path, want := range map[string]int{"/health/live": 200, "/health/startup": 200, "/health/ready": 503, "/v1/health": 503, "/health": 503} {
		start := time.Now()
		resp, body := call(t, "GET", srv.URL+path, "", nil)
		if resp.StatusCode != want || time.Since(start) > 2*time.Second {
			t.Errorf("GET %s with the store closed: %d in %v, want %d within 2s: %s", path, resp.StatusCode, time.Since(start), want, body)
		}
		if want == 503 && (!strings.Contains(body, `"status":"DOWN"`) || strings.Contains(body, "sql")) {
			t.Errorf("GET %s: body %s, want DOWN with a fixed reason", path, body)
		}
	}
}

// A store failure answers a Confluent error document whose message is
// fixed text and the request id: the store's error (here "sql: database is
// closed"; on PostgreSQL it named the user, database, host and port) goes
// only to the log. The same holds on the authentication path, which
// unauthenticated clients reach.
func TestStoreErrorsDoNotReachClients(t *testing.T) {
	for _, withAuth := range []bool{false, true} {
		name := "auth off"
		if withAuth {
			name = "auth on"
		}
		t.Run(name, func(t *testing.T) {
			opts := accordtest.Options{LogLevel: slog.LevelError}
			if withAuth {
				opts.Auth, opts.Admin, opts.AdminSecret = true, "root", "correct horse battery staple"
			}
			st := accordtest.New(t, filepath.Join(t.TempDir(), "data"), opts)
			srv := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, Auth: st.Auth, Contracts: st.Contracts, Readiness: st.Store}))
			t.Cleanup(srv.Close)
			if err := st.Store.Close(); err != nil {
				t.Fatal(err)
			}
			hdr := map[string]string{"X-Request-Id": "req-42"}
			if withAuth {
				hdr["Authorization"] = "Basic cm9vdDpub3BlCg==" // root:nope: the lookup fails in the store
			}
			for _, c := range []struct{ method, path, body string }{
				{"GET", "/subjects", ""},
				{"GET", "/schemas/ids/1", ""},
				{"GET", "/config", ""},
				{"POST", "/subjects/orders-value/versions", `{"schema":"\"string\""}`},
				{"PUT", "/config/orders-value", `{"compatibility":"FULL"}`},
			} {
				resp, body := call(t, c.method, srv.URL+c.path, c.body, hdr)
				var doc struct {
					Code    int    `json:"error_code"`
					Message string `json:"message"`
				}
				if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Code == 0 {
					t.Errorf("%s %s: %d %q is not a Confluent error document", c.method, c.path, resp.StatusCode, body)
					continue
				}
				if resp.StatusCode != 500 || doc.Code != 50001 || !strings.Contains(doc.Message, "(request id req-42)") {
					t.Errorf("%s %s: %d %+v, want 500/50001 naming request id req-42", c.method, c.path, resp.StatusCode, doc)
				}
				for _, secret := range []string{"sql", "closed", "database is", "sqlite"} {
					if strings.Contains(strings.ToLower(doc.Message), secret) {
						t.Errorf("%s %s: the message %q leaks the store's error (%q)", c.method, c.path, doc.Message, secret)
					}
				}
			}
		})
	}
}
