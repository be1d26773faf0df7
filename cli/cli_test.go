package cli

// End-to-end tests of the CLI verbs: Run, in-process, against httptest
// servers built from the real stack (SQLite store, registry, contracts,
// API, and auth in some).

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/backup"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/proposals"
)

const rootPassword = "correct horse battery staple"

// testServer is the real stack behind httptest: registry, contracts,
// lineage (impact), audit and, when asked, authentication.
type testServer struct {
	url string
}

func newTestServer(t *testing.T, withAuth bool) *testServer {
	t.Helper()
	return newWrappedServer(t, withAuth, nil)
}

// newWrappedServer is newTestServer with the handler wrapped by wrap
// (when not nil), to step in at a chosen request.
func newWrappedServer(t *testing.T, withAuth bool, wrap func(http.Handler) http.Handler) *testServer {
	t.Helper()
	return newServerAt(t, t.TempDir(), withAuth, wrap)
}

// newServerAt is newWrappedServer on the SQLite data folder dir.
func newServerAt(t *testing.T, dir string, withAuth bool, wrap func(http.Handler) http.Handler) *testServer {
	t.Helper()
	opts := accordtest.Options{Watch: true, LogWriter: io.Discard}
	if withAuth {
		opts.Auth, opts.Admin, opts.AdminSecret = true, "root", rootPassword
	}
	st := accordtest.New(t, dir, opts)
	var h http.Handler = api.New(st.Registry, api.Options{Logger: st.Log, Auth: st.Auth, Contracts: st.Contracts, Audit: st.Audit,
		Lineage: st.Lineage, Proposals: st.Proposals, Backups: newBackups(st)})
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testServer{url: srv.URL}
}

// newBackups is the server's dump and import service as accord serve
// wires it: an import reloads what caches the rows it wrote.
func newBackups(st *accordtest.Stack) *backup.Service {
	return backup.NewService(st.Store.DB(), func(ctx context.Context) {
		st.Contracts.Invalidate()
		if st.Auth != nil {
			st.Auth.PurgeCache()
		}
		_ = st.Lineage.Reload(ctx)
	})
}

// call sends a request to the server directly (set-up and assertions).
func (ts *testServer) call(t *testing.T, method, path, body string, user string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.SetBasicAuth(user, rootPassword)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func (ts *testServer) mustCall(t *testing.T, method, path, body, user string) string {
	t.Helper()
	code, out := ts.call(t, method, path, body, user)
	if code/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, code, out)
	}
	return out
}

// cli runs the accord command line in-process with env (KEY=VALUE; no
// other variable is seen, so no developer config file is read) and
// returns stdout, stderr and the exit code.
func cli(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	return cliCtx(t, context.Background(), env, args...)
}

// cliCtx is cli with a context (cancelling it is Ctrl-C).
func cliCtx(t *testing.T, ctx context.Context, env []string, args ...string) (string, string, int) {
	t.Helper()
	vars := map[string]string{"HOME": t.TempDir()}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var stdout, stderr bytes.Buffer
	r := &runner{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return vars[k] }}
	code := r.run(ctx, args)
	return stdout.String(), stderr.String(), code
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func wantCode(t *testing.T, what string, got, want int, stdout, stderr string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", what, got, want, stdout, stderr)
	}
}

const (
	orderKey = `{"type":"record","name":"OrderKey","namespace":"acme","fields":[{"name":"id","type":"string"}]}`
	orderV1  = `{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"total","type":"long"}]}`
	// orderOK adds a field with a default: BACKWARD compatible.
	orderOK = `{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"total","type":"long"},{"name":"note","type":"string","default":""}]}`
	// orderBad adds a field without a default: breaks BACKWARD.
	orderBad = `{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"total","type":"long"},{"name":"customer","type":"string"}]}`
)

