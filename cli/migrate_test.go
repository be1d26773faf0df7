package cli

// Tests of moving a whole Accord: accord export/import between servers
// (round trip, kill -9 and resume, conflicts and --undo) and accord
// backup/restore beside a running accord serve.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
)

func adminOf(ts *testServer) accordtest.Client {
	return accordtest.Client{Base: ts.url, User: "root", Password: rootPassword}
}

func adminEnv(ts *testServer) []string {
	return []string{"ACCORD_URL=" + ts.url, "ACCORD_USER=root", "ACCORD_PASSWORD=" + rootPassword}
}

type auditEntry struct {
	ID        int64           `json:"id"`
	At        time.Time       `json:"at"`
	Actor     string          `json:"actor"`
	Action    string          `json:"action"`
	Context   string          `json:"context"`
	Target    string          `json:"target"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	RequestID string          `json:"requestId"`
	Origin    string          `json:"origin"`
	OriginID  int64           `json:"originId"`
}

func auditOf(t *testing.T, c accordtest.Client) []auditEntry {
	t.Helper()
	var out []auditEntry
	if err := json.Unmarshal([]byte(c.Must(t, "GET", "/v1/audit?limit=1000", "")), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkImported compares target with source after an import: every
// listing (live objects; the target's own admin aside), the source's
// audit entries appended once each, in order, with their original who,
// when and ids, and the source's credentials signing in on the target.
//
// The check signs in with the service's token, which then shows a last
// use on the target: a second check passes tokenUsed.
func checkImported(t *testing.T, src, dst accordtest.Client, srcAudit []auditEntry, seeded accordtest.Seeded, tokenUsed bool) {
	t.Helper()
	opts := accordtest.ListOptions{NoAudit: true, LiveOnly: true, Skip: []string{"root"}}
	want, got := accordtest.Listings(t, src, opts), accordtest.Listings(t, dst, opts)
	if tokenUsed {
		delete(want, "/v1/tokens")
		delete(got, "/v1/tokens")
	}
	accordtest.CompareListings(t, want, got)

	byOrigin := map[int64]auditEntry{}
	for _, e := range auditOf(t, dst) {
		if e.Origin == "" {
			continue
		}
		if _, dup := byOrigin[e.OriginID]; dup {
			t.Errorf("source audit entry %d imported twice", e.OriginID)
		}
		byOrigin[e.OriginID] = e
	}
	if len(byOrigin) != len(srcAudit) {
		t.Errorf("%d audit entries imported, the source has %d", len(byOrigin), len(srcAudit))
	}
	for _, e := range srcAudit {
		got, ok := byOrigin[e.ID]
		if !ok {
			t.Errorf("source audit entry %d (%s %s) not imported", e.ID, e.Action, e.Target)
			continue
		}
		if got.Origin != src.Base || !got.At.Equal(e.At) || got.Actor != e.Actor || got.Action != e.Action || got.Context != e.Context ||
			got.Target != e.Target || string(got.Before) != string(e.Before) || string(got.After) != string(e.After) || got.RequestID != e.RequestID {
			t.Errorf("audit entry %d imported as %+v, was %+v", e.ID, got, e)
		}
	}
	// Appended in the source's order: new ids grow with the original ids.
	for i := 1; i < len(srcAudit); i++ {
		a, b := byOrigin[srcAudit[i-1].ID], byOrigin[srcAudit[i].ID]
		if (srcAudit[i-1].ID < srcAudit[i].ID) != (a.ID < b.ID) {
			t.Errorf("audit entries %d and %d imported out of order", srcAudit[i-1].ID, srcAudit[i].ID)
			break
		}
	}

	svc := dst.As(seeded.ServiceName, seeded.ServicePassword)
	if code, body := svc.Call(t, "GET", "/v1/whoami", ""); code != 200 || !strings.Contains(body, seeded.ServiceName) {
		t.Errorf("the service's password on the target: %d %s", code, body)
	}
	if code, body := dst.As(seeded.ServiceName, seeded.ServiceToken).Call(t, "GET", "/v1/whoami", ""); code != 200 || !strings.Contains(body, seeded.ServiceName) {
		t.Errorf("the service's token on the target: %d %s", code, body)
	}
}

func TestImportCarriesEverything(t *testing.T) {
	src := newTestServer(t, true)
	seeded := accordtest.Seed(t, adminOf(src))
	srcAudit := auditOf(t, adminOf(src)) // the export's own entry is not in it
	file := filepath.Join(t.TempDir(), "registry.export")
	out, errOut, code := cli(t, adminEnv(src), "export", "-o", file)
	wantCode(t, "export", code, 0, out, errOut)
	if !strings.Contains(errOut, "exported 6 subjects and ") {
		t.Errorf("export output:\n%s", errOut)
	}

	dst := newTestServer(t, true)
	state := filepath.Join(t.TempDir(), "import.state")
	out, errOut, code = cli(t, adminEnv(dst), "import", "--from", "file://"+file, "--state", state, "--batch-rows", "7")
	wantCode(t, "import", code, 0, out, errOut)
	if !strings.Contains(out, "principals 4 new") || !strings.Contains(out, "target mode restored to READWRITE") {
		t.Errorf("import output:\n%s", out)
	}
	checkImported(t, adminOf(src), adminOf(dst), srcAudit, seeded, false)

	// Again, with the state: nothing is left to do. Again without it:
	// everything is found there, nothing is added twice.
	out, errOut, code = cli(t, adminEnv(dst), "import", "--from", "file://"+file, "--state", state)
	wantCode(t, "resume", code, 0, out, errOut)
	if !strings.Contains(out, "0 versions copied (8 done earlier)") {
		t.Errorf("resume output:\n%s", out)
	}
	out, errOut, code = cli(t, adminEnv(dst), "import", "--from", "file://"+file)
	wantCode(t, "import again", code, 0, out, errOut)
	if !strings.Contains(out, "audit_log 0 new") || !strings.Contains(out, "streams 0 new (+2 already there)") {
		t.Errorf("second import output:\n%s", out)
	}
	checkImported(t, adminOf(src), adminOf(dst), srcAudit, seeded, true)

	// Straight from the server, without a file in between.
	dst2 := newTestServer(t, true)
	out, errOut, code = cli(t, append(adminEnv(dst2), "ACCORD_FROM_PASSWORD="+rootPassword), "import", "--from", src.url, "--from-user", "root")
	wantCode(t, "import from a server", code, 0, out, errOut)
	accordtest.CompareListings(t,
		accordtest.Listings(t, adminOf(src), accordtest.ListOptions{NoAudit: true, LiveOnly: true, Skip: []string{"root"}}),
		accordtest.Listings(t, adminOf(dst2), accordtest.ListOptions{NoAudit: true, LiveOnly: true, Skip: []string{"root"}}))
}

// TestImportSurvivesKill kills the import (SIGKILL) twice at points read
// from its state file, once among the versions and once among the rows,
// and resumes it: the target ends up as the source, with every audit
// entry once.
func TestImportSurvivesKill(t *testing.T) {
	src := newTestServer(t, true)
	admin := adminOf(src)
	seeded := accordtest.Seed(t, admin)
	for i := range 60 {
		admin.Must(t, "POST", fmt.Sprintf("/subjects/bulk-%02d/versions", i), fmt.Sprintf(`{"schema":"{\"type\":\"enum\",\"name\":\"E%d\",\"symbols\":[\"A\"]}"}`, i))
	}
	srcAudit := auditOf(t, admin)
	file := filepath.Join(t.TempDir(), "registry.export")
	out, errOut, code := cli(t, adminEnv(src), "export", "-o", file)
	wantCode(t, "export", code, 0, out, errOut)

	dst := newTestServer(t, true)
	state := filepath.Join(t.TempDir(), "import.state")
	args := []string{"import", "--from", "file://" + file, "--state", state, "--batch-rows", "5"}
	killWhen := func(what string, cond func(state string) bool) {
		t.Helper()
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append([]string{"ACCORD_TEST_RUN_MAIN=1", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, adminEnv(dst)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		deadline := time.After(60 * time.Second)
		for {
			raw, _ := os.ReadFile(state)
			if cond(string(raw)) {
				cmd.Process.Kill()
				<-done
				return
			}
			select {
			case err := <-done:
				t.Fatalf("the import ended (%v) before %s", err, what)
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("timed out waiting for %s", what)
			case <-time.After(time.Millisecond):
			}
		}
	}
	killWhen("20 versions", func(s string) bool { return strings.Count(s, `"done":`) >= 20 })
	if got := adminOf(dst).Must(t, "GET", "/mode", ""); !strings.Contains(got, "IMPORT") {
		t.Errorf("after kill -9 the target's mode is %s, want IMPORT (left by the import)", got)
	}
	killWhen("some audit rows", func(s string) bool { return strings.Contains(s, `"table":"audit_log"`) })

	out, errOut, code = cli(t, adminEnv(dst), args...)
	wantCode(t, "resumed import", code, 0, out, errOut)
	if !strings.Contains(out, "done earlier") || !strings.Contains(out, "target mode restored to READWRITE") {
		t.Errorf("resumed import output:\n%s", out)
	}
	checkImported(t, admin, adminOf(dst), srcAudit, seeded, false)
}

// TestImportConflict: an import that meets an id the target already uses
// for another schema stops, restores the target's mode, says what it did
// and how to resume or undo; --undo takes the copied versions away.
func TestImportConflict(t *testing.T) {
	src := newTestServer(t, true)
	admin := adminOf(src)
	for _, s := range []string{"a", "b", "c"} {
		admin.Must(t, "POST", "/subjects/"+s+"/versions", `{"schema":"{\"type\":\"fixed\",\"name\":\"F`+s+`\",\"size\":4}"}`)
	}
	dst := newTestServer(t, true)
	d := adminOf(dst)
	// Id 3 is taken on the target by another schema.
	d.Must(t, "PUT", "/mode", `{"mode":"IMPORT"}`)
	d.Must(t, "POST", "/subjects/x/versions", `{"schema":"\"bytes\"","id":3,"version":1}`)
	d.Must(t, "PUT", "/mode", `{"mode":"READWRITE"}`)

	state := filepath.Join(t.TempDir(), "import.state")
	out, errOut, code := cli(t, append(adminEnv(dst), "ACCORD_FROM_PASSWORD="+rootPassword), "import", "--from", src.url, "--from-user", "root", "--state", state)
	wantCode(t, "conflicting import", code, 1, out, errOut)
	for _, want := range []string{"copying c version 1 (id 3)", "imported before stopping: 2 versions copied", "the last b version 1 (id 2)",
		"mode is back to READWRITE", "resume: ", "--state " + state, "undo: accord import --undo --state " + state} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if got := d.Must(t, "GET", "/mode", ""); !strings.Contains(got, "READWRITE") {
		t.Errorf("target mode after the stop: %s", got)
	}

	out, errOut, code = cli(t, adminEnv(dst), "import", "--undo", "--state", state)
	wantCode(t, "undo", code, 0, out, errOut)
	if !strings.Contains(out, "2 versions deleted for good") {
		t.Errorf("undo output:\n%s", out)
	}
	var subjects []string
	json.Unmarshal([]byte(d.Must(t, "GET", "/subjects?deleted=true", "")), &subjects)
	if strings.Join(subjects, ",") != "x" {
		t.Errorf("after --undo the target has %v, want only its own x", subjects)
	}

	// A row conflict: a stream of the same name and another owner.
	src2 := newTestServer(t, true)
	accordtest.Seed(t, adminOf(src2))
	dst2 := newTestServer(t, true)
	d2 := adminOf(dst2)
	d2.Must(t, "POST", "/v1/principals", `{"name":"someone","roles":["service"]}`)
	d2.Must(t, "POST", "/v1/streams", `{"name":"payments","owner":"someone","eventType":"delta","visibility":"private"}`)
	out, errOut, code = cli(t, append(adminEnv(dst2), "ACCORD_FROM_PASSWORD="+rootPassword), "import", "--from", src2.url, "--from-user", "root")
	wantCode(t, "import over a different stream", code, 1, out, errOut)
	for _, want := range []string{"40951", "streams payments already exists on the target with owner = someone, the import has billing-svc", "imported before stopping: 8 versions copied"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// TestImportOtherSources: a registry without /v1/admin/dump (not Accord)
// exports its schemas, configs and modes only; a bundle of the earlier
// single-document format still imports.
func TestImportOtherSources(t *testing.T) {
	st := accordtest.New(t, t.TempDir(), accordtest.Options{LogWriter: io.Discard})
	foreign := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log})) // no Backups: no /v1/admin/dump
	t.Cleanup(foreign.Close)
	c := accordtest.Client{Base: foreign.URL}
	c.Must(t, "POST", "/subjects/a/versions", `{"schema":"\"string\""}`)
	c.Must(t, "PUT", "/config/a", `{"compatibility":"NONE"}`)
	file := filepath.Join(t.TempDir(), "foreign.export")
	out, errOut, code := cli(t, []string{"ACCORD_URL=" + foreign.URL}, "export", "-o", file)
	wantCode(t, "export of a foreign registry", code, 0, out, errOut)
	if !strings.Contains(errOut, "not Accord") || !strings.Contains(errOut, "exported 1 subjects and 0 rows") {
		t.Errorf("export output:\n%s", errOut)
	}
	dst := newTestServer(t, false)
	out, errOut, code = cli(t, []string{"ACCORD_URL=" + dst.url}, "import", "--from", "file://"+file)
	wantCode(t, "import", code, 0, out, errOut)
	if got := dst.mustCall(t, "GET", "/config/a", "", ""); !strings.Contains(got, "NONE") {
		t.Errorf("config after import: %s", got)
	}

	legacy := filepath.Join(t.TempDir(), "registry.json")
	writeFiles(t, filepath.Dir(legacy), map[string]string{"registry.json": `{"format":"accord-export/1","exportedAt":"2026-01-01T00:00:00Z",
		"subjects":[{"subject":"old","versions":[{"subject":"old","version":1,"id":7,"schema":"\"int\""}]}]}`})
	out, errOut, code = cli(t, []string{"ACCORD_URL=" + dst.url}, "import", "--from", "file://"+legacy)
	wantCode(t, "import of a legacy bundle", code, 0, out, errOut)
	if got := dst.mustCall(t, "GET", "/subjects/old/versions/1", "", ""); !strings.Contains(got, `"id":7`) {
		t.Errorf("legacy import: %s", got)
	}
}

// TestCLIBackupRestore backs up a store beside the server that has it
// open, directly (--data-dir) and through the server (--url), and
// restores each into an empty folder that then serves the same listings.
func TestCLIBackupRestore(t *testing.T) {
	dir := t.TempDir()
	src := newServerAt(t, dir, true, nil)
	admin := adminOf(src)
	accordtest.Seed(t, admin)
	want := accordtest.Listings(t, admin, accordtest.ListOptions{})

	file := filepath.Join(t.TempDir(), "accord.backup")
	out, errOut, code := cli(t, nil, "backup", "--data-dir", dir, "-o", file)
	wantCode(t, "backup", code, 0, out, errOut)
	if !strings.Contains(errOut, "backup written to "+file) {
		t.Errorf("backup: %s", errOut)
	}
	viaHTTP := filepath.Join(t.TempDir(), "http.backup")
	out, errOut, code = cli(t, adminEnv(src), "backup", "--url", src.url, "-o", viaHTTP)
	wantCode(t, "backup --url", code, 0, out, errOut)
	out, errOut, code = cli(t, nil, "backup", "--data-dir", dir, "-o", "-")
	wantCode(t, "backup to stdout", code, 0, out, errOut)
	if !strings.HasPrefix(out, "{") {
		t.Errorf("backup -o -: %.200s", out)
	}

	for _, f := range []string{file, viaHTTP} {
		restored := t.TempDir()
		out, errOut, code = cli(t, nil, "restore", f, "--data-dir", restored)
		wantCode(t, "restore", code, 0, out, errOut)
		if !strings.Contains(out, "restored ") {
			t.Errorf("restore: %s", out)
		}
		out, errOut, code = cli(t, nil, "restore", f, "--data-dir", restored)
		wantCode(t, "restore into a used store", code, 2, out, errOut)
		if !strings.Contains(errOut, "not empty (") {
			t.Errorf("refusal: %s", errOut)
		}
		out, errOut, code = cli(t, nil, "restore", f, "--data-dir", restored, "--force")
		wantCode(t, "restore --force", code, 0, out, errOut)
		got := accordtest.Listings(t, adminOf(newServerAt(t, restored, true, nil)), accordtest.ListOptions{})
		// The source's audit log gained the backup.read of the HTTP backup.
		delete(want, "/v1/audit?limit=1000")
		delete(got, "/v1/audit?limit=1000")
		accordtest.CompareListings(t, want, got)
	}
	for _, args := range [][]string{
		{"restore", "/no/such/file", "--data-dir", t.TempDir()},
		{"restore"},
		{"backup", "--data-dir", t.TempDir(), "-o", filepath.Join(t.TempDir(), "x")}, // no Accord there
		{"backup"}, // no -o
	} {
		out, errOut, code := cli(t, nil, args...)
		wantCode(t, strings.Join(args, " "), code, 2, out, errOut)
	}
}
