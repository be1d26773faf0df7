package accordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Client calls a running Accord's HTTP API as one principal (HTTP Basic),
// for tests that seed a server and compare servers.
type Client struct {
	Base, User, Password string
}

// Call sends a request and returns the status and body.
func (c Client) Call(t testing.TB, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, c.Base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.User != "" {
		req.SetBasicAuth(c.User, c.Password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// Must is Call, failing the test unless the answer is 2xx.
func (c Client) Must(t testing.TB, method, path, body string) string {
	t.Helper()
	code, out := c.Call(t, method, path, body)
	if code/100 != 2 {
		t.Fatalf("%s %s as %s: %d %s", method, path, c.User, code, out)
	}
	return out
}

// As returns the client acting as another principal.
func (c Client) As(user, password string) Client { return Client{c.Base, user, password} }

// Seeded is what Seed created that tests check afterwards.
type Seeded struct {
	ServiceName, ServicePassword string // a service principal and its password
	ServiceToken                 string // an API token of that service
}

// Seed fills a server (with authentication, admin c) with every kind of
// object Accord keeps: subjects with versions, references, a soft-deleted
// version, a permanently deleted subject, a subject in another context,
// configs and modes (subject and global), principals (one disabled),
// tokens (one revoked), streams with review, lint and validation settings,
// an ownership transfer, lineage edges with fields, proposals (pending,
// approved, rejected) and so the audit log of all that.
func Seed(t testing.TB, c Client) Seeded {
	t.Helper()
	s := Seeded{ServiceName: "orders-svc", ServicePassword: "orders-password-1"}
	q := func(v string) string { raw, _ := json.Marshal(v); return string(raw) }
	avro := func(fields ...string) string {
		all := `{"name":"id","type":"string"},{"name":"total","type":"long"}`
		for _, f := range fields {
			all += `,{"name":"` + f + `","type":"string","default":""}`
		}
		return `{"type":"record","name":"Order","namespace":"acme","fields":[` + all + `]}`
	}
	reg := func(subject, schema string) {
		c.Must(t, "POST", "/subjects/"+url.PathEscape(subject)+"/versions", `{"schema":`+q(schema)+`}`)
	}

	c.Must(t, "POST", "/v1/principals", `{"name":"orders-svc","roles":["service"],"password":"orders-password-1"}`)
	c.Must(t, "POST", "/v1/principals", `{"name":"billing-svc","roles":["service"],"password":"billing-password-1"}`)
	c.Must(t, "POST", "/v1/principals", `{"name":"rita","roles":["reviewer"],"password":"rita-password-1"}`)
	c.Must(t, "POST", "/v1/principals", `{"name":"old-svc","roles":["service"]}`)
	c.Must(t, "DELETE", "/v1/principals/old-svc", "")
	var tok struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(c.Must(t, "POST", "/v1/tokens", `{"principal":"orders-svc","description":"prod","expires_in":"90d"}`)), &tok); err != nil {
		t.Fatal(err)
	}
	s.ServiceToken = tok.Token
	if err := json.Unmarshal([]byte(c.Must(t, "POST", "/v1/tokens", `{"principal":"billing-svc","description":"old"}`)), &tok); err != nil {
		t.Fatal(err)
	}
	c.Must(t, "DELETE", "/v1/tokens/"+tok.ID, "")

	reg("gone-value", `"string"`)
	c.Must(t, "DELETE", "/subjects/gone-value", "")
	c.Must(t, "DELETE", "/subjects/gone-value?permanent=true", "")
	reg("orders-key", `{"type":"record","name":"OrderKey","namespace":"acme","fields":[{"name":"id","type":"string"}]}`)
	reg("orders-value", avro())
	reg("orders-value", avro("note"))
	c.Must(t, "POST", "/subjects/money.proto/versions", `{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; package acme; message Money { int64 units = 1; }"}`)
	c.Must(t, "POST", "/subjects/payments-value/versions", `{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; package acme; import \"money.proto\"; message Payment { acme.Money amount = 1; }","references":[{"name":"money.proto","subject":"money.proto","version":1}],"metadata":{"properties":{"team":"payments"}}}`)
	reg("soft-value", `"int"`)
	reg("soft-value", `"long"`)
	c.Must(t, "DELETE", "/subjects/soft-value/versions/1", "")
	reg(":.eu:orders-value", avro())

	c.Must(t, "POST", "/v1/streams", `{"name":"orders","owner":"orders-svc","eventType":"state","visibility":"public",
		"description":"Current state of every order","tags":{"domain":"sales","pii":["customer.email"]},
		"compatibility":"FULL","lintErrors":"report","reviewRequired":true,
		"consumers":[{"principal":"billing-svc","fields":["total"]}],
		"validation":{"schemaId":"latest","payload":true,"rules":false,"producer":true}}`)
	c.Must(t, "POST", "/v1/streams", `{"name":"payments","owner":"orders-svc","eventType":"delta","visibility":"private","lintErrors":"report"}`)
	c.Must(t, "POST", "/v1/streams/payments/transfer", `{"owner":"billing-svc"}`)
	c.Must(t, "POST", "/v1/lineage/edges", `{"kind":"consumes","from":"orders","to":"billing-svc","fields":["total","id"]}`)
	c.Must(t, "POST", "/v1/lineage/edges", `{"kind":"derived_from","from":"orders","to":"payments"}`)

	svc := c.As("orders-svc", s.ServicePassword)
	rita := c.As("rita", "rita-password-1")
	propose := func(schema string) string {
		var out struct {
			Proposal struct {
				ID int64 `json:"id"`
			} `json:"proposal"`
		}
		if err := json.Unmarshal([]byte(svc.Must(t, "POST", "/v1/proposals", `{"stream":"orders","schema":`+q(schema)+`,"description":"more notes"}`)), &out); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(out.Proposal.ID)
	}
	rita.Must(t, "POST", "/v1/proposals/"+propose(avro("note", "note2"))+"/approve", `{"comment":"fine"}`)
	rita.Must(t, "POST", "/v1/proposals/"+propose(avro("note", "note2", "bad"))+"/reject", `{"comment":"no"}`)
	propose(avro("note", "note2", "note3"))

	c.Must(t, "PUT", "/config/payments-value", `{"compatibility":"NONE"}`)
	c.Must(t, "PUT", "/config", `{"compatibility":"FULL_TRANSITIVE"}`)
	c.Must(t, "PUT", "/mode/money.proto", `{"mode":"READONLY"}`)
	return s
}

// ListOptions narrow Listings.
type ListOptions struct {
	NoAudit bool // leave the audit log out
	// LiveOnly leaves out soft-deleted versions and schemas no live
	// version uses (what accord import does not copy).
	LiveOnly bool
	// Skip leaves out principals of these names (a target's own admin).
	Skip []string
}

// Listings reads every listing of the API a migration must keep (status
// and body by path): subjects (deleted ones too), each version, schemas
// by id, configs, modes, contexts, streams and their transfers, lineage,
// principals, tokens, proposals and the audit log.
func Listings(t testing.TB, c Client, o ListOptions) map[string]string {
	t.Helper()
	out := map[string]string{}
	deleted := "?deleted=true"
	if o.LiveOnly {
		deleted = ""
	}
	get := func(path string) string {
		code, body := c.Call(t, "GET", path, "")
		out[path] = fmt.Sprintf("%d %s", code, body)
		return body
	}
	var subjects []string
	json.Unmarshal([]byte(get("/subjects"+deleted)), &subjects)
	sort.Strings(subjects)
	for _, s := range subjects {
		p := url.PathEscape(s)
		var versions []int
		json.Unmarshal([]byte(get("/subjects/"+p+"/versions"+deleted)), &versions)
		for _, v := range versions {
			get(fmt.Sprintf("/subjects/%s/versions/%d%s", p, v, deleted))
			get(fmt.Sprintf("/subjects/%s/versions/%d/referencedby", p, v))
		}
		get("/config/" + p)
		get("/mode/" + p)
	}
	var schemas []struct {
		ID      int64  `json:"id"`
		Subject string `json:"subject"`
	}
	json.Unmarshal([]byte(get("/schemas"+deleted)), &schemas)
	maxID := int64(0)
	for _, s := range schemas {
		prefix := "" // ids are per context: ask the subject's
		if strings.HasPrefix(s.Subject, ":.") {
			if end := strings.Index(s.Subject[1:], ":"); end > 0 {
				prefix = "/contexts/" + url.PathEscape(s.Subject[1:end+1])
			}
		} else {
			maxID = max(maxID, s.ID)
		}
		get(fmt.Sprintf("%s/schemas/ids/%d", prefix, s.ID))
		get(fmt.Sprintf("%s/schemas/ids/%d/versions", prefix, s.ID))
	}
	if !o.LiveOnly {
		for id := int64(1); id <= maxID+1; id++ {
			get(fmt.Sprintf("/schemas/ids/%d", id))
			get(fmt.Sprintf("/schemas/ids/%d/versions", id))
		}
	}
	for _, p := range []string{"/config", "/mode", "/contexts", "/v1/streams", "/v1/lineage/edges", "/v1/lineage/graph",
		"/v1/principals", "/v1/tokens", "/v1/proposals?limit=1000"} {
		get(p)
	}
	var streams []struct {
		Name string `json:"name"`
	}
	var wrapped struct {
		Streams []struct {
			Name string `json:"name"`
		} `json:"streams"`
	}
	if json.Unmarshal([]byte(out["/v1/streams"][4:]), &streams) != nil {
		json.Unmarshal([]byte(out["/v1/streams"][4:]), &wrapped)
		streams = wrapped.Streams
	}
	for _, s := range streams {
		get("/v1/streams/" + s.Name)
		get("/v1/streams/" + s.Name + "/transfers")
	}
	var principals []map[string]any
	json.Unmarshal([]byte(out["/v1/principals"][4:]), &principals)
	var kept []map[string]any
	for _, p := range principals {
		name, _ := p["name"].(string)
		if slices.Contains(o.Skip, name) {
			continue
		}
		kept = append(kept, p)
		get("/v1/principals/" + name)
	}
	if len(o.Skip) > 0 {
		raw, _ := json.Marshal(kept)
		out["/v1/principals"] = "200 " + string(raw)
	}
	var props struct {
		Proposals []struct {
			ID int64 `json:"id"`
		} `json:"proposals"`
	}
	json.Unmarshal([]byte(out["/v1/proposals?limit=1000"][4:]), &props)
	for _, p := range props.Proposals {
		get(fmt.Sprintf("/v1/proposals/%d", p.ID))
	}
	if !o.NoAudit {
		get("/v1/audit?limit=1000")
	}
	return out
}

// CompareListings reports every path whose answer differs.
func CompareListings(t testing.TB, want, got map[string]string) {
	t.Helper()
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if got[p] != want[p] {
			t.Errorf("GET %s differs:\n source: %s\n target: %s", p, want[p], got[p])
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("GET %s only on the target: %s", p, got[p])
		}
	}
}
