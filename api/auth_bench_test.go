package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accord/accord/api"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/auth/sqlauth"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

// BenchmarkSchemaByIDAuth measures GET /schemas/ids/{id}, what every
// deserializer calls, with authentication off and on (Basic name:token, as
// Confluent clients send it) in the same run, on one registry: over
// loopback HTTP with parallel keep-alive clients (what a client sees) and
// in process through ServeHTTP (the server's own cost). Compare the off
// and on lines of each pair.
func BenchmarkSchemaByIDAuth(b *testing.B) {
	f := newAuthBench(b)
	servers, path, cred := f.servers, f.path, f.cred
	for _, mode := range []string{"off", "on"} {

		h := servers[mode]
		header := ""
		if mode == "on" {
			header = cred
		}
		b.Run("http/auth-"+mode, func(b *testing.B) {
			hs := httptest.NewServer(h)
			defer hs.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r, _ := http.NewRequest("GET", hs.URL+path, nil)
				if header != "" {
					r.Header.Set("Authorization", header)
				}
				for pb.Next() {
					resp, err := client.Do(r)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
		b.Run("inproc/auth-"+mode, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest("GET", path, nil)
				if header != "" {
					r.Header.Set("Authorization", header)
				}
				w := &discardWriter{h: http.Header{}}
				for pb.Next() {
					w.status = 0
					h.ServeHTTP(w, r)
					if w.status != 200 {
						b.Errorf("status %d", w.status)
						return
					}
				}
			})
		})
	}
}

// BenchmarkSchemaByIDAuthOverhead answers the question directly: it
// alternates rounds of GET /schemas/ids/{id} over loopback HTTP against the
// open and the authenticated server (16 keep-alive clients each, Basic
// name:token on the latter) and reports both latencies per request and the
// overhead in percent. Alternating keeps machine noise out of the ratio.
func BenchmarkSchemaByIDAuthOverhead(b *testing.B) {
	f := newAuthBench(b)
	off, on := httptest.NewServer(f.servers["off"]), httptest.NewServer(f.servers["on"])
	defer off.Close()
	defer on.Close()
	var offNs, onNs float64
	const rounds = 6
	for b.Loop() {
		offNs, onNs = 0, 0
		for range rounds {
			offNs += timedGets(b, off.URL+f.path, "", 250*time.Millisecond)
			onNs += timedGets(b, on.URL+f.path, f.cred, 250*time.Millisecond)
		}
	}
	b.ReportMetric(offNs/rounds, "ns/req-auth-off")
	b.ReportMetric(onNs/rounds, "ns/req-auth-on")
	b.ReportMetric(100*(onNs-offNs)/offNs, "%overhead")
}

// timedGets runs GET url from 16 keep-alive clients for d and returns the
// wall time per request.
func timedGets(b *testing.B, url, cred string, d time.Duration) float64 {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range 16 {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", url, nil)
			if cred != "" {
				req.Header.Set("Authorization", cred)
			}
			for time.Now().Before(deadline) {
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / float64(n.Load())
}

// authBench is one registry with one schema behind an open and an
// authenticated server.
type authBench struct {
	servers    map[string]http.Handler
	path, cred string
}

func newAuthBench(b *testing.B) authBench {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	store, err := sqlstore.Open(ctx, b.TempDir(), sqlstore.WithLogger(log))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	reg := registry.New(store, log, avro.Format{}, protobuf.Format{}, jsonschema.Format{})
	authn := auth.New(sqlauth.New(store.DB()), auth.Options{Logger: log})
	if _, err := authn.CreatePrincipal(ctx, auth.NewPrincipal{Name: "orders-svc", Roles: []auth.Role{auth.RoleService}}); err != nil {
		b.Fatal(err)
	}
	tok, err := authn.IssueToken(ctx, "orders-svc", "bench", time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	cred := basicHeader("orders-svc", tok.Text)
	servers := map[string]http.Handler{
		"off": api.New(reg, api.Options{Logger: log}),
		"on":  api.New(reg, api.Options{Logger: log, Auth: authn}),
	}

	body, _ := json.Marshal(map[string]string{"schema": userV1})
	req := httptest.NewRequest("POST", "/subjects/orders-value/versions", bytes.NewReader(body))
	req.Header.Set("Content-Type", api.ContentType)
	req.Header.Set("Authorization", cred)
	rec := httptest.NewRecorder()
	servers["on"].ServeHTTP(rec, req)
	var out struct{ ID int }
	if json.Unmarshal(rec.Body.Bytes(), &out); out.ID == 0 {
		b.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	path := fmt.Sprintf("/schemas/ids/%d", out.ID)

	return authBench{servers: servers, path: path, cred: cred}
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
