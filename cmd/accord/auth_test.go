package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResolveAuth(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("from the file, long\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) string { return "" }
	withEnv := func(k string) string {
		if k == bootstrapSecretEnv {
			return "from the environment"
		}
		return ""
	}
	for _, c := range []struct {
		name, addr, mode, admin, file string
		env                           func(string) string
		enabled                       bool
		secret                        string
		err                           string
	}{
		{name: "loopback default is open", addr: "127.0.0.1:8081", env: noEnv},
		{name: "ipv6 loopback", addr: "[::1]:8081", env: noEnv},
		{name: "localhost", addr: "localhost:8081", env: noEnv},
		{name: "loopback on", addr: "127.0.0.1:8081", mode: "on", env: noEnv, enabled: true},
		{name: "loopback with bootstrap admin", addr: "127.0.0.1:8081", admin: "root", env: withEnv, enabled: true, secret: "from the environment"},
		{name: "all interfaces default is on", addr: ":8081", env: noEnv, enabled: true},
		{name: "public address default is on", addr: "10.1.2.3:8081", admin: "root", file: pwFile, env: noEnv, enabled: true, secret: "from the file, long"},
		{name: "public address off is refused", addr: "0.0.0.0:8081", mode: "off", env: noEnv, err: "refusing to serve 0.0.0.0:8081 without authentication"},
		{name: "hostname off is refused", addr: "registry.internal:8081", mode: "off", env: noEnv, err: "refusing"},
		{name: "admin without secret", addr: "127.0.0.1:8081", admin: "root", env: noEnv, err: "no default"},
		{name: "secret without admin", addr: "127.0.0.1:8081", env: withEnv, err: "--bootstrap-admin NAME"},
		{name: "file and env", addr: "127.0.0.1:8081", admin: "root", file: pwFile, env: withEnv, err: "use one"},
		{name: "missing file", addr: "127.0.0.1:8081", admin: "root", file: filepath.Join(dir, "nope"), env: noEnv, err: "reading"},
		{name: "admin with auth off", addr: "127.0.0.1:8081", mode: "off", admin: "root", env: withEnv, err: "drop --auth off"},
		{name: "bad mode", addr: "127.0.0.1:8081", mode: "maybe", env: noEnv, err: "bad --auth"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := resolveAuth(c.addr, c.mode, c.admin, c.file, c.env)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %+v, %v; want an error mentioning %q", got, err, c.err)
				}
				return
			}
			if err != nil || got.enabled != c.enabled || got.secret != c.secret {
				t.Fatalf("got %+v, %v; want enabled=%v secret=%q", got, err, c.enabled, c.secret)
			}
		})
	}
}

// runAccord runs the accord command to completion and returns its exit
// code and stderr.
func runAccord(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ACCORD_TEST_RUN_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("accord %v did not exit:\n%s", args, stderr.String())
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

func TestServeRefusesToStartWithoutAuthOffLoopback(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	code, logs := runAccord(t, "serve", "--addr", "0.0.0.0:0", "--auth", "off", "--data-dir", dataDir)
	if code != 1 || !strings.Contains(logs, "refusing to serve 0.0.0.0:0 without authentication") {
		t.Errorf("exit %d, want 1 with a refusal:\n%s", code, logs)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("the refused start created the data directory (%v)", err)
	}
	// Off loopback authentication is on by default, and needs an admin.
	code, logs = runAccord(t, "serve", "--addr", "0.0.0.0:0", "--data-dir", dataDir)
	if code != 1 || !strings.Contains(logs, "no enabled admin exists") {
		t.Errorf("exit %d, want 1 for want of an admin:\n%s", code, logs)
	}
}

func TestServeOpenOnLoopbackWarns(t *testing.T) {
	p := startAccord(t, "--data-dir", t.TempDir())
	resp, err := http.Get("http://" + p.addr + "/subjects")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("open server: GET /subjects %d", resp.StatusCode)
	}
	p.cmd.Process.Kill()
	<-p.done
	logs := p.logs.String()
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "unauthenticated and reachable only from this machine") {
		t.Errorf("no start-up warning about the open API:\n%s", logs)
	}
}

func TestServeBootstrapAdmin(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("bootstrap password 42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startAccord(t, "--data-dir", filepath.Join(dir, "data"), "--bootstrap-admin", "root", "--bootstrap-admin-password-file", pwFile)
	get := func(user, pass string) int {
		req, _ := http.NewRequest("GET", "http://"+p.addr+"/v1/whoami", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("", ""); got != 401 {
		t.Errorf("anonymous: %d, want 401", got)
	}
	if got := get("root", "bootstrap password 42"); got != 200 {
		t.Errorf("bootstrap admin: %d, want 200", got)
	}
	if got := get("root", "admin"); got != 401 {
		t.Errorf("a guessed password: %d, want 401", got)
	}
	p.cmd.Process.Kill()
	<-p.done
	if logs := p.logs.String(); strings.Contains(logs, "unauthenticated") || !strings.Contains(logs, "authentication on") {
		t.Errorf("start-up logs:\n%s", logs)
	}
}
