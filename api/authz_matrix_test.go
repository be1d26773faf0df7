package api_test

// The authorization suite: every route of the server (enumerated from the
// router with chi.Walk, so a new route without a row fails
// TestAuthzMatrixCoversEveryRoute) × every kind of caller (anonymous, a
// reader, a reviewer, a service that owns nothing, the owning service, an
// admin), with authentication, streams, lineage and proposals on, on both
// engines. Each write case runs on a fresh fixture so allowed writes
// cannot disturb the next case; reads share one. A denied request must
// leave every table of the database as it was (dumpDB), and an allowed
// write must be in the audit log under the caller's name. The expected
// outcomes restate the route-policy table (api/routes.go) from the
// caller's side, including the holes of issue 12 (IMPORT mode, review-
// required deletes, transfers, references to private streams).

import (
	"database/sql"
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
	"github.com/accord/accord/backup"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry/sqlstore"
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
	// dump dumps every table of the fixture's database.
	dump func(t *testing.T) string
}

var (
	ordersKey     = schemaBody(`"string"`)
	ordersValue   = schemaBody(avroRecord("Order", `{"name":"id","type":"string"}`))
	ordersValueV2 = schemaBody(avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"note","type":["null","string"],"default":null}`))
	// ordersValueV3 is the fixture's pending proposal, ordersValueV4 another.
	ordersValueV3 = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"total","type":"long","default":0}`)
	ordersValueV4 = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"lines","type":"int","default":0}`)
	// ledgerEntry is the private stream ledger's value; refsToLedger a
	// schema referencing it.
	ledgerEntry  = `{"type":"record","name":"Entry","namespace":"com.acme","fields":[{"name":"amount","type":"long"}]}`
	refsToLedger = schemaBody(`{"type":"record","name":"Statement","namespace":"com.acme","fields":[{"name":"entry","type":"com.acme.Entry"}]}`,
		"references", []map[string]any{{"name": "com.acme.Entry", "subject": "ledger-value", "version": 1}})
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

	f.dump = func(t *testing.T) string { return dumpDB(t, st.Store.DB()) }
	f.handler = api.New(st.Registry, api.Options{Logger: st.Log, Auth: authn, Contracts: st.Contracts, Audit: st.Audit, Lineage: st.Lineage, Proposals: st.Proposals,
		Backups: backup.NewService(st.Store.DB(), nil)})
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
		// audits requires review; ledger is private, with a schema others
		// might reference.
		{svcOwner, "POST", "/v1/streams", map[string]any{"name": "audits", "eventType": "state", "visibility": "public", "reviewRequired": true}, 201},
		{svcOwner, "POST", "/v1/streams", map[string]any{"name": "ledger", "eventType": "state", "visibility": "private"}, 201},
		{svcOwner, "POST", "/subjects/ledger-key/versions", ordersKey, 200},
		{svcOwner, "POST", "/subjects/ledger-value/versions", schemaBody(ledgerEntry), 200},
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

// state is everything a denied request must not change: every row of
// every table.
func (f *fixture) state(t *testing.T) string { return f.dump(t) }

// dumpDB renders every row of every table of db, in a stable order.
// Tokens' last_used_at is left out: authenticating records it, which is
// use, not change.
func dumpDB(t *testing.T, db sqlstore.DB) string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if db.Postgres() {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	tables, err := queryStrings(db.Read, q)
	must(t, "listing tables", err)
	if len(tables) < 10 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.Read.Query(`SELECT * FROM ` + table)
		must(t, "dumping "+table, err)
		cols, err := rows.Columns()
		must(t, "columns of "+table, err)
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			must(t, "scanning "+table, rows.Scan(ptrs...))
			var line strings.Builder
			for i, c := range cols {
				if c == "last_used_at" { // tokens: use, not change
					continue
				}
				v := vals[i]
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&line, "%s=%v ", c, v)
			}
			lines = append(lines, line.String())
		}
		must(t, "reading "+table, rows.Err())
		rows.Close()
		sort.Strings(lines)
		fmt.Fprintf(&b, "== %s (%d rows)\n%s\n", table, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

func queryStrings(db *sql.DB, q string) ([]string, error) {
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
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
	badTransfer  = outcome{422, 42271} // not an enabled service: refused, nothing recorded
	// open200: served to everyone, credentials or not.
	open200 = expect{anon: ok200, reader: ok200, reviewer: ok200, svcOther: ok200, svcOwner: ok200, admin: ok200}
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
	// Open probes: anyone, signed in or not.
	{"GET", "/", at("/"), nil, true, open200},
	{"GET", "/health", at("/health"), nil, true, open200},
	{"GET", "/v1/health", at("/v1/health"), nil, true, open200},
	{"GET", "/health/live", at("/health/live"), nil, true, open200},
	{"GET", "/health/ready", at("/health/ready"), nil, true, open200},
	{"GET", "/health/startup", at("/health/startup"), nil, true, open200},

	// Reads: any principal.
	{"GET", "/v1/metadata/id", at("/v1/metadata/id"), nil, true, everyone(ok200)},
	{"GET", "/v1/metadata/version", at("/v1/metadata/version"), nil, true, everyone(ok200)},
	{"GET", "/schemas/guids/{guid}", at("/schemas/guids/00000000-0000-0000-0000-000000000000"), nil, true, everyone(outcome{404, 40403})},
	{"GET", "/schemas/guids/{guid}/ids", at("/schemas/guids/00000000-0000-0000-0000-000000000000/ids"), nil, true, everyone(outcome{404, 40403})},
	{"GET", "/subjects/{subject}/metadata", at("/subjects/orders-value/metadata?key=owner&value=nobody"), nil, true, everyone(outcome{404, 40403})},
	{"GET", "/schemas/types", at("/schemas/types"), nil, true, everyone(ok200)},
	{"GET", "/schemas", at("/schemas"), nil, true, everyone(ok200)},
	{"GET", "/schemas/ids/{id}", at("/schemas/ids/1"), nil, true, everyone(ok200)},
	{"GET", "/schemas/ids/{id}/schema", at("/schemas/ids/1/schema"), nil, true, everyone(ok200)},
	{"GET", "/schemas/ids/{id}/subjects", at("/schemas/ids/1/subjects"), nil, true, everyone(ok200)},
	{"GET", "/schemas/ids/{id}/versions", at("/schemas/ids/1/versions"), nil, true, everyone(ok200)},
	{"GET", "/subjects", at("/subjects"), nil, true, everyone(ok200)},
	{"GET", "/subjects/{subject}/versions", at("/subjects/orders-value/versions"), nil, true, everyone(ok200)},
	{"GET", "/subjects/{subject}/versions/{version}", at("/subjects/orders-value/versions/1"), nil, true, everyone(ok200)},
	{"GET", "/subjects/{subject}/versions/{version}/schema", at("/subjects/orders-value/versions/latest/schema"), nil, true, everyone(ok200)},
	{"GET", "/subjects/{subject}/versions/{version}/referencedby", at("/subjects/orders-value/versions/1/referencedby"), nil, true, everyone(ok200)},
	{"GET", "/config", at("/config"), nil, true, everyone(ok200)},
	{"GET", "/config/{subject}", at("/config/orders-value"), nil, true, everyone(ok200)},
	{"GET", "/mode", at("/mode"), nil, true, everyone(ok200)},
	{"GET", "/mode/{subject}", at("/mode/orders-value"), nil, true, everyone(ok200)},
	{"GET", "/contexts", at("/contexts"), nil, true, everyone(ok200)},
	{"DELETE", "/contexts/{context}", at("/contexts/.empty"), nil, false, adminOnly(ok204)},
	{"GET", "/v1/whoami", at("/v1/whoami"), nil, true, everyone(ok200)},
	{"GET", "/v1/principals", at("/v1/principals"), nil, true, adminOnly(ok200)},
	{"GET", "/v1/principals/{name}", at("/v1/principals/reader"), nil, true, expect{
		anon: unauthorized, reader: ok200, reviewer: forbidden, svcOther: forbidden, svcOwner: forbidden, admin: ok200, // self or admin
	}},
	{"GET", "/v1/tokens", at("/v1/tokens"), nil, true, everyone(ok200)}, // each its own
	{"GET", "/v1/tokens/{id}", func(f *fixture) string { return "/v1/tokens/" + f.spareToken }, nil, true, expect{
		anon: unauthorized, reader: noToken, reviewer: noToken, svcOther: noToken, svcOwner: ok200, admin: ok200,
	}},
	{"GET", "/v1/streams", at("/v1/streams"), nil, true, everyone(ok200)},
	{"GET", "/v1/streams/{name}", at("/v1/streams/orders"), nil, true, everyone(ok200)},
	{"GET", "/v1/streams/{name}/transfers", at("/v1/streams/orders/transfers"), nil, true, everyone(ok200)},
	{"GET", "/v1/audit", at("/v1/audit"), nil, true, expect{
		anon: unauthorized, reader: forbidden, reviewer: ok200, svcOther: forbidden, svcOwner: forbidden, admin: ok200,
	}},
	{"GET", "/v1/lineage/edges", at("/v1/lineage/edges"), nil, true, everyone(ok200)},
	{"GET", "/v1/lineage/graph", at("/v1/lineage/graph"), nil, true, everyone(ok200)},
	{"GET", "/v1/lineage/nodes/{kind}/{name}/upstream", at("/v1/lineage/nodes/stream/orders/upstream"), nil, true, everyone(ok200)},
	{"GET", "/v1/lineage/nodes/{kind}/{name}/downstream", at("/v1/lineage/nodes/stream/orders/downstream"), nil, true, everyone(ok200)},
	{"GET", "/v1/lineage/services/{name}/dependencies", at("/v1/lineage/services/svc-owner/dependencies"), nil, true, everyone(ok200)},
	{"GET", "/v1/lineage/findings", at("/v1/lineage/findings"), nil, true, everyone(ok200)},
	{"GET", "/v1/proposals", at("/v1/proposals"), nil, true, everyone(ok200)},
	{"GET", "/v1/proposals/{id}", func(f *fixture) string { return "/v1/proposals/" + f.proposal }, nil, true, everyone(ok200)},

	// Confluent writes.
	{"POST", "/subjects/{subject}", at("/subjects/orders-value"), ordersValue, true, everyone(ok200)},
	{"DELETE", "/subjects/{subject}", at("/subjects/orders-value"), nil, false, ownerOrAdmin(ok200)},
	{"POST", "/subjects/{subject}/versions", at("/subjects/orders-value/versions"), ordersValueV2, false, ownerOrAdmin(ok200)},
	// Hole 6: a private stream's subject is referenced by its owner only.
	{"POST", "/subjects/{subject}/versions", at("/subjects/statements-value/versions"), refsToLedger, false, ownerOrAdmin(ok200)},
	{"DELETE", "/subjects/{subject}/versions/{version}", at("/subjects/orders-value/versions/1"), nil, false, ownerOrAdmin(ok200)},
	{"PUT", "/config", at("/config"), map[string]string{"compatibility": "FULL"}, false, adminOnly(ok200)},
	{"DELETE", "/config", at("/config"), nil, false, adminOnly(ok200)},
	{"PUT", "/config/{subject}", at("/config/orders-value"), map[string]string{"compatibility": "FULL"}, false, ownerOrAdmin(ok200)},
	{"DELETE", "/config/{subject}", at("/config/orders-value"), nil, false, ownerOrAdmin(ok200)},
	{"PUT", "/mode", at("/mode"), map[string]string{"mode": "READONLY"}, false, adminOnly(ok200)},
	{"PUT", "/mode", at("/mode?force=true"), map[string]string{"mode": "IMPORT"}, false, adminOnly(ok200)},
	{"DELETE", "/mode", at("/mode"), nil, false, adminOnly(ok200)},
	{"PUT", "/mode/{subject}", at("/mode/orders-value"), map[string]string{"mode": "READONLY"}, false, ownerOrAdmin(ok200)},
	// Hole 1: IMPORT is for admins, on owned and unowned subjects, with
	// or without force, in every context.
	{"PUT", "/mode/{subject}", at("/mode/orders-value?force=true"), map[string]string{"mode": "IMPORT"}, false, adminOnly(ok200)},
	{"PUT", "/mode/{subject}", at("/mode/orders-value"), map[string]string{"mode": "IMPORT"}, false, adminOnly(outcome{422, 42205})}, // without force: not empty
	{"PUT", "/mode/{subject}", at("/mode/free-value?force=true"), map[string]string{"mode": "import"}, false, adminOnly(ok200)},
	{"PUT", "/mode/{subject}", at("/contexts/.other/mode/free-value"), map[string]string{"mode": "IMPORT"}, false, adminOnly(ok200)},
	{"PUT", "/mode/{subject}", at("/contexts/.other/mode"), map[string]string{"mode": "IMPORT"}, false, adminOnly(ok200)},
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
	{"POST", "/v1/streams", at("/v1/streams"), map[string]any{"name": "payments", "eventType": "state", "owner": svcOwner}, false, ownerOrAdmin(ok201)},
	{"POST", "/v1/streams", at("/v1/streams"), map[string]any{"name": "payments", "eventType": "state"}, false, expect{
		anon: unauthorized, reader: forbidden, reviewer: forbidden, svcOther: ok201, svcOwner: ok201, admin: ok201, // owned by the caller
	}},
	{"PUT", "/v1/streams/{name}", at("/v1/streams/orders"), map[string]any{"eventType": "state", "visibility": "public", "description": "replaced"}, false, ownerOrAdmin(ok200)},
	{"PATCH", "/v1/streams/{name}", at("/v1/streams/orders"), map[string]any{"description": "patched"}, false, ownerOrAdmin(ok200)},
	{"DELETE", "/v1/streams/{name}", at("/v1/streams/orders"), nil, false, ownerOrAdmin(ok204)},
	// Hole 3: deleting a review-required stream would lift review.
	{"DELETE", "/v1/streams/{name}", at("/v1/streams/audits"), nil, false, adminOnly(ok204)},
	{"POST", "/v1/streams/{name}/transfer", at("/v1/streams/orders/transfer"), map[string]string{"owner": svcOther}, false, ownerOrAdmin(ok200)},
	// Hole 5: the new owner is an existing, enabled service.
	{"POST", "/v1/streams/{name}/transfer", at("/v1/streams/orders/transfer"), map[string]string{"owner": reader}, false, ownerOrAdmin(badTransfer)},
	{"POST", "/v1/streams/{name}/transfer", at("/v1/streams/orders/transfer"), map[string]string{"owner": "nobody"}, false, ownerOrAdmin(badTransfer)},
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
	{"POST", "/api/v1/lineage", at("/api/v1/lineage"), map[string]any{"eventType": "COMPLETE", "job": map[string]any{"namespace": "prod", "name": svcOwner,
		"facets": map[string]any{"ownership": map[string]any{"owners": []map[string]any{{"name": "application:" + svcOwner}}}}},
		"run": map[string]any{"runId": "r1"}, "inputs": []map[string]any{{"namespace": "kafka://b:9092", "name": "orders"}}}, false, ownerOrAdmin(ok200)},
	{"POST", "/v1/streams/{name}/impact", at("/v1/streams/orders/impact"), map[string]any{"schema": ordersValueV2["schema"]}, true, everyone(ok200)},

	// Proposals: whoever may register the subject proposes; reviewers and
	// admins decide, never the proposer (svc-owner proposed the fixture's);
	// the proposer or an admin withdraws.
	{"POST", "/v1/proposals", at("/v1/proposals"), map[string]any{"stream": "orders", "schema": ordersValueV4}, false, ownerOrAdmin(ok201)},
	{"POST", "/v1/proposals/{id}/approve", proposalPath("approve"), map[string]any{"comment": "ok"}, false, deciders(ok200)},
	{"POST", "/v1/proposals/{id}/reject", proposalPath("reject"), map[string]any{"comment": "no"}, false, deciders(ok200)},
	{"POST", "/v1/proposals/{id}/withdraw", proposalPath("withdraw"), nil, false, ownerOrAdmin(ok200)},
	// Admin: rows with password hashes (accord import).
	{"POST", "/v1/admin/import", at("/v1/admin/import?origin=matrix"), importDoc, false, adminOnly(ok200)},
	// A dump writes its audit entry (backup.read).
	{"GET", "/v1/admin/dump", at("/v1/admin/dump?tables=contexts"), nil, false, adminOnly(ok200)},
}

// importDoc is an import document of one new principal.
const importDoc = `{"format":"accord-dump/1","kind":"export","createdAt":"2026-12-04T00:00:00Z"}
{"table":"principals","columns":["name","roles","password_hash","disabled","created_at","updated_at"]}
{"r":["imported-one","[\"reader\"]",null,false,1,1]}
{"end":{"tables":1,"rows":1}}
`

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
			// Reads share one fixture: they change nothing (checked).
			reads := startFixture(t, e.Target(t), contracts.UnownedOpen)
			for i, row := range matrix {
				t.Run(fmt.Sprintf("%02d %s %s", i, row.method, row.route), func(t *testing.T) {
					t.Parallel()
					if row.readOnly {
						for _, who := range callers {
							t.Run("as "+callerName(who), func(t *testing.T) {
								t.Parallel()
								runCase(t, reads, row, who)
							})
						}
						return
					}
					// The callers a write row refuses share the row's fixture,
					// one after the other (a refusal changes nothing:
					// checked), then the first allowed caller writes on it;
					// every other allowed write gets a fresh fixture.
					f := startFixture(t, e.Target(t), contracts.UnownedOpen)
					var allowed []string
					for _, who := range callers {
						if row.want[who].code == 0 {
							allowed = append(allowed, who)
							continue
						}
						t.Run("as "+callerName(who), func(t *testing.T) { runCase(t, f, row, who) })
					}
					for i, who := range allowed {
						if i == 0 {
							t.Run("as "+callerName(who), func(t *testing.T) { runCase(t, f, row, who) })
							continue
						}
						if e.Name != "sqlite" {
							// Which roles may write is decided above the
							// store; on PostgreSQL every refusal and one
							// allowed write per row run (a fixture costs a
							// schema and its migrations there).
							continue
						}
						t.Run("as "+callerName(who), func(t *testing.T) {
							t.Parallel()
							runCase(t, startFixture(t, e.Target(t), contracts.UnownedOpen), row, who)
						})
					}
				})
			}
		})
	}
}

func callerName(who string) string {
	if who == anon {
		return "anonymous"
	}
	return who
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
			t.Errorf("%s (answered %d) changed the database:%s", what, r.Status, lineDiff(before, after))
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

// lineDiff shows the lines of after that are not in before and the other
// way round.
func lineDiff(before, after string) string {
	var b strings.Builder
	bl, al := strings.Split(before, "\n"), strings.Split(after, "\n")
	for _, l := range bl {
		if !slices.Contains(al, l) {
			fmt.Fprintf(&b, "\n  - %.400s", l)
		}
	}
	for _, l := range al {
		if !slices.Contains(bl, l) {
			fmt.Fprintf(&b, "\n  + %.400s", l)
		}
	}
	return b.String()
}

// TestAuthzMatrixCoversEveryRoute: every route of the router has at least
// one row, and every row names a real route.
func TestAuthzMatrixCoversEveryRoute(t *testing.T) {
	f := startFixture(t, t.TempDir(), contracts.UnownedOpen)
	var routes []string
	err := chi.Walk(f.handler.Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if len(route) > 1 {
			route = strings.TrimSuffix(route, "/")
		}
		routes = append(routes, method+" "+route)
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
			t.Errorf("route %s has no row in the authorization matrix", r)
		}
	}
	for _, r := range rows {
		if !slices.Contains(routes, r) {
			t.Errorf("matrix row %s is not a route of the server", r)
		}
	}
	t.Logf("%d routes, %d rows × %d callers", len(routes), len(matrix), len(callers))
}
