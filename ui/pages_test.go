package ui_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/ui"
)

func TestEveryPageRendersForAnAdmin(t *testing.T) {
	e := newEnv(t, true)
	pr := e.seed()
	c := e.client().signedIn(t, "root")
	for _, p := range []struct {
		path string
		want []string
	}{
		{"/ui/streams", []string{`<nav aria-label="Main">`, `aria-current="page">Streams`, ">Audit<", ">Subjects<", `href="/ui/streams/orders"`, `<label for="q">Search</label>`, "Has pending proposals", `class="total">2<`, "Sign out", "root"}},
		{"/ui/streams?q=order&eventType=state&visibility=public&tag=core&owner=orders-svc&pending=1", []string{`class="total">1<`, `href="/ui/streams/orders"`}},
		{"/ui/streams?tag=pii", []string{`class="total">1<`}},
		{"/ui/streams/orders", []string{"<h1>orders</h1>", "Full public state of an entity", "billing-svc", "<th scope=\"col\">Registered</th>", "<th scope=\"col\">Author</th>", `<pre class="code"`, `<span class="k">&#34;fields&#34;</span>`, `<label for="from">From</label>`, "Compare", "Proposal #"}},
		{"/ui/streams/orders?subject=orders-value&version=1", []string{`aria-current="true">View`}},
		{"/ui/streams/orders?subject=orders-key", []string{"Versions of orders-key"}},
		{"/ui/streams/payments", []string{"private", `<span class="kw">message</span>`, `<span class="t">string</span>`}},
		{"/ui/streams/orders/diff?subject=orders-value&from=1&to=2", []string{`class="verdict ok">Compatible under BACKWARD`, `class="diff side"`, `class="diff inline"`}},
		{"/ui/streams/payments/diff?subject=payments-value&from=1&to=2&view=inline", []string{`class="verdict bad">Incompatible under BACKWARD`, "acme.PaymentMade#2", `class="note"`}},
		{"/ui/lineage?stream=orders&depth=2", []string{"<svg", `href="/ui/streams/payments"`, `href="/ui/lineage?service=billing-svc"`, "private", `<label for="depth">Depth</label>`, "Show"}},
		{"/ui/lineage?service=orders-svc&depth=1", []string{"<svg", `href="/ui/streams/orders"`}},
		{"/ui/lineage", []string{"Give a stream or a service"}},
		{"/ui/proposals", []string{fmt.Sprintf(`href="/ui/proposals/%d"`, pr.ID)}},
		{"/ui/proposals?state=all", []string{fmt.Sprintf(`href="/ui/proposals/%d"`, pr.ID)}},
		{"/ui/proposals?state=approved", []string{"No approved proposals"}},
		{fmt.Sprintf("/ui/proposals/%d", pr.ID), []string{fmt.Sprintf("<h1>Proposal #%d</h1>", pr.ID), `class="state badge st-pending">pending<`, "orders-svc", `class="verdict ok"`, "billing-svc", ">Approve<", ">Reject<", `<label for="comment">Comment</label>`, `class="diff side"`}},
		{"/ui/audit", []string{"schema.register", "stream.create"}},
		{"/ui/audit?action=schema.&actor=orders-svc", []string{"orders-value"}},
		{"/ui/subjects", []string{"orders-value", "payments-value", "/ui/schemas/"}},
		{"/ui/subjects?prefix=orders&deleted=1", []string{"orders-key"}},
		{"/ui/schemas/1", []string{"<h1>Schema 1</h1>", `<pre class="code"`}},
	} {
		a := c.get(t, p.path)
		wantStatus(t, p.path, a, 200)
		wantContains(t, p.path, a, p.want...)
		wantContains(t, p.path, a, `<meta name="color-scheme" content="light dark">`, `class="skip" href="#main"`)
		if strings.Contains(a.body, "<script>") || strings.Contains(a.body, " style=") || strings.Contains(a.body, "onclick") {
			t.Errorf("%s: inline script or style", p.path)
		}
	}
	// Authors come from the audit log.
	a := c.get(t, "/ui/streams/orders")
	if !regexp.MustCompile(`(?s)<th scope="row">2</th>.*?orders-svc`).MatchString(a.body) {
		t.Errorf("version 2's author is not orders-svc:\n%s", a.body)
	}
}

