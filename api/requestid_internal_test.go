package api

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestRequestID: a made X-Request-Id is the process's random prefix, a
// dash and a base-36 sequence number, unique across concurrent requests
// and servers of the process, made in one allocation; a caller's id is
// kept unless it is longer than maxRequestIDLen.
func TestRequestID(t *testing.T) {
	made := regexp.MustCompile(`^[0-9a-z]{8}-[0-9a-z]{1,13}$`)
	servers := []*Server{{}, {}}
	idOf := func(s *Server, r *http.Request) string {
		w := httptest.NewRecorder()
		s.setRequestID(w, r)
		v := w.Header()["X-Request-Id"]
		if len(v) != 1 {
			t.Fatalf("X-Request-Id values %q, want one", v)
		}
		return v[0]
	}
	plain := httptest.NewRequest("GET", "/schemas/ids/1", nil)

	const workers, each = 8, 500
	ids := make(chan string, workers*each)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for range each {
				ids <- idOf(servers[i%2], plain)
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	prefix := ""
	for id := range ids {
		if !made.MatchString(id) {
			t.Fatalf("made id %q, want PREFIX-SEQ", id)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
		if p, _, _ := strings.Cut(id, "-"); prefix == "" {
			prefix = p
		} else if p != prefix {
			t.Fatalf("prefixes %q and %q in one process", prefix, p)
		}
	}

	for _, c := range []struct {
		sent string
		kept bool
	}{
		{"trace-42", true},
		{strings.Repeat("x", maxRequestIDLen), true},
		{strings.Repeat("x", maxRequestIDLen+1), false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-Request-Id", c.sent)
		got := idOf(servers[0], r)
		if kept := got == c.sent; kept != c.kept || (!kept && !made.MatchString(got)) {
			t.Errorf("sent %d bytes: answered %q, want kept=%v", len(c.sent), got, c.kept)
		}
	}

	// The header's value is the one allocation (net/http gives each
	// answer a fresh header map; it is reused here).
	w := &headerWriter{h: http.Header{}}
	if n := testing.AllocsPerRun(1000, func() { servers[0].setRequestID(w, plain) }); n != 1 {
		t.Errorf("making a request id allocates %v times, want 1", n)
	}
}

// headerWriter is a ResponseWriter that only holds headers.
type headerWriter struct{ h http.Header }

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *headerWriter) WriteHeader(int)             {}
