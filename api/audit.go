package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
)

// listAudit answers GET /v1/audit?actor=&action=&context=&target=&since=&until=&before=&limit=
// (since and until RFC 3339; action "schema." selects a family; before is
// an entry id, for paging back).
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	if s.audit == nil {
		return &httpError{errNotFound, "the audit log is not served by this server"}
	}
	p := params{r: r}
	f := audit.Filter{
		Actor: p.str("actor"), Action: p.str("action"), Context: p.str("context"), Target: p.str("target"),
		Since: p.time("since"), Until: p.time("until"), BeforeID: int64(p.int("before")), Limit: p.int("limit"),
	}
	if p.err != nil {
		return p.err
	}
	entries, err := s.audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, entries)
	return nil
}

// time reads an RFC 3339 query parameter.
func (p *params) time(name string) time.Time {
	v := p.str(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		if ms, err2 := strconv.ParseInt(v, 10, 64); err2 == nil {
			return time.UnixMilli(ms)
		}
		p.fail(&httpError{errBadRequest, fmt.Sprintf("query parameter %s=%q is not an RFC 3339 time", name, v)})
	}
	return t
}

// who tells the stores who is changing things, for the audit log: the
// principal and the request id, on every request that may write (reads
// skip the allocation). It is middleware, not part of handle, so that
// writes made before the handler (subject claims in singleWriter) are
// attributed too.
func (s *Server) who(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			who := audit.Who{RequestID: w.Header().Get("X-Request-Id")}
			if p := auth.FromContext(r.Context()); p != nil {
				who.Actor = p.Name
			}
			r = r.WithContext(audit.WithWho(r.Context(), who))
		}
		next.ServeHTTP(w, r)
	})
}