func TestCLICheck(t *testing.T) {
	ts := newTestServer(t, false)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"key.avsc": orderKey, "v1.avsc": orderV1, "ok.avsc": orderOK, "bad.avsc": orderBad})
	ts.mustCall(t, "POST", "/v1/streams", `{"name":"orders","owner":"orders-svc","eventType":"state","visibility":"public"}`, "")
	env := []string{"ACCORD_URL=" + ts.url}

	out, errOut, code := cli(t, env, "push", filepath.Join(dir, "key.avsc"), "--stream", "orders", "--key")
	wantCode(t, "push key", code, 0, out, errOut)
	out, errOut, code = cli(t, env, "push", filepath.Join(dir, "v1.avsc"), "--stream", "orders")
	wantCode(t, "push value", code, 0, out, errOut)

	t.Run("compatible", func(t *testing.T) {
		out, errOut, code := cli(t, env, "check", filepath.Join(dir, "ok.avsc"), "--stream", "orders")
		wantCode(t, "check", code, 0, out, errOut)
		if !strings.Contains(out, "OK: may ship") || !strings.Contains(out, "orders-value") || !strings.Contains(out, "no known consumer or derived stream") {
			t.Errorf("report:\n%s", out)
		}
	})
	t.Run("incompatible", func(t *testing.T) {
		out, errOut, code := cli(t, env, "check", filepath.Join(dir, "bad.avsc"), "--stream", "orders")
		wantCode(t, "check", code, 1, out, errOut)
		for _, want := range []string{"FAIL", "READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/2", "BACKWARD, against version 1", "customer"} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q:\n%s", want, out)
			}
		}
		// --subject alone finds the stream through the mirrored metadata.
		out, errOut, code = cli(t, env, "check", "--subject", "orders-value", "--output", "json", filepath.Join(dir, "bad.avsc"))
		wantCode(t, "check --output json", code, 1, out, errOut)
		var rep checkReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if rep.OK || rep.Compatible || rep.Stream != "orders" || len(rep.Differences) == 0 || rep.Differences[0].Location == "" {
			t.Errorf("json report: %+v", rep)
		}
	})
	t.Run("lint error", func(t *testing.T) {
		// A state stream without a key schema: an error-level lint.
		ts.mustCall(t, "POST", "/v1/streams", `{"name":"carts","owner":"carts-svc","eventType":"state"}`, "")
		out, errOut, code := cli(t, env, "check", filepath.Join(dir, "v1.avsc"), "--stream", "carts", "--output", "json")
		wantCode(t, "check", code, 1, out, errOut)
		var rep checkReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		if !rep.Compatible || !rep.NewSubject || len(rep.Lints) == 0 || rep.Lints[0].ID != contracts.StateKeySchemaMissing || rep.Lints[0].Severity != "error" {
			t.Errorf("json report: %+v", rep)
		}
		out, _, _ = cli(t, env, "check", filepath.Join(dir, "v1.avsc"), "--stream", "carts")
		if !strings.Contains(out, "lint STATE_KEY_SCHEMA_MISSING at /") {
			t.Errorf("report:\n%s", out)
		}
	})
	t.Run("impact", func(t *testing.T) {
		// Real lineage: billing-svc reads orders' fields; orders-enriched is
		// derived from orders and read by bi-svc.
		// Edges declared through the CLI, as a pipeline would.
		for _, e := range [][]string{
			{"lineage", "add", "consumes", "orders", "billing-svc", "--fields", "id,note"},
			{"lineage", "add", "derived_from", "orders", "orders-enriched"},
			{"lineage", "add", "consumes", "orders-enriched", "bi-svc"},
		} {
			out, errOut, code := cli(t, env, e...)
			wantCode(t, strings.Join(e, " "), code, 0, out, errOut)
		}
		out, errOut, code := cli(t, env, "lineage", "list", "--node", "orders")
		wantCode(t, "lineage list", code, 0, out, errOut)
		if !strings.Contains(out, "consumes     orders -> billing-svc fields id,note") || !strings.Contains(out, "derived_from orders -> orders-enriched") {
			t.Errorf("lineage list:\n%s", out)
		}
		out, errOut, code = cli(t, env, "lineage", "add", "feeds", "a", "b")
		wantCode(t, "lineage add with a bad kind", code, 1, out, errOut)
		out, errOut, code = cli(t, env, "lineage", "add", "consumes", "orders")
		wantCode(t, "lineage add without TO", code, 2, out, errOut)
		out, errOut, code = cli(t, env, "check", filepath.Join(dir, "ok.avsc"), "--stream", "orders")
		wantCode(t, "check", code, 0, out, errOut)
		for _, want := range []string{"Who is affected", "consumer billing-svc (via orders, depth 1)", "consumer bi-svc (via orders -> orders-enriched, depth 2)", "derived stream orders-enriched (via orders -> orders-enriched, depth 1)"} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("usage and connection errors", func(t *testing.T) {
		for _, c := range []struct {
			name string
			env  []string
			args []string
		}{
			{"no file", env, []string{"check", "--stream", "orders"}},
			{"no target", env, []string{"check", filepath.Join(dir, "ok.avsc")}},
			{"unknown stream", env, []string{"check", filepath.Join(dir, "ok.avsc"), "--stream", "nope"}},
			{"missing file", env, []string{"check", filepath.Join(dir, "nope.avsc"), "--stream", "orders"}},
			{"unknown extension", env, []string{"check", filepath.Join(dir, "x.txt"), "--stream", "orders"}},
			{"no server", []string{"ACCORD_URL=http://127.0.0.1:1"}, []string{"check", filepath.Join(dir, "ok.avsc"), "--stream", "orders"}},
			{"bad flag", env, []string{"check", "--nope"}},
			{"bad output", env, []string{"check", filepath.Join(dir, "ok.avsc"), "--stream", "orders", "--output", "xml"}},
		} {
			out, errOut, code := cli(t, c.env, c.args...)
			wantCode(t, c.name, code, 2, out, errOut)
		}
	})
}

// TestCLICheckPropose: --propose records a proposal for a schema that may
// ship (as the caller), finds it again on a rerun, makes none for one that
// may not, and has nothing to propose once the schema is registered.
func TestCLICheckPropose(t *testing.T) {
	ts := newTestServer(t, true)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"key.avsc": orderKey, "v1.avsc": orderV1, "ok.avsc": orderOK, "bad.avsc": orderBad})
	for _, p := range []string{`{"name":"orders-svc","roles":["service"],"password":"` + rootPassword + `"}`, `{"name":"rita","roles":["reviewer"],"password":"` + rootPassword + `"}`} {
		ts.mustCall(t, "POST", "/v1/principals", p, "root")
	}
	ts.mustCall(t, "POST", "/v1/streams", `{"name":"orders","owner":"orders-svc","eventType":"state","visibility":"public"}`, "root")
	ts.mustCall(t, "POST", "/subjects/orders-key/versions", `{"schema":`+strconvQuote(orderKey)+`}`, "orders-svc")
	ts.mustCall(t, "POST", "/subjects/orders-value/versions", `{"schema":`+strconvQuote(orderV1)+`}`, "orders-svc")
	env := []string{"ACCORD_URL=" + ts.url, "ACCORD_USER=orders-svc", "ACCORD_PASSWORD=" + rootPassword}
	ok, bad := filepath.Join(dir, "ok.avsc"), filepath.Join(dir, "bad.avsc")

	out, errOut, code := cli(t, env, "check", ok, "--stream", "orders", "--propose", "--description", "add a note")
	wantCode(t, "check --propose", code, 0, out, errOut)
	for _, want := range []string{"OK: may ship", "Proposed for review: proposal 1 (pending) for orders-value by orders-svc", ts.url + "/ui/proposals/1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var got struct{ Proposal proposals.Proposal }
	if err := json.Unmarshal([]byte(ts.mustCall(t, "GET", "/v1/proposals/1", "", "root")), &got); err != nil {
		t.Fatal(err)
	}
	if p := got.Proposal; p.Proposer != "orders-svc" || p.Description != "add a note" || p.Stream != "orders" || p.State != proposals.Pending {
		t.Errorf("stored proposal %+v", p)
	}

	// A rerun (CI) finds the pending proposal.
	out, errOut, code = cli(t, env, "check", ok, "--subject", "orders-value", "--propose", "--output", "json")
	wantCode(t, "check --propose again", code, 0, out, errOut)
	var rep checkReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !rep.OK || rep.Proposal == nil || rep.Proposal.ID != 1 || rep.ProposalCreated || rep.ProposalURL != ts.url+"/ui/proposals/1" {
		t.Errorf("json report: %+v", rep)
	}

	// A schema that may not ship is not proposed.
	out, errOut, code = cli(t, env, "check", bad, "--stream", "orders", "--propose")
	wantCode(t, "check --propose incompatible", code, 1, out, errOut)
	if strings.Contains(out, "Proposed") {
		t.Errorf("an incompatible schema was proposed:\n%s", out)
	}
	var list struct{ Proposals []proposals.Proposal }
	if err := json.Unmarshal([]byte(ts.mustCall(t, "GET", "/v1/proposals", "", "root")), &list); err != nil || len(list.Proposals) != 1 {
		t.Errorf("proposals %+v (%v)", list, err)
	}

	// Usage errors, and a caller who may not propose (credentials: 2).
	out, errOut, code = cli(t, env, "check", ok, "--stream", "orders", "--description", "x")
	wantCode(t, "--description without --propose", code, 2, out, errOut)
	out, errOut, code = cli(t, []string{"ACCORD_URL=" + ts.url, "ACCORD_USER=rita", "ACCORD_PASSWORD=" + rootPassword}, "check", ok, "--stream", "orders", "--propose")
	wantCode(t, "a reviewer proposing", code, 2, out, errOut)

	// Approved (registered as orders-svc): nothing left to propose.
	ts.mustCall(t, "POST", "/v1/proposals/1/approve", `{"comment":"ok"}`, "rita")
	out, errOut, code = cli(t, env, "check", ok, "--stream", "orders", "--propose")
	wantCode(t, "check --propose after approval", code, 0, out, errOut)
	if !strings.Contains(out, "Nothing to propose") || !strings.Contains(out, "version 2") {
		t.Errorf("output:\n%s", out)
	}
}

