package ui_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/accord/accord/contracts"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/registry"
)

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// links returns the page's links (attribute-decoded) that contain sub.
func links(body, sub string) []string {
	var out []string
	for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
		if u := html.UnescapeString(m[1]); strings.Contains(u, sub) {
			out = append(out, u)
		}
	}
	return out
}

// Links carry names with URL-special characters, non-ASCII and contexts
// (":.ctx:name") through to the page they name: following a subject, a
// version, an owner or a consumer link from a stream page shows it, not a
// "not a subject of this stream".
func TestLinksWithSpecialNames(t *testing.T) {
	e := newEnv(t, true)
	admin := e.as("root")
	owner := "svc é&x"
	_, err := e.streams.Create(admin, contracts.Stream{Name: "café#1", Owner: owner, EventType: contracts.Delta,
		Strategy: contracts.RecordName, ValueSubjects: []string{":.eu:com.acme.Order", "a+b c%d"},
		Consumers: []contracts.Consumer{{Principal: "reader ü&y"}}})
	must(t, "stream", err)
	for _, subj := range []string{":.eu:com.acme.Order", "a+b c%d"} {
		for _, s := range []string{orderV1, orderV2} {
			_, err := e.reg.Register(admin, subj, registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: s}})
			must(t, "register "+subj, err)
		}
	}
	c := e.client().signedIn(t, "root")
	streams := c.get(t, "/ui/streams")
	page := links(streams.body, "/ui/streams/caf")
	if len(page) != 1 {
		t.Fatalf("stream links %v", page)
	}
	a := c.get(t, page[0])
	wantStatus(t, page[0], a, 200)
	wantContains(t, "stream page", a, "<h1>café#1</h1>")
	for _, subj := range []string{":.eu:com.acme.Order", "a+b c%d"} {
		var l string
		for _, x := range links(a.body, "?subject=") {
			if u, err := url.Parse(x); err == nil && u.Query().Get("subject") == subj && !strings.Contains(x, "version=") && !strings.Contains(x, "/diff") {
				l = x
			}
		}
		if l == "" {
			t.Errorf("no link to subject %q in %v", subj, links(a.body, "?subject="))
			continue
		}
		// Relative to the stream page, as a browser resolves it.
		base, _ := url.Parse(page[0])
		ref, _ := url.Parse(l)
		s := c.get(t, base.ResolveReference(ref).String())
		wantStatus(t, "subject "+subj, s, 200)
		if !strings.Contains(html.UnescapeString(s.body), "Versions of "+subj) {
			t.Errorf("subject %s: the page shows another subject", subj)
		}
		// Its version links and the compare links open.
		for _, v := range links(s.body, "version=1") {
			wantStatus(t, v, c.get(t, v), 200)
		}
	}
	for _, who := range []string{owner, "reader ü&y"} {
		found := false
		for _, x := range links(a.body+streams.body, "/ui/") {
			u, err := url.Parse(x)
			if err == nil && (u.Query().Get("owner") == who || u.Query().Get("service") == who) {
				found = true
			}
		}
		if !found {
			t.Errorf("no link naming %q: %v", who, links(a.body, "/ui/"))
		}
	}
}

// Login CSRF: a sign-in form token fetched by someone else (an attacking
// page's server) does not sign another browser in, so a victim cannot be
// put in the attacker's session.
func TestLoginCSRFBoundToBrowser(t *testing.T) {
	e := newEnv(t, true)
	attacker := e.client()
	token := attacker.csrf(t, "/ui/login")
	victim := e.client()
	a := victim.post(t, "/ui/login", url.Values{"csrf": {token}, "token": {e.tokens["reed"]}, "next": {"/ui/streams"}})
	wantStatus(t, "sign-in with another browser's form token", a, 403)
	wantStatus(t, "victim not signed in", victim.get(t, "/ui/streams"), 303)
	// The victim's own form works, also after a failed attempt.
	victim.csrf(t, "/ui/login")
	wantStatus(t, "own form", victim.login(t, "reed", e.tokens["reed"]), 303)
	wantStatus(t, "own form again", e.client().login(t, "rita", password), 303)
}

// A stream's pending count links to that stream's proposals, not to every
// pending proposal.
func TestPendingLinkFiltersByStream(t *testing.T) {
	e := newEnv(t, true)
	orders := e.seed()
	paymentsV3 := strings.Replace(paymentsV2, "}\n", "  string note = 3;\n}\n", 1)
	pay, err := e.props.Create(e.as("orders-svc"), proposals.NewProposal{Subject: "payments-value", SchemaType: "PROTOBUF", Schema: paymentsV3})
	must(t, "proposal", err)
	c := e.client().signedIn(t, "root")
	ls := links(c.get(t, "/ui/streams").body, "/ui/proposals?")
	var l string
	for _, x := range ls {
		if u, _ := url.Parse(x); u.Query().Get("stream") == "payments" {
			l = x
		}
	}
	if l == "" {
		t.Fatalf("no link to the pending proposals of payments among %v", ls)
	}
	a := c.get(t, l)
	wantStatus(t, l, a, 200)
	wantContains(t, l, a, "<h1>Proposals of payments</h1>", fmt.Sprintf(`href="/ui/proposals/%d"`, pay.ID), `name="stream" value="payments"`)
	wantLacks(t, l, a, fmt.Sprintf(`href="/ui/proposals/%d"`, orders.ID))
}

// A method a page does not accept is a 405 naming the ones it does.
func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t, true)
	e.seed()
	c := e.client().signedIn(t, "root")
	for _, x := range []struct{ method, path, allow string }{
		{"DELETE", "/ui/streams", "GET, HEAD"},
		{"GET", "/ui/logout", "POST"},
		{"PUT", "/ui/login", "GET, HEAD, POST"},
		{"GET", "/ui/proposals/1/approve", "POST"},
	} {
		req, _ := http.NewRequest(x.method, e.URL+x.path, nil)
		a := c.do(t, req)
		wantStatus(t, x.method+" "+x.path, a, 405)
		if got := a.header.Get("Allow"); got != x.allow {
			t.Errorf("%s %s: Allow %q, want %q", x.method, x.path, got, x.allow)
		}
	}
}

// A subject's audit link keeps its context: the entries of ":.eu:x" are
// not mixed with those of "x" in the default context.
func TestAuditTargetKeepsContext(t *testing.T) {
	e := newEnv(t, true)
	admin := e.as("root")
	for _, subj := range []string{"events-value", ":.eu:events-value"} {
		_, err := e.reg.Register(admin, subj, registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: orderV1}})
		must(t, "register "+subj, err)
	}
	c := e.client().signedIn(t, "root")
	a := c.get(t, "/ui/audit?action=schema.register")
	var l string
	for _, x := range links(a.body, "target=events-value") {
		if u, _ := url.Parse(x); u.Query().Get("context") == ".eu" {
			l = x
		}
	}
	if l == "" {
		t.Fatalf("no target link with the context .eu: %v", links(a.body, "target="))
	}
	a = c.get(t, l)
	wantStatus(t, l, a, 200)
	if n := strings.Count(a.body, "<td><a href=\"/ui/audit?action=schema.register\">"); n != 1 {
		t.Errorf("%s lists %d registrations, want the one in .eu", l, n)
	}
}
