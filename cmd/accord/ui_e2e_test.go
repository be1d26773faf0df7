package main

// The end-to-end browser test of the web UI (issue 7): the real
// `accord serve` (this test binary re-executed, see TestMain) with
// authentication on, seeded through the real HTTP API and the real CLI,
// then driven by headless Chromium through ui/e2e/ui.e2e.mjs (Playwright,
// see docs/ui-testing.md). Screenshots of every page, light and dark, land
// in /screenshots/ at the repository root (ignored by git).
//
// It needs Debian's chromium (/usr/bin/chromium, or $CHROMIUM), node and
// `npm ci --prefix ui/e2e`; without them it is skipped locally and fails
// in CI (CI set), where .ci/run installs them.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The seeded cast. Passwords are test-only.
const (
	e2eAdmin          = "root"
	e2eReviewer       = "rita"
	e2eReviewerPass   = "rita-reviews-schemas"
	e2eReader         = "rex"
	e2eReaderPass     = "rex-only-reads"
	e2eOrdersSvc      = "orders-svc"
	e2ePaymentsSvc    = "payments-svc"
	e2eIncompatStream = "customers-private"
)

// Seeded schemas. orders: v1 -> v2 adds a field with a default (BACKWARD
// compatible); the proposal (v3) adds another one. customers-private: v2
// retypes a field (incompatible both ways), registered while the subject's
// level was NONE, then the level goes back to BACKWARD.
const (
	e2eOrderV3 = `{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"total","type":"long"},{"name":"note","type":"string","default":""},{"name":"currency","type":"string","default":"EUR"}]}`

	e2eCustomerKey = `{"type":"record","name":"CustomerKey","namespace":"acme","fields":[{"name":"id","type":"string"}]}`
	e2eCustomerV1  = `{"type":"record","name":"Customer","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"email","type":"string"},{"name":"tier","type":"int"}]}`
	e2eCustomerV2  = `{"type":"record","name":"Customer","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"email","type":"string"},{"name":"tier","type":"string"}]}`

	e2ePaymentV1 = "syntax = \"proto3\";\npackage acme.payments;\n\nmessage PaymentCaptured {\n  string payment_id = 1;\n  string order_id = 2;\n  int64 amount_units = 3;\n}\n"
	e2ePaymentV2 = "syntax = \"proto3\";\npackage acme.payments;\n\nmessage PaymentCaptured {\n  string payment_id = 1;\n  string order_id = 2;\n  int64 amount_units = 3;\n  string currency = 4;\n}\n"

	e2eTracking = `{"$schema":"http://json-schema.org/draft-07/schema#","title":"ShipmentPosition","type":"object","properties":{"shipmentId":{"type":"string"},"lat":{"type":"number"},"lon":{"type":"number"},"at":{"type":"string","format":"date-time"}},"required":["shipmentId","lat","lon","at"]}`
)

// e2eAPI calls the server as the bootstrap admin (or anyone).
type e2eAPI struct {
	t    *testing.T
	base string
}

func (a e2eAPI) call(method, path, body, user, password string) (int, string) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.base+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// admin calls as the bootstrap admin and fails the test on a non-2xx.
func (a e2eAPI) admin(method, path, body string) string {
	a.t.Helper()
	code, out := a.call(method, path, body, e2eAdmin, rootPassword)
	if code/100 != 2 {
		a.t.Fatalf("seed: %s %s: %d %s", method, path, code, out)
	}
	return out
}

func (a e2eAPI) token(principal string) string {
	a.t.Helper()
	var tok struct {
		Token string `json:"token"`
	}
	out := a.admin("POST", "/v1/tokens", `{"principal":"`+principal+`","description":"ui e2e"}`)
	if err := json.Unmarshal([]byte(out), &tok); err != nil || !strings.HasPrefix(tok.Token, "acc_") {
		a.t.Fatalf("seed: token for %s: %v %s", principal, err, out)
	}
	return tok.Token
}