func TestRedirectsAndErrors(t *testing.T) {
	e := newEnv(t, true)
	pr := e.seed()
	anon := e.client()
	a := anon.get(t, "/ui")
	wantStatus(t, "/ui", a, 301)
	if a.header.Get("Location") != "/ui/" {
		t.Errorf("/ui → %s", a.header.Get("Location"))
	}
	a = anon.get(t, "/ui/streams/orders?version=2")
	wantStatus(t, "unauthenticated", a, 303)
	if got := a.header.Get("Location"); got != "/ui/login?next="+url.QueryEscape("/ui/streams/orders?version=2") {
		t.Errorf("unauthenticated → %s", got)
	}
	c := e.client().signedIn(t, "root")
	a = c.get(t, "/ui/")
	wantStatus(t, "/ui/", a, 303)
	for _, x := range []struct {
		path   string
		status int
	}{
		{"/ui/streams/nope", 404},
		{"/ui/streams/orders?version=99", 404},
		{"/ui/streams/orders?version=x", 400},
		{"/ui/streams/orders?subject=other-value", 400},
		{"/ui/streams/orders/diff?subject=orders-value&from=1&to=99", 404},
		{"/ui/streams/orders/diff?subject=orders-value&from=a&to=2", 400},
		{"/ui/streams/orders/diff?subject=orders-value", 400},
		{"/ui/streams/orders/diff?subject=orders-value&from=1&to=2&view=3d", 400},
		{"/ui/streams?page=0", 400},
		{"/ui/streams?page=x", 400},
		{"/ui/streams?eventType=weird", 400},
		{"/ui/streams?visibility=secret", 400},
		{"/ui/streams?pending=maybe", 400},
		{"/ui/lineage?stream=orders&depth=9", 400},
		{"/ui/lineage?stream=nope", 404},
		{"/ui/lineage?stream=orders&service=x", 400},
		{"/ui/proposals?state=lost", 400},
		{"/ui/proposals?before=-1", 400},
		{"/ui/proposals/99999", 404},
		{"/ui/proposals/abc", 404},
		{"/ui/audit?before=x", 400},
		{"/ui/subjects?page=-2", 400},
		{"/ui/schemas/999", 404},
		{"/ui/schemas/x", 400},
		{"/ui/nothing-here", 404},
		{"/ui/static/0000/ui.css", 404},
	} {
		a := c.get(t, x.path)
		wantStatus(t, x.path, a, x.status)
		wantContains(t, x.path, a, `role="alert"`)
	}
	reader := e.client().signedIn(t, "reed")
	for _, p := range []string{"/ui/audit", "/ui/subjects"} {
		wantStatus(t, "reader "+p, reader.get(t, p), 403)
	}
	a = reader.get(t, "/ui/streams")
	wantLacks(t, "reader nav", a, `href="/ui/audit"`, `href="/ui/subjects"`)
	reviewer := e.client().signedIn(t, "rita")
	wantStatus(t, "reviewer audit", reviewer.get(t, "/ui/audit"), 200)
	wantStatus(t, "reviewer subjects", reviewer.get(t, "/ui/subjects"), 403)
	a = reviewer.get(t, "/ui/streams")
	wantContains(t, "reviewer nav", a, `href="/ui/audit"`)
	wantLacks(t, "reviewer nav", a, `href="/ui/subjects"`)
	_ = pr
}

