package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
)

// lineageServer is a server with authentication, streams and lineage;
// principals: root (admin), users-svc and billing-svc (services), alice
// (reader).
type lineageServer struct {
	*server
	creds map[string]string
}

func startLineageServer(t *testing.T, target string) *lineageServer {
	t.Helper()
	_, rootTok, _, err := auth.NewToken()
	must(t, "token", err)
	st := accordtest.New(t, target, accordtest.Options{Unowned: contracts.UnownedOpen, Auth: true, Admin: "root", AdminSecret: rootTok, LineageMaxAge: -1})
	ctx, authn := st.Ctx, st.Auth
	creds := map[string]string{"root": "Bearer " + rootTok}
	for name, role := range map[string]auth.Role{"users-svc": auth.RoleService, "billing-svc": auth.RoleService, "alice": auth.RoleReader} {
		_, err := authn.CreatePrincipal(ctx, auth.NewPrincipal{Name: name, Roles: []auth.Role{role}})
		must(t, "principal "+name, err)
		tok, err := authn.IssueToken(ctx, name, "test", time.Time{})
		must(t, "token "+name, err)
		creds[name] = "Bearer " + tok.Text
	}
	hs := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, Auth: authn, Contracts: st.Contracts, Audit: st.Audit, Lineage: st.Lineage}))
	t.Cleanup(hs.Close)
	httpc := &http.Client{Transport: no5xx{t, hs.Client().Transport}, Timeout: 30 * time.Second}
	return &lineageServer{server: &server{t: t, URL: hs.URL, HTTP: httpc}, creds: creds}
}

func (s *lineageServer) as(t *testing.T, who, method, path string, body any) response {
	t.Helper()
	r, err := s.send(method, path, body, "Authorization", s.creds[who])
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *lineageServer) want(t *testing.T, who, method, path string, body any, status int, into any) {
	t.Helper()
	r := s.as(t, who, method, path, body)
	if r.Status != status {
		t.Fatalf("%s %s as %s: %s, want %d", method, path, who, r, status)
	}
	if into != nil {
		if err := json.Unmarshal(r.Body, into); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, r.Body, err)
		}
	}
}

