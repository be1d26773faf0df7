package ui_test

// The harness runs the real stack on SQLite in a temporary folder (store,
// registry, contracts as its policy, lineage, proposals, authentication,
// audit) with the UI mounted in api.Server as accord serve mounts it, and
// a browser-like client: a cookie jar, no redirect following (tests look
// at each 303), and a check that no answer is a 5xx.

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/ui"
)

type env struct {
	t       *testing.T
	URL     string
	ctx     context.Context
	store   *sqlstore.Store
	reg     *registry.Registry
	streams *contracts.Service
	lin     *lineage.Service
	props   *proposals.Service
	authn   *auth.Authenticator // nil: authentication off
	audit   *audit.Log
	tokens  map[string]string // principal → API token
}

// Passwords of the seeded principals.
const password = "correct horse battery staple"

func newEnv(t *testing.T, authOn bool) *env {
	t.Helper()
	st := accordtest.New(t, t.TempDir(), accordtest.Options{Auth: authOn, LineageMaxAge: -1})
	e := &env{t: t, ctx: st.Ctx, store: st.Store, reg: st.Registry, streams: st.Contracts, lin: st.Lineage, props: st.Proposals,
		authn: st.Auth, audit: st.Audit, tokens: map[string]string{}}
	if authOn {
		for name, role := range map[string]auth.Role{
			"root": auth.RoleAdmin, "rita": auth.RoleReviewer, "reed": auth.RoleReader,
			"orders-svc": auth.RoleService, "billing-svc": auth.RoleService,
		} {
			_, err := e.authn.CreatePrincipal(e.ctx, auth.NewPrincipal{Name: name, Roles: []auth.Role{role}, Password: password})
			must(t, "principal "+name, err)
			tok, err := e.authn.IssueToken(e.ctx, name, "test", time.Time{})
			must(t, "token "+name, err)
			e.tokens[name] = tok.Text
		}
	}
	h := ui.New(ui.Options{Registry: e.reg, Contracts: e.streams, Lineage: e.lin, Audit: e.audit, Auth: e.authn, Proposals: e.props, Logger: st.Log})
	hs := httptest.NewServer(api.New(e.reg, api.Options{Logger: st.Log, Auth: e.authn, Contracts: e.streams, Audit: e.audit, Lineage: e.lin, Proposals: e.props, UI: h}))
	t.Cleanup(hs.Close)
	e.URL = hs.URL
	return e
}

// as returns ctx acting as principal name (nil principal when
// authentication is off), for seeding through the services.
func (e *env) as(name string) context.Context {
	ctx := audit.WithWho(e.ctx, audit.Who{Actor: name, RequestID: "seed"})
	if e.authn == nil {
		return ctx
	}
	rec, err := e.authn.Principal(e.ctx, name)
	must(e.t, "principal "+name, err)
	return auth.WithPrincipal(ctx, rec.Principal())
}

func avroRecord(name string, fields ...string) string {
	return `{"type":"record","name":"` + name + `","namespace":"com.acme","fields":[` + strings.Join(fields, ",") + `]}`
}

// Seeded schemas.
var (
	orderV1 = avroRecord("Order", `{"name":"id","type":"string"}`)
	orderV2 = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"total","type":"long","default":0}`)
	// orderV3 is compatible with v2 (a field with a default).
	orderV3    = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"total","type":"long","default":0}`, `{"name":"note","type":["null","string"],"default":null}`)
	paymentsV1 = "syntax = \"proto3\";\npackage acme;\n\nmessage PaymentMade {\n  string id = 1;\n  int64 amount = 2;\n}\n"
	paymentsV2 = "syntax = \"proto3\";\npackage acme;\n\nmessage PaymentMade {\n  string id = 1;\n  string amount = 2;\n}\n"
)