func TestHeadersAndStatic(t *testing.T) {
	e := newEnv(t, true)
	c := e.client()
	a := c.get(t, "/ui/login")
	wantStatus(t, "login", a, 200)
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
	} {
		if got := a.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	css := regexp.MustCompile(`href="(/ui/static/[0-9a-f]+/ui\.css)"`).FindStringSubmatch(a.body)
	if css == nil {
		t.Fatalf("no hashed stylesheet in\n%s", a.body)
	}
	s := c.get(t, css[1])
	wantStatus(t, "css", s, 200)
	if !strings.Contains(s.header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(s.header.Get("Content-Type"), "text/css") {
		t.Errorf("css headers %v", s.header)
	}
	wantContains(t, "css", s, "prefers-color-scheme: dark", ":focus-visible")
}

func TestSignInAndOut(t *testing.T) {
	e := newEnv(t, true)
	e.seed()
	t.Run("password", func(t *testing.T) {
		c := e.client()
		a := c.login(t, "rita", password)
		wantStatus(t, "login", a, 303)
		if a.header.Get("Location") != "/ui/streams" {
			t.Errorf("login → %s", a.header.Get("Location"))
		}
		ck := a.header.Get("Set-Cookie")
		for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/ui"} {
			if !strings.Contains(ck, attr) {
				t.Errorf("cookie %q lacks %s", ck, attr)
			}
		}
		if strings.Contains(ck, password) {
			t.Errorf("the cookie holds the password")
		}
		a = c.get(t, "/ui/streams")
		wantStatus(t, "streams", a, 200)
		wantContains(t, "header", a, "rita", ">Sign out<")
		// A session token was issued; sign-out revokes it.
		toks, err := e.authn.Tokens(e.ctx, "rita")
		must(t, "tokens", err)
		var session auth.TokenRecord
		for _, tk := range toks {
			if tk.Description == "ui session" {
				session = tk
			}
		}
		if session.ID == "" || session.ExpiresAt.IsZero() {
			t.Fatalf("no expiring ui session token among %+v", toks)
		}
		csrf := c.csrf(t, "/ui/streams")
		a = c.post(t, "/ui/logout", url.Values{"csrf": {csrf}})
		wantStatus(t, "logout", a, 303)
		tk, err := e.authn.Token(e.ctx, session.ID)
		must(t, "token", err)
		if tk.RevokedAt.IsZero() {
			t.Errorf("the session token was not revoked at sign-out")
		}
		wantStatus(t, "after logout", c.get(t, "/ui/streams"), 303)
	})
	t.Run("token", func(t *testing.T) {
		c := e.client()
		wantStatus(t, "login", c.login(t, "", e.tokens["reed"]), 303)
		wantContains(t, "header", c.get(t, "/ui/streams"), "reed")
		csrf := c.csrf(t, "/ui/streams")
		wantStatus(t, "logout", c.post(t, "/ui/logout", url.Values{"csrf": {csrf}}), 303)
		// The user's own token is not revoked.
		p, err := e.authn.AuthenticateHeader(e.ctx, "Bearer "+e.tokens["reed"])
		if err != nil || p.Name != "reed" {
			t.Errorf("the token stopped working after sign-out: %v", err)
		}
	})
	t.Run("signing in again ends the previous session", func(t *testing.T) {
		sessions := func() (live []string) {
			toks, err := e.authn.Tokens(e.ctx, "rita")
			must(t, "tokens", err)
			for _, tk := range toks {
				if tk.Description == "ui session" && tk.RevokedAt.IsZero() {
					live = append(live, tk.ID)
				}
			}
			return live
		}
		before := len(sessions())
		c := e.client()
		wantStatus(t, "first sign-in", c.login(t, "rita", password), 303)
		first := sessions()
		if len(first) != before+1 {
			t.Fatalf("live sessions after sign-in: %v", first)
		}
		wantStatus(t, "second sign-in", c.login(t, "rita", password), 303)
		if again := sessions(); len(again) != before+1 {
			t.Errorf("the first session's token lives on: %v", again)
		}
		wantContains(t, "after the second sign-in", c.get(t, "/ui/streams"), "rita")
	})
	t.Run("wrong credentials", func(t *testing.T) {
		c := e.client()
		a := c.login(t, "rita", "wrong")
		wantStatus(t, "wrong password", a, 401)
		wantContains(t, "wrong password", a, `role="alert"`, `<label for="username">Username</label>`, `<label for="password">Password</label>`, `<label for="token">API token</label>`)
		a = c.login(t, "", "acc_notatoken_x")
		wantStatus(t, "wrong token", a, 401)
	})
	t.Run("revoked session", func(t *testing.T) {
		c := e.client().signedIn(t, "reed")
		toks, _ := e.authn.Tokens(e.ctx, "reed")
		for _, tk := range toks {
			if tk.Description == "ui session" && tk.RevokedAt.IsZero() {
				_, err := e.authn.RevokeToken(e.ctx, tk.ID)
				must(t, "revoke", err)
			}
		}
		wantStatus(t, "revoked", c.get(t, "/ui/streams"), 303)
	})
	t.Run("open redirect", func(t *testing.T) {
		for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "/v1/streams", "javascript:alert(1)", "/ui/../v1/audit", "/ui/login"} {
			c := e.client()
			f := url.Values{"csrf": {c.csrf(t, "/ui/login")}, "next": {next}, "username": {"rita"}, "password": {password}}
			a := c.post(t, "/ui/login", f)
			wantStatus(t, "login next="+next, a, 303)
			if got := a.header.Get("Location"); got != "/ui/streams" {
				t.Errorf("next=%q redirected to %q", next, got)
			}
		}
		c := e.client()
		f := url.Values{"csrf": {c.csrf(t, "/ui/login")}, "next": {"/ui/streams/orders?version=1"}, "username": {"rita"}, "password": {password}}
		if got := c.post(t, "/ui/login", f).header.Get("Location"); got != "/ui/streams/orders?version=1" {
			t.Errorf("a local next redirected to %q", got)
		}
	})
	t.Run("csrf", func(t *testing.T) {
		c := e.client()
		a := c.post(t, "/ui/login", url.Values{"username": {"rita"}, "password": {password}})
		wantStatus(t, "login without csrf", a, 403)
		c.signedIn(t, "rita")
		wantStatus(t, "logout without csrf", c.post(t, "/ui/logout", nil), 403)
		wantStatus(t, "logout with a forged csrf", c.post(t, "/ui/logout", url.Values{"csrf": {"AAAA"}}), 403)
		// Another session's token is refused too.
		other := e.client().signedIn(t, "reed")
		wantStatus(t, "logout with another session's csrf", c.post(t, "/ui/logout", url.Values{"csrf": {other.csrf(t, "/ui/streams")}}), 403)
		wantStatus(t, "still signed in", c.get(t, "/ui/streams"), 200)
	})
}

