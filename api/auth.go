package api

// Authentication and authorization. With Options.Auth set, every request
// but the health checks must prove a principal (Bearer token, or HTTP Basic
// with a password or a token, as Confluent clients send); ServeHTTP does
// it before the hot path and the router, so GET /schemas/ids/{id} pays
// only a cache lookup; the /v1/principals and /v1/tokens handlers manage
// credentials. Who may call what is the route-policy table's (routes.go).
// With Options.Auth nil the server is open: requests carry no
// principal and everything is allowed (cmd/accord allows that only on a
// loopback address).

import (
	"net/http"
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
	if s.auth == nil || s.openPath(r) {
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

// openPath reports whether r is served without credentials: a request
// for one of the table's open routes (the health checks load balancers
// probe).
func (s *Server) openPath(r *http.Request) bool {
	m := r.Method
	if m == http.MethodHead {
		m = http.MethodGet
	}
	return s.open[routeKey{m, r.URL.Path}]
}

// routeKey is a route's method and path.
type routeKey struct{ method, path string }

// openRoutes indexes the table's open routes (made once in New: openPath
// is asked on every request, and scanning the table cost 10% of a cached
// fetch by id).
func openRoutes(table []route) map[routeKey]bool {
	open := map[routeKey]bool{}
	for _, rt := range table {
		if rt.open {
			open[routeKey{rt.method, rt.pattern}] = true
		}
	}
	return open
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

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) error {
	p, err := s.caller(r)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, p)
	return nil
}

func (s *Server) createPrincipal(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.caller(r); err != nil { // admins only: the table
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
	if _, err := s.caller(r); err != nil { // admins only: the table
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
	if _, err := s.caller(r); err != nil { // self or admin: the table (ruleSelf)
		return err
	}
	rec, err := s.auth.Principal(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, toPrincipalJSON(rec))
	return nil
}

func (s *Server) patchPrincipal(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.caller(r); err != nil { // admins only: the table
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
	if _, err := s.caller(r); err != nil { // admins only: the table
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

// maxTokenDays bounds expires_in (ten years): larger day counts overflow a
// time.Duration (about 106,751 days) and would wrap into the past or a few
// minutes ahead.
const maxTokenDays = 3660

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
			if n > maxTokenDays || n < -maxTokenDays {
				return time.Time{}, auth.Errorf(auth.ErrInvalid, "expires_in %q: at most %dd", in, maxTokenDays)
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
		if d > maxTokenDays*24*time.Hour {
			return time.Time{}, auth.Errorf(auth.ErrInvalid, "expires_in %q: at most %dd", in, maxTokenDays)
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
