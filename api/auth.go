package api

// Authentication and authorization. With Options.Auth set, every request
// but the health checks must prove a principal (Bearer token, or HTTP Basic
// with a password or a token, as Confluent clients send); ServeHTTP does
// it before the hot path and the router, so GET /schemas/ids/{id} pays
// only a cache lookup. The authorize middleware then checks the role each
// route needs, and the /v1/principals and /v1/tokens handlers manage
// credentials. With Options.Auth nil the server is open: requests carry no
// principal and everything is allowed (cmd/accord allows that only on a
// loopback address).

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/accord/accord/auth"
)

// authenticate proves the caller of r. ok is false when it answered the
// request (401, or 500 if the store failed); p is nil when authentication
// is off or the path is open.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (p *auth.Principal, ok bool) {
	if s.auth == nil || openPath(r.URL.Path) {
		return nil, true
	}
	p, err := s.auth.Authenticate(r.Context(), r)
	if err != nil {
		s.setRequestID(w, r)
		w.Header().Set("WWW-Authenticate", `Basic realm="accord"`)
		s.writeError(w, r, err)
		return nil, false
	}
	return p, true
}

// openPath reports whether path is served without credentials: the
// health checks load balancers probe.
func openPath(path string) bool {
	return path == "/" || path == "/health" || path == "/v1/health"
}

// authorize checks that the authenticated caller holds a role the request
// needs (403 otherwise). It runs after contextPath, so it sees
// /contexts/{ctx}/... requests in their rewritten form.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.auth == nil || openPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if action, roles := requiredRoles(r.Method, r.URL.Path); roles != nil {
			if err := auth.Require(r.Context(), action, roles...); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Role sets of the policy.
var (
	adminOnly     = []auth.Role{auth.RoleAdmin}
	writers       = []auth.Role{auth.RoleAdmin, auth.RoleService}
	nativeWriters = []auth.Role{auth.RoleAdmin, auth.RoleService, auth.RoleReviewer}
	deciders      = []auth.Role{auth.RoleAdmin, auth.RoleReviewer}
)