// e2eRequirements finds the browser and node, and lists what is missing
// to run the browser test (nothing: empty).
func e2eRequirements(repo string) (chromium, node string, missing []string) {
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium+" (apt-get install chromium)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(filepath.Join(repo, "ui", "e2e", "node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "ui/e2e/node_modules (npm ci --prefix ui/e2e)")
	}
	return chromium, node, missing
}

func TestUIEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	chromium, node, missing := e2eRequirements(repo)
	if len(missing) > 0 {
		msg := "the UI end-to-end test needs " + strings.Join(missing, ", ") + "; .ci/run installs them (see docs/ui-testing.md)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	start := time.Now()

	// The real server: authentication on, a bootstrap admin, a temp store.
	dir := t.TempDir()
	secret := filepath.Join(dir, "admin-password")
	if err := os.WriteFile(secret, []byte(rootPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startAccord(t, "--data-dir", filepath.Join(dir, "data"), "--auth", "on",
		"--bootstrap-admin", e2eAdmin, "--bootstrap-admin-password-file", secret)
	base := "http://" + srv.addr
	api := e2eAPI{t: t, base: base}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		// The logs are complete (and safe to read) once the process is gone.
		srv.cmd.Process.Kill()
		select {
		case <-srv.done:
			t.Logf("accord serve logs:\n%s", srv.logs)
		case <-time.After(10 * time.Second):
		}
	})

	s := e2eSeed(t, api, base)
	t.Logf("seeded in %s: proposals #%s (orders, to approve) and #%s (payments, stays pending)", time.Since(start).Round(time.Millisecond), s.proposal, s.otherProposal)

	// The browser scenario.
	shots := filepath.Join(repo, "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	// Only this run's pictures (and failures) stay.
	old, _ := filepath.Glob(filepath.Join(shots, "*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	env := []string{
		"BASE_URL=" + base,
		"CHROMIUM=" + chromium,
		"SCREENSHOT_DIR=" + shots,
		"ADMIN_USER=" + e2eAdmin, "ADMIN_PASSWORD=" + rootPassword, "ADMIN_TOKEN=" + s.adminToken,
		"REVIEWER_USER=" + e2eReviewer, "REVIEWER_PASSWORD=" + e2eReviewerPass,
		"READER_USER=" + e2eReader, "READER_PASSWORD=" + e2eReaderPass,
		"STREAM=orders", "STREAM_SUBJECT=orders-value", "STREAM_VERSIONS=1,2",
		"DIFF_FROM=1", "DIFF_TO=2", "DIFF_VERDICT=Compatible",
		"INCOMPAT_STREAM=" + e2eIncompatStream, "INCOMPAT_SUBJECT=" + e2eIncompatStream + "-value",
		"INCOMPAT_LOCATION=" + s.incompatLocation,
		"PROPOSAL_ID=" + s.proposal, "PROPOSAL_FIELD=currency", "PROPOSAL_NEW_VERSION=3", "PROPOSAL_AUTHOR=" + e2eOrdersSvc,
		"OTHER_PROPOSAL_ID=" + s.otherProposal, "OTHER_STREAM=payments",
		"LINEAGE_STREAM=orders", "LINEAGE_NODE=billing-svc",
		"PROPOSAL_API=" + s.proposalPath,
	}
	e2eRunScript(t, node, filepath.Join(repo, "ui", "e2e", "ui.e2e.mjs"), env)

	// What the browser did, seen through the API.
	if out := api.admin("GET", "/subjects/orders-value/versions", ""); out != "[1,2,3]" {
		t.Errorf("after the approval, orders-value has versions %s, want [1,2,3]", out)
	}
	if out := api.admin("GET", "/subjects/orders-value/versions/3", ""); !strings.Contains(out, "currency") {
		t.Errorf("orders-value version 3 is not the proposed schema: %s", out)
	}
	var entries []struct {
		Actor  string `json:"actor"`
		Action string `json:"action"`
		Target string `json:"target"`
	}
	out := api.admin("GET", "/v1/audit?action=proposal.approve", "")
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("audit: %v %s", err, out)
	}
	found := false
	for _, e := range entries {
		if e.Action == "proposal.approve" && e.Actor == e2eReviewer && e.Target == "orders-value" {
			found = true
		}
	}
	if !found {
		t.Errorf("no proposal.approve audit entry by %s: %s", e2eReviewer, out)
	}
	if st := e2eProposalState(t, api, s.proposalPath, s.proposal); st != "approved" {
		t.Errorf("proposal #%s is %q after the approval, want approved", s.proposal, st)
	}
	if st := e2eProposalState(t, api, s.proposalPath, s.otherProposal); st != "pending" {
		t.Errorf("proposal #%s is %q after the reader's forged approval, want pending", s.otherProposal, st)
	}
	t.Logf("UI end-to-end test done in %s; screenshots in %s", time.Since(start).Round(time.Millisecond), shots)
}

// e2eSeedData is what the scenario needs to know about the seeded data.
type e2eSeedData struct {
	adminToken       string
	proposal         string // on orders, approved by the reviewer in the browser
	otherProposal    string // on payments, which the reader tries to approve
	proposalPath     string // the API's proposals collection, e.g. /v1/proposals
	incompatLocation string // where the incompatible diff breaks, e.g. /fields/2
}

// e2eSeed seeds principals, streams, versions, lineage and two pending
// proposals through the real HTTP API and the real CLI.
func e2eSeed(t *testing.T, api e2eAPI, base string) e2eSeedData {
	t.Helper()
	var s e2eSeedData
	last := time.Now()
	phase := func(name string) {
		t.Logf("seed: %s (%s)", name, time.Since(last).Round(time.Millisecond))
		last = time.Now()
	}

	// Principals: people with passwords, services with tokens.
	for _, p := range []string{
		`{"name":"` + e2eReviewer + `","roles":["reviewer"],"password":"` + e2eReviewerPass + `"}`,
		`{"name":"` + e2eReader + `","roles":["reader"],"password":"` + e2eReaderPass + `"}`,
		`{"name":"` + e2eOrdersSvc + `","roles":["service"]}`,
		`{"name":"` + e2ePaymentsSvc + `","roles":["service"]}`,
		`{"name":"customers-svc","roles":["service"]}`,
		`{"name":"logistics-svc","roles":["service"]}`,
	} {
		api.admin("POST", "/v1/principals", p)
	}
	s.adminToken = api.token(e2eAdmin)
	ordersTok := api.token(e2eOrdersSvc)
	paymentsTok := api.token(e2ePaymentsSvc)

	phase("principals and tokens")

	// Streams: public Avro state, private Avro state, Protobuf, JSON Schema.
	for _, st := range []string{
		`{"name":"orders","owner":"orders-svc","eventType":"state","visibility":"public","description":"Current state of every order","tags":{"domain":"sales","pii":["customer.email"]},"compatibility":"BACKWARD"}`,
		`{"name":"` + e2eIncompatStream + `","owner":"customers-svc","eventType":"state","visibility":"private","description":"Customers, with contact details","tags":{"domain":"crm"},"compatibility":"BACKWARD"}`,
		`{"name":"payments","owner":"payments-svc","eventType":"delta","visibility":"private","description":"Captured payments","tags":{"domain":"sales"},"compatibility":"BACKWARD"}`,
		`{"name":"shipment-tracking","owner":"logistics-svc","eventType":"measurement","visibility":"public","description":"Positions of shipments on their way","tags":{"domain":"logistics"},"compatibility":"BACKWARD"}`,
	} {
		api.admin("POST", "/v1/streams", st)
	}

	files := t.TempDir()
	writeFiles(t, files, map[string]string{
		"order-key.avsc": orderKey, "order-v1.avsc": orderV1, "order-v2.avsc": orderOK, "order-v3.avsc": e2eOrderV3,
		"payment-v1.proto": e2ePaymentV1, "payment-v2.proto": e2ePaymentV2,
	})
	f := func(name string) string { return filepath.Join(files, name) }
	asOrders := []string{"ACCORD_URL=" + base, "ACCORD_TOKEN=" + ordersTok}
	asPayments := []string{"ACCORD_URL=" + base, "ACCORD_TOKEN=" + paymentsTok}
	asAdmin := []string{"ACCORD_URL=" + base, "ACCORD_TOKEN=" + s.adminToken}
	run := func(env []string, args ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, env, args...)
		wantCode(t, "seed: accord "+strings.Join(args, " "), code, 0, out, errOut)
		return out
	}

	// orders: its key and versions 1 and 2, pushed by their owner through
	// the CLI in one run (each run of the binary costs a second or so).
	run(asOrders, "push", "orders-key="+f("order-key.avsc"), "orders-value="+f("order-v1.avsc"), "orders-value="+f("order-v2.avsc"))
	run(asPayments, "push", f("payment-v1.proto"), "--stream", "payments")

	phase("streams, orders and payments pushed with the CLI")

	// customers-private: an incompatible pair, registered under NONE; the
	// level then goes back to BACKWARD, under which the diff is refused.
	reg := func(subject, schemaType, schema string) {
		t.Helper()
		body := `{"schema":` + jsonString(schema)
		if schemaType != "" {
			body += `,"schemaType":"` + schemaType + `"`
		}
		api.admin("POST", "/subjects/"+subject+"/versions", body+"}")
	}
	reg(e2eIncompatStream+"-key", "", e2eCustomerKey)
	reg(e2eIncompatStream+"-value", "", e2eCustomerV1)
	code, out := api.call("POST", "/compatibility/subjects/"+e2eIncompatStream+"-value/versions/latest?verbose=true",
		`{"schema":`+jsonString(e2eCustomerV2)+`}`, e2eAdmin, rootPassword)
	var verdict struct {
		Compatible bool     `json:"is_compatible"`
		Messages   []string `json:"messages"`
	}
	if err := json.Unmarshal([]byte(out), &verdict); code != 200 || err != nil || verdict.Compatible || len(verdict.Messages) == 0 {
		t.Fatalf("seed: the customers-private pair should be incompatible: %d %s", code, out)
	}
	// "BACKWARD (version 1): /fields/2: 'tier': ..." -> /fields/2
	if m := regexp.MustCompile(`(/fields/\d+)`).FindStringSubmatch(verdict.Messages[0]); m != nil {
		s.incompatLocation = m[1]
	} else {
		t.Fatalf("seed: no location in %q", verdict.Messages[0])
	}
	api.admin("PATCH", "/v1/streams/"+e2eIncompatStream, `{"compatibility":"NONE"}`)
	reg(e2eIncompatStream+"-value", "", e2eCustomerV2)
	api.admin("PATCH", "/v1/streams/"+e2eIncompatStream, `{"compatibility":"BACKWARD"}`)
	if cfg := api.admin("GET", "/config/"+e2eIncompatStream+"-value", ""); !strings.Contains(cfg, "BACKWARD") {
		t.Fatalf("seed: %s-value config: %s", e2eIncompatStream, cfg)
	}
	reg("shipment-tracking-value", "JSON", e2eTracking)

	phase("customers-private and shipment-tracking registered")

	// Lineage: through the CLI as a pipeline would, and through the API.
	run(asAdmin, "lineage", "add", "consumes", "orders", "billing-svc", "--fields", "id,total")
	for _, e := range []string{
		`{"kind":"derived_from","from":"orders","to":"orders-enriched"}`,
		`{"kind":"consumes","from":"orders-enriched","to":"bi-svc"}`,
		`{"kind":"consumes","from":"payments","to":"billing-svc","fields":["order_id","amount_units"]}`,
		`{"kind":"produces","from":"enricher-svc","to":"orders-enriched"}`,
		`{"kind":"consumes","from":"shipment-tracking","to":"orders-svc","fields":["shipmentId"]}`,
	} {
		api.admin("POST", "/v1/lineage/edges", e)
	}

	phase("lineage")

	// Two pending proposals, made by the owners in CI: accord check --propose.
	s.proposalPath = "/v1/proposals"
	s.proposal = e2ePropose(t, api, s.proposalPath, asOrders, f("order-v3.avsc"), "orders")
	s.otherProposal = e2ePropose(t, api, s.proposalPath, asPayments, f("payment-v2.proto"), "payments")
	if s.proposal == s.otherProposal {
		t.Fatalf("seed: both proposals are #%s", s.proposal)
	}
	phase("proposals")

	// Nothing is registered by proposing.
	if out := api.admin("GET", "/subjects/orders-value/versions", ""); out != "[1,2]" {
		t.Fatalf("seed: proposing registered something: orders-value versions %s", out)
	}
	return s
}

