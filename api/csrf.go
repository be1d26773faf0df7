package api

// Cross-site request forgery. A browser that holds Basic credentials for
// Accord (a reviewer answered the prompt once) sends them with every
// request to it, including one a page on another origin makes it send.
// The API serves no CORS, so the only requests such a page can make the
// browser send with a body it chooses are "simple" ones: GET, HEAD and
// POST with the content type a form can send (text/plain,
// application/x-www-form-urlencoded, multipart/form-data), or none. PUT,
// PATCH and DELETE need a CORS preflight, which Accord never grants.
//
// So every state-changing request (any method but GET, HEAD, OPTIONS):
//   - a POST must say it is JSON (Content-Type application/json or the
//     schema registry's types), even with an empty body: every Confluent
//     client (Java, Go, JavaScript, franz-go) and the accord CLI send it on
//     every POST;
//   - a body of any other method must be JSON too (limits in server.go);
//   - a request a browser marks as coming from another site
//     (Sec-Fetch-Site: cross-site or same-site) or from another origin
//     (an Origin header whose host is not the request's Host, or "null")
//     is refused, whatever its content type. Programs send neither header.
//
// The web UI (/ui) is not behind this: it has its own CSRF tokens and
// SameSite=Strict session cookie (package ui).

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// sameOrigin refuses state-changing requests a browser form or a page on
// another origin can forge (see the file comment).
func (s *Server) sameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if err := crossSite(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		if r.Method == http.MethodPost && !jsonContentType(r.Header.Get("Content-Type")) {
			ct := r.Header.Get("Content-Type")
			if ct == "" {
				ct = "none"
			}
			s.writeError(w, r, &httpError{errUnsupportedMedia, fmt.Sprintf("a POST must have Content-Type application/vnd.schemaregistry.v1+json or application/json, also with an empty body (got %s): what a browser form can send is refused", ct)})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// crossSite returns an error when r comes from a browser page of another
// site or origin.
func crossSite(r *http.Request) error {
	switch site := strings.ToLower(r.Header.Get("Sec-Fetch-Site")); site {
	case "", "same-origin", "none":
	default:
		return &httpError{errForbiddenOrigin, fmt.Sprintf("refusing a %s request a browser sent from another site (Sec-Fetch-Site: %s): Accord's API is not for cross-site pages", r.Method, site)}
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if origin == "null" || err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
		return &httpError{errForbiddenOrigin, fmt.Sprintf("refusing a %s request a browser sent from origin %q, not this server's (%s)", r.Method, origin, r.Host)}
	}
	return nil
}