// requiredRoles is the route policy: what a request needs beyond being
// authenticated (nil: nothing more, since every principal holds a role
// and every role may read).
//
//   - reads (GET, HEAD), lookups (POST /subjects/{s}), compatibility
//     checks (POST /compatibility/...) and lints (POST
//     /v1/streams/{name}/lint), which write nothing: any principal;
//   - context-wide config and mode: admin;
//   - other Confluent writes (register, delete, subject config and mode):
//     admin or service; which service may write which subject (stream
//     ownership) is checked by the handlers;
//   - /v1/principals and /v1/tokens: decided by their handlers (a
//     principal manages its own tokens, an admin everything);
//   - proposals: creating and withdrawing admin or service, approving and
//     rejecting admin or reviewer, refined by the proposals package;
//   - other native writes (/v1/...): admin, service or reviewer, refined by
//     their handlers (owners, reviewers).
func requiredRoles(method, path string) (action string, roles []auth.Role) {
	if method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions {
		return "", nil
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch segs[0] {
	case "compatibility":
		return "", nil
	case "subjects":
		if len(segs) == 2 && method == http.MethodPost {
			return "", nil // lookup
		}
	case "contexts":
		return method + " /contexts/{context}", adminOnly
	case "config", "mode":
		if len(segs) == 1 || contextWide(segs[1]) {
			return method + " /" + segs[0] + " (context-wide)", adminOnly
		}
	case "v1":
		if len(segs) > 1 && (segs[1] == "principals" || segs[1] == "tokens") {
			return "", nil // the handlers decide
		}
		if len(segs) == 4 && segs[1] == "streams" && (segs[3] == "lint" || segs[3] == "impact") && method == http.MethodPost {
			return "", nil // a check, like /compatibility
		}
		if segs[1] == "validate" && method == http.MethodPost {
			return "", nil // verdicts on records: writes nothing
		}
		if segs[1] == "proposals" {
			return method + " " + path, proposalRoles(segs)
		}
		return method + " " + path, nativeWriters
	}
	return method + " " + path, writers
}

// proposalRoles: proposing and withdrawing are for those who may
// register (admin, service), deciding for reviewers and admins; the
// proposals package refines both (single writer, proposer, separation of
// duties).
func proposalRoles(segs []string) []auth.Role {
	if len(segs) == 4 && (segs[3] == "approve" || segs[3] == "reject") {
		return deciders
	}
	return writers
}

// contextWide reports whether a /config or /mode subject segment names a
// context's global setting (":.ctx:", what contextPath appends).
func contextWide(seg string) bool {
	s, err := url.PathUnescape(seg)
	if err != nil {
		return false
	}
	return s == "" || strings.HasPrefix(s, ":.") && strings.HasSuffix(s, ":") && strings.Count(s, ":") == 2
}

// authRoutes mounts the native principal and token endpoints.
func (s *Server) authRoutes(r chi.Router) {
	r.Get("/v1/whoami", s.handle(s.whoami))
	r.Post("/v1/principals", s.handle(s.createPrincipal))
	r.Get("/v1/principals", s.handle(s.listPrincipals))
	r.Get("/v1/principals/{name}", s.handle(s.getPrincipal))
	r.Patch("/v1/principals/{name}", s.handle(s.patchPrincipal))
	r.Delete("/v1/principals/{name}", s.handle(s.disablePrincipal))
	r.Post("/v1/tokens", s.handle(s.createToken))
	r.Get("/v1/tokens", s.handle(s.listTokens))
	r.Get("/v1/tokens/{id}", s.handle(s.getToken))
	r.Delete("/v1/tokens/{id}", s.handle(s.revokeToken))
}

// errAuthOff answers the management endpoints of an open server.
var errAuthOff = &httpError{errNotFound, "authentication is off: start accord serve with --auth on to manage principals and tokens"}

// principalJSON is a principal on the wire (never its password hash).
type principalJSON struct {
	Name        string      `json:"name"`
	Roles       []auth.Role `json:"roles"`
	HasPassword bool        `json:"has_password"`
	Disabled    bool        `json:"disabled"`
	CreatedAt   string      `json:"created_at,omitempty"`
	UpdatedAt   string      `json:"updated_at,omitempty"`
}

func toPrincipalJSON(p auth.PrincipalRecord) principalJSON {
	return principalJSON{
		Name: p.Name, Roles: p.Roles, HasPassword: p.PasswordHash != "", Disabled: p.Disabled,
		CreatedAt: rfc3339(p.CreatedAt), UpdatedAt: rfc3339(p.UpdatedAt),
	}
}

// tokenJSON is a token on the wire: its secret only in the answer to
// POST /v1/tokens, never again.
type tokenJSON struct {
	ID          string `json:"id"`
	Principal   string `json:"principal"`
	Description string `json:"description"`
	State       string `json:"state"`
	CreatedAt   string `json:"created_at"`
	ExpiresAt   string `json:"expires_at,omitempty"`
	RevokedAt   string `json:"revoked_at,omitempty"`
	LastUsedAt  string `json:"last_used_at,omitempty"`
	Token       string `json:"token,omitempty"`
}

func toTokenJSON(t auth.TokenRecord, now time.Time) tokenJSON {
	return tokenJSON{
		ID: t.ID, Principal: t.Principal, Description: t.Description, State: t.State(now),
		CreatedAt: rfc3339(t.CreatedAt), ExpiresAt: rfc3339(t.ExpiresAt),
		RevokedAt: rfc3339(t.RevokedAt), LastUsedAt: rfc3339(t.LastUsedAt),
	}
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// caller returns the authenticated principal, or errAuthOff on an open
// server.
func (s *Server) caller(r *http.Request) (*auth.Principal, error) {
	if s.auth == nil {
		return nil, errAuthOff
	}
	p := auth.FromContext(r.Context())
	if p == nil { // unreachable: authenticate ran
		return nil, auth.Errorf(auth.ErrUnauthenticated, "authentication required")
	}
	return p, nil
}

// needAdmin returns the caller if it is an admin.
func (s *Server) needAdmin(r *http.Request, action string) (*auth.Principal, error) {
	p, err := s.caller(r)
	if err != nil {
		return nil, err
	}
	if err := auth.Require(r.Context(), action, auth.RoleAdmin); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) error {
	p, err := s.caller(r)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, p)
	return nil
}

func (s *Server) createPrincipal(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.needAdmin(r, "creating a principal"); err != nil {
		return err
	}
	var body struct {
		Name     string      `json:"name"`
		Roles    []auth.Role `json:"roles"`
		Password string      `json:"password"`
	}
	if err := s.decode(r, &body); err != nil {
		return err
	}
	rec, err := s.auth.CreatePrincipal(r.Context(), auth.NewPrincipal{Name: body.Name, Roles: body.Roles, Password: body.Password})
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, toPrincipalJSON(rec))
	return nil
}

func (s *Server) listPrincipals(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.needAdmin(r, "listing principals"); err != nil {
		return err
	}
	all, err := s.auth.Principals(r.Context())
	if err != nil {
		return err
	}
	out := make([]principalJSON, len(all))
	for i, p := range all {
		out[i] = toPrincipalJSON(p)
	}
	s.writeJSON(w, 200, out)
	return nil
}

func (s *Server) getPrincipal(w http.ResponseWriter, r *http.Request) error {
	p, err := s.caller(r)
	if err != nil {
		return err
	}
	name := chi.URLParam(r, "name")
	if name != p.Name {
		if err := auth.Require(r.Context(), "reading another principal", auth.RoleAdmin); err != nil {
			return err
		}
	}
	rec, err := s.auth.Principal(r.Context(), name)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, toPrincipalJSON(rec))
	return nil
}