// strconvQuote renders s as a JSON string.
func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestCLIPush(t *testing.T) {
	ts := newTestServer(t, false)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"money.proto":   `syntax = "proto3"; package acme; message Money { int64 units = 1; string currency = 2; }`,
		"payment.proto": "syntax = \"proto3\";\npackage acme;\nimport \"money.proto\";\nmessage Payment { acme.Money amount = 1; }\n",
		"v1.avsc":       orderV1, "bad.avsc": orderBad, "ok.avsc": orderOK,
	})
	env := []string{"ACCORD_URL=" + ts.url}

	// The local import is pushed first, under a subject named like it.
	out, errOut, code := cli(t, env, "push", filepath.Join(dir, "payment.proto"), "--subject", "payments-value")
	wantCode(t, "push", code, 0, out, errOut)
	if !strings.Contains(out, "money.proto version 1, id 1: registered") || !strings.Contains(out, "payments-value version 1, id 2: registered") {
		t.Fatalf("output:\n%s", out)
	}
	if got := ts.mustCall(t, "GET", "/subjects/payments-value/versions/1", "", ""); !strings.Contains(got, `"references":[{"name":"money.proto","subject":"money.proto","version":1}]`) {
		t.Errorf("registered: %s", got)
	}
	// Idempotent.
	out, errOut, code = cli(t, env, "push", filepath.Join(dir, "payment.proto"), "--subject", "payments-value")
	wantCode(t, "push again", code, 0, out, errOut)
	if strings.Count(out, "unchanged (already registered)") != 2 {
		t.Errorf("second push:\n%s", out)
	}
	// Several files, JSON output, an explicit reference to a server subject.
	out, errOut, code = cli(t, env, "push", "orders-value="+filepath.Join(dir, "v1.avsc"), "payments2-value="+filepath.Join(dir, "payment.proto"), "--output", "json")
	wantCode(t, "push several", code, 0, out, errOut)
	var res []pushResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 3 || !res[0].Changed || res[1].Changed || res[2].Subject != "payments2-value" || res[2].ID != 2 {
		t.Errorf("json: %v %+v\n%s", err, res, out)
	}
	// An explicit reference to a server subject wins over the local file.
	out, errOut, code = cli(t, env, "push", filepath.Join(dir, "payment.proto"), "--subject", "payments3-value", "--ref", "money.proto=money.proto:1")
	wantCode(t, "push --ref", code, 0, out, errOut)
	if strings.Contains(out, "money.proto version") || !strings.Contains(out, "payments3-value version 1, id 2: registered") {
		t.Errorf("push --ref:\n%s", out)
	}
	// Refused by the server: exit 1.
	out, errOut, code = cli(t, env, "push", filepath.Join(dir, "bad.avsc"), "--subject", "orders-value")
	wantCode(t, "incompatible push", code, 1, out, errOut)
	if !strings.Contains(errOut, "409") || !strings.Contains(errOut, "READER_FIELD_MISSING_DEFAULT_VALUE") {
		t.Errorf("stderr: %s", errOut)
	}
	out, errOut, code = cli(t, env, "push", filepath.Join(dir, "ok.avsc"))
	wantCode(t, "no subject", code, 2, out, errOut)
}

