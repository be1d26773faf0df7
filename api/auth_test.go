package api_test

// Authentication and authorization through the real stack: the same
// harness as the rest of the suite, with an auth.Authenticator on the
// server's own database.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/auth/sqlauth"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

const rootPassword = "root password, long enough"

// authServer is a server with authentication on. Its raw client sends the
// admin's credentials unless a request sets its own Authorization header
// or asks to be anonymous (X-Test-Anonymous), so the harness's helpers
// (snapshot, ok, register) act as the admin.
type authServer struct {
	*server
	auth *auth.Authenticator
	// creds maps a principal name to its Basic credentials (name:token).
	creds map[string]string
}

// anonymous is the header pair that sends a request without credentials.
var anonymous = []string{"X-Test-Anonymous", "1"}

type asAdmin struct {
	header string
	next   http.RoundTripper
}

func (a asAdmin) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if req.Header.Get("X-Test-Anonymous") != "" {
		req.Header.Del("X-Test-Anonymous")
	} else if req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", a.header)
	}
	return a.next.RoundTrip(req)
}

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// startAuthServer serves target with authentication on: an admin "root"
// (password rootPassword) and one principal per role, each with a token.
func startAuthServer(t *testing.T, target string) *authServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := accordtest.Logger(t, slog.LevelWarn)
	store, err := sqlstore.Open(ctx, target, sqlstore.WithLogger(log))
	if err != nil {
		cancel()
		t.Fatalf("opening store: %v", err)
	}
	reg := registry.New(store, log, avro.Format{}, protobuf.Format{}, jsonschema.Format{})
	authn := auth.New(sqlauth.New(store.DB()), auth.Options{Logger: log})
	if _, err := authn.Bootstrap(ctx, "root", rootPassword); err != nil {
		t.Fatal(err)
	}
	creds := map[string]string{"root": basicHeader("root", rootPassword)}
	for _, p := range []struct {
		name string
		role auth.Role
	}{{"alice", auth.RoleReader}, {"rita", auth.RoleReviewer}, {"orders-svc", auth.RoleService}, {"ops", auth.RoleAdmin}} {
		if _, err := authn.CreatePrincipal(ctx, auth.NewPrincipal{Name: p.name, Roles: []auth.Role{p.role}}); err != nil {
			t.Fatal(err)
		}
		tok, err := authn.IssueToken(ctx, p.name, "test", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		creds[p.name] = basicHeader(p.name, tok.Text)
	}
	hs := httptest.NewServer(api.New(reg, api.Options{Logger: log, Auth: authn, Audit: store.Audit()}))
	t.Cleanup(func() {
		cancel()
		if err := store.Close(); err != nil {
			t.Errorf("closing store: %v", err)
		}
	})
	t.Cleanup(hs.Close)
	httpc := &http.Client{Transport: no5xx{t, asAdmin{creds["root"], hs.Client().Transport}}, Timeout: 30 * time.Second}
	cl, err := sr.NewClient(sr.URLs(hs.URL), sr.HTTPClient(httpc))
	if err != nil {
		t.Fatal(err)
	}
	return &authServer{server: &server{t: t, URL: hs.URL, Client: cl, HTTP: httpc}, auth: authn, creds: creds}
}

// eachAuthStore runs fn against a fresh authenticated server per engine.
func eachAuthStore(t *testing.T, fn func(t *testing.T, s *authServer)) {
	t.Helper()
	accordtest.EachEngine(t, func(t *testing.T, target string) { fn(t, startAuthServer(t, target)) })
}