func (s *Server) patchPrincipal(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.needAdmin(r, "changing a principal"); err != nil {
		return err
	}
	var body struct {
		Roles    *[]auth.Role `json:"roles"`
		Password *string      `json:"password"`
		Disabled *bool        `json:"disabled"`
	}
	if err := s.decode(r, &body); err != nil {
		return err
	}
	rec, err := s.auth.UpdatePrincipal(r.Context(), chi.URLParam(r, "name"),
		auth.PrincipalUpdate{Roles: body.Roles, Password: body.Password, Disabled: body.Disabled})
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, toPrincipalJSON(rec))
	return nil
}

// disablePrincipal disables rather than deletes: streams, tokens and the
// audit log keep naming the principal.
func (s *Server) disablePrincipal(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.needAdmin(r, "disabling a principal"); err != nil {
		return err
	}
	disabled := true
	rec, err := s.auth.UpdatePrincipal(r.Context(), chi.URLParam(r, "name"), auth.PrincipalUpdate{Disabled: &disabled})
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, toPrincipalJSON(rec))
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	p, err := s.caller(r)
	if err != nil {
		return err
	}
	var body struct {
		Principal   string `json:"principal"`
		Description string `json:"description"`
		ExpiresIn   string `json:"expires_in"`
		ExpiresAt   string `json:"expires_at"`
	}
	if err := s.decode(r, &body); err != nil {
		return err
	}
	if body.Principal == "" {
		body.Principal = p.Name
	}
	if body.Principal != p.Name {
		if err := auth.Require(r.Context(), "issuing a token for another principal", auth.RoleAdmin); err != nil {
			return err
		}
	}
	expires, err := parseExpiry(body.ExpiresIn, body.ExpiresAt, time.Now())
	if err != nil {
		return err
	}
	tok, err := s.auth.IssueToken(r.Context(), body.Principal, body.Description, expires)
	if err != nil {
		return err
	}
	out := toTokenJSON(tok.TokenRecord, time.Now())
	out.Token = tok.Text
	s.writeJSON(w, 200, out)
	return nil
}

// parseExpiry reads expires_in ("720h", "90d") or expires_at (RFC 3339);
// neither means the token does not expire.
func parseExpiry(in, at string, now time.Time) (time.Time, error) {
	switch {
	case in != "" && at != "":
		return time.Time{}, auth.Errorf(auth.ErrInvalid, "give expires_in or expires_at, not both")
	case in != "":
		var d time.Duration
		if days, ok := strings.CutSuffix(in, "d"); ok {
			n, err := strconv.Atoi(days)
			if err != nil {
				return time.Time{}, auth.Errorf(auth.ErrInvalid, "expires_in %q: want a duration such as 90d or 12h", in)
			}
			d = time.Duration(n) * 24 * time.Hour
		} else {
			var err error
			if d, err = time.ParseDuration(in); err != nil {
				return time.Time{}, auth.Errorf(auth.ErrInvalid, "expires_in %q: want a duration such as 90d or 12h", in)
			}
		}
		if d <= 0 {
			return time.Time{}, auth.Errorf(auth.ErrInvalid, "expires_in %q must be positive", in)
		}
		return now.Add(d), nil
	case at != "":
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return time.Time{}, auth.Errorf(auth.ErrInvalid, "expires_at %q: want an RFC 3339 time such as 2030-01-02T15:04:05Z", at)
		}
		return t, nil
	}
	return time.Time{}, nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	p, err := s.caller(r)
	if err != nil {
		return err
	}
	who := r.URL.Query().Get("principal")
	if !p.IsAdmin() {
		if who != "" && who != p.Name {
			return auth.Errorf(auth.ErrForbidden, "listing the tokens of another principal requires the role admin")
		}
		who = p.Name
	}
	all, err := s.auth.Tokens(r.Context(), who)
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]tokenJSON, len(all))
	for i, t := range all {
		out[i] = toTokenJSON(t, now)
	}
	s.writeJSON(w, 200, out)
	return nil
}

// visibleToken returns the token id if the caller may see it: admins see
// every token, others their own; to others a token does not exist.
func (s *Server) visibleToken(r *http.Request) (auth.TokenRecord, error) {
	p, err := s.caller(r)
	if err != nil {
		return auth.TokenRecord{}, err
	}
	id := chi.URLParam(r, "id")
	t, err := s.auth.Token(r.Context(), id)
	if err != nil {
		return auth.TokenRecord{}, err
	}
	if t.Principal != p.Name && !p.IsAdmin() {
		return auth.TokenRecord{}, auth.Errorf(auth.ErrTokenNotFound, "token %q not found", id)
	}
	return t, nil
}

func (s *Server) getToken(w http.ResponseWriter, r *http.Request) error {
	t, err := s.visibleToken(r)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, toTokenJSON(t, time.Now()))
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	t, err := s.visibleToken(r)
	if err != nil {
		return err
	}
	if t, err = s.auth.RevokeToken(r.Context(), t.ID); err != nil {
		return err
	}
	s.writeJSON(w, 200, toTokenJSON(t, time.Now()))
	return nil
}