func TestCLIApply(t *testing.T) {
	ts := newTestServer(t, true)
	// A token for root, used through ACCORD_TOKEN; the URL comes from the
	// config file.
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(ts.mustCall(t, "POST", "/v1/tokens", `{"principal":"root"}`, "root")), &tok); err != nil || tok.Token == "" {
		t.Fatalf("token: %v", err)
	}
	cfgDir := t.TempDir()
	cfg := filepath.Join(cfgDir, "config.yaml")
	writeFiles(t, cfgDir, map[string]string{"config.yaml": "url: " + ts.url + "\n"})
	env := []string{"ACCORD_CONFIG=" + cfg, "ACCORD_TOKEN=" + tok.Token}

	dir := t.TempDir()
	money := `{"type":"record","name":"Money","namespace":"acme","fields":[{"name":"units","type":"long"},{"name":"currency","type":"string"}]}`
	order := func(extra string) string {
		return `{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"total","type":"acme.Money"}` + extra + `]}`
	}
	stream := func(description string) string {
		return `kind: Stream
name: orders
owner: orders-svc
eventType: state
visibility: public
description: ` + description + `
tags: {domain: sales, entity: order}
compatibility: BACKWARD
keySchema: schemas/key.avsc
valueSchema:
  file: schemas/order.avsc
  references:
    - {name: acme.Money, subject: money}
`
	}
	writeFiles(t, dir, map[string]string{
		"schemas/money.avsc": money,
		"schemas/key.avsc":   orderKey,
		"schemas/order.avsc": order(""),
		"money.yaml":         "kind: Schema\nsubject: money\nfile: schemas/money.avsc\n",
		"orders.yaml":        stream("Current state of every order"),
		"billing.yml":        "kind: Consumer\nservice: billing-svc\nstreams:\n  - {stream: orders, fields: [id, total]}\n",
	})

	t.Run("plan", func(t *testing.T) {
		out, errOut, code := cli(t, env, "apply", "-f", dir, "--dry-run")
		wantCode(t, "dry run", code, 0, out, errOut)
		for _, want := range []string{"schema money: create", "stream orders: create", "schema orders-key (key): create", "schema orders-value (value): create", "billing-svc", "Plan: 4 to create, 0 to update, 0 unchanged."} {
			if !strings.Contains(out, want) {
				t.Errorf("plan lacks %q:\n%s", want, out)
			}
		}
		// References first.
		if strings.Index(out, "schema money") > strings.Index(out, "stream orders") {
			t.Errorf("money should come before orders:\n%s", out)
		}
		if code, _ := ts.call(t, "GET", "/v1/streams/orders", "", "root"); code != 404 {
			t.Errorf("dry run created the stream: %d", code)
		}
	})
	t.Run("apply and again", func(t *testing.T) {
		out, errOut, code := cli(t, env, "apply", "-f", dir)
		wantCode(t, "apply", code, 0, out, errOut)
		st := ts.mustCall(t, "GET", "/v1/streams/orders", "", "root")
		if !strings.Contains(st, `"consumers":[{"principal":"billing-svc","fields":["id","total"]}]`) || !strings.Contains(st, `"owner":"orders-svc"`) {
			t.Errorf("stream: %s", st)
		}
		if v := ts.mustCall(t, "GET", "/subjects/orders-value/versions/latest", "", "root"); !strings.Contains(v, `"references":[{"name":"acme.Money","subject":"money","version":1}]`) {
			t.Errorf("value: %s", v)
		}
		out, errOut, code = cli(t, env, "apply", "-f", dir, "--output", "json")
		wantCode(t, "second apply", code, 0, out, errOut)
		var ans struct {
			Summary string `json:"summary"`
		}
		if err := json.Unmarshal([]byte(out), &ans); err != nil || ans.Summary != "0 to create, 0 to update, 4 unchanged" {
			t.Errorf("second apply: %v\n%s", err, out)
		}
	})
	t.Run("review and validation settings are applied and kept", func(t *testing.T) {
		writeFiles(t, dir, map[string]string{"orders.yaml": stream("Current state of every order") + "reviewRequired: true\nvalidation: {rules: false}\n"})
		out, errOut, code := cli(t, env, "apply", "-f", dir)
		wantCode(t, "apply", code, 0, out, errOut)
		st := ts.mustCall(t, "GET", "/v1/streams/orders", "", "root")
		if !strings.Contains(st, `"reviewRequired":true`) || !strings.Contains(st, `"validation":{"schemaId":"any","payload":true,"rules":false,"producer":true,"key":false,"value":true}`) {
			t.Errorf("stream: %s", st)
		}
		out, errOut, code = cli(t, env, "apply", "-f", dir, "--output", "json")
		wantCode(t, "second apply", code, 0, out, errOut)
		var ans struct {
			Summary string `json:"summary"`
		}
		if err := json.Unmarshal([]byte(out), &ans); err != nil || ans.Summary != "0 to create, 0 to update, 4 unchanged" {
			t.Errorf("second apply is not a no-op: %v\n%s", err, out)
		}
		writeFiles(t, dir, map[string]string{"orders.yaml": stream("Current state of every order")})
		out, errOut, code = cli(t, env, "apply", "-f", dir)
		wantCode(t, "restore", code, 0, out, errOut)
		if st := ts.mustCall(t, "GET", "/v1/streams/orders", "", "root"); !strings.Contains(st, `"reviewRequired":false`) || !strings.Contains(st, `"rules":true`) {
			t.Errorf("stream after restore: %s", st)
		}
	})
	t.Run("update plan with diff", func(t *testing.T) {
		writeFiles(t, dir, map[string]string{"orders.yaml": stream("Every order, as it is now"), "schemas/order.avsc": order(`,{"name":"note","type":"string","default":""}`)})
		out, errOut, code := cli(t, env, "apply", "-f", dir, "--dry-run")
		wantCode(t, "dry run", code, 0, out, errOut)
		for _, want := range []string{"stream orders: update", `description: "Current state of every order" -> "Every order, as it is now"`, "schema orders-value (value): update", `+       "name": "note",`, "--- orders-value version 1"} {
			if !strings.Contains(out, want) {
				t.Errorf("plan lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("rejection rolls the stream back", func(t *testing.T) {
		writeFiles(t, dir, map[string]string{"orders.yaml": stream("Changed, then rolled back"), "schemas/order.avsc": order(`,{"name":"customer","type":"string"}`)})
		out, errOut, code := cli(t, env, "apply", "-f", dir)
		wantCode(t, "apply", code, 1, out, errOut)
		if !strings.Contains(errOut, "rolled back") || !strings.Contains(errOut, "409") {
			t.Errorf("stderr: %s", errOut)
		}
		// The last lines say what was rolled back, never "Applied plan".
		for _, want := range []string{
			"schema orders-value (value): update -> refused",
			"stream orders: update -> rolled back",
			"Apply stopped: stream orders was refused; rolled back what this run did to it: restored stream orders, restored the config of orders-value, restored the config of orders-key.",
			"Applied before it: 0 to create, 0 to update, 1 unchanged. Not attempted: 0 to create, 0 to update, 0 unchanged.",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "Applied plan") {
			t.Errorf("a refused run says it applied the plan:\n%s", out)
		}
		st := ts.mustCall(t, "GET", "/v1/streams/orders", "", "root")
		if !strings.Contains(st, `"description":"Current state of every order"`) {
			t.Errorf("stream not restored: %s", st)
		}
		if vs := ts.mustCall(t, "GET", "/subjects/orders-value/versions", "", "root"); vs != "[1]" {
			t.Errorf("versions: %s", vs)
		}
	})
	t.Run("a READONLY subject is a plan error", func(t *testing.T) {
		// The dry run checks modes: it must not promise what apply
		// would be refused.
		ts.mustCall(t, "PUT", "/mode/orders-value", `{"mode":"READONLY"}`, "root")
		writeFiles(t, dir, map[string]string{"orders.yaml": stream("Current state of every order"), "schemas/order.avsc": order(`,{"name":"note","type":"string","default":""}`)})
		for _, args := range [][]string{{"--dry-run"}, {}} {
			out, errOut, code := cli(t, env, append([]string{"apply", "-f", dir}, args...)...)
			wantCode(t, "apply to a READONLY subject", code, 1, out, errOut)
			if !strings.Contains(out, "ERROR: subject orders-value is in READONLY mode") || !strings.Contains(out, "Nothing applied: the plan has errors") && len(args) == 0 {
				t.Errorf("plan:\n%s", out)
			}
		}
		if vs := ts.mustCall(t, "GET", "/subjects/orders-value/versions", "", "root"); vs != "[1]" {
			t.Errorf("versions: %s", vs)
		}
		ts.mustCall(t, "DELETE", "/mode/orders-value", "", "root")
		writeFiles(t, dir, map[string]string{"schemas/order.avsc": order("")})
	})
	t.Run("owner change is a plan error", func(t *testing.T) {
		writeFiles(t, dir, map[string]string{"orders.yaml": strings.Replace(stream("Current state of every order"), "orders-svc", "other-svc", 1), "schemas/order.avsc": order("")})
		out, errOut, code := cli(t, env, "apply", "-f", dir, "--dry-run")
		wantCode(t, "owner change", code, 1, out, errOut)
		if !strings.Contains(out, "explicit transfer") {
			t.Errorf("plan:\n%s", out)
		}
	})
	t.Run("credentials", func(t *testing.T) {
		out, errOut, code := cli(t, []string{"ACCORD_CONFIG=" + cfg}, "apply", "-f", dir, "--dry-run")
		wantCode(t, "no credentials", code, 2, out, errOut)
		if !strings.Contains(errOut, "401") {
			t.Errorf("stderr: %s", errOut)
		}
		// Basic auth from flags works too.
		writeFiles(t, dir, map[string]string{"orders.yaml": stream("Current state of every order")})
		out, errOut, code = cli(t, []string{"ACCORD_CONFIG=" + cfg}, "apply", "-f", dir, "--dry-run", "--user", "root", "--password", rootPassword)
		wantCode(t, "basic auth", code, 0, out, errOut)
		if !strings.Contains(out, "0 to create, 0 to update, 4 unchanged") {
			t.Errorf("plan:\n%s", out)
		}
	})
	t.Run("bad yaml", func(t *testing.T) {
		bad := t.TempDir()
		writeFiles(t, bad, map[string]string{"x.yaml": "kind: Stream\nname: x\neventType: state\nowner: a\ntypo: 1\n"})
		out, errOut, code := cli(t, env, "apply", "-f", bad, "--dry-run")
		wantCode(t, "unknown field", code, 2, out, errOut)
		if !strings.Contains(errOut, "typo") {
			t.Errorf("stderr: %s", errOut)
		}
	})
}

// TestCLIApplyInterrupted cancels apply's context (what Ctrl-C does) while
// the server registers the stream's value schema: apply rolls back what
// it did to the stream, that registration included, and exits 130.
func TestCLIApplyInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ts := newWrappedServer(t, false, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != "POST" || r.URL.Path != "/subjects/orders-value/versions" {
				next.ServeHTTP(w, r)
				return
			}
			// Register, then interrupt before the answer gets back.
			next.ServeHTTP(httptest.NewRecorder(), r)
			cancel()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		})
	})
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"schemas/key.avsc":   orderKey,
		"schemas/order.avsc": orderV1,
		"orders.yaml": `kind: Stream
name: orders
owner: orders-svc
eventType: state
compatibility: FULL
keySchema: schemas/key.avsc
valueSchema: schemas/order.avsc
`,
	})
	out, errOut, code := cliCtx(t, ctx, []string{"ACCORD_URL=" + ts.url}, "apply", "-f", dir)
	wantCode(t, "interrupted apply", code, 130, out, errOut)
	for _, want := range []string{
		"schema orders-value (value): create -> interrupted",
		"Apply stopped: stream orders was interrupted; rolled back what this run did to it: deleted orders-value version 1, deleted orders-key version 1, deleted stream orders, removed the config of orders-value, removed the config of orders-key.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "interrupted") {
		t.Errorf("stderr: %s", errOut)
	}
	for _, path := range []string{"/v1/streams/orders", "/subjects/orders-value/versions", "/subjects/orders-key/versions", "/config/orders-value"} {
		if code, body := ts.call(t, "GET", path, "", ""); code != 404 {
			t.Errorf("GET %s after the rollback: %d %s", path, code, body)
		}
	}
	if code, body := ts.call(t, "GET", "/subjects?deleted=true", "", ""); body != "[]" {
		t.Errorf("subjects left (deleted included): %d %s", code, body)
	}
}