func TestDecisions(t *testing.T) {
	e := newEnv(t, true)
	pr := e.seed()
	path := fmt.Sprintf("/ui/proposals/%d", pr.ID)
	t.Run("reader", func(t *testing.T) {
		c := e.client().signedIn(t, "reed")
		a := c.get(t, path)
		wantStatus(t, "reader view", a, 200)
		wantLacks(t, "reader view", a, ">Approve<", ">Reject<")
		csrf := c.csrf(t, path)
		wantStatus(t, "reader approve", c.post(t, path+"/approve", url.Values{"csrf": {csrf}, "comment": {"sneaky"}}), 403)
		wantStatus(t, "reader reject", c.post(t, path+"/reject", url.Values{"csrf": {csrf}}), 403)
	})
	t.Run("proposer", func(t *testing.T) {
		c := e.client().signedIn(t, "orders-svc")
		a := c.get(t, path)
		wantLacks(t, "proposer view", a, ">Approve<")
		wantContains(t, "proposer view", a, ">Withdraw<")
		wantStatus(t, "proposer approve", c.post(t, path+"/approve", url.Values{"csrf": {c.csrf(t, path)}}), 403)
	})
	t.Run("csrf", func(t *testing.T) {
		c := e.client().signedIn(t, "rita")
		wantStatus(t, "approve without csrf", c.post(t, path+"/approve", url.Values{"comment": {"x"}}), 403)
	})
	t.Run("approve", func(t *testing.T) {
		c := e.client().signedIn(t, "rita")
		csrf := c.csrf(t, path)
		a := c.post(t, path+"/approve", url.Values{"csrf": {csrf}, "comment": {"looks good"}})
		wantStatus(t, "approve", a, 303)
		if a.header.Get("Location") != path+"?decided=approved#outcome" {
			t.Errorf("approve → %s", a.header.Get("Location"))
		}
		a = c.get(t, path+"?decided=approved")
		wantContains(t, "approved", a, `class="state badge st-approved">approved<`, "looks good", `role="status"`, "Approved by rita: registered as version 3 of orders-value.", "Report at decision time", `href="/ui/streams/orders?subject=orders-value&amp;version=3"`)
		wantLacks(t, "approved", a, ">Approve<")
		sv, err := e.reg.Version(e.ctx, "orders-value", -1, false)
		must(t, "latest", err)
		if sv.Version != 3 {
			t.Errorf("latest version %d, want 3", sv.Version)
		}
		entries, err := e.audit.List(e.ctx, audit.Filter{Target: "orders-value"})
		must(t, "audit", err)
		var approve, register bool
		for _, en := range entries {
			approve = approve || en.Action == "proposal.approve" && en.Actor == "rita"
			register = register || en.Action == audit.SchemaRegister && strings.Contains(string(en.After), `"version":3`)
		}
		if !approve || !register {
			t.Errorf("audit entries (approve %v, register %v): %+v", approve, register, entries)
		}
		// Deciding again is a conflict, not a 500.
		wantStatus(t, "approve again", c.post(t, path+"/reject", url.Values{"csrf": {csrf}}), 409)
		wantContains(t, "version 3 page", c.get(t, "/ui/streams/orders?version=3"), `aria-current="true">View`)
	})
}

