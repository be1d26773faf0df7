package api_test

// The authorization matrix: every write route of the server (Confluent and
// native) × every kind of caller, with authentication and streams on, on
// both engines. Each case runs on a fresh fixture so allowed writes cannot
// disturb the next case; a denied request must leave every listing
// (registry, streams, transfers, audit log, principals, tokens) as it was,
// and an allowed write must be in the audit log under the caller's name.
// TestAuthzMatrixCoversEveryRoute walks the router, so a new write route
// without a row fails.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
)

// Callers of the matrix: "" is anonymous; the others are principals of the
// fixture, named after their role or ownership case.
const (
	anon     = ""
	reader   = "reader"
	reviewer = "reviewer"
	svcOther = "svc-other"
	svcOwner = "svc-owner"
	admin    = "admin"
)

var callers = []string{anon, reader, reviewer, svcOther, svcOwner, admin}

// fixture is a server with authentication, streams and the audit log, and
// a stream "orders" owned by svc-owner with both its subjects registered,
// a subject config (the stream's compatibility) and mode, and global
// config and mode set.
type fixture struct {
	*server
	handler *api.Server
	creds   map[string]string // principal → Authorization header
	// spareToken is a second token of svc-owner, for revocations.
	spareToken string
	// proposal is a pending proposal of svc-owner on orders-value.
	proposal string
}