// as sends a request with name's credentials ("" for none).
func (s *authServer) as(t *testing.T, name, method, path string, body any) response {
	t.Helper()
	h := anonymous
	if name != "" {
		h = []string{"Authorization", s.creds[name]}
	}
	r, err := s.send(method, path, body, h...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAuthRequired(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, s *authServer) {
		id, _ := s.with(t).register("orders-value", schemaBody(userV1))
		byID := "/schemas/ids/" + itoa(id)
		s.with(t).ok("GET", byID, nil, nil) // warms the hot path's cache

		for _, c := range []struct {
			name   string
			header []string
		}{
			{"no credentials", anonymous},
			{"wrong password", []string{"Authorization", basicHeader("root", "wrong password, long enough")}},
			{"unknown token", []string{"Authorization", "Bearer acc_aaaaaaaaaaaaaaaa_" + strings.Repeat("a", 52)}},
			{"malformed basic", []string{"Authorization", "Basic !!!"}},
			{"unknown scheme", []string{"Authorization", "Negotiate abc"}},
		} {
			for _, path := range []string{byID, "/subjects", "/v1/principals", "/contexts/.other/subjects", "/no/such/route"} {
				r := s.do("GET", path, nil, c.header...)
				wantError(t, c.name+" GET "+path, r, 401, 40101)
				if got := r.Header.Get("WWW-Authenticate"); got != `Basic realm="accord"` {
					t.Errorf("%s GET %s: WWW-Authenticate %q", c.name, path, got)
				}
				if r.Header.Get("X-Request-Id") == "" {
					t.Errorf("%s GET %s: no request id", c.name, path)
				}
			}
		}
		for _, path := range []string{"/health", "/v1/health", "/"} {
			if r := s.do("GET", path, nil, anonymous...); r.Status != 200 {
				t.Errorf("GET %s without credentials: %s, want 200 (health stays open)", path, r)
			}
		}
		// Every way of presenting valid credentials works, on the hot path too.
		tok, err := s.auth.IssueToken(t.Context(), "alice", "", time.Time{})
		must(t, "issue", err)
		for name, h := range map[string]string{
			"basic token":    s.creds["alice"],
			"bearer token":   "Bearer " + tok.Text,
			"basic password": basicHeader("root", rootPassword),
		} {
			for _, path := range []string{byID, "/subjects"} {
				if r := s.do("GET", path, nil, "Authorization", h); r.Status != 200 {
					t.Errorf("%s GET %s: %s", name, path, r)
				}
			}
		}
	})
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestRolesOnConfluentWrites: reads need any principal, writes admin or
// service, context-wide settings admin; a refused request changes nothing.
func TestRolesOnConfluentWrites(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, s *authServer) {
		s.with(t).register("orders-value", schemaBody(userV1))
		reqs := []struct {
			method, path string
			body         any
			write        bool // needs admin or service
			global       bool // needs admin
		}{
			{"GET", "/subjects", nil, false, false},
			{"GET", "/subjects/orders-value/versions/1", nil, false, false},
			{"POST", "/subjects/orders-value", schemaBody(userV1), false, false},
			{"POST", "/compatibility/subjects/orders-value/versions/latest", schemaBody(userV2), false, false},
			{"GET", "/config", nil, false, false},
			{"POST", "/subjects/orders-value/versions", schemaBody(userV2), true, false},
			{"PUT", "/config/orders-value", map[string]string{"compatibility": "FULL"}, true, false},
			{"PUT", "/mode/orders-value", map[string]string{"mode": "READONLY"}, true, false},
			{"DELETE", "/mode/orders-value", nil, true, false},
			{"DELETE", "/subjects/orders-value/versions/2", nil, true, false},
			{"PUT", "/config", map[string]string{"compatibility": "NONE"}, true, true},
			{"PUT", "/contexts/.other/config", map[string]string{"compatibility": "NONE"}, true, true},
			{"PUT", "/mode", map[string]string{"mode": "READWRITE"}, true, true},
		}
		for _, who := range []string{"alice", "rita", "orders-svc", "ops"} {
			for _, q := range reqs {
				allowed := !q.write || (!q.global && who == "orders-svc") || who == "ops"
				what := who + " " + q.method + " " + q.path
				before := s.with(t).snapshot()
				r := s.as(t, who, q.method, q.path, q.body)
				if allowed {
					// A second delete of the same version finds it soft-deleted:
					// past authorization, so as good as 200 here.
					if r.Status != 200 && !(q.method == "DELETE" && r.Status == 404) {
						t.Errorf("%s: %s, want 200", what, r)
					}
					continue
				}
				need := "service"
				if q.global {
					need = "admin"
				}
				wantError(t, what, r, 403, 40301, "requires", need, who)
				s.with(t).unchanged(t, what, before)
			}
		}
		// Anonymous writes are refused before any role check, and change nothing.
		before := s.with(t).snapshot()
		wantError(t, "anonymous register", s.as(t, "", "POST", "/subjects/x-value/versions", schemaBody(userV1)), 401, 40101)
		s.with(t).unchanged(t, "anonymous register", before)
	})
}

