package main

// Helpers of the fault tests (faults_test.go): accord serve processes
// that can be killed, a TCP proxy that can stall or refuse the database's
// traffic, a private PostgreSQL cluster that can be restarted, and a
// registration load whose acknowledgements are checked afterwards.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// faultCycles is how many fault cycles a test runs: n by default (short
// enough for the README's test command), ACCORD_FAULT_CYCLES for a soak.
func faultCycles(t *testing.T, n int) int {
	if v := os.Getenv("ACCORD_FAULT_CYCLES"); v != "" {
		c, err := strconv.Atoi(v)
		if err != nil || c < 1 {
			t.Fatalf("ACCORD_FAULT_CYCLES=%q: want a positive number", v)
		}
		return c
	}
	return n
}

// proc is an accord serve process started by a test.
type proc struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	logs strings.Builder
	done chan struct{} // closed when the process has exited
	err  error         // of Wait, once done
}

// startProc runs `accord serve` (the test binary re-executed, see
// TestMain) with args on a free loopback port and waits until it
// listens. The process is killed when the test ends.
func startProc(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(os.Environ(), "ACCORD_TEST_RUN_MAIN=1"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`accord listening.* addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if m := re.FindStringSubmatch(line); m != nil {
				addrc <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	select {
	case p.addr = <-addrc:
	case <-p.done:
		t.Fatalf("accord serve exited before listening: %v\n%s", p.err, p.Logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("accord serve did not start:\n%s", p.Logs())
	}
	return p
}

// Logs returns what the process wrote to stderr so far.
func (p *proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func (p *proc) URL() string { return "http://" + p.addr }

// kill9 kills the process with SIGKILL and waits until it is gone.
func (p *proc) kill9(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("accord serve survived SIGKILL")
	}
}

// httpDo does one request with a bounded wait and returns the status,
// the body and how long it took.
func httpDo(client *http.Client, method, url, body string) (int, string, time.Duration, error) {
	start := time.Now()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, "", 0, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", time.Since(start), err
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(out), time.Since(start), err
}

// schemaFor is a distinct Avro schema per (tag, worker, n).
func schemaFor(tag string, w, n int) string {
	return fmt.Sprintf(`{"type":"record","name":"R","fields":[{"name":"f_%s_%d_%d","type":"string"}]}`, tag, w, n)
}

// ack is an acknowledged registration.
type ack struct {
	subject, schema string
	id              int64
}

// ledger collects acknowledgements from concurrent workers.
type ledger struct {
	mu       sync.Mutex
	acks     []ack
	attempts int
}

func (l *ledger) add(a ack, attempted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if attempted {
		l.attempts++
	}
	if a.subject != "" {
		l.acks = append(l.acks, a)
	}
}

func (l *ledger) count() (acks, attempts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acks), l.attempts
}

// load registers distinct schemas under distinct subjects with workers
// goroutines until ctx ends; worker w sends to urls()[w % len]. Only
// answers 200 {"id":N,"version":1} count as acknowledged; failures
// (connection refused while a server is down, 5xx while the database is)
// are retried with a new subject.
func load(ctx context.Context, l *ledger, tag string, workers int, urls func() []string) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for n := 0; ctx.Err() == nil; n++ {
				us := urls()
				base := us[w%len(us)]
				subject := fmt.Sprintf("%s-w%d-%d", tag, w, n)
				schema := schemaFor(tag, w, n)
				body, _ := json.Marshal(map[string]string{"schema": schema})
				status, out, _, err := httpDo(client, "POST", base+"/subjects/"+subject+"/versions", string(body))
				if err != nil || status != 200 {
					l.add(ack{}, true)
					select {
					case <-ctx.Done():
					case <-time.After(time.Duration(10+rand.IntN(30)) * time.Millisecond):
					}
					continue
				}
				var res struct{ ID, Version int64 }
				if err := json.Unmarshal([]byte(out), &res); err != nil || res.ID == 0 || res.Version != 1 {
					panic(fmt.Sprintf("register %s: 200 with %q", subject, out))
				}
				l.add(ack{subject: subject, schema: schema, id: res.ID}, true)
			}
		}()
	}
	return &wg
}

// verify checks every acknowledged registration against the server at
// base: the subject has version 1 with the acknowledged id and schema,
// the id still names that schema, and no two acknowledgements share an
// id. It returns how many were lost.
func verify(t *testing.T, base string, acks []ack) (lost int) {
	t.Helper()
	byID := map[int64]string{}
	for _, a := range acks {
		if other, dup := byID[a.id]; dup {
			t.Errorf("id %d acknowledged for two different schemas (subjects %s and %s)", a.id, other, a.subject)
		}
		byID[a.id] = a.subject
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		next = make(chan ack)
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 15 * time.Second}
			for a := range next {
				problem := ""
				status, out, _, err := httpDo(client, "GET", base+"/subjects/"+a.subject+"/versions/1", "")
				var v struct {
					ID     int64  `json:"id"`
					Schema string `json:"schema"`
				}
				switch {
				case err != nil:
					problem = err.Error()
				case status != 200:
					problem = fmt.Sprintf("%d %s", status, out)
				case json.Unmarshal([]byte(out), &v) != nil || v.ID != a.id || v.Schema != a.schema:
					problem = "answered " + out
				}
				if problem == "" {
					status, out, _, err = httpDo(client, "GET", base+"/schemas/ids/"+strconv.FormatInt(a.id, 10), "")
					if err != nil || status != 200 || json.Unmarshal([]byte(out), &v) != nil || v.Schema != a.schema {
						problem = fmt.Sprintf("id %d now names another schema: %d %s %v", a.id, status, out, err)
					}
				}
				if problem != "" {
					mu.Lock()
					lost++
					if lost <= 10 {
						t.Errorf("acknowledged %s (id %d) is not intact: %s", a.subject, a.id, problem)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, a := range acks {
		next <- a
	}
	close(next)
	wg.Wait()
	return lost
}

// waitReady polls GET /health/ready until it answers 200 or within ends.
func waitReady(t *testing.T, base string, within time.Duration) time.Duration {
	t.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	start := time.Now()
	for {
		status, _, _, err := httpDo(client, "GET", base+"/health/ready", "")
		if err == nil && status == 200 {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s did not become ready within %v (last: %d %v)", base, within, status, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// faultProxy forwards TCP connections to target and can stall all their
// traffic (a frozen database: connections stay open, nothing moves) or
// refuse them (a database that is down).
type faultProxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	cond    *sync.Cond
	stalled bool
	refuse  bool
	conns   map[net.Conn]bool
	closed  bool
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.cond = sync.NewCond(&p.mu)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *faultProxy) Addr() string { return p.ln.Addr().String() }

func (p *faultProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse || p.closed
		p.mu.Unlock()
		if refuse {
			_ = c.Close()
			continue
		}
		go p.handle(c)
	}
}

func (p *faultProxy) handle(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := func() {
		_ = c.Close()
		_ = up.Close()
		p.mu.Lock()
		delete(p.conns, c)
		delete(p.conns, up)
		p.mu.Unlock()
	}
	go p.pump(up, c, done)
	p.pump(c, up, done)
}

// pump copies src to dst; while the proxy is stalled what it read waits.
func (p *faultProxy) pump(dst, src net.Conn, done func()) {
	defer done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.stalled && !p.closed {
				p.cond.Wait()
			}
			p.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// stall freezes every connection, open or new; resume lets them go on.
func (p *faultProxy) stall() { p.set(func() { p.stalled = true }) }
func (p *faultProxy) resume() {
	p.set(func() { p.stalled = false })
}

// refuseAll closes every connection and refuses new ones until allow.
func (p *faultProxy) refuseAll() {
	p.set(func() {
		p.refuse = true
		for c := range p.conns {
			_ = c.Close()
		}
	})
}
func (p *faultProxy) allow() { p.set(func() { p.refuse = false }) }

func (p *faultProxy) set(f func()) {
	p.mu.Lock()
	f()
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *faultProxy) close() {
	p.set(func() {
		p.closed = true
		for c := range p.conns {
			_ = c.Close()
		}
	})
	_ = p.ln.Close()
}

// privatePostgres is a PostgreSQL cluster of the test's own, which it may
// stop and start: the shared test server must never be.
type privatePostgres struct {
	bindir, base, data string
	port               int
	cred               *syscall.Credential // run the server binaries as this user (root may not)
}

// startPrivatePostgres initialises and starts a cluster on a free
// loopback port. Without PostgreSQL's server binaries the test is skipped,
// or fails when CI is set (.ci/run installs them).
func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	need := func(why string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s", why)
		}
		t.Skipf("skipping: %s (.ci/run installs PostgreSQL)", why)
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(bins) == 0 {
		need("no PostgreSQL server binaries under /usr/lib/postgresql")
	}
	sort.Slice(bins, func(i, j int) bool { // newest major version
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(bins[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(bins[j]))))
		return vi < vj
	})
	pg := &privatePostgres{bindir: filepath.Dir(bins[len(bins)-1])}
	base, err := os.MkdirTemp("", "accord-fault-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	pg.base, pg.data = base, filepath.Join(base, "data")
	if os.Geteuid() == 0 { // initdb refuses root: run as postgres
		u, err := user.Lookup("postgres")
		if err != nil {
			need("running as root and there is no postgres user to run the cluster as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(base, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	pg.run(t, "initdb", "-D", pg.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pg.port = ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	pg.start(t)
	t.Cleanup(func() { pg.runQuiet("pg_ctl", "-D", pg.data, "-m", "immediate", "-t", "30", "stop") })
	return pg
}

func (pg *privatePostgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

func (pg *privatePostgres) start(t *testing.T) {
	t.Helper()
	pg.run(t, "pg_ctl", "-D", pg.data, "-l", filepath.Join(pg.base, "server.log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories=%s -c max_connections=100", pg.port, pg.base), "start")
}

// crash stops the server the hard way (no checkpoint; recovery replays
// the WAL at the next start), as a killed or rebooted database host.
func (pg *privatePostgres) crash(t *testing.T) {
	t.Helper()
	pg.run(t, "pg_ctl", "-D", pg.data, "-m", "immediate", "-t", "30", "stop")
}

func (pg *privatePostgres) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(pg.bindir, name), args...)
	cmd.Dir = pg.base
	if pg.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	}
	return cmd
}

func (pg *privatePostgres) run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := pg.command(name, args...).CombinedOutput(); err != nil {
		logs, _ := os.ReadFile(filepath.Join(pg.base, "server.log"))
		t.Fatalf("%s %v: %v\n%s\n%s", name, args, err, out, logs)
	}
}

func (pg *privatePostgres) runQuiet(name string, args ...string) {
	_ = pg.command(name, args...).Run()
}
