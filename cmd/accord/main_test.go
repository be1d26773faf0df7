package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/registry/storetest"
)

// TestMain lets tests run the accord command itself: the test binary
// re-executes itself with ACCORD_TEST_RUN_MAIN=1 and acts as accord.
func TestMain(m *testing.M) {
	if os.Getenv("ACCORD_TEST_RUN_MAIN") == "1" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(storetest.Main(m)) // a database for the PostgreSQL fault tests
}

// accordProcess is a running `accord serve`.
type accordProcess struct {
	cmd  *exec.Cmd
	addr string
	logs *lockedLog
	done chan error
}

// startAccord runs `accord serve` with args and waits until it listens.
func startAccord(t *testing.T, args ...string) *accordProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "ACCORD_TEST_RUN_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &accordProcess{cmd: cmd, logs: &lockedLog{}, done: make(chan error, 1)}
	addrc := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`accord listening.* addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.logs.WriteString(line + "\n")
			if m := re.FindStringSubmatch(line); m != nil {
				addrc <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case p.addr = <-addrc:
	case err := <-p.done:
		t.Fatalf("accord serve exited before listening: %v\n%s", err, p.logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("accord serve did not start:\n%s", p.logs)
	}
	return p
}

// lockedLog collects a process's log lines; tests may read it while the
// process still writes.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeShutsDownGracefullyAndKeepsData(t *testing.T) {
	dir := t.TempDir()
	p := startAccord(t, "--data-dir", dir)
	body := `{"schema":"{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}"}`
	resp, err := http.Post("http://"+p.addr+"/subjects/orders-value/versions", "application/vnd.schemaregistry.v1+json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(out), `"id":1,`) || !strings.Contains(string(out), `"version":1,`) {
		t.Fatalf("register: %d %s", resp.StatusCode, out)
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("accord serve exited with %v after SIGTERM:\n%s", err, p.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("accord serve did not stop after SIGTERM")
	}
	if !strings.Contains(p.logs.String(), "shutting down") {
		t.Errorf("no shutdown message in the logs:\n%s", p.logs)
	}

	// The acknowledged write survived the restart.
	p2 := startAccord(t, "--data-dir", dir)
	resp, err = http.Get("http://" + p2.addr + "/subjects/orders-value/versions/1")
	if err != nil {
		t.Fatal(err)
	}
	out, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(out), `"id":1`) {
		t.Fatalf("after restart: %d %s", resp.StatusCode, out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"serve", "--no-such-flag"}, {"serve", "--log-level", "loud"}} {
		if code := run(args); code != 2 {
			t.Errorf("accord %v: exit %d, want 2", args, code)
		}
	}
	if code := run([]string{"serve", "--help"}); code != 0 {
		t.Errorf("accord serve --help: exit %d, want 0", code)
	}
}

// With --tls-cert and --tls-key the server speaks HTTPS (HTTP/2 too) and
// nothing else; a half-given pair is a start-up error.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := accordtest.WriteSelfSigned(t, dir)
	p := startAccord(t, "--data-dir", filepath.Join(dir, "data"), "--tls-cert", cert, "--tls-key", key)
	pem, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	body := `{"schema":"{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}"}`
	resp, err := client.Post("https://"+p.addr+"/subjects/orders-value/versions", "application/vnd.schemaregistry.v1+json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("https: %v\n%s", err, p.logs)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(out), `"id":1,`) || resp.ProtoMajor != 2 {
		t.Errorf("register over https: %s %d %s", resp.Proto, resp.StatusCode, out)
	}
	// Plain HTTP gets no answer from the API.
	if resp, err := http.Get("http://" + p.addr + "/subjects"); err == nil {
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("plain http was served: %s", out)
		}
	}
	if code := run([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "other"), "--tls-cert", cert}); code != 1 {
		t.Errorf("--tls-cert without --tls-key: exit %d, want 1", code)
	}
}
