package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHandler measures the server's own work per request for the two
// reads of the comparison profile, GET /schemas/ids/{id} and GET
// /subjects/{s}/versions/1, in process through ServeHTTP (no sockets, no
// net/http), on the stack wired as accord serve wires it (accordHandler:
// authentication on with HTTP Basic credentials, contracts and the stream
// mirror, metrics), with 100 subjects of a stream each, requests drawn
// round-robin. ns/op and allocs/op are what Accord adds on top of what
// net/http costs the bare handler; compare two builds with
//
//	go test ./bench/ -run '^$' -bench Handler -benchmem -count 6 | benchstat
func BenchmarkHandler(b *testing.B) {
	h, _ := accordHandler(b, b.TempDir())
	const n = 100
	var ids, subjects []string
	for i := range n {
		stream := fmt.Sprintf("inproc-%d", i)
		call(b, h, "POST", "/v1/streams", map[string]any{"name": stream, "owner": benchAdmin, "eventType": "measurement", "visibility": "public"}, nil)
		subject := stream + "-value"
		schema := fmt.Sprintf(`{"type":"record","name":"Order%d","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"}]}`, i)
		var reg struct{ ID int64 }
		call(b, h, "POST", "/subjects/"+subject+"/versions", map[string]any{"schema": schema}, &reg)
		ids, subjects = append(ids, fmt.Sprint(reg.ID)), append(subjects, subject)
	}
	cases := []struct {
		name  string
		paths []string
	}{
		{"fetch-by-id", prefixed("/schemas/ids/", ids, "")},
		{"subject-version", prefixed("/subjects/", subjects, "/versions/1")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			reqs := make([]*http.Request, len(c.paths))
			for i, p := range c.paths {
				reqs[i] = httptest.NewRequest("GET", p, nil)
				reqs[i].Header.Set("Authorization", benchAuth)
			}
			w := &discardWriter{}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				clear(w.h)
				w.status = 0
				h.ServeHTTP(w, reqs[i%len(reqs)])
				if w.status != 200 {
					b.Fatalf("GET %s: status %d", reqs[i%len(reqs)].URL.Path, w.status)
				}
				i++
			}
		})
	}
}

func prefixed(prefix string, xs []string, suffix string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = prefix + x + suffix
	}
	return out
}

// call makes one request through h as the bench admin and decodes its
// answer into out (unless nil); anything but 200 or 201 fails b.
func call(b *testing.B, h http.Handler, method, path string, body, out any) {
	raw, _ := json.Marshal(body)
	r := httptest.NewRequest(method, path, bytes.NewReader(raw))
	r.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	r.Header.Set("Authorization", benchAuth)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != 200 && rec.Code != 201 {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			b.Fatal(err)
		}
	}
}

// discardWriter is a ResponseWriter that keeps the status and the
// headers (cleared between requests, as net/http starts each with an
// empty map).
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return len(p), nil
}

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
