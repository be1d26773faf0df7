package bench

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/metrics"
)

var ceilingBody = func() []byte {
	prefix, suffix := `{"schema":"`, `"}`
	return []byte(prefix + strings.Repeat("x", 200-len(prefix)-len(suffix)) + suffix)
}()

func ceiling() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", api.ContentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(ceilingBody)))
		w.Write(ceilingBody)
	})
}

const orderSchema = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"},{"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR","USD","GBP"]}},{"name":"note","type":["null","string"],"default":null}]}`

// Credentials of the admin the benchmark server is bootstrapped with;
// every request carries them (HTTP Basic, as serializers send theirs).
const benchAdmin, benchPassword = "bench-admin", "bench-admin-password-1"

var benchAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(benchAdmin+":"+benchPassword))

// accordServer starts the stack over the store at target (a folder for
// SQLite or a PostgreSQL URL) wired as accord serve wires it:
// authentication on, contracts as the registry's policy and the stream
// mirror, audit, lineage, proposals, and metrics observing the store, the
// registry and every request (the access log off).
func accordServer(b *testing.B, target string) *httptest.Server {
	h, _ := accordHandler(b, target)
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv
}

// accordHandler is accordServer's handler, for in-process benchmarks.
func accordHandler(b *testing.B, target string) (*api.Server, *metrics.Server) {
	m := metrics.NewServer(metrics.ReadBuild("bench", ""))
	st := accordtest.New(b, target, accordtest.Options{Auth: true, Admin: benchAdmin, AdminSecret: benchPassword, Watch: true, Observer: m,
		LogWriter: io.Discard})
	h := api.New(st.Registry, api.Options{Logger: st.Log, Auth: st.Auth, Contracts: st.Contracts, Audit: st.Audit, Lineage: st.Lineage,
		Proposals: st.Proposals, DEK: st.DEK, Observer: m, Metrics: m.Handler()})
	return h, m
}

// seq numbers requests across every run, so generated subjects and schemas
// are new in each of the benchmark's ramp-up runs.
var seq atomic.Uint64

type request struct {
	method, path string
	// body, when set, makes the i-th request's body; newPath its path.
	body    func(i uint64) []byte
	newPath func(i uint64) string
}

// load runs requests from parallel keep-alive clients for b.N iterations.
func load(b *testing.B, base string, req request) {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var failed atomic.Value
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			var body io.Reader
			if req.body != nil {
				body = bytes.NewReader(req.body(i))
			}
			path := req.path
			if req.newPath != nil {
				path = req.newPath(i)
			}
			r, _ := http.NewRequest(req.method, base+path, body)
			r.Header.Set("Content-Type", api.ContentType)
			r.Header.Set("Authorization", benchAuth)
			resp, err := client.Do(r)
			if err != nil {
				failed.Store(err.Error())
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				failed.Store(fmt.Sprintf("%s %s: status %d", req.method, req.path, resp.StatusCode))
			}
		}
	})
	b.StopTimer()
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
}

// timedLoad runs GET url from 16 keep-alive clients for d and returns the
// wall time per request. (testing.Benchmark cannot run inside a benchmark.)
func timedLoad(url string, d time.Duration) float64 {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := client.Get(url)
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / float64(n.Load())
}

func BenchmarkHTTP(b *testing.B) {
	targets := map[string]string{"sqlite": b.TempDir()}
	if url := os.Getenv("ACCORD_TEST_DATABASE_URL"); url != "" {
		targets["postgres"] = url
	}
	ceil := httptest.NewServer(ceiling())
	defer ceil.Close()
	// The ceiling is measured once, lazily, in this process: each
	// endpoint reports its throughput as a fraction of it (x-ceiling).
	var ceilNs float64
	ceilingNs := func() float64 {
		if ceilNs == 0 {
			ceilNs = timedLoad(ceil.URL+"/", time.Second)
		}
		return ceilNs
	}
	for name, target := range targets {
		srv := accordServer(b, target)
		subject := fmt.Sprintf("bench-%s-%d", name, os.Getpid())
		body, _ := json.Marshal(map[string]string{"schema": orderSchema})
		post, _ := http.NewRequest("POST", srv.URL+"/subjects/"+subject+"/versions", bytes.NewReader(body))
		post.Header.Set("Content-Type", api.ContentType)
		post.Header.Set("Authorization", benchAuth)
		resp, err := http.DefaultClient.Do(post)
		if err != nil {
			b.Fatal(err)
		}
		var reg struct{ ID int64 }
		json.NewDecoder(resp.Body).Decode(&reg)
		resp.Body.Close()
		if reg.ID == 0 {
			b.Fatalf("registration failed: %d", resp.StatusCode)
		}
		fixed := func(uint64) []byte { return body }
		cases := []struct {
			name string
			req  request
		}{
			{"ceiling", request{method: "GET", path: "/"}},
			{"fetch-by-id", request{method: "GET", path: fmt.Sprintf("/schemas/ids/%d", reg.ID)}},
			{"lookup", request{method: "POST", path: "/subjects/" + subject, body: fixed}},
			{"register-existing", request{method: "POST", path: "/subjects/" + subject + "/versions", body: fixed}},
		}
		for _, c := range cases {
			b.Run(name+"/"+c.name, func(b *testing.B) {
				if c.name == "ceiling" {
					load(b, ceil.URL, c.req)
					return
				}
				load(b, srv.URL, c.req)
				b.ReportMetric(ceilingNs()/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "x-ceiling")
			})
		}
		b.Run(name+"/register-new", func(b *testing.B) {
			load(b, srv.URL, request{method: "POST", newPath: func(i uint64) string {
				return fmt.Sprintf("/subjects/%s-new-%d/versions", subject, i)
			}, body: func(i uint64) []byte {
				s := fmt.Sprintf(`{"type":"record","name":"R%d_%d","fields":[{"name":"f","type":"string"}]}`, os.Getpid(), i)
				out, _ := json.Marshal(map[string]string{"schema": s})
				return out
			}})
		})
	}
}
