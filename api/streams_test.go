package api_test

// The stream API and the single-writer guard through the real stack: the
// harness's store, registry and HTTP server, with the contracts service
// wired as cmd/accord wires it (the registry's Policy and
// api.Options.Contracts), with authentication on or off.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
)

// streamServer is a server with the contracts service. With
// authentication on its raw client acts as the admin "root" unless a
// request sends other credentials (as), and the principals are root and
// ops (admins), orders-svc and billing-svc (services) and alice (reader).
type streamServer struct {
	*server
	creds map[string]string
}

func startStreamServer(t *testing.T, target string, withAuth bool, unowned contracts.UnownedPolicy) *streamServer {
	t.Helper()
	stOpts := accordtest.Options{Unowned: unowned, LineageMaxAge: -1}
	if withAuth {
		stOpts.Auth, stOpts.Admin, stOpts.AdminSecret = true, "root", rootPassword
	}
	st := accordtest.New(t, target, stOpts)
	ctx, reg := st.Ctx, st.Registry
	opts := api.Options{Logger: st.Log, Contracts: st.Contracts, Audit: st.Audit, Auth: st.Auth}
	creds := map[string]string{}
	var transport http.RoundTripper = http.DefaultTransport
	if withAuth {
		creds["root"] = basicHeader("root", rootPassword)
		for name, role := range map[string]auth.Role{"ops": auth.RoleAdmin, "orders-svc": auth.RoleService, "billing-svc": auth.RoleService, "alice": auth.RoleReader} {
			if _, err := opts.Auth.CreatePrincipal(ctx, auth.NewPrincipal{Name: name, Roles: []auth.Role{role}}); err != nil {
				t.Fatal(err)
			}
			tok, err := opts.Auth.IssueToken(ctx, name, "test", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			creds[name] = basicHeader(name, tok.Text)
		}
	}
	hs := httptest.NewServer(api.New(reg, opts))
	t.Cleanup(hs.Close)
	transport = hs.Client().Transport
	if withAuth {
		transport = asAdmin{creds["root"], transport}
	}
	httpc := &http.Client{Transport: no5xx{t, transport}, Timeout: 30 * time.Second}
	cl, err := sr.NewClient(sr.URLs(hs.URL), sr.HTTPClient(httpc))
	if err != nil {
		t.Fatal(err)
	}
	return &streamServer{server: &server{t: t, URL: hs.URL, Client: cl, HTTP: httpc}, creds: creds}
}

// as sends a request with name's credentials.
func (s *streamServer) as(t *testing.T, name, method, path string, body any) response {
	t.Helper()
	r, err := s.send(method, path, body, "Authorization", s.creds[name])
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// eachStreamStore runs fn against a fresh server per engine.
func eachStreamStore(t *testing.T, withAuth bool, unowned contracts.UnownedPolicy, fn func(t *testing.T, s *streamServer)) {
	t.Helper()
	accordtest.EachEngine(t, func(t *testing.T, target string) { fn(t, startStreamServer(t, target, withAuth, unowned)) })
}

func decodeStream(t *testing.T, r response) contracts.Stream {
	t.Helper()
	var st contracts.Stream
	if err := json.Unmarshal(r.Body, &st); err != nil {
		t.Fatalf("decoding stream %s: %v", r.Body, err)
	}
	return st
}

func streamNames(t *testing.T, s *streamServer, query string) string {
	t.Helper()
	var sts []contracts.Stream
	s.with(t).ok("GET", "/v1/streams"+query, nil, &sts)
	names := make([]string, len(sts))
	for i, st := range sts {
		names[i] = st.Name
	}
	return strings.Join(names, ",")
}

func TestStreamCRUD(t *testing.T) {
	eachStreamStore(t, false, contracts.UnownedOpen, func(t *testing.T, s *streamServer) {
		r := s.do("POST", "/v1/streams", map[string]any{
			"name": "orders", "owner": "orders-svc", "eventType": "state", "visibility": "public",
			"description": "every order, keyed by id",
			"tags":        map[string]any{"domain": "sales", "entity": "order", "pii": []string{"customer.email"}, "labels": []string{"gold"}},
			"consumers":   []map[string]any{{"principal": "billing-svc", "fields": []string{"total"}}},
		})
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %s", r)
		}
		st := decodeStream(t, r)
		if st.KeySubject != "orders-key" || len(st.ValueSubjects) != 1 || st.ValueSubjects[0] != "orders-value" ||
			st.Strategy != contracts.TopicName || st.LintErrors != contracts.LintBlock || st.CreatedAt.IsZero() {
			t.Errorf("created stream %+v: want topic-name subjects and defaults", st)
		}
		s.do("POST", "/v1/streams", map[string]any{"name": "clicks", "owner": "web-svc", "eventType": "measurement"})
		s.do("POST", "/v1/streams", map[string]any{
			"name": "payments", "owner": "billing-svc", "eventType": "delta", "visibility": "private",
			"subjectStrategy": "record", "keySubject": "com.acme.PaymentKey", "valueSubjects": []string{"com.acme.PaymentMade", "com.acme.PaymentRefunded"},
		})

		got := decodeStream(t, s.ok("GET", "/v1/streams/orders", nil, nil))
		if got.Description != "every order, keyed by id" || got.Tags.Domain != "sales" || len(got.Consumers) != 1 || got.Consumers[0].Fields[0] != "total" {
			t.Errorf("GET returned %+v", got)
		}
		for q, want := range map[string]string{
			"":                              "clicks,orders,payments",
			"?owner=billing-svc":            "payments",
			"?type=state":                   "orders",
			"?visibility=private":           "clicks,payments",
			"?tag=gold":                     "orders",
			"?tag=domain:sales":             "orders",
			"?tag=pii":                      "orders",
			"?type=delta&visibility=public": "",
		} {
			if got := streamNames(t, s, q); got != want {
				t.Errorf("GET /v1/streams%s: %q, want %q", q, got, want)
			}
		}
		wantError(t, "bad type filter", s.do("GET", "/v1/streams?type=event", nil), 400, 400, "type")

		// PUT replaces the contract; the owner stays when omitted.
		put := decodeStream(t, s.ok("PUT", "/v1/streams/orders", map[string]any{"eventType": "hybrid", "visibility": "private", "compatibility": "full"}, nil))
		if put.Owner != "orders-svc" || put.EventType != contracts.Hybrid || put.Description != "" || put.Compatibility != "FULL" || !put.CreatedAt.Equal(got.CreatedAt) {
			t.Errorf("after PUT: %+v", put)
		}
		// The stream's compatibility policy is the subjects' level.
		var cfg struct{ CompatibilityLevel string }
		s.ok("GET", "/config/orders-value", nil, &cfg)
		if cfg.CompatibilityLevel != "FULL" {
			t.Errorf("orders-value level %q, want FULL", cfg.CompatibilityLevel)
		}
		// PATCH merges.
		patched := decodeStream(t, s.ok("PATCH", "/v1/streams/orders", map[string]any{"description": "patched", "tags": map[string]any{"domain": "retail"}}, nil))
		if patched.Description != "patched" || patched.Tags.Domain != "retail" || patched.EventType != contracts.Hybrid {
			t.Errorf("after PATCH: %+v", patched)
		}

		wantError(t, "owner change by PUT", s.do("PUT", "/v1/streams/orders", map[string]any{"owner": "other", "eventType": "state"}), 422, 42271, "transfer")
		wantError(t, "rename by PATCH", s.do("PATCH", "/v1/streams/orders", map[string]any{"name": "orders2"}), 422, 42271, "renamed")
		wantError(t, "missing stream", s.do("GET", "/v1/streams/nope", nil), 404, 40471, "nope")
		wantError(t, "duplicate", s.do("POST", "/v1/streams", map[string]any{"name": "orders", "owner": "x", "eventType": "state"}), 409, 40971, "orders")
		wantError(t, "subject of another stream", s.do("POST", "/v1/streams", map[string]any{
			"name": "orders-v2", "owner": "x", "eventType": "state", "subjectStrategy": "record", "valueSubjects": []string{"orders-value"},
		}), 409, 40972, "orders-value", "orders")
		wantError(t, "bad event type", s.do("POST", "/v1/streams", map[string]any{"name": "x", "owner": "x", "eventType": "event"}), 422, 42271, "eventType")
		wantError(t, "no owner", s.do("POST", "/v1/streams", map[string]any{"name": "x", "eventType": "state"}), 422, 42271, "owner")
		wantError(t, "unknown field", s.do("POST", "/v1/streams", map[string]any{"name": "x", "owner": "x", "eventType": "state", "colour": "red"}), 422, 422, "colour")

		r = s.do("DELETE", "/v1/streams/clicks", nil)
		if r.Status != http.StatusNoContent {
			t.Errorf("delete: %s", r)
		}
		if got := streamNames(t, s, ""); got != "orders,payments" {
			t.Errorf("after delete: %q", got)
		}
	})
}

func TestSingleWriter(t *testing.T) {
	eachStreamStore(t, true, contracts.UnownedOpen, func(t *testing.T, s *streamServer) {
		// A service declares its own stream; the owner defaults to it.
		r := s.as(t, "orders-svc", "POST", "/v1/streams", map[string]any{"name": "orders", "eventType": "state", "visibility": "public"})
		if r.Status != http.StatusCreated || decodeStream(t, r).Owner != "orders-svc" {
			t.Fatalf("create as orders-svc: %s", r)
		}
		wantError(t, "a service declaring a stream for another", s.as(t, "orders-svc", "POST", "/v1/streams",
			map[string]any{"name": "invoices", "owner": "billing-svc", "eventType": "state"}), 403, 40301, "admin")

		key := schemaBody(`"string"`)
		value := schemaBody(avroRecord("Order", `{"name":"id","type":"string"}`))
		value2 := schemaBody(avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"note","type":["null","string"],"default":null}`))
		for _, c := range []struct {
			subject string
			body    any
		}{{"orders-key", key}, {"orders-value", value}} {
			if r := s.as(t, "orders-svc", "POST", "/subjects/"+c.subject+"/versions", c.body); r.Status != 200 {
				t.Fatalf("owner registering %s: %s", c.subject, r)
			}
		}
		before := s.with(t).snapshot()
		for _, c := range []struct {
			what, method, path string
			body               any
		}{
			{"register", "POST", "/subjects/orders-value/versions", value2},
			{"register, qualified with the default context", "POST", "/subjects/:.:orders-value/versions", value2},
			{"set config", "PUT", "/config/orders-value", map[string]string{"compatibility": "NONE"}},
			{"delete config", "DELETE", "/config/orders-value", nil},
			{"set mode", "PUT", "/mode/orders-value", map[string]string{"mode": "READONLY"}},
			{"delete mode", "DELETE", "/mode/orders-value", nil},
			{"delete subject", "DELETE", "/subjects/orders-value", nil},
			{"delete version", "DELETE", "/subjects/orders-key/versions/1", nil},
		} {
			wantError(t, "billing-svc: "+c.what, s.as(t, "billing-svc", c.method, c.path, c.body), 403, 40301, "orders-svc", "stream orders")
		}
		s.unchanged(t, "writes by another service", before)

		// Re-registering a live schema writes nothing, so anyone may.
		if r := s.as(t, "billing-svc", "POST", "/subjects/orders-value/versions", value); r.Status != 200 {
			t.Errorf("re-registering a live schema as billing-svc: %s", r)
		}
		// Admins may write every subject.
		if r := s.as(t, "ops", "PUT", "/config/orders-value", map[string]string{"compatibility": "FULL"}); r.Status != 200 {
			t.Errorf("admin setting config: %s", r)
		}

		// Ownership moves by transfer, which only the owner or an admin may make.
		wantError(t, "transfer by another service", s.as(t, "billing-svc", "POST", "/v1/streams/orders/transfer", map[string]string{"owner": "billing-svc"}), 403, 40301, "orders-svc")
		wantError(t, "update by another service", s.as(t, "billing-svc", "PATCH", "/v1/streams/orders", map[string]string{"description": "mine"}), 403, 40301, "orders-svc")
		r = s.as(t, "orders-svc", "POST", "/v1/streams/orders/transfer", map[string]string{"owner": "billing-svc"})
		if r.Status != 200 || decodeStream(t, r).Owner != "billing-svc" {
			t.Fatalf("transfer by the owner: %s", r)
		}
		if r := s.as(t, "billing-svc", "POST", "/subjects/orders-value/versions", value2); r.Status != 200 {
			t.Errorf("new owner registering: %s", r)
		}
		wantError(t, "former owner", s.as(t, "orders-svc", "PUT", "/mode/orders-value", map[string]string{"mode": "READONLY"}), 403, 40301, "billing-svc")
		var ts []contracts.Transfer
		s.with(t).ok("GET", "/v1/streams/orders/transfers", nil, &ts)
		if len(ts) != 1 || ts[0].From != "orders-svc" || ts[0].To != "billing-svc" || ts[0].By != "orders-svc" {
			t.Errorf("transfers: %+v", ts)
		}
		// Readers pass no native write (the route policy), subjects of no
		// stream are open under the default policy.
		wantError(t, "reader creating a stream", s.as(t, "alice", "POST", "/v1/streams", map[string]any{"name": "x", "eventType": "state"}), 403, 40301)
		if r := s.as(t, "orders-svc", "POST", "/subjects/legacy-value/versions", key); r.Status != 200 {
			t.Errorf("unowned subject under the open policy: %s", r)
		}
	})
}

func TestUnownedSubjectPolicies(t *testing.T) {
	key := schemaBody(`"string"`)
	t.Run("admin", func(t *testing.T) {
		eachStreamStore(t, true, contracts.UnownedAdmin, func(t *testing.T, s *streamServer) {
			wantError(t, "service", s.as(t, "orders-svc", "POST", "/subjects/legacy-value/versions", key), 403, 40301, "no stream", "admin")
			if r := s.as(t, "ops", "POST", "/subjects/legacy-value/versions", key); r.Status != 200 {
				t.Errorf("admin: %s", r)
			}
		})
	})
	t.Run("claim", func(t *testing.T) {
		eachStreamStore(t, true, contracts.UnownedClaim, func(t *testing.T, s *streamServer) {
			if r := s.as(t, "orders-svc", "POST", "/subjects/legacy-value/versions", key); r.Status != 200 {
				t.Fatalf("first writer: %s", r)
			}
			wantError(t, "second writer", s.as(t, "billing-svc", "PUT", "/config/legacy-value", map[string]string{"compatibility": "NONE"}), 403, 40301, "claimed", "orders-svc")
			wantError(t, "stream over a subject claimed by another", s.as(t, "billing-svc", "POST", "/v1/streams",
				map[string]any{"name": "legacy", "eventType": "state"}), 403, 40301, "claimed")
			if r := s.as(t, "orders-svc", "POST", "/v1/streams", map[string]any{"name": "legacy", "eventType": "state"}); r.Status != http.StatusCreated {
				t.Fatalf("claimant declaring the stream: %s", r)
			}
			if r := s.as(t, "orders-svc", "PUT", "/config/legacy-value", map[string]string{"compatibility": "NONE"}); r.Status != 200 {
				t.Errorf("owner after the claim became a stream: %s", r)
			}
		})
	})
}

func TestLintsOnRegistration(t *testing.T) {
	eachStreamStore(t, false, contracts.UnownedOpen, func(t *testing.T, s *streamServer) {
		s.do("POST", "/v1/streams", map[string]any{"name": "customers", "owner": "crm", "eventType": "state", "visibility": "public"})
		customer := schemaBody(avroRecord("Customer", `{"name":"id","type":"string"}`))
		envelope := schemaBody(avroRecord("Customer", `{"name":"id","type":"string"}`,
			`{"name":"before","type":["null","string"],"default":null}`, `{"name":"after","type":["null","string"],"default":null}`))

		before := s.with(t).snapshot()
		wantError(t, "value before key", s.do("POST", "/subjects/customers-value/versions", customer), 422, 42272, "STATE_KEY_SCHEMA_MISSING", "customers-key")
		s.unchanged(t, "a registration refused by a lint", before)
		s.register("customers-key", schemaBody(`"string"`))
		s.register("customers-value", customer)
		wantError(t, "before/after", s.do("POST", "/subjects/customers-value/versions", envelope), 422, 42272, "STATE_BEFORE_AFTER_ENVELOPE", "/fields/1")

		// With lintErrors=report the same schema registers, and the
		// findings come back in the headers.
		s.ok("PATCH", "/v1/streams/customers", map[string]any{"lintErrors": "report"}, nil)
		r := s.do("POST", "/subjects/customers-value/versions", envelope)
		if r.Status != 200 || !strings.Contains(strings.Join(r.Header.Values(api.LintHeader), "\n"), "STATE_BEFORE_AFTER_ENVELOPE") {
			t.Errorf("registration under report: %s, lint headers %q", r, r.Header.Values(api.LintHeader))
		}

		// Warnings never block, in any format.
		s.do("POST", "/v1/streams", map[string]any{"name": "shipments", "owner": "wms", "eventType": "delta", "visibility": "public"})
		r = s.do("POST", "/subjects/shipments-value/versions", schemaBody(
			`syntax = "proto3"; package acme; message ShipOrder { string id = 1; }`, "schemaType", "PROTOBUF"))
		lints := strings.Join(r.Header.Values(api.LintHeader), "\n")
		if r.Status != 200 || !strings.Contains(lints, "DELTA_PUBLIC") || !strings.Contains(lints, "DELTA_NOT_PAST_TENSE") {
			t.Errorf("delta registration: %s, lint headers %q", r, lints)
		}
		// Subjects of no stream are not linted.
		if r := s.do("POST", "/subjects/other-value/versions", envelope); r.Status != 200 || len(r.Header.Values(api.LintHeader)) != 0 {
			t.Errorf("unowned subject: %s %v", r, r.Header.Values(api.LintHeader))
		}
	})
}

func TestLintEndpoint(t *testing.T) {
	eachStreamStore(t, false, contracts.UnownedOpen, func(t *testing.T, s *streamServer) {
		s.do("POST", "/v1/streams", map[string]any{"name": "accounts", "owner": "core", "eventType": "hybrid", "visibility": "public"})
		var ans struct {
			Lints    []contracts.Lint
			Blocking bool
		}
		// A proposed JSON Schema.
		s.ok("POST", "/v1/streams/accounts/lint", map[string]any{"schemaType": "JSON",
			"schema": `{"title":"Account","type":"object","properties":{"id":{"type":"string"},"closeReason":{"enum":["FRAUD","REQUEST"]}}}`}, &ans)
		if len(ans.Lints) != 1 || ans.Lints[0].ID != contracts.HybridEnumContractSurface || ans.Lints[0].Location != "#/properties/closeReason" ||
			ans.Lints[0].Subject != "accounts-value" || ans.Blocking {
			t.Errorf("proposed schema: %+v", ans)
		}
		// The latest registered schemas (none yet, then one).
		s.ok("POST", "/v1/streams/accounts/lint", nil, &ans)
		if len(ans.Lints) != 0 {
			t.Errorf("nothing registered: %+v", ans)
		}
		s.register("accounts-value", schemaBody(`syntax = "proto3"; package acme; message Account { string id = 1; Reason close_reason = 2; } enum Reason { FRAUD = 0; REQUEST = 1; }`, "schemaType", "PROTOBUF"))
		s.ok("POST", "/v1/streams/accounts/lint", map[string]any{}, &ans)
		if len(ans.Lints) != 1 || ans.Lints[0].Location != "acme.Account#2" {
			t.Errorf("registered schema: %+v", ans)
		}
		// Blocking errors are reported as such.
		s.do("POST", "/v1/streams", map[string]any{"name": "people", "owner": "hr", "eventType": "state"})
		s.ok("POST", "/v1/streams/people/lint", map[string]any{"schema": avroRecord("Person", `{"name":"id","type":"string"}`)}, &ans)
		if !ans.Blocking || ans.Lints[0].ID != contracts.StateKeySchemaMissing || ans.Lints[0].Severity != contracts.SeverityError {
			t.Errorf("state without key: %+v", ans)
		}
		wantError(t, "subject of another stream", s.do("POST", "/v1/streams/people/lint", map[string]any{"subject": "accounts-value", "schema": `"string"`}), 422, 42271, "not a subject")
		wantError(t, "invalid schema", s.do("POST", "/v1/streams/people/lint", map[string]any{"schema": `{"type":`}), 422, 42201)
		wantError(t, "unknown stream", s.do("POST", "/v1/streams/nope/lint", nil), 404, 40471)
	})
}