// seed declares streams, registers versions, a lineage edge and a
// pending proposal; it returns the proposal.
func (e *env) seed() proposals.Proposal {
	t := e.t
	owner := e.as("orders-svc")
	admin := e.as("root")
	_, err := e.streams.Create(owner, contracts.Stream{Name: "orders", Owner: "orders-svc", EventType: contracts.State, Visibility: contracts.Public,
		Description: "Current state of every order", Tags: contracts.Tags{Domain: "sales", PII: []string{"customer.email"}, Labels: []string{"core"}},
		Consumers: []contracts.Consumer{{Principal: "billing-svc", Fields: []string{"id", "total"}}}})
	must(t, "stream orders", err)
	_, err = e.streams.Create(admin, contracts.Stream{Name: "payments", Owner: "orders-svc", EventType: contracts.Delta, Visibility: contracts.Private, Description: "Payments made"})
	must(t, "stream payments", err)
	for _, r := range []struct {
		subject, typ, schema string
	}{
		{"orders-key", "", `"string"`},
		{"orders-value", "", orderV1},
		{"orders-value", "", orderV2},
		{"payments-value", "PROTOBUF", paymentsV1},
	} {
		_, err := e.reg.Register(owner, r.subject, registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: r.schema, SchemaType: r.typ}})
		must(t, "register "+r.subject, err)
	}
	// payments v2 is incompatible (a retyped field): register it under NONE.
	_, err = e.reg.SetConfig(admin, "payments-value", registry.Config{Compatibility: "NONE"})
	must(t, "config", err)
	_, err = e.reg.Register(owner, "payments-value", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: paymentsV2, SchemaType: "PROTOBUF"}})
	must(t, "register payments v2", err)
	_, err = e.reg.SetConfig(admin, "payments-value", registry.Config{Compatibility: "BACKWARD"})
	must(t, "config", err)
	_, err = e.lin.PutEdge(admin, lineage.Edge{Kind: lineage.DerivedFrom, From: "payments", To: "orders"})
	must(t, "edge", err)
	pr, err := e.props.Create(owner, proposals.NewProposal{Subject: "orders-value", Schema: orderV3, Description: "add a note"})
	must(t, "proposal", err)
	return pr
}

// client is a browser: cookies, no redirects followed.
type client struct {
	e    *env
	http *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	status int
	body   string
	header http.Header
}

func (c *client) do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		t.Fatalf("%s %s: %d\n%s", req.Method, req.URL, resp.StatusCode, b)
	}
	return answer{resp.StatusCode, string(b), resp.Header}
}

func (c *client) get(t *testing.T, path string) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", c.e.URL+path, nil)
	return c.do(t, req)
}

func (c *client) post(t *testing.T, path string, form url.Values) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", c.e.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(t, req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the forms on page path.
func (c *client) csrf(t *testing.T, path string) string {
	t.Helper()
	a := c.get(t, path)
	m := csrfRE.FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("GET %s: %d, no csrf token in\n%s", path, a.status, a.body)
	}
	return m[1]
}

// login signs in with a password (or a token when pass starts "acc_").
func (c *client) login(t *testing.T, name, pass string) answer {
	t.Helper()
	f := url.Values{"csrf": {c.csrf(t, "/ui/login")}, "next": {"/ui/streams"}}
	if strings.HasPrefix(pass, "acc_") {
		f.Set("token", pass)
	} else {
		f.Set("username", name)
		f.Set("password", pass)
	}
	return c.post(t, "/ui/login", f)
}

func (c *client) signedIn(t *testing.T, name string) *client {
	t.Helper()
	if a := c.login(t, name, password); a.status != 303 {
		t.Fatalf("login %s: %d\n%s", name, a.status, a.body)
	}
	return c
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantStatus(t *testing.T, what string, a answer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, a.status, status, a.body)
	}
}

func wantContains(t *testing.T, what string, a answer, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(a.body, s) {
			t.Errorf("%s: body lacks %q\n%s", what, s, a.body)
		}
	}
}

func wantLacks(t *testing.T, what string, a answer, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(a.body, s) {
			t.Errorf("%s: body has %q", what, s)
		}
	}
}