// e2ePropose runs `accord check FILE --stream STREAM --propose` and
// returns the new proposal's id, read from the JSON report or else found
// through the API.
func e2ePropose(t *testing.T, api e2eAPI, path string, env []string, file, stream string) string {
	t.Helper()
	out, errOut, code := runCLI(t, env, "check", file, "--stream", stream, "--propose", "--output", "json")
	wantCode(t, "seed: accord check --propose ("+stream+")", code, 0, out, errOut)
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err == nil {
		if id := e2eIDOf(rep["proposal"]); id != "" {
			return id
		}
		if id := e2eIDOf(rep["proposalId"]); id != "" {
			return id
		}
	}
	// Fall back on the API: the newest pending proposal of the stream.
	list := api.admin("GET", path+"?state=pending&stream="+stream, "")
	var items []map[string]any
	if err := json.Unmarshal([]byte(list), &items); err != nil {
		var wrapped map[string]json.RawMessage
		if json.Unmarshal([]byte(list), &wrapped) == nil {
			json.Unmarshal(wrapped["proposals"], &items)
		}
	}
	for i := len(items) - 1; i >= 0; i-- {
		if items[i]["stream"] == stream {
			if id := e2eIDOf(items[i]); id != "" {
				return id
			}
		}
	}
	t.Fatalf("seed: no proposal id for %s in the report\n%s\nnor in %s: %s", stream, out, path, list)
	return ""
}