var (
	ordersKey     = schemaBody(`"string"`)
	ordersValue   = schemaBody(avroRecord("Order", `{"name":"id","type":"string"}`))
	ordersValueV2 = schemaBody(avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"note","type":["null","string"],"default":null}`))
	// ordersValueV3 is the fixture's pending proposal, ordersValueV4 another.
	ordersValueV3 = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"total","type":"long","default":0}`)
	ordersValueV4 = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"lines","type":"int","default":0}`)
)

// startFixture starts a fixture on target; unowned is the policy for
// subjects of no stream.
func startFixture(t *testing.T, target string, unowned contracts.UnownedPolicy) *fixture {
	t.Helper()
	// Tokens, not passwords: argon2 would dominate the fixture's cost.
	_, adminTok, _, err := auth.NewToken()
	must(t, "token", err)
	st := accordtest.New(t, target, accordtest.Options{Unowned: unowned, Auth: true, Admin: admin, AdminSecret: adminTok, LineageMaxAge: -1})
	ctx, authn := st.Ctx, st.Auth
	f := &fixture{creds: map[string]string{admin: "Bearer " + adminTok}}
	for name, role := range map[string]auth.Role{reader: auth.RoleReader, reviewer: auth.RoleReviewer, svcOther: auth.RoleService, svcOwner: auth.RoleService} {
		_, err := authn.CreatePrincipal(ctx, auth.NewPrincipal{Name: name, Roles: []auth.Role{role}})
		must(t, "principal "+name, err)
		tok, err := authn.IssueToken(ctx, name, "matrix", time.Time{})
		must(t, "token "+name, err)
		f.creds[name] = "Bearer " + tok.Text
	}
	spare, err := authn.IssueToken(ctx, svcOwner, "spare", time.Time{})
	must(t, "spare token", err)
	f.spareToken = spare.ID

	f.handler = api.New(st.Registry, api.Options{Logger: st.Log, Auth: authn, Contracts: st.Contracts, Audit: st.Audit, Lineage: st.Lineage, Proposals: st.Proposals})
	hs := httptest.NewServer(f.handler)
	t.Cleanup(hs.Close)
	httpc := &http.Client{Transport: no5xx{t, hs.Client().Transport}, Timeout: 30 * time.Second}
	cl, err := sr.NewClient(sr.URLs(hs.URL), sr.HTTPClient(httpc))
	must(t, "client", err)
	f.server = &server{t: t, URL: hs.URL, Client: cl, HTTP: httpc}

	for _, c := range []struct {
		who, method, path string
		body              any
		status            int
	}{
		{admin, "PUT", "/config", map[string]string{"compatibility": "BACKWARD"}, 200},
		{admin, "PUT", "/mode", map[string]string{"mode": "READWRITE"}, 200},
		{svcOwner, "POST", "/v1/streams", map[string]any{"name": "orders", "eventType": "state", "visibility": "public", "compatibility": "BACKWARD"}, 201},
		{svcOwner, "POST", "/subjects/orders-key/versions", ordersKey, 200},
		{svcOwner, "POST", "/subjects/orders-value/versions", ordersValue, 200},
		{svcOwner, "PUT", "/mode/orders-value", map[string]string{"mode": "READWRITE"}, 200},
		{admin, "POST", "/v1/lineage/edges", map[string]any{"kind": "consumes", "from": "orders", "to": svcOwner}, 200},
	} {
		if r := f.as(t, c.who, c.method, c.path, c.body); r.Status != c.status {
			t.Fatalf("fixture: %s %s %s: %s", c.who, c.method, c.path, r)
		}
	}
	r := f.as(t, svcOwner, "POST", "/v1/proposals", map[string]any{"stream": "orders", "schema": ordersValueV3})
	var created struct {
		Proposal struct{ ID int64 }
	}
	if err := json.Unmarshal(r.Body, &created); r.Status != 201 || err != nil {
		t.Fatalf("fixture: proposing: %s (%v)", r, err)
	}
	f.proposal = fmt.Sprint(created.Proposal.ID)
	return f
}

// as sends a request as who ("" anonymous), with extra header pairs.
func (f *fixture) as(t *testing.T, who, method, path string, body any, header ...string) response {
	t.Helper()
	if who != anon {
		header = append(header, "Authorization", f.creds[who])
	}
	r, err := f.send(method, path, body, header...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// state reads, as the admin, everything a denied request must not change.
// Tokens' last_used_at is left out: authenticating records it, which is
// use, not change.
func (f *fixture) state(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{
		"/subjects?deleted=true", "/schemas?deleted=true", "/contexts",
		"/config", "/mode", "/config/orders-value", "/mode/orders-value",
		"/subjects/orders-value/versions?deleted=true", "/subjects/orders-key/versions?deleted=true",
		"/v1/streams", "/v1/streams/orders/transfers", "/v1/audit?limit=1000",
		"/v1/principals", "/v1/tokens", "/v1/lineage/edges", "/v1/proposals",
	} {
		r := f.as(t, admin, "GET", p, nil)
		body := r.Body
		if p == "/v1/tokens" {
			var toks []map[string]any
			if err := json.Unmarshal(body, &toks); err != nil {
				t.Fatalf("tokens %s: %v", body, err)
			}
			for _, tok := range toks {
				delete(tok, "last_used_at")
			}
			body, _ = json.Marshal(toks)
		}
		fmt.Fprintf(&b, "%s -> %d %s\n", p, r.Status, body)
	}
	return b.String()
}

// outcome is what a caller gets: a status, and for errors the error_code.
type outcome struct {
	status, code int
}

var (
	ok200        = outcome{200, 0}
	ok201        = outcome{201, 0}
	ok204        = outcome{204, 0}
	unauthorized = outcome{401, 40101}
	forbidden    = outcome{403, 40301}
	noToken      = outcome{404, 40462} // other principals' tokens do not exist for them
)

// expect maps each caller to its outcome; anonymous callers always get 401.
type expect map[string]outcome

// everyone: any principal may (checks that write nothing).
func everyone(o outcome) expect {
	return expect{anon: unauthorized, reader: o, reviewer: o, svcOther: o, svcOwner: o, admin: o}
}

// ownerOrAdmin: the stream's owner and admins; every other principal is
// refused (by role or by ownership).
func ownerOrAdmin(o outcome) expect {
	return expect{anon: unauthorized, reader: forbidden, reviewer: forbidden, svcOther: forbidden, svcOwner: o, admin: o}
}

func adminOnly(o outcome) expect {
	return expect{anon: unauthorized, reader: forbidden, reviewer: forbidden, svcOther: forbidden, svcOwner: forbidden, admin: o}
}

// matrixRow is one request to one route. readOnly rows change nothing
// even when allowed.
type matrixRow struct {
	method, route string
	path          func(f *fixture) string
	body          any
	readOnly      bool
	want          expect
}

func at(p string) func(*fixture) string { return func(*fixture) string { return p } }

var matrix = []matrixRow{
	// Confluent.
	{"POST", "/subjects/{subject}", at("/subjects/orders-value"), ordersValue, true, everyone(ok200)},
	{"DELETE", "/subjects/{subject}", at("/subjects/orders-value"), nil, false, ownerOrAdmin(ok200)},
	{"POST", "/subjects/{subject}/versions", at("/subjects/orders-value/versions"), ordersValueV2, false, ownerOrAdmin(ok200)},
	{"DELETE", "/subjects/{subject}/versions/{version}", at("/subjects/orders-value/versions/1"), nil, false, ownerOrAdmin(ok200)},
	{"PUT", "/config", at("/config"), map[string]string{"compatibility": "FULL"}, false, adminOnly(ok200)},
	{"DELETE", "/config", at("/config"), nil, false, adminOnly(ok200)},
	{"PUT", "/config/{subject}", at("/config/orders-value"), map[string]string{"compatibility": "FULL"}, false, ownerOrAdmin(ok200)},
	{"DELETE", "/config/{subject}", at("/config/orders-value"), nil, false, ownerOrAdmin(ok200)},
	{"PUT", "/mode", at("/mode"), map[string]string{"mode": "READONLY"}, false, adminOnly(ok200)},
	{"DELETE", "/mode", at("/mode"), nil, false, adminOnly(ok200)},
	{"PUT", "/mode/{subject}", at("/mode/orders-value"), map[string]string{"mode": "READONLY"}, false, ownerOrAdmin(ok200)},
	{"DELETE", "/mode/{subject}", at("/mode/orders-value"), nil, false, ownerOrAdmin(ok200)},
	{"DELETE", "/contexts/{context}", at("/contexts/.empty"), nil, false, adminOnly(outcome{204, 0})},
	// The context-path forms reach the same routes and the same rules.
	{"PUT", "/config/{subject}", at("/contexts/.other/config/orders-value"), map[string]string{"compatibility": "FULL"}, false, expect{
		anon: unauthorized, reader: forbidden, reviewer: forbidden, svcOther: ok200, svcOwner: ok200, admin: ok200, // another context's subject: no stream
	}},
	{"PUT", "/config/{subject}", at("/contexts/.other/config"), map[string]string{"compatibility": "FULL"}, false, adminOnly(ok200)},
	{"POST", "/compatibility/subjects/{subject}/versions", at("/compatibility/subjects/orders-value/versions"), ordersValueV2, true, everyone(ok200)},
	{"POST", "/compatibility/subjects/{subject}/versions/{version}", at("/compatibility/subjects/orders-value/versions/latest"), ordersValueV2, true, everyone(ok200)},

	// Principals: admins only, themselves included.
	{"POST", "/v1/principals", at("/v1/principals"), map[string]any{"name": "new-svc", "roles": []string{"service"}}, false, adminOnly(ok200)},
	{"PATCH", "/v1/principals/{name}", at("/v1/principals/reader"), map[string]any{"roles": []string{"reader", "reviewer"}}, false, adminOnly(ok200)},
	{"DELETE", "/v1/principals/{name}", at("/v1/principals/svc-other"), nil, false, adminOnly(ok200)},
	// Tokens: everyone its own, admins everyone's.
	{"POST", "/v1/tokens", at("/v1/tokens"), map[string]any{"description": "own"}, false, everyone(ok200)},
	{"POST", "/v1/tokens", at("/v1/tokens"), map[string]any{"principal": svcOwner}, false, expect{
		anon: unauthorized, reader: forbidden, reviewer: forbidden, svcOther: forbidden, svcOwner: ok200, admin: ok200,
	}},
	{"DELETE", "/v1/tokens/{id}", func(f *fixture) string { return "/v1/tokens/" + f.spareToken }, nil, false, expect{
		anon: unauthorized, reader: noToken, reviewer: noToken, svcOther: noToken, svcOwner: ok200, admin: ok200,
	}},

	// Streams.
	{"POST", "/v1/streams/", at("/v1/streams"), map[string]any{"name": "payments", "eventType": "state", "owner": svcOwner}, false, ownerOrAdmin(ok201)},
	{"POST", "/v1/streams/", at("/v1/streams"), map[string]any{"name": "payments", "eventType": "state"}, false, expect{
		anon: unauthorized, reader: forbidden, reviewer: forbidden, svcOther: ok201, svcOwner: ok201, admin: ok201, // owned by the caller
	}},
	{"PUT", "/v1/streams/{name}", at("/v1/streams/orders"), map[string]any{"eventType": "state", "visibility": "public", "description": "replaced"}, false, ownerOrAdmin(ok200)},
	{"PATCH", "/v1/streams/{name}", at("/v1/streams/orders"), map[string]any{"description": "patched"}, false, ownerOrAdmin(ok200)},
	{"DELETE", "/v1/streams/{name}", at("/v1/streams/orders"), nil, false, ownerOrAdmin(ok204)},
	{"POST", "/v1/streams/{name}/transfer", at("/v1/streams/orders/transfer"), map[string]string{"owner": svcOther}, false, ownerOrAdmin(ok200)},
	{"POST", "/v1/streams/{name}/lint", at("/v1/streams/orders/lint"), map[string]any{"schema": ordersValueV2["schema"]}, true, everyone(ok200)},

	// The validation hook writes nothing: any signed-in caller (brokers,
	// proxies, CI) may ask for verdicts.
	{"POST", "/v1/validate", at("/v1/validate"), map[string]any{"topic": "orders", "producer": svcOwner}, true, everyone(ok200)},
	{"POST", "/v1/validate/batch", at("/v1/validate/batch"), map[string]any{"records": []map[string]any{{"topic": "orders", "producer": svcOwner}}}, true, everyone(ok200)},

	// Lineage: a service declares (and removes) only its own edges and
	// reports only its own runs; reviewers declare nothing; impact
	// analysis is a check anyone may ask for.
	{"POST", "/v1/lineage/edges", at("/v1/lineage/edges"), map[string]any{"kind": "consumes", "from": "orders", "to": svcOwner, "fields": []string{"id"}}, false, ownerOrAdmin(ok200)},
	{"DELETE", "/v1/lineage/edges", at("/v1/lineage/edges?kind=consumes&from=orders&to=" + svcOwner), nil, false, ownerOrAdmin(ok204)},
	{"POST", "/api/v1/lineage", at("/api/v1/lineage"), map[string]any{"eventType": "COMPLETE", "job": map[string]any{"namespace": "prod", "name": svcOwner},
		"run": map[string]any{"runId": "r1"}, "inputs": []map[string]any{{"namespace": "kafka://b:9092", "name": "orders"}}}, false, ownerOrAdmin(ok200)},
	{"POST", "/v1/streams/{name}/impact", at("/v1/streams/orders/impact"), map[string]any{"schema": ordersValueV2["schema"]}, true, everyone(ok200)},

	// Proposals: whoever may register the subject proposes; reviewers and
	// admins decide, never the proposer (svc-owner proposed the fixture's);
	// the proposer or an admin withdraws.
	{"POST", "/v1/proposals/", at("/v1/proposals"), map[string]any{"stream": "orders", "schema": ordersValueV4}, false, ownerOrAdmin(ok201)},
	{"POST", "/v1/proposals/{id}/approve", proposalPath("approve"), map[string]any{"comment": "ok"}, false, deciders(ok200)},
	{"POST", "/v1/proposals/{id}/reject", proposalPath("reject"), map[string]any{"comment": "no"}, false, deciders(ok200)},
	{"POST", "/v1/proposals/{id}/withdraw", proposalPath("withdraw"), nil, false, ownerOrAdmin(ok200)},
}

// deciders: reviewers and admins; the proposer (svc-owner) is refused
// like every other service.
func deciders(o outcome) expect {
	return expect{anon: unauthorized, reader: forbidden, reviewer: o, svcOther: forbidden, svcOwner: forbidden, admin: o}
}

func proposalPath(verb string) func(*fixture) string {
	return func(f *fixture) string { return "/v1/proposals/" + f.proposal + "/" + verb }
}

// proxyActor names, per route, the actions whose audit entries name
// another actor than the caller: an approval registers as the proposer.
var proxyActor = map[string]map[string]string{
	"/v1/proposals/{id}/approve": {audit.SchemaRegister: svcOwner},
}

func TestAuthzMatrix(t *testing.T) {
	for _, e := range accordtest.Engines {
		t.Run(e.Name, func(t *testing.T) {
			for i, row := range matrix {
				for _, who := range callers {
					caller := who
					if caller == anon {
						caller = "anonymous"
					}
					name := fmt.Sprintf("%02d %s %s as %s", i, row.method, row.route, caller)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						f := startFixture(t, e.Target(t), contracts.UnownedOpen)
						runCase(t, f, row, who)
					})
				}
			}
		})
	}
}

func runCase(t *testing.T, f *fixture, row matrixRow, who string) {
	want, ok := row.want[who]
	if !ok {
		t.Fatalf("row has no outcome for %q", who)
	}
	path := row.path(f)
	before := f.state(t)
	reqID := "matrix-" + strings.NewReplacer("/", "_", "{", "", "}", "").Replace(row.method+path)
	r := f.as(t, who, row.method, path, row.body, "X-Request-Id", reqID)
	what := fmt.Sprintf("%s %s as %q", row.method, path, who)
	if want.code != 0 {
		wantError(t, what, r, want.status, want.code)
	} else if r.Status != want.status {
		t.Errorf("%s: %s, want %d", what, r, want.status)
	}
	after := f.state(t)
	if want.code != 0 || row.readOnly {
		if after != before {
			t.Errorf("%s (answered %d) changed state:\nbefore:\n%s\nafter:\n%s", what, r.Status, before, after)
		}
		return
	}
	// An allowed write is in the audit log, under the caller's name and
	// the request's id.
	var entries []audit.Entry
	if err := json.Unmarshal(f.as(t, admin, "GET", "/v1/audit?limit=1000", nil).Body, &entries); err != nil {
		t.Fatal(err)
	}
	var mine []audit.Entry
	for _, e := range entries {
		if e.RequestID == reqID {
			mine = append(mine, e)
		}
	}
	if len(mine) == 0 {
		t.Errorf("%s: no audit entry with request id %s", what, reqID)
	}
	for _, e := range mine {
		want := who
		if a, ok := proxyActor[row.route][e.Action]; ok {
			want = a
		}
		if e.Actor != want {
			t.Errorf("%s: audit entry %s %s names actor %q, want %q", what, e.Action, e.Target, e.Actor, want)
		}
	}
}

// TestAuthzMatrixCoversEveryRoute: every route that is not a GET has at
// least one row, and every row names a real route.
func TestAuthzMatrixCoversEveryRoute(t *testing.T) {
	f := startFixture(t, t.TempDir(), contracts.UnownedOpen)
	var routes []string
	err := chi.Walk(f.handler.Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodGet && method != http.MethodHead {
			routes = append(routes, method+" "+route)
		}
		return nil
	})
	must(t, "walk", err)
	sort.Strings(routes)
	var rows []string
	for _, row := range matrix {
		rows = append(rows, row.method+" "+row.route)
		if len(row.want) != len(callers) {
			t.Errorf("row %s %s has %d outcomes, want one per caller (%d)", row.method, row.route, len(row.want), len(callers))
		}
	}
	for _, r := range routes {
		if !slices.Contains(rows, r) {
			t.Errorf("write route %s has no row in the authorization matrix", r)
		}
	}
	for _, r := range rows {
		if !slices.Contains(routes, r) {
			t.Errorf("matrix row %s is not a route of the server", r)
		}
	}
	t.Logf("%d write routes, %d rows × %d callers", len(routes), len(matrix), len(callers))
}
