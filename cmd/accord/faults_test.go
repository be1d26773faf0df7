package main

// Faults as tests (issue 11): a killed server, a restarted database, a
// stalled one, SIGTERM, and two processes on one SQLite folder. Each runs
// a few cycles, enough for the README's test command; set
// ACCORD_FAULT_CYCLES to soak. Figures are logged (go test -v).

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/accord/accord/registry/storetest"
)

// kill -9 of a server under concurrent registrations, then a restart:
// every acknowledged registration is there, with its id, and no id was
// given twice. On SQLite, and on PostgreSQL when ACCORD_TEST_DATABASE_URL
// is set.
func TestFaultKill9UnderLoad(t *testing.T) {
	targets := map[string]func(t *testing.T) []string{
		"sqlite":     func(t *testing.T) []string { return []string{"--data-dir", filepath.Join(t.TempDir(), "data")} },
		"postgresql": func(t *testing.T) []string { return []string{"--database-url", storetest.PostgresSchema(t)} },
	}
	for _, engine := range []string{"sqlite", "postgresql"} {
		t.Run(engine, func(t *testing.T) {
			args := targets[engine](t)
			cycles := faultCycles(t, 3)
			l := &ledger{}
			for c := range cycles {
				p := startProc(t, nil, args...)
				ctx, cancel := context.WithCancel(context.Background())
				wg := load(ctx, l, fmt.Sprintf("k%d", c), 6, func() []string { return []string{p.URL()} })
				// Kill once registrations are flowing, at a moment that varies.
				deadline := time.Now().Add(20 * time.Second)
				before, _ := l.count()
				for n, _ := l.count(); n < before+20+c*7 && time.Now().Before(deadline); n, _ = l.count() {
					time.Sleep(5 * time.Millisecond)
				}
				p.kill9(t)
				cancel()
				wg.Wait()
			}
			p := startProc(t, nil, args...)
			acks, attempts := l.count()
			if acks == 0 {
				t.Fatal("no registration was acknowledged")
			}
			lost := verify(t, p.URL(), l.acks)
			t.Logf("%s: %d kill -9 cycles, %d registrations attempted, %d acknowledged, %d lost", engine, cycles, attempts, acks, lost)
		})
	}
}