func TestCLIImport(t *testing.T) {
	src := newTestServer(t, true)
	const user = "root"
	// Ids 1..4 on the source; id 1 is then deleted for good, so the copy
	// keeps ids only if it really preserves them (a fresh registry would
	// hand out 1, 2, 3).
	src.mustCall(t, "POST", "/subjects/gone-value/versions", `{"schema":"{\"type\":\"string\"}"}`, user)
	src.mustCall(t, "DELETE", "/subjects/gone-value", "", user)
	src.mustCall(t, "DELETE", "/subjects/gone-value?permanent=true", "", user)
	src.mustCall(t, "POST", "/subjects/money.proto/versions", `{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; package acme; message Money { int64 units = 1; }"}`, user)
	src.mustCall(t, "POST", "/subjects/payments-value/versions", `{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; package acme; import \"money.proto\"; message Payment { acme.Money amount = 1; }","references":[{"name":"money.proto","subject":"money.proto","version":1}]}`, user)
	src.mustCall(t, "POST", "/subjects/orders-value/versions", `{"schema":`+jsonString(orderV1)+`}`, user)
	src.mustCall(t, "POST", "/subjects/orders-value/versions", `{"schema":`+jsonString(orderOK)+`}`, user)
	src.mustCall(t, "PUT", "/config/orders-value", `{"compatibility":"FULL"}`, user)
	src.mustCall(t, "PUT", "/mode/money.proto", `{"mode":"READONLY"}`, user)
	srcEnv := "ACCORD_FROM_PASSWORD=" + rootPassword

	check := func(t *testing.T, dst *testServer) {
		t.Helper()
		for path, want := range map[string]string{
			"/subjects/money.proto/versions/1":    `"id":2`,
			"/subjects/payments-value/versions/1": `"id":3`,
			"/subjects/orders-value/versions/1":   `"id":4`,
			"/subjects/orders-value/versions/2":   `"id":5`,
			"/config/orders-value":                `"compatibilityLevel":"FULL"`,
			"/mode/money.proto":                   `"mode":"READONLY"`,
			"/mode":                               `"mode":"READWRITE"`,
		} {
			if got := dst.mustCall(t, "GET", path, "", ""); !strings.Contains(got, want) {
				t.Errorf("target %s: %s, want %s", path, got, want)
			}
		}
		if code, _ := dst.call(t, "GET", "/subjects/gone-value/versions", "", ""); code != 404 {
			t.Errorf("a deleted subject was copied")
		}
	}

	t.Run("from a server, resumable", func(t *testing.T) {
		dst := newTestServer(t, false)
		state := filepath.Join(t.TempDir(), "import.state")
		args := []string{"import", "--from", src.url, "--from-user", user, "--state", state}
		out, errOut, code := cli(t, []string{"ACCORD_URL=" + dst.url, srcEnv}, args...)
		wantCode(t, "import", code, 0, out, errOut)
		if !strings.Contains(out, "progress: 4/4 versions") || !strings.Contains(out, "4 versions copied") {
			t.Errorf("output:\n%s", out)
		}
		check(t, dst)
		// Resume: everything is in the state file.
		out, errOut, code = cli(t, []string{"ACCORD_URL=" + dst.url, srcEnv}, args...)
		wantCode(t, "resume", code, 0, out, errOut)
		if !strings.Contains(out, "0 versions copied (4 done earlier)") {
			t.Errorf("output:\n%s", out)
		}
		check(t, dst)
	})
	t.Run("through an export bundle", func(t *testing.T) {
		bundlePath := filepath.Join(t.TempDir(), "registry.json")
		out, errOut, code := cli(t, []string{"ACCORD_URL=" + src.url, "ACCORD_USER=root", "ACCORD_PASSWORD=" + rootPassword}, "export", "-o", bundlePath)
		wantCode(t, "export", code, 0, out, errOut)
		dst := newTestServer(t, true)
		out, errOut, code = cli(t, []string{"ACCORD_URL=" + dst.url, "ACCORD_USER=root", "ACCORD_PASSWORD=" + rootPassword}, "import", "--from", "file://"+bundlePath)
		wantCode(t, "import", code, 0, out, errOut)
		if got := dst.mustCall(t, "GET", "/subjects/orders-value/versions/2", "", user); !strings.Contains(got, `"id":5`) {
			t.Errorf("target: %s", got)
		}
	})
	t.Run("errors", func(t *testing.T) {
		dst := newTestServer(t, false)
		for _, args := range [][]string{
			{"import"},
			{"import", "--from", "file:///no/such/bundle.json"},
			{"import", "--from", "http://127.0.0.1:1"},
		} {
			out, errOut, code := cli(t, []string{"ACCORD_URL=" + dst.url}, args...)
			wantCode(t, strings.Join(args, " "), code, 2, out, errOut)
		}
		// The source refuses without credentials: 401 is a usage error.
		out, errOut, code := cli(t, []string{"ACCORD_URL=" + dst.url}, "import", "--from", src.url)
		wantCode(t, "no source credentials", code, 2, out, errOut)
	})
}

