package ui_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Pages and assets are gzipped for clients that accept it, and sent as
// they are to those that do not.
func TestGzip(t *testing.T) {
	e := newEnv(t, true)
	e.seed()
	c := e.client().signedIn(t, "rita")
	page := c.get(t, "/ui/streams/orders")
	css := regexp.MustCompile(`href="(/ui/static/[^"]+\.css)"`).FindStringSubmatch(page.body)
	if css == nil {
		t.Fatal("no stylesheet link")
	}
	for _, path := range []string{"/ui/streams/orders", css[1]} {
		for _, tc := range []struct {
			accept string
			gz     bool
		}{{"gzip, deflate, br", true}, {"br", false}, {"", false}, {"gzip;q=0", false}} {
			req, _ := http.NewRequest("GET", e.URL+path, nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Encoding", tc.accept) // set by hand: the client does not decompress
			}
			resp, err := c.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tc.gz {
				t.Errorf("%s with Accept-Encoding %q: gzip %t, want %t", path, tc.accept, got, tc.gz)
				continue
			}
			if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: no Vary: Accept-Encoding", path)
			}
			body := raw
			if tc.gz {
				zr, err := gzip.NewReader(strings.NewReader(string(raw)))
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				body, _ = io.ReadAll(zr)
				if len(raw)*3 > len(body) {
					t.Errorf("%s: %d bytes gzipped from %d", path, len(raw), len(body))
				}
			}
			if !strings.Contains(string(body), "orders") && !strings.Contains(string(body), "--bg") {
				t.Errorf("%s: body %.200s", path, body)
			}
		}
	}
}