// A PostgreSQL crash and restart under load with two replicas: every
// acknowledged registration survives, both replicas become ready again by
// themselves, and their change feed works again (a version registered on
// one shows on the other, which had cached the subject).
func TestFaultPostgresRestartWithTwoReplicas(t *testing.T) {
	pg := startPrivatePostgres(t)
	args := []string{"--database-url", pg.URL(), "--db-timeout", "2s"}
	a, b := startProc(t, nil, args...), startProc(t, nil, args...)
	urls := func() []string { return []string{a.URL(), b.URL()} }
	l := &ledger{}
	cycles := faultCycles(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	wg := load(ctx, l, "pg", 6, urls)
	for range cycles {
		before, _ := l.count()
		for n, _ := l.count(); n < before+30; n, _ = l.count() {
			time.Sleep(5 * time.Millisecond)
		}
		t0 := time.Now()
		pg.crash(t)
		t1 := time.Now()
		time.Sleep(300 * time.Millisecond) // requests fail meanwhile
		pg.start(t)
		t.Logf("crash took %v, start %v", t1.Sub(t0), time.Since(t1))
	}
	before, _ := l.count()
	for n, _ := l.count(); n < before+30; n, _ = l.count() { // the replicas write again
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	for _, p := range []*proc{a, b} {
		t.Logf("%s ready %v after the load stopped", p.addr, waitReady(t, p.URL(), 20*time.Second))
	}
	acks, attempts := l.count()
	lostA := verify(t, a.URL(), l.acks)
	lostB := verify(t, b.URL(), l.acks)
	t.Logf("%d PostgreSQL crash/restart cycles under load on two replicas: %d registrations attempted, %d acknowledged, %d lost (read through A), %d lost (read through B)",
		cycles, attempts, acks, lostA, lostB)

	// The change feed reconnected: B caches a subject, A adds a version,
	// B shows it.
	client := &http.Client{Timeout: 5 * time.Second}
	if status, out, _, err := httpDo(client, "POST", a.URL()+"/subjects/feed-value/versions", `{"schema":"{\"type\":\"record\",\"name\":\"F\",\"fields\":[]}"}`); err != nil || status != 200 {
		t.Fatalf("register on A: %d %s %v", status, out, err)
	}
	if status, out, _, err := httpDo(client, "GET", b.URL()+"/subjects/feed-value/versions", ""); err != nil || status != 200 || out != "[1]" {
		t.Fatalf("versions on B: %d %s %v", status, out, err)
	}
	if status, out, _, err := httpDo(client, "POST", a.URL()+"/subjects/feed-value/versions", `{"schema":"{\"type\":\"record\",\"name\":\"F\",\"fields\":[{\"name\":\"x\",\"type\":\"string\",\"default\":\"\"}]}"}`); err != nil || status != 200 {
		t.Fatalf("register v2 on A: %d %s %v", status, out, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, out, _, _ := httpDo(client, "GET", b.URL()+"/subjects/feed-value/versions", "")
		if out == "[1,2]" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still answers %s 5s after A registered version 2: its change feed did not recover", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A stalled database (every packet held, connections open: a frozen
// server) makes readiness 503 within 2 s, writes and uncached reads fail
// within a bounded time with a Confluent error document that names
// nothing of the database, while cached reads and liveness answer. When
// the database comes back, all recover without a restart. A database that
// refuses connections leaks nothing either (pgx's connect errors name the
// user, database, host and port).
func TestFaultStalledDatabase(t *testing.T) {
	dbURL := storetest.PostgresSchema(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newFaultProxy(t, u.Host)
	u.Host = proxy.Addr()
	_, proxyPort, _ := net.SplitHostPort(proxy.Addr())
	const dbTimeout = time.Second
	p := startProc(t, nil, "--database-url", u.String(), "--db-timeout", dbTimeout.String())
	client := &http.Client{Timeout: 30 * time.Second}
	do := func(method, path, body string) (int, string, time.Duration) {
		t.Helper()
		status, out, took, err := httpDo(client, method, p.URL()+path, body)
		if err != nil {
			t.Fatalf("%s %s: %v after %v", method, path, err, took)
		}
		return status, out, took
	}
	schema := func(field string) string {
		return `{"schema":"{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"` + field + `\",\"type\":\"string\"}]}"}`
	}
	status, out, _ := do("POST", "/subjects/stall-value/versions", schema("a"))
	if status != 200 {
		t.Fatalf("register: %d %s", status, out)
	}
	var reg struct{ ID int64 }
	_ = json.Unmarshal([]byte(out), &reg)
	byID := "/schemas/ids/" + strconv.FormatInt(reg.ID, 10)
	if status, out, _ := do("GET", byID, ""); status != 200 { // now cached
		t.Fatalf("GET %s: %d %s", byID, status, out)
	}
	waitReady(t, p.URL(), 5*time.Second)

	// noLeak checks a failed request's answer: a 5xx Confluent document
	// with the request id and nothing of the database.
	noLeak := func(what string, status int, body string) {
		t.Helper()
		var doc struct {
			Code    int    `json:"error_code"`
			Message string `json:"message"`
		}
		if status < 500 || json.Unmarshal([]byte(body), &doc) != nil || doc.Code/100 != 500 || !strings.Contains(doc.Message, "request id") {
			t.Errorf("%s: %d %s, want a 5xx Confluent error document naming the request id", what, status, body)
		}
		for _, s := range []string{"user=", "postgres", "127.0.0.1", proxyPort, "database="} {
			if strings.Contains(body, s) {
				t.Errorf("%s: the answer %s leaks %q", what, body, s)
			}
		}
	}

	proxy.stall()
	stalledAt := time.Now()
	for { // probes as Kubernetes does, if more often
		status, out, took := do("GET", "/health/ready", "")
		if took > 2*time.Second {
			t.Errorf("a readiness probe took %v", took)
		}
		if status == 503 {
			t.Logf("ready turned 503 %v after the database stalled", time.Since(stalledAt))
			break
		}
		if time.Since(stalledAt) > 2*time.Second {
			t.Fatalf("ready still %d %s 2s after the database stalled", status, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, _, took := do("GET", "/health/live", ""); status != 200 || took > time.Second {
		t.Errorf("live with the database stalled: %d in %v", status, took)
	}
	if status, _, took := do("GET", "/v1/health", ""); status != 503 || took > 2*time.Second {
		t.Errorf("/v1/health with the database stalled: %d in %v, want 503 within 2s", status, took)
	}
	if status, out, took := do("GET", byID, ""); status != 200 || took > time.Second {
		t.Errorf("cached GET %s with the database stalled: %d in %v: %s", byID, status, took, out)
	}
	// Writes and uncached reads, several at once: each fails within the
	// transaction deadline (2 × --db-timeout) and some slack.
	bound := 2*dbTimeout + 3*time.Second
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			method, path, body := "POST", fmt.Sprintf("/subjects/stalled-%d/versions", i), schema(fmt.Sprintf("f%d", i))
			if i%2 == 1 {
				method, path, body = "GET", "/subjects", ""
			}
			status, out, took, err := httpDo(client, method, p.URL()+path, body)
			if err != nil || took > bound {
				t.Errorf("%s %s with the database stalled: %v after %v, want an answer within %v", method, path, err, took, bound)
				return
			}
			noLeak(method+" "+path+" (stalled)", status, out)
		}()
	}
	wg.Wait()
	if d := time.Since(stalledAt); d < 2*time.Second { // let the change feed's health check notice
		time.Sleep(2*time.Second - d)
	}
	proxy.resume()
	t.Logf("ready again %v after the database returned", waitReady(t, p.URL(), 15*time.Second))
	if status, out, _ := do("POST", "/subjects/after-value/versions", schema("b")); status != 200 {
		t.Errorf("register after the database returned: %d %s", status, out)
	}
	if !strings.Contains(p.Logs(), "health check of the listener connection") {
		t.Errorf("the change feed did not notice the stalled server:\n%s", p.Logs())
	}

	// Refused connections: pgx's error names user, database, host, port.
	proxy.refuseAll()
	time.Sleep(600 * time.Millisecond) // past the shared readiness result
	if status, _, took := do("GET", "/health/ready", ""); status != 503 || took > 2*time.Second {
		t.Errorf("ready with the database down: %d in %v, want 503 within 2s", status, took)
	}
	status, out, _ = do("POST", "/subjects/down-value/versions", schema("c"))
	noLeak("register with the database down", status, out)
	proxy.allow()
	waitReady(t, p.URL(), 15*time.Second)
}

// SIGTERM drains: requests in flight complete (their bodies still
// arriving when the signal comes), new connections are refused, and the
// process exits 0 with the writes stored.
func TestFaultSIGTERMDrains(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p := startProc(t, nil, "--data-dir", dir)
	const inFlight = 3
	type pending struct {
		conn net.Conn
		rest string
	}
	var ps []pending
	for i := range inFlight {
		c, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		body := fmt.Sprintf(`{"schema":"{\"type\":\"record\",\"name\":\"D\",\"fields\":[{\"name\":\"f%d\",\"type\":\"string\"}]}"}`, i)
		half := len(body) / 2
		if _, err := fmt.Fprintf(c, "POST /subjects/drain-%d/versions HTTP/1.1\r\nHost: accord\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", i, len(body), body[:half]); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, pending{c, body[half:]})
	}
	time.Sleep(300 * time.Millisecond) // the handlers are reading the bodies
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Error("new connections were still accepted 5s after SIGTERM")
	}
	select {
	case <-p.done:
		t.Fatalf("accord serve exited with requests in flight: %v\n%s", p.err, p.Logs())
	default:
	}
	for i, pc := range ps {
		if _, err := io.WriteString(pc.conn, pc.rest); err != nil {
			t.Fatalf("request %d: finishing the body: %v", i, err)
		}
		_ = pc.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(pc.conn), nil)
		if err != nil {
			t.Fatalf("request %d in flight at SIGTERM got no answer: %v", i, err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(out), `"id":`) {
			t.Errorf("request %d in flight at SIGTERM: %d %s", i, resp.StatusCode, out)
		}
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("accord serve exited with %v after SIGTERM, want 0\n%s", p.err, p.Logs())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("accord serve did not exit after draining")
	}
	p2 := startProc(t, nil, "--data-dir", dir)
	client := &http.Client{Timeout: 5 * time.Second}
	for i := range inFlight {
		if status, out, _, err := httpDo(client, "GET", fmt.Sprintf("%s/subjects/drain-%d/versions/1", p2.URL(), i), ""); err != nil || status != 200 {
			t.Errorf("drain-%d after restart: %d %s %v", i, status, out, err)
		}
	}
}

// One process per SQLite folder: a second accord serve on a folder in use
// exits 1 naming the folder and the holder's pid; after the holder is
// killed (kill -9 leaves accord.lock behind) the folder is free again.
func TestFaultDataDirLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p := startProc(t, nil, "--data-dir", dir)
	code, logs := runAccord(t, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	abs, _ := filepath.Abs(dir)
	if code != 1 || !strings.Contains(logs, abs) || !strings.Contains(logs, fmt.Sprintf("pid %d", p.cmd.Process.Pid)) || !strings.Contains(logs, "in use") {
		t.Errorf("second accord serve on %s: exit %d, want 1 naming the folder and pid %d:\n%s", dir, code, p.cmd.Process.Pid, logs)
	}
	p.kill9(t)
	p2 := startProc(t, nil, "--data-dir", dir)
	if status, _, _, err := httpDo(&http.Client{Timeout: 5 * time.Second}, "GET", p2.URL()+"/health/ready", ""); err != nil || status != 200 {
		t.Errorf("after the holder died: %d %v", status, err)
	}
}

// A read-only data folder is reported as such, not as SQLite's "unable to
// open database file (14)". Root writes anywhere, so as root the server
// runs as nobody (from a copy of the test binary nobody may execute).
func TestFaultReadOnlyDataDir(t *testing.T) {
	base, err := os.MkdirTemp("", "accord-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(base, "data"), 0o755); _ = os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "data")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	bin := os.Args[0]
	var attr *syscall.SysProcAttr
	if os.Geteuid() == 0 {
		bin = filepath.Join(base, "accord.test")
		raw, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, raw, 0o755); err != nil {
			t.Fatal(err)
		}
		attr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = append(os.Environ(), "ACCORD_TEST_RUN_MAIN=1", "ACCORD_TEST_DATABASE_URL=")
	cmd.SysProcAttr = attr
	out, err := cmd.CombinedOutput()
	code := cmd.ProcessState.ExitCode()
	if code != 1 || !strings.Contains(string(out), "read-only") || !strings.Contains(string(out), dir) || strings.Contains(string(out), "(14)") {
		t.Errorf("accord serve on a read-only folder: exit %d (%v), want 1 saying the folder %s is read-only:\n%s", code, err, dir, out)
	}
}

// --db-timeout and ACCORD_DB_TIMEOUT take a positive duration; anything
// else is a usage error before anything is opened.
func TestServeDBTimeoutFlag(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for _, v := range []string{"0s", "-1s", "soon"} {
		if code := run([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--db-timeout", v}); code != 2 {
			t.Errorf("--db-timeout %s: exit %d, want 2", v, code)
		}
	}
	t.Setenv("ACCORD_DB_TIMEOUT", "soon")
	if code := run([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}); code != 2 {
		t.Errorf("ACCORD_DB_TIMEOUT=soon: exit %d, want 2", code)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused start created the data folder (%v)", err)
	}
}