// TestFranzGoBasicAuth: a real Confluent-style client with
// basic.auth.user.info as name:token, and as name:password.
func TestFranzGoBasicAuth(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, s *authServer) {
		tok, err := s.auth.IssueToken(t.Context(), "orders-svc", "franz-go", time.Time{})
		must(t, "issue", err)
		plain := &http.Client{Transport: no5xx{t, http.DefaultTransport}, Timeout: 30 * time.Second}
		client := func(opts ...sr.ClientOpt) *sr.Client {
			cl, err := sr.NewClient(append([]sr.ClientOpt{sr.URLs(s.URL), sr.HTTPClient(plain)}, opts...)...)
			must(t, "client", err)
			return cl
		}
		svc := client(sr.BasicAuth("orders-svc", tok.Text))
		ss, err := svc.CreateSchema(bg, "orders-value", avroSchema(userV1))
		must(t, "register with name:token", err)
		got, err := svc.SchemaByID(bg, ss.ID)
		must(t, "fetch by id", err)
		if !jsonEqual(t, got.Schema, userV1) {
			t.Errorf("fetched %s", got.Schema)
		}
		admin := client(sr.BasicAuth("root", rootPassword))
		subs, err := admin.Subjects(bg)
		must(t, "list with name:password", err)
		if len(subs) != 1 || subs[0] != "orders-value" {
			t.Errorf("subjects %v", subs)
		}
		bearer := client(sr.BearerToken(tok.Text))
		if _, err := bearer.SchemaByID(bg, ss.ID); err != nil {
			t.Errorf("bearer: %v", err)
		}

		_, err = client().SchemaByID(bg, ss.ID)
		wantSRError(t, "anonymous fetch", err, 40101)
		readerTok, err := s.auth.IssueToken(t.Context(), "alice", "", time.Time{})
		must(t, "issue", err)
		reader := client(sr.BasicAuth("alice", readerTok.Text))
		if _, err := reader.SchemaByID(bg, ss.ID); err != nil {
			t.Errorf("reader fetch: %v", err)
		}
		_, err = reader.CreateSchema(bg, "orders-value", avroSchema(userV2))
		wantSRError(t, "reader register", err, 40301)

		// Revoked: refused at once, also on the hot path it was cached on.
		_, err = s.auth.RevokeToken(t.Context(), tok.ID)
		must(t, "revoke", err)
		_, err = svc.SchemaByID(bg, ss.ID)
		wantSRError(t, "revoked token fetch", err, 40101)
	})
}