func TestLineageAPI(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		s := startLineageServer(t, target)
		user := func(fields ...string) map[string]any { return schemaBody(avroRecord("User", fields...)) }
		s.want(t, "users-svc", "POST", "/v1/streams", map[string]any{"name": "users", "eventType": "state", "visibility": "private",
			"tags": map[string]string{"domain": "identity"}, "consumers": []map[string]any{{"principal": "billing-svc", "fields": []string{"email"}}}}, 201, nil)
		s.want(t, "users-svc", "POST", "/subjects/users-key/versions", schemaBody(`"string"`), 200, nil)
		s.want(t, "users-svc", "POST", "/subjects/users-value/versions",
			user(`{"name":"id","type":"string"}`, `{"name":"email","type":"string"}`, `{"name":"age","type":"int"}`), 200, nil)
		for _, e := range []map[string]any{
			{"kind": "derived_from", "from": "users", "to": "users-public"},
			{"kind": "derived_from", "from": "users-public", "to": "users-search", "fields": []string{"age"}},
			{"kind": "derived_from", "from": "users-search", "to": "users-dwh"},
			{"kind": "consumes", "from": "users-dwh", "to": "bi-svc", "fields": []string{"age"}},
		} {
			s.want(t, "root", "POST", "/v1/lineage/edges", e, 200, nil)
		}
		// A service declares only its own edges; a reader none.
		wantError(t, "billing-svc declaring for bi-svc", s.as(t, "billing-svc", "POST", "/v1/lineage/edges",
			map[string]any{"kind": "consumes", "from": "users", "to": "bi-svc"}), 403, 40301)
		wantError(t, "reader declaring", s.as(t, "alice", "POST", "/v1/lineage/edges",
			map[string]any{"kind": "consumes", "from": "users", "to": "alice"}), 403, 40301)
		wantError(t, "second producer", s.as(t, "billing-svc", "POST", "/v1/lineage/edges",
			map[string]any{"kind": "produces", "from": "billing-svc", "to": "users"}), 409, 40981)
		wantError(t, "bad kind", s.as(t, "root", "POST", "/v1/lineage/edges",
			map[string]any{"kind": "feeds", "from": "a", "to": "b"}), 422, 42281)
		s.want(t, "billing-svc", "POST", "/v1/lineage/edges", map[string]any{"kind": "consumes", "from": "users", "to": "billing-svc", "fields": []string{"id"}}, 200, nil)

		// Impact: any signed-in caller; three levels of derivation.
		var imp lineage.Impact
		s.want(t, "alice", "POST", "/v1/streams/users/impact", user(`{"name":"id","type":"string"}`, `{"name":"age","type":"long"}`), 200, &imp)
		// The verbose compatibility report carries the same impact.
		var report struct {
			IsCompatible bool            `json:"is_compatible"`
			Impact       *lineage.Impact `json:"impact"`
		}
		s.want(t, "alice", "POST", "/compatibility/subjects/users-value/versions?verbose=true", user(`{"name":"id","type":"string"}`, `{"name":"age","type":"long"}`), 200, &report)
		if report.Impact == nil || len(report.Impact.Consumers) != 2 || len(report.Impact.DerivedStreams) != 3 {
			t.Errorf("compatibility report without the impact: %+v", report)
		}
		if len(imp.Changes) != 2 || len(imp.DerivedStreams) != 3 || len(imp.Consumers) != 2 {
			t.Fatalf("impact: %+v", imp)
		}
		for _, c := range imp.Consumers {
			switch c.Service {
			case "billing-svc":
				if c.Depth != 1 || len(c.Fields) != 1 || c.Fields[0].Path != "email" || c.Fields[0].Change != lineage.Removed {
					t.Errorf("billing-svc: %+v", c)
				}
			case "bi-svc":
				if c.Depth != 4 || len(c.Via) != 4 || len(c.Fields) != 1 || c.Fields[0].Change != lineage.Retyped {
					t.Errorf("bi-svc: %+v", c)
				}
			default:
				t.Errorf("unexpected consumer %+v", c)
			}
		}
		wantError(t, "impact of an unknown stream", s.as(t, "alice", "POST", "/v1/streams/nowhere/impact", user(`{"name":"id","type":"string"}`)), 404, 40481)
		wantError(t, "impact of a malformed schema", s.as(t, "alice", "POST", "/v1/streams/users/impact", schemaBody("{")), 422, 42201)

		var g lineage.Graph
		s.want(t, "alice", "GET", "/v1/lineage/nodes/stream/users/downstream?depth=2", nil, 200, &g)
		if len(g.Nodes) != 4 { // users; billing-svc, users-public; users-search
			t.Errorf("downstream depth 2: %+v", g.Nodes)
		}
		s.want(t, "alice", "GET", "/v1/lineage/nodes/service/bi-svc/upstream?depth=10", nil, 200, &g)
		if len(g.Nodes) != 6 {
			t.Errorf("upstream of bi-svc: %+v", g.Nodes)
		}
		wantError(t, "bad depth", s.as(t, "alice", "GET", "/v1/lineage/nodes/stream/users/upstream?depth=x", nil), 400, 400)
		wantError(t, "unknown node", s.as(t, "alice", "GET", "/v1/lineage/nodes/stream/nowhere/upstream", nil), 404, 40481)
		s.want(t, "alice", "GET", "/v1/lineage/graph", nil, 200, &g)
		if len(g.Edges) != 6 {
			t.Errorf("graph: %d edges", len(g.Edges))
		}
		var deps lineage.Dependencies
		s.want(t, "alice", "GET", "/v1/lineage/services/bi-svc/dependencies", nil, 200, &deps)
		if len(deps.Consumes) != 1 || len(deps.Consumes[0].Upstream) != 3 {
			t.Errorf("dependencies: %+v", deps)
		}

		// OpenLineage: a service reports its own runs.
		run := map[string]any{"eventType": "COMPLETE", "eventTime": "2030-01-01T00:00:00Z", "producer": "x", "run": map[string]any{"runId": "r1"},
			"job": map[string]any{"namespace": "prod", "name": "billing-svc", "facets": map[string]any{
				"ownership": map[string]any{"owners": []map[string]any{{"name": "application:billing-svc", "type": "MAINTAINER"}}}}},
			"inputs": []map[string]any{{"namespace": "kafka://b:9092", "name": "users", "facets": map[string]any{"schema": map[string]any{"fields": []map[string]any{{"name": "id", "type": "string"}}}}}}}
		var res lineage.IngestResult
		s.want(t, "billing-svc", "POST", "/api/v1/lineage", run, 200, &res)
		if len(res.Edges) != 1 || len(res.SchemaDifferences) != 1 || len(res.SchemaDifferences[0].Differences) != 2 {
			t.Errorf("ingest: %+v", res)
		}
		wantError(t, "another's run", s.as(t, "users-svc", "POST", "/api/v1/lineage", run), 403, 40301)
		wantError(t, "reader reporting", s.as(t, "alice", "POST", "/api/v1/lineage", run), 403, 40301)

		var fs []lineage.Finding
		s.want(t, "alice", "GET", "/v1/lineage/findings", nil, 200, &fs)
		kinds := map[string]int{}
		for _, f := range fs {
			kinds[f.Kind]++
		}
		// users-public, users-search, users-dwh have no contract; billing-svc
		// reads private users from outside identity; its run drifted.
		if kinds[lineage.FindingUnowned] != 3 || kinds[lineage.FindingPrivateConsumed] != 1 || kinds[lineage.FindingSchemaDrift] != 1 {
			t.Errorf("findings: %+v", fs)
		}

		var es []lineage.Edge
		s.want(t, "alice", "GET", "/v1/lineage/edges?node=billing-svc", nil, 200, &es)
		// The service's own edge (from its contract and the API) and its
		// job's, learned from OpenLineage.
		if len(es) != 2 || len(es[0].Sources) != 2 || es[1].Job == nil || es[1].To != "prod/billing-svc" || es[1].Sources[0] != lineage.SourceOpenLineage {
			t.Errorf("billing-svc's edges, from contract and api, and its job's from openlineage: %+v", es)
		}
		wantError(t, "deleting another's edge", s.as(t, "users-svc", "DELETE", "/v1/lineage/edges?kind=consumes&from=users&to=billing-svc", nil), 403, 40301)
		s.want(t, "billing-svc", "DELETE", "/v1/lineage/edges?kind=consumes&from=users&to=billing-svc", nil, 204, nil)
		wantError(t, "deleting again", s.as(t, "billing-svc", "DELETE", "/v1/lineage/edges?kind=consumes&from=users&to=billing-svc", nil), 404, 40481)
	})
}