func TestAuthOff(t *testing.T) {
	e := newEnv(t, false)
	pr := e.seed()
	c := e.client()
	a := c.get(t, "/ui/login")
	wantStatus(t, "login", a, 303)
	a = c.get(t, "/ui/streams")
	wantStatus(t, "streams", a, 200)
	wantContains(t, "streams", a, "anonymous", `href="/ui/audit"`, `href="/ui/subjects"`)
	wantLacks(t, "streams", a, ">Sign out<")
	path := fmt.Sprintf("/ui/proposals/%d", pr.ID)
	wantContains(t, "proposal", c.get(t, path), ">Approve<")
	wantStatus(t, "reject without csrf", c.post(t, path+"/reject", nil), 403)
	a = c.post(t, path+"/reject", url.Values{"csrf": {c.csrf(t, path)}, "comment": {"no"}})
	wantStatus(t, "reject", a, 303)
	wantContains(t, "rejected", c.get(t, path), `class="state badge st-rejected">rejected<`)
	for _, p := range []string{"/ui/audit", "/ui/subjects", "/ui/lineage?stream=orders"} {
		wantStatus(t, p, c.get(t, p), 200)
	}
}

// TestServicesOff: with no services every page says so; nothing panics.
func TestServicesOff(t *testing.T) {
	h := ui.New(ui.Options{})
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/ui/streams", 200}, {"/ui/lineage?stream=x", 200}, {"/ui/proposals", 200}, {"/ui/audit", 200},
		{"/ui/subjects", 404}, {"/ui/streams/x", 404}, {"/ui/streams/x/diff?from=1&to=2", 404},
		{"/ui/proposals/1", 404}, {"/ui/schemas/1", 404},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		if rec.Code != c.status {
			t.Errorf("%s: %d, want %d\n%s", c.path, rec.Code, c.status, rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/ui/proposals/1/approve", strings.NewReader("csrf=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	if rec.Code != 403 {
		t.Errorf("POST with a bad csrf: %d", rec.Code)
	}
}

// The audit log pages newest first: a full page links to the next, which
// starts right after this page's last entry and keeps the filter.
func TestAuditPaging(t *testing.T) {
	e := newEnv(t, true)
	admin := e.as("root")
	for i := range ui.PageSize + 5 {
		_, err := e.reg.Register(admin, fmt.Sprintf("paged-%03d-value", i), registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: `"string"`}})
		must(t, "register", err)
	}
	c := e.client().signedIn(t, "root")
	first := c.get(t, "/ui/audit?action=schema.register")
	wantStatus(t, "first page", first, 200)
	wantContains(t, "first page", first, fmt.Sprintf("paged-%03d-value", ui.PageSize+4), "paged-005-value")
	if strings.Contains(first.body, "paged-004-value") {
		t.Errorf("the first page holds more than %d entries", ui.PageSize)
	}
	next := regexp.MustCompile(`href="(/ui/audit\?[^"]*before=[0-9]+[^"]*)"`).FindStringSubmatch(first.body)
	if next == nil {
		t.Fatalf("no link to the next page:\n%s", first.body)
	}
	link := strings.ReplaceAll(next[1], "&amp;", "&")
	if !strings.Contains(link, "action=schema.register") {
		t.Errorf("the next page lost the filter: %s", link)
	}
	second := c.get(t, link)
	wantStatus(t, "second page", second, 200)
	wantContains(t, "second page", second, "paged-004-value", "paged-000-value")
	if strings.Contains(second.body, "paged-005-value") || strings.Contains(second.body, `before=`) {
		t.Errorf("the second page repeats entries or links further:\n%s", second.body)
	}
}
