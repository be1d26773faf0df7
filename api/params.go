package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/accord/accord/registry"
)

// handlerFunc is a handler that returns its error; handle renders it, so
// every error reaches the one mapping in errors.go.
type handlerFunc func(http.ResponseWriter, *http.Request) error

func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// params reads path and query parameters, keeping the first error, so a
// handler reads all it needs and checks once.
type params struct {
	r   *http.Request
	err error
}

func (p *params) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

func (p *params) str(name string) string {
	if p.r.URL.RawQuery == "" { // Query would make an empty map per call
		return ""
	}
	return p.r.URL.Query().Get(name)
}

// subject returns the {subject} path segment, URL-decoded: subjects may
// contain "/" (sent as %2F) and ":". It is "" on the global routes.
func (p *params) subject() string {
	raw := chi.URLParam(p.r, "subject")
	if p.r.URL.RawPath == "" {
		return raw
	}
	s, err := url.PathUnescape(raw)
	if err != nil {
		p.fail(&httpError{errBadRequest, fmt.Sprintf("malformed subject %q: %v", raw, err)})
	}
	return s
}

// version returns the {version} path segment: a number or "latest" (-1).
func (p *params) version() int {
	v, err := registry.ParseVersion(chi.URLParam(p.r, "version"))
	if err != nil {
		p.fail(err)
	}
	return v
}

// id returns the {id} path segment.
func (p *params) id() int64 {
	raw := chi.URLParam(p.r, "id")
	id, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		p.fail(&registry.Error{Kind: registry.ErrSchemaNotFound, Message: fmt.Sprintf("Schema %s not found", raw)})
	}
	return id
}

func (p *params) bool(name string) bool {
	v := p.str(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(&httpError{errBadRequest, fmt.Sprintf("query parameter %s=%q is not a boolean", name, v)})
	}
	return b
}

func (p *params) int(name string) int {
	v := p.str(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		p.fail(&httpError{errBadRequest, fmt.Sprintf("query parameter %s=%q is not a non-negative integer", name, v)})
	}
	return n
}

// format returns ?format= (Confluent's schema rendering: "serialized" for
// a Protobuf descriptor, "resolved" for Avro), "" for the stored text.
// "default" is the stored text too.
func (p *params) format() string {
	f := p.str("format")
	if f == "default" {
		return ""
	}
	if len(f) > 64 {
		p.fail(&httpError{errBadRequest, "query parameter format is too long"})
	}
	return f
}

// page reads Confluent's offset and limit: results skip offset and keep
// at most limit; a limit of 0 or less (Confluent's default -1) keeps all.
func (p *params) page() (offset, limit int) {
	offset = p.int("offset")
	if v := p.str("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			p.fail(&httpError{errBadRequest, fmt.Sprintf("query parameter limit=%q is not an integer", v)})
		}
		limit = max(n, 0)
	}
	return offset, limit
}

// paged returns the page of all that offset and limit select (never nil).
func paged[T any](all []T, offset, limit int) []T {
	if offset >= len(all) {
		return []T{}
	}
	all = all[offset:]
	if limit > 0 && limit < len(all) {
		all = all[:limit]
	}
	return all
}
