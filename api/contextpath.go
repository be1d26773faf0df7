package api

import (
	"net/http"
	"net/url"
	"strings"
)

func qualified(s string) bool { return strings.HasPrefix(s, ":.") || strings.HasPrefix(s, ":*:") }

// contextPath serves Confluent's base context path: /contexts/{context}/...
// is the same request with its subjects qualified by the context.
func contextPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/contexts/")
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		segs := strings.Split(rest, "/")
		if len(segs) < 2 || segs[1] == "" {
			next.ServeHTTP(w, r)
			return
		}
		name, err := url.PathUnescape(segs[0])
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		if !strings.HasPrefix(name, ".") {
			name = "." + name
		}
		prefix := ":" + name + ":"
		segs = segs[1:]
		qualify := func(i int) {
			s, err := url.PathUnescape(segs[i])
			if err == nil && !qualified(s) {
				segs[i] = url.PathEscape(prefix + s)
			}
		}
		switch {
		case segs[0] == "subjects" && len(segs) > 1:
			qualify(1)
		case segs[0] == "compatibility" && len(segs) > 2 && segs[1] == "subjects":
			qualify(2)
		case segs[0] == "config" || segs[0] == "mode":
			if len(segs) > 1 {
				qualify(1)
			} else {
				segs = append(segs, url.PathEscape(prefix))
			}
		}
		q := r.URL.Query()
		switch {
		case segs[0] == "schemas" && len(segs) > 1 && segs[1] == "ids":
			if s := q.Get("subject"); !qualified(s) {
				q.Set("subject", prefix+s)
			}
		case (segs[0] == "schemas" || segs[0] == "subjects") && len(segs) == 1:
			if s := q.Get("subjectPrefix"); !qualified(s) {
				q.Set("subjectPrefix", prefix+s)
			}
		}
		esc := "/" + strings.Join(segs, "/")
		if p, err := url.PathUnescape(esc); err == nil {
			r.URL.Path, r.URL.RawPath, r.URL.RawQuery = p, esc, q.Encode()
		}
		next.ServeHTTP(w, r)
	})
}

// aliasPath resolves Confluent subject aliases before routing, as
// Confluent's AliasFilter does: the subject of a /subjects/{subject},
// /compatibility/subjects/{subject} or DEK path, and the subject query
// parameter of /schemas/ids/…, are replaced by the subject their config's
// alias (aliasForDeks on DEK paths) names (registry.ResolveAlias).
// Authorization and the handlers then see the target, so ownership is the
// target's. It runs after contextPath, so /contexts/{ctx}/subjects/{alias}
// resolves too.
func (s *Server) aliasPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
		at := -1
		switch {
		case segs[0] == "subjects" && len(segs) > 1:
			at = 1
		case segs[0] == "compatibility" && len(segs) > 2 && segs[1] == "subjects":
			at = 2
		case segs[0] == "dek-registry" && len(segs) > 5 && segs[2] == "keks" && segs[4] == "deks":
			at = 5
		}
		changed := false
		if at >= 0 && segs[at] != "" {
			subject, err := url.PathUnescape(segs[at])
			if err != nil {
				next.ServeHTTP(w, r) // the handler reports the malformed subject
				return
			}
			target, err := s.reg.ResolveAlias(r.Context(), subject, segs[0] == "dek-registry")
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if target != subject {
				segs[at], changed = url.PathEscape(target), true
			}
		}
		q := url.Values(nil)
		if r.URL.RawQuery != "" { // Query would make an empty map
			q = r.URL.Query()
		}
		if len(segs) > 1 && segs[0] == "schemas" && segs[1] == "ids" && q.Get("subject") != "" {
			subject := q.Get("subject")
			target, err := s.reg.ResolveAlias(r.Context(), subject, false)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if target != subject {
				q.Set("subject", target)
				r.URL.RawQuery, changed = q.Encode(), true
			}
		}
		if changed {
			esc := "/" + strings.Join(segs, "/")
			if p, err := url.PathUnescape(esc); err == nil {
				r.URL.Path, r.URL.RawPath = p, esc
			}
		}
		next.ServeHTTP(w, r)
	})
}