// TestPrincipalAndTokenEndpoints exercises /v1/principals and /v1/tokens
// with each role.
func TestPrincipalAndTokenEndpoints(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, s *authServer) {
		// Only admins manage principals.
		newSvc := map[string]any{"name": "payments-svc", "roles": []string{"service"}, "password": "payments password 1"}
		for _, who := range []string{"", "alice", "rita", "orders-svc"} {
			before := s.with(t).snapshot() + string(s.as(t, "root", "GET", "/v1/principals", nil).Body)
			r := s.as(t, who, "POST", "/v1/principals", newSvc)
			if who == "" {
				wantError(t, "anonymous create principal", r, 401, 40101)
			} else {
				wantError(t, who+" create principal", r, 403, 40301, "admin")
			}
			for _, q := range [][2]string{{"GET", "/v1/principals"}, {"PATCH", "/v1/principals/alice"}, {"DELETE", "/v1/principals/alice"}} {
				var body any
				if q[0] == "PATCH" {
					body = map[string]any{"roles": []string{"admin"}}
				}
				if r := s.as(t, who, q[0], q[1], body); r.Status != 401 && r.Status != 403 {
					t.Errorf("%s %s %s: %s, want 401 or 403", who, q[0], q[1], r)
				}
			}
			if after := s.with(t).snapshot() + string(s.as(t, "root", "GET", "/v1/principals", nil).Body); after != before {
				t.Errorf("refused requests of %q changed something", who)
			}
		}
		var created struct {
			Name        string
			Roles       []string
			HasPassword bool `json:"has_password"`
			Disabled    bool
		}
		r := s.as(t, "ops", "POST", "/v1/principals", newSvc)
		if r.Status != 200 || json.Unmarshal(r.Body, &created) != nil || created.Name != "payments-svc" || !created.HasPassword || strings.Contains(string(r.Body), "argon2") {
			t.Fatalf("admin create principal: %s", r)
		}
		wantError(t, "duplicate principal", s.as(t, "ops", "POST", "/v1/principals", newSvc), 409, 40961)
		wantError(t, "bad role", s.as(t, "ops", "POST", "/v1/principals", map[string]any{"name": "x", "roles": []string{"god"}}), 422, 42261, "god")
		wantError(t, "unknown field", s.as(t, "ops", "POST", "/v1/principals", map[string]any{"name": "x", "roles": []string{"reader"}, "kind": "person"}), 422, 422)
		wantError(t, "missing principal", s.as(t, "ops", "GET", "/v1/principals/ghost", nil), 404, 40461)
		// The new service signs in with its password.
		if r := s.do("GET", "/subjects", nil, "Authorization", basicHeader("payments-svc", "payments password 1")); r.Status != 200 {
			t.Errorf("new principal's password: %s", r)
		}
		// A principal may read itself, not others.
		if r := s.as(t, "alice", "GET", "/v1/principals/alice", nil); r.Status != 200 {
			t.Errorf("alice reads herself: %s", r)
		}
		wantError(t, "alice reads rita", s.as(t, "alice", "GET", "/v1/principals/rita", nil), 403, 40301)
		var me auth.Principal
		if r := s.as(t, "orders-svc", "GET", "/v1/whoami", nil); r.Status != 200 || json.Unmarshal(r.Body, &me) != nil || me.Name != "orders-svc" || !me.Has(auth.RoleService) {
			t.Errorf("whoami: %s", r)
		}

		// Tokens: everyone for itself, admins for anyone.
		var tok struct {
			ID, Principal, Token, State string
			ExpiresAt                   string `json:"expires_at"`
		}
		r = s.as(t, "alice", "POST", "/v1/tokens", map[string]any{"description": "laptop", "expires_in": "1d"})
		if r.Status != 200 || json.Unmarshal(r.Body, &tok) != nil || tok.Principal != "alice" || !strings.HasPrefix(tok.Token, auth.TokenPrefix) || tok.ExpiresAt == "" || tok.State != "active" {
			t.Fatalf("alice issues a token: %s", r)
		}
		if r := s.do("GET", "/subjects", nil, "Authorization", "Bearer "+tok.Token); r.Status != 200 {
			t.Errorf("alice's new token: %s", r)
		}
		before := string(s.as(t, "root", "GET", "/v1/tokens", nil).Body)
		wantError(t, "alice issues for rita", s.as(t, "alice", "POST", "/v1/tokens", map[string]any{"principal": "rita"}), 403, 40301, "admin")
		wantError(t, "bad expiry", s.as(t, "alice", "POST", "/v1/tokens", map[string]any{"expires_in": "soon"}), 422, 42261)
		wantError(t, "past expiry", s.as(t, "alice", "POST", "/v1/tokens", map[string]any{"expires_at": "2001-01-01T00:00:00Z"}), 422, 42261)
		wantError(t, "both expiries", s.as(t, "alice", "POST", "/v1/tokens", map[string]any{"expires_in": "1h", "expires_at": "2099-01-01T00:00:00Z"}), 422, 42261)
		if after := string(s.as(t, "root", "GET", "/v1/tokens", nil).Body); after != before {
			t.Errorf("refused token requests changed the token list")
		}
		if r := s.as(t, "ops", "POST", "/v1/tokens", map[string]any{"principal": "rita", "expires_at": "2099-01-01T00:00:00Z"}); r.Status != 200 {
			t.Errorf("admin issues for rita: %s", r)
		}

		// Listing never shows secrets; non-admins see their own tokens only.
		var list []map[string]any
		r = s.as(t, "alice", "GET", "/v1/tokens", nil)
		if r.Status != 200 || json.Unmarshal(r.Body, &list) != nil || len(list) != 2 {
			t.Fatalf("alice lists: %s", r)
		}
		for _, x := range list {
			if x["principal"] != "alice" || x["token"] != nil {
				t.Errorf("alice's list shows %v", x)
			}
		}
		wantError(t, "alice lists rita's", s.as(t, "alice", "GET", "/v1/tokens?principal=rita", nil), 403, 40301)
		r = s.as(t, "root", "GET", "/v1/tokens", nil)
		if json.Unmarshal(r.Body, &list) != nil || len(list) != 6 || strings.Contains(string(r.Body), auth.TokenPrefix) {
			t.Errorf("admin lists all (%d): %s", len(list), r)
		}

		// Revocation: own tokens, or any as admin; others' look missing.
		wantError(t, "rita revokes alice's", s.as(t, "rita", "DELETE", "/v1/tokens/"+tok.ID, nil), 404, 40462)
		if r := s.do("GET", "/subjects", nil, "Authorization", "Bearer "+tok.Token); r.Status != 200 {
			t.Errorf("token revoked by a refused request: %s", r)
		}
		if r := s.as(t, "alice", "DELETE", "/v1/tokens/"+tok.ID, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"state":"revoked"`) {
			t.Errorf("alice revokes hers: %s", r)
		}
		wantError(t, "revoked token", s.do("GET", "/subjects", nil, "Authorization", "Bearer "+tok.Token), 401, 40101, "revoked")
		wantError(t, "missing token", s.as(t, "ops", "DELETE", "/v1/tokens/nope", nil), 404, 40462)

		// Disabling a principal locks it out at once; the last admin stays.
		if r := s.as(t, "ops", "DELETE", "/v1/principals/orders-svc", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"disabled":true`) {
			t.Errorf("disable: %s", r)
		}
		wantError(t, "disabled principal", s.as(t, "orders-svc", "GET", "/subjects", nil), 401, 40101, "disabled")
		if r := s.as(t, "ops", "PATCH", "/v1/principals/orders-svc", map[string]any{"disabled": false}); r.Status != 200 {
			t.Errorf("enable: %s", r)
		}
		if r := s.as(t, "orders-svc", "GET", "/subjects", nil); r.Status != 200 {
			t.Errorf("enabled principal: %s", r)
		}
		if r := s.as(t, "ops", "DELETE", "/v1/principals/root", nil); r.Status != 200 {
			t.Errorf("disable root while ops is admin: %s", r)
		}
		wantError(t, "last admin", s.as(t, "ops", "DELETE", "/v1/principals/ops", nil), 409, 40962, "last enabled admin")
		wantError(t, "demote last admin", s.as(t, "ops", "PATCH", "/v1/principals/ops", map[string]any{"roles": []string{"reader"}}), 409, 40962)
	})
}

// TestAuthOff: an open server serves everyone and has no credentials to
// manage.
func TestAuthOff(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		s.register("orders-value", schemaBody(userV1))
		wantError(t, "principals on an open server", s.do("GET", "/v1/principals", nil), 404, 404, "authentication is off")
		wantError(t, "whoami on an open server", s.do("GET", "/v1/whoami", nil), 404, 404, "--auth on")
	})
}