func jsonString(s string) string {
	raw, _ := json.Marshal(s)
	return string(raw)
}

func TestCLIHelp(t *testing.T) {
	// Help goes to stdout (accord apply --help | less), flags spelled as
	// the README spells them; a bad flag is a usage error on stderr.
	for _, verb := range []string{"check", "push", "apply", "lineage", "export", "import", "backup", "restore"} {
		out, errOut, code := cli(t, nil, verb, "--help")
		wantCode(t, verb+" --help", code, 0, out, errOut)
		if !strings.Contains(out, "Usage: accord "+verb) || errOut != "" {
			t.Errorf("%s --help: stdout:\n%s\nstderr:\n%s", verb, out, errOut)
		}
		if verb != "restore" && (!strings.Contains(out, "Examples:") || !strings.Contains(out, "\n  --url string")) {
			t.Errorf("%s --help lacks examples or --url:\n%s", verb, out)
		}
		if strings.Contains(out, "\n  -url") || strings.Contains(out, "\n  -output") {
			t.Errorf("%s --help lists a long flag with one dash:\n%s", verb, out)
		}
		out, errOut, code = cli(t, nil, verb, "--no-such-flag")
		wantCode(t, verb+" --no-such-flag", code, 2, out, errOut)
		if out != "" || !strings.Contains(errOut, "flag provided but not defined: -no-such-flag") || !strings.Contains(errOut, "Usage: accord "+verb) {
			t.Errorf("%s --no-such-flag: stdout:\n%s\nstderr:\n%s", verb, out, errOut)
		}
	}
	if out, errOut, code := cli(t, nil, "apply", "--help"); !strings.Contains(out, "\n  -f string") || code != 0 {
		t.Errorf("apply --help: one-letter flags keep one dash:\n%s%s", out, errOut)
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}} {
		out, errOut, code := cli(t, nil, args...)
		wantCode(t, args[0], code, 0, out, errOut)
		if !strings.Contains(out, "Usage:\n  accord serve") || errOut != "" {
			t.Errorf("accord %s: stdout:\n%s\nstderr:\n%s", args[0], out, errOut)
		}
	}
	// Run is what cmd/accord calls.
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"apply", "--help"}, strings.NewReader(""), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "Usage: accord apply") || stderr.Len() > 0 {
		t.Errorf("Run apply --help: %d\n%s%s", code, stdout.String(), stderr.String())
	}
	out, errOut, code := cli(t, nil)
	wantCode(t, "no verb", code, 2, out, errOut)
	out, errOut, code = cli(t, nil, "frobnicate")
	wantCode(t, "unknown verb", code, 2, out, errOut)
	if !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown verb: %s", errOut)
	}
	out, errOut, code = cli(t, nil, "version")
	wantCode(t, "version", code, 0, out, errOut)
	if !strings.HasPrefix(out, "accord ") {
		t.Errorf("version: %s", out)
	}
}

