package api_test

// The HTTP surface itself: content types in and out, body limits, the
// root and health endpoints.

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
)

func TestRootAndHealth(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		for _, c := range []struct{ path, want string }{
			{"/", `{}`},
			{"/health", `{"status":"UP"}`},
			{"/v1/health", `{"status":"UP"}`},
		} {
			r := s.ok("GET", c.path, nil, nil)
			if string(r.Body) != c.want {
				t.Errorf("GET %s = %s, want %s", c.path, r.Body, c.want)
			}
		}
		var meta map[string]any
		s.ok("GET", "/v1/metadata/id", nil, &meta)
		if _, ok := meta["scope"]; !ok {
			t.Errorf("GET /v1/metadata/id = %v, want a scope", meta)
		}
	})
}

func TestRequestContentTypes(t *testing.T) {
	cases := []struct {
		contentType string
		status      int
	}{
		{"application/vnd.schemaregistry.v1+json", 200},
		{"application/json", 200},
		{"application/json; charset=utf-8", 200},
		{"Application/JSON", 200},
		{"application/vnd.schemaregistry+json", 200},
		{"application/octet-stream", 200}, // what some HTTP clients send by default
		{"text/plain", 415},
		{"application/xml", 415},
		{"application/x-www-form-urlencoded", 415}, // curl -d without -H
	}
	eachStore(t, func(t *testing.T, s *server) {
		body, _ := json.Marshal(schemaBody(userV1))
		for _, c := range cases {
			t.Run(c.contentType, func(t *testing.T) {
				s := s.with(t)
				before := s.snapshot()
				r := s.do("POST", "/subjects/ct/versions", string(body), "Content-Type", c.contentType)
				if c.status != 200 {
					wantError(t, "Content-Type "+c.contentType, r, c.status, c.status)
					s.unchanged(t, "the refused request", before)
					return
				}
				if r.Status != 200 {
					t.Fatalf("Content-Type %s: %s", c.contentType, r)
				}
				if ct := r.ContentType(); ct != api.ContentType {
					t.Errorf("response Content-Type %q, want %q", ct, api.ContentType)
				}
				// Also the other endpoints that take a body.
				for _, w := range []struct{ method, path, body string }{
					{"PUT", "/config/ct", `{"compatibility":"BACKWARD"}`},
					{"PUT", "/mode/ct", `{"mode":"READWRITE"}`},
					{"POST", "/subjects/ct", string(body)},
					{"POST", "/compatibility/subjects/ct/versions/latest", string(body)},
				} {
					r := s.do(w.method, w.path, w.body, "Content-Type", c.contentType)
					if r.Status != 200 {
						t.Errorf("%s %s with Content-Type %s: %s", w.method, w.path, c.contentType, r)
					}
				}
			})
		}
		// A POST without Content-Type is refused: a page on another site
		// can make a browser send one (fetch with a typeless body), so it
		// is a forgery risk (docs/security.md); every client sends one.
		before := s.snapshot()
		req, _ := http.NewRequest("POST", s.URL+"/subjects/ct/versions", strings.NewReader(string(body)))
		resp, err := s.HTTP.Do(req)
		must(t, "POST without Content-Type", err)
		resp.Body.Close()
		if resp.StatusCode != 415 {
			t.Errorf("POST without Content-Type: %d, want 415", resp.StatusCode)
		}
		s.unchanged(t, "the POST without Content-Type", before)
		// PUT and DELETE without a body need none (a form cannot send them).
		if r := s.do("DELETE", "/config/ct", nil); r.Status != 200 {
			t.Errorf("DELETE without Content-Type: %s", r)
		}
	})
}

// TestResponseHeaders checks the Content-Type of answers of every kind,
// and that each answer carries a request id (the caller's when it sends
// one).
func TestResponseHeaders(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		id, _ := s.register("h", schemaBody(userV1))
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/", nil},
			{"GET", "/subjects", nil},
			{"GET", "/schemas/ids/" + jsonString(id), nil},
			{"GET", "/schemas/ids/" + jsonString(id) + "/schema", nil},
			{"GET", "/subjects/h/versions/1/schema", nil},
			{"GET", "/schemas/ids/999", nil},
			{"POST", "/subjects/h/versions", "{"},
			{"GET", "/nope", nil},
		} {
			r := s.do(c.method, c.path, c.body)
			if ct := r.ContentType(); ct != api.ContentType {
				t.Errorf("%s %s (%d): Content-Type %q, want %q", c.method, c.path, r.Status, ct, api.ContentType)
			}
			if r.Header.Get("X-Request-Id") == "" {
				t.Errorf("%s %s: no X-Request-Id", c.method, c.path)
			}
		}
		r := s.do("GET", "/subjects", nil, "X-Request-Id", "trace-42")
		if got := r.Header.Get("X-Request-Id"); got != "trace-42" {
			t.Errorf("X-Request-Id = %q, want the caller's trace-42", got)
		}
		// Schemas are served without HTML escaping.
		lt := avroRecord("Lt", `{"name":"a","type":"int","doc":"a < b && c > d"}`)
		id, _ = s.register("lt", schemaBody(lt))
		if body := string(s.ok("GET", "/schemas/ids/"+jsonString(id), nil, nil).Body); !strings.Contains(body, "a < b && c > d") {
			t.Errorf("schema served as %s, want < > & unescaped", body)
		}
	})
}

func jsonString(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// unsized hides a reader's length, so the request is sent chunked.
type unsized struct{ io.Reader }

func TestBodyLimit(t *testing.T) {
	const limit = 512
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		s := startServer(t, target, api.Options{MaxBodyBytes: limit})
		small := schemaBody(userV1)
		s.register("big", small)

		doc := strings.Repeat("x", limit)
		big, _ := json.Marshal(schemaBody(avroRecord("Big", `{"name":"a","type":"int","doc":"`+doc+`"}`)))
		before := s.snapshot()
		for _, c := range []struct {
			name string
			body any
		}{
			{"with Content-Length", string(big)},
			{"chunked", unsized{strings.NewReader(string(big))}},
		} {
			t.Run(c.name, func(t *testing.T) {
				s := s.with(t)
				r := s.do("POST", "/subjects/big/versions", c.body)
				wantError(t, "oversized body "+c.name, r, http.StatusRequestEntityTooLarge, 413)
			})
		}
		r := s.do("PUT", "/config", `{"compatibility":"NONE","alias":"`+doc+`"}`)
		wantError(t, "oversized config", r, http.StatusRequestEntityTooLarge, 413)
		s.unchanged(t, "oversized requests", before)
		// A body within the limit still works on the same server.
		s.register("big", schemaBody(userV2))
	})
}
