package backup_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/accord/accord/accordtest"
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