func TestParseArgs(t *testing.T) {
	r := &runner{stdout: io.Discard, stderr: io.Discard}
	fs := r.newFlagSet("x", "")
	s := fs.String("stream", "", "")
	b := fs.Bool("key", false, "")
	pos, err := parseArgs(fs, []string{"a.avsc", "--stream", "orders", "b", "--key", "--", "--c"})
	if err != nil || *s != "orders" || !*b || strings.Join(pos, " ") != "a.avsc b --c" {
		t.Fatalf("%v %q %v %v", pos, *s, *b, err)
	}
}

// TestCLIContractReferences: check and push take the references a
// stream's contract file declares (-f), so the user does not repeat them
// as --ref flags; referenced schemas the files declare are pushed first.
func TestCLIContractReferences(t *testing.T) {
	ts := newTestServer(t, false)
	env := []string{"ACCORD_URL=" + ts.url}
	ts.mustCall(t, "POST", "/v1/streams", `{"name":"orders","owner":"orders-svc","eventType":"state","visibility":"public"}`, "")
	dir := t.TempDir()
	order := func(extra string) string {
		return `{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"total","type":"acme.Money"},{"name":"ship_to","type":"acme.Address"}` + extra + `]}`
	}
	writeFiles(t, dir, map[string]string{
		"schemas/money.avsc":    `{"type":"record","name":"Money","namespace":"acme","fields":[{"name":"units","type":"long"}]}`,
		"schemas/address.avsc":  `{"type":"record","name":"Address","namespace":"acme","fields":[{"name":"city","type":"string"}]}`,
		"schemas/order.avsc":    order(""),
		"schemas/key.avsc":      orderKey,
		"schemas/order-v2.avsc": order(`,{"name":"note","type":"string","default":""}`),
		"money.yaml":            "kind: Schema\nsubject: money\nfile: schemas/money.avsc\n",
		"orders.yaml": `kind: Stream
name: orders
owner: orders-svc
eventType: state
visibility: public
keySchema: schemas/key.avsc
valueSchema:
  file: schemas/order.avsc
  references:
    - {name: acme.Money, subject: money}
    - {name: acme.Address, file: schemas/address.avsc}
`,
	})

	// Without the contract the references are missing: the server
	// cannot parse the schema.
	out, errOut, code := cli(t, env, "push", filepath.Join(dir, "schemas/order.avsc"), "--stream", "orders")
	wantCode(t, "push without references", code, 1, out, errOut)

	out, errOut, code = cli(t, env, "push", "-f", dir, "--stream", "orders", "--key")
	wantCode(t, "push -f --key", code, 0, out, errOut)
	out, errOut, code = cli(t, env, "push", "-f", dir, "--stream", "orders")
	wantCode(t, "push -f", code, 0, out, errOut)
	for _, want := range []string{"money version 1, id 2: registered", "acme.Address version 1, id 3: registered", "orders-value version 1, id 4: registered"} {
		if !strings.Contains(out, want) {
			t.Errorf("push -f lacks %q:\n%s", want, out)
		}
	}
	if v := ts.mustCall(t, "GET", "/subjects/orders-value/versions/1", "", ""); !strings.Contains(v, `"references":[{"name":"acme.Money","subject":"money","version":1},{"name":"acme.Address","subject":"acme.Address","version":1}]`) {
		t.Errorf("orders-value: %s", v)
	}
	out, errOut, code = cli(t, env, "push", "-f", dir, "--stream", "orders")
	wantCode(t, "push -f again", code, 0, out, errOut)
	if strings.Count(out, "unchanged (already registered)") != 3 {
		t.Errorf("push -f again:\n%s", out)
	}

	out, errOut, code = cli(t, env, "check", filepath.Join(dir, "schemas/order-v2.avsc"), "-f", dir, "--stream", "orders")
	wantCode(t, "check -f", code, 0, out, errOut)
	if !strings.Contains(out, "OK: may ship") {
		t.Errorf("check -f:\n%s", out)
	}
	out, errOut, code = cli(t, env, "check", "-f", dir, "--stream", "orders", "--output", "json")
	wantCode(t, "check -f without FILE", code, 0, out, errOut)
	if !strings.Contains(out, `"file": "`+filepath.Join(dir, "schemas/order.avsc")+`"`) {
		t.Errorf("check -f without FILE checks the contract's file:\n%s", out)
	}

	for _, args := range [][]string{
		{"check", "-f", dir, "--stream", "payments"},              // no such Stream document
		{"push", "-f", dir, "--stream", "orders", "--ref", "a=b"}, // the contract declares them
		{"check", "-f", dir}, // which stream?
	} {
		out, errOut, code := cli(t, env, args...)
		wantCode(t, strings.Join(args, " "), code, 2, out, errOut)
	}
}

// TestCLIPushUnknownStream: a stream that does not exist is a usage error
// (exit 2), not a refusal of the schema (exit 1).
func TestCLIPushUnknownStream(t *testing.T) {
	ts := newTestServer(t, false)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"v1.avsc": orderV1})
	for _, verb := range []string{"push", "check"} {
		out, errOut, code := cli(t, []string{"ACCORD_URL=" + ts.url}, verb, filepath.Join(dir, "v1.avsc"), "--stream", "orders")
		wantCode(t, verb+" --stream of no stream", code, 2, out, errOut)
		if !strings.Contains(errOut, "stream orders does not exist") {
			t.Errorf("%s: %s", verb, errOut)
		}
	}
}