// e2eIDOf reads an id: a number, a string, or an object's "id".
func e2eIDOf(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatInt(int64(x), 10)
	case string:
		return x
	case map[string]any:
		return e2eIDOf(x["id"])
	}
	return ""
}

func e2eProposalState(t *testing.T, api e2eAPI, path, id string) string {
	t.Helper()
	// {"proposal": {...}, "report": {...}}
	var p struct {
		Proposal struct {
			State string `json:"state"`
		} `json:"proposal"`
	}
	out := api.admin("GET", path+"/"+id, "")
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.Proposal.State == "" {
		t.Fatalf("proposal #%s: %v %s", id, err, out)
	}
	return p.Proposal.State
}

// e2eRunScript runs the Playwright script with node, streaming its output
// into the test log, and fails the test if it fails. Chromium runs in the
// script's process group, which is killed on timeout.
// e2eScriptTimeout bounds the browser script: about 60 pages, each
// screenshotted at two sizes and in two themes and checked with axe-core,
// take minutes on a loaded machine.
const e2eScriptTimeout = 20 * time.Minute

func e2eRunScript(t *testing.T, node, script string, env []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eScriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			t.Log("ui.e2e: " + sc.Text())
		}
		io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	pw.Close()
	wg.Wait()
	// Whatever happened, no browser outlives the test.
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if ctx.Err() != nil {
		t.Fatalf("node %s: timed out after %s", filepath.Base(script), e2eScriptTimeout)
	}
	if err != nil {
		t.Fatal(fmt.Errorf("node %s: %w (the failed step is named above)", filepath.Base(script), err))
	}
}
