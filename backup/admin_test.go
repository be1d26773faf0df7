package backup_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/backup"
)

// rowsDoc is an import document of one table's rows.
func rowsDoc(t *testing.T, table string, columns []string, rows ...[]any) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := backup.NewWriter(&buf, backup.Header{Kind: backup.KindExport, Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	w.Table(table, columns)
	for _, r := range rows {
		w.Row(r)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func post(t *testing.T, c accordtest.Client, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", c.Base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.SetBasicAuth(c.User, c.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return resp.StatusCode, out.String()
}

// TestAdminEndpoints: who may dump and import, what a bad document and a
// conflicting row answer, and how each table's rows merge.
func TestAdminEndpoints(t *testing.T) {
	srv := newServer(t, t.TempDir(), true)
	admin := srv.admin
	seeded := accordtest.Seed(t, admin)
	svc := admin.As(seeded.ServiceName, seeded.ServicePassword)

	if code, body := svc.Call(t, "GET", "/v1/admin/dump", ""); code != 403 || !strings.Contains(body, "40301") {
		t.Errorf("dump as a service: %d %s", code, body)
	}
	if code, body := post(t, svc, "/v1/admin/import?origin=x", rowsDoc(t, "streams", []string{"name"})); code != 403 {
		t.Errorf("import as a service: %d %s", code, body)
	}
	code, body := admin.Call(t, "GET", "/v1/admin/dump?tables=principals", "")
	if code != 200 || !strings.Contains(body, `"password_hash"`) || !strings.Contains(body, `$argon2id$`) || !strings.Contains(body, `"end":{"tables":1,`) {
		t.Errorf("dump of principals: %d %s", code, body)
	}
	if got := admin.Must(t, "GET", "/v1/audit?action=backup.read", ""); !strings.Contains(got, `"actor":"root"`) || !strings.Contains(got, `"target":"principals"`) {
		t.Errorf("the dump is not in the audit log: %s", got)
	}
	if code, body := admin.Call(t, "GET", "/v1/admin/dump?tables=nope", ""); code != 422 || !strings.Contains(body, "42251") {
		t.Errorf("dump of an unknown table: %d %s", code, body)
	}

	principal := []string{"name", "roles", "password_hash", "disabled", "created_at", "updated_at"}
	edge := []string{"kind", "from_node", "to_node", "source", "fields", "schema_version", "drift", "first_seen", "last_seen"}
	for _, tc := range []struct {
		name, doc  string
		status     int
		want       string
		afterCheck func(t *testing.T)
	}{
		{"not a dump", "{}\n", 422, "42251", nil},
		{"cut short", strings.Split(rowsDoc(t, "principals", principal), `{"end"`)[0], 422, "cut short", nil},
		{"a registry table", rowsDoc(t, "versions", []string{"context"}), 422, "registry tables go through the registry API", nil},
		{"an unknown column", rowsDoc(t, "streams", []string{"name", "colour"}), 422, "no column colour", nil},
		{"a new principal", rowsDoc(t, "principals", principal, []any{"newbie", `["reader"]`, nil, false, 1, 1}), 200, `"principals":{"inserted":1,"unchanged":0,"kept":0}`,
			func(t *testing.T) { admin.Must(t, "GET", "/v1/principals/newbie", "") }},
		{"the same again", rowsDoc(t, "principals", principal, []any{"newbie", `["reader"]`, nil, false, 1, 1}), 200, `"inserted":0,"unchanged":1`, nil},
		{"an existing principal, different: kept", rowsDoc(t, "principals", principal, []any{"orders-svc", `["admin"]`, nil, false, 1, 1}), 200, `"kept":1`,
			func(t *testing.T) {
				if got := admin.Must(t, "GET", "/v1/principals/orders-svc", ""); !strings.Contains(got, `"roles":["service"]`) {
					t.Errorf("an import changed an existing principal: %s", got)
				}
			}},
		{"an existing lineage edge, different: kept", rowsDoc(t, "lineage_edges", edge, []any{"consumes", "orders", "billing-svc", "api", `["other"]`, nil, nil, 1, 2}), 200, `"kept":1`, nil},
		{"an existing stream, different: conflict", rowsDoc(t, "streams", []string{"name", "owner"}, []any{"orders", "billing-svc"}), 409,
			"streams orders already exists on the target with owner = orders-svc, the import has billing-svc", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(t, admin, "/v1/admin/import?origin=test", tc.doc)
			if code != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("%d %s, want %d with %q", code, body, tc.status, tc.want)
			}
			if tc.afterCheck != nil {
				tc.afterCheck(t)
			}
		})
	}
	if code, body := post(t, admin, "/v1/admin/import", rowsDoc(t, "streams", []string{"name"})); code != 422 || !strings.Contains(body, "origin") {
		t.Errorf("import without origin: %d %s", code, body)
	}
}

// TestImportRowsEachEngine moves the rows of a seeded server into an
// empty one on each engine through the admin endpoints: streams,
// lineage, principals, tokens and proposals (ids kept) answer as on the
// source, credentials work, and ids handed out afterwards follow the
// imported ones.
func TestImportRowsEachEngine(t *testing.T) {
	src := newServer(t, t.TempDir(), true)
	seeded := accordtest.Seed(t, src.admin)
	code, doc := src.admin.Call(t, "GET", "/v1/admin/dump?kind=export&tables="+strings.Join(backup.ImportTables(), ","), "")
	if code != 200 {
		t.Fatalf("dump: %d %s", code, doc)
	}
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		dst := newServer(t, target, true)
		// The registry first, as accord import does (ids kept in IMPORT mode).
		dst.admin.Must(t, "PUT", "/mode", `{"mode":"IMPORT"}`)
		for _, s := range []string{"orders-key", "orders-value", "money.proto", "payments-value", ":.eu:orders-value"} {
			var versions []int
			jsonGet(t, src.admin, "/subjects/"+s+"/versions", &versions)
			for _, v := range versions {
				var vd map[string]any
				jsonGet(t, src.admin, "/subjects/"+s+"/versions/"+itoa(v), &vd)
				delete(vd, "subject")
				delete(vd, "guid")
				raw, _ := json.Marshal(vd)
				dst.admin.Must(t, "POST", "/subjects/"+s+"/versions", string(raw))
			}
		}
		dst.admin.Must(t, "PUT", "/mode", `{"mode":"READWRITE"}`)
		code, body := post(t, dst.admin, "/v1/admin/import?origin="+src.admin.Base, doc)
		if code != 200 {
			t.Fatalf("import: %d %s", code, body)
		}
		opts := accordtest.ListOptions{NoAudit: true, LiveOnly: true, Skip: []string{"root"}}
		want, got := accordtest.Listings(t, src.admin, opts), accordtest.Listings(t, dst.admin, opts)
		for _, p := range []string{"/v1/streams", "/v1/streams/orders", "/v1/streams/payments/transfers", "/v1/lineage/edges",
			"/v1/principals", "/v1/principals/orders-svc", "/v1/tokens", "/v1/proposals?limit=1000", "/v1/proposals/1", "/v1/proposals/2"} {
			if want[p] != got[p] {
				t.Errorf("GET %s differs:\n source: %s\n target: %s", p, want[p], got[p])
			}
		}
		checkCredentials(t, dst.admin, seeded)
		body = dst.admin.As(seeded.ServiceName, seeded.ServicePassword).Must(t, "POST", "/v1/proposals",
			`{"subject":"orders-value","schema":"{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"acme\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"total\",\"type\":\"long\"},{\"name\":\"note\",\"type\":\"string\",\"default\":\"\"},{\"name\":\"note2\",\"type\":\"string\",\"default\":\"\"},{\"name\":\"y\",\"type\":\"string\",\"default\":\"\"}]}"}`)
		if !strings.Contains(body, `"id":4`) {
			t.Errorf("the first proposal after the import: %s", body)
		}
	})
}

func itoa(n int) string { return fmt.Sprint(n) }

// TestImportBodyBound: a batch over the server's body limit is 413 and
// changes nothing.
func TestImportBodyBound(t *testing.T) {
	st := accordtest.New(t, t.TempDir(), accordtest.Options{LogWriter: io.Discard})
	srv := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, MaxBodyBytes: 4096, Backups: backup.NewService(st.Store.DB(), nil)}))
	t.Cleanup(srv.Close)
	var rows [][]any
	for i := range 200 {
		rows = append(rows, []any{fmt.Sprintf("p%03d", i), `["reader"]`, nil, false, 1, 1})
	}
	doc := rowsDoc(t, "principals", []string{"name", "roles", "password_hash", "disabled", "created_at", "updated_at"}, rows...)
	req, _ := http.NewRequest("POST", srv.URL+"/v1/admin/import?origin=x", strings.NewReader(doc))
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.ContentLength = -1 // streamed: the limit is found while reading
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(body.String(), "--batch-rows") {
		t.Fatalf("an over-long batch: %d %s", resp.StatusCode, body.String())
	}
	var n int
	if err := st.Store.DB().Read.QueryRow(`SELECT COUNT(*) FROM principals`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after a refused batch: %d principals, %v", n, err)
	}
}
