package main

// Tests of the command as main wires it: CLI verbs beside a real accord
// serve, Ctrl-C during apply, the daemons' help; and the helpers the serve
// and UI tests share to run the CLI (in-process, through cli.Run).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/cli"
)

// rootPassword is the bootstrap admin's password in the tests here.
const rootPassword = "correct horse battery staple"

// runCLI runs the accord CLI in-process with env (KEY=VALUE, set for the
// test with t.Setenv, plus a clean HOME so no developer config file is
// read) and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	for _, k := range []string{"ACCORD_URL", "ACCORD_TOKEN", "ACCORD_USER", "ACCORD_PASSWORD", "ACCORD_CONFIG"} {
		t.Setenv(k, "")
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
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

// TestBackupBesideServe backs up the SQLite folder of a running accord
// serve and restores it into another folder, which a new server serves.
func TestBackupBesideServe(t *testing.T) {
	dir := t.TempDir()
	p := startAccord(t, "--data-dir", dir)
	base := "http://" + p.addr
	c := accordtest.Client{Base: base}
	for i := range 5 {
		c.Must(t, "POST", fmt.Sprintf("/subjects/s%d/versions", i), `{"schema":"\"string\""}`)
	}
	c.Must(t, "PUT", "/config/s1", `{"compatibility":"NONE"}`)
	want := accordtest.Listings(t, c, accordtest.ListOptions{})

	file := filepath.Join(t.TempDir(), "accord.backup")
	out, errOut, code := runCLI(t, nil, "backup", "--data-dir", dir, "-o", file)
	wantCode(t, "backup", code, 0, out, errOut)
	if _, err := os.Stat(file + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("the temporary file stayed: %v", err)
	}
	// Through the server too: the same document, read over HTTP.
	viaHTTP := filepath.Join(t.TempDir(), "http.backup")
	out, errOut, code = runCLI(t, nil, "backup", "--url", base, "-o", viaHTTP)
	wantCode(t, "backup --url", code, 0, out, errOut)

	for _, f := range []string{file, viaHTTP} {
		restored := t.TempDir()
		out, errOut, code = runCLI(t, nil, "restore", f, "--data-dir", restored)
		wantCode(t, "restore", code, 0, out, errOut)
		out, errOut, code = runCLI(t, nil, "restore", f, "--data-dir", restored)
		wantCode(t, "restore into a used store", code, 2, out, errOut)
		if !strings.Contains(errOut, "not empty (") || !strings.Contains(errOut, "versions: 5") {
			t.Errorf("refusal: %s", errOut)
		}
		q := startAccord(t, "--data-dir", restored)
		got := accordtest.Listings(t, accordtest.Client{Base: "http://" + q.addr}, accordtest.ListOptions{})
		// The audit log of the source has the backup.read of the HTTP backup.
		delete(want, "/v1/audit?limit=1000")
		delete(got, "/v1/audit?limit=1000")
		accordtest.CompareListings(t, want, got)
	}
	out, errOut, code = runCLI(t, nil, "restore", "/no/such/file", "--data-dir", t.TempDir())
	wantCode(t, "restore of a missing file", code, 2, out, errOut)
	out, errOut, code = runCLI(t, nil, "restore", "--help")
	wantCode(t, "restore --help", code, 0, out, errOut)
	if !strings.Contains(out, "Usage: accord restore FILE") || !strings.Contains(out, "--force") || errOut != "" {
		t.Errorf("restore --help: stdout:\n%s\nstderr:\n%s", out, errOut)
	}
	// A backup of a folder with no Accord in it is a usage error, not an empty file.
	out, errOut, code = runCLI(t, nil, "backup", "--data-dir", t.TempDir(), "-o", filepath.Join(t.TempDir(), "x"))
	wantCode(t, "backup of nothing", code, 2, out, errOut)
	if !strings.Contains(errOut, "no Accord database in") {
		t.Errorf("backup of nothing: %s", errOut)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Schemas of an orders stream (as in package cli's tests).
const (
	orderKey = `{"type":"record","name":"OrderKey","namespace":"acme","fields":[{"name":"id","type":"string"}]}`
	orderV1  = `{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"total","type":"long"}]}`
	// orderOK adds a field with a default: BACKWARD compatible.
	orderOK = `{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"total","type":"long"},{"name":"note","type":"string","default":""}]}`
)

// TestDaemonHelp: `accord serve --help` and `accord proxy --help` print on
// stdout (accord serve --help | less), flags spelled --flag as in the
// README; a flag error prints the usage on stderr.
func TestDaemonHelp(t *testing.T) {
	for _, verb := range []string{"serve", "proxy"} {
		for _, c := range []struct {
			flag   string
			code   int
			stdout bool
		}{{"--help", 0, true}, {"--no-such-flag", 2, false}} {
			cmd := exec.Command(os.Args[0], verb, c.flag)
			cmd.Env = append(os.Environ(), "ACCORD_TEST_RUN_MAIN=1")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			_ = cmd.Run()
			usage, other := stdout.String(), stderr.String()
			if !c.stdout {
				usage, other = other, usage
			}
			if code := cmd.ProcessState.ExitCode(); code != c.code || !strings.Contains(usage, "Usage: accord "+verb) || other != "" {
				t.Errorf("accord %s %s: exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", verb, c.flag, code, c.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(usage, "\n  --log-level string") || strings.Contains(usage, "\n  -log-level") {
				t.Errorf("accord %s %s: flags not listed as --flag:\n%s", verb, c.flag, usage)
			}
		}
	}
}

// TestApplyCtrlC sends SIGINT to a real `accord apply` while the server
// registers the stream's value schema: the process rolls back what it did
// to the stream (the signal cancels the verb's context instead of killing
// it) and exits 130.
func TestApplyCtrlC(t *testing.T) {
	st := accordtest.New(t, t.TempDir(), accordtest.Options{LogWriter: io.Discard})
	registered := make(chan struct{}, 1)
	h := api.New(st.Registry, api.Options{Logger: st.Log, Contracts: st.Contracts, Audit: st.Audit, Lineage: st.Lineage})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/subjects/orders-value/versions" {
			h.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(httptest.NewRecorder(), r) // registered, but the answer never leaves
		registered <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"key.avsc":    orderKey,
		"order.avsc":  orderV1,
		"orders.yaml": "kind: Stream\nname: orders\nowner: orders-svc\neventType: state\nkeySchema: key.avsc\nvalueSchema: order.avsc\n",
	})
	cmd := exec.Command(os.Args[0], "apply", "-f", dir)
	cmd.Env = append(os.Environ(), "ACCORD_TEST_RUN_MAIN=1", "ACCORD_URL="+srv.URL, "HOME="+t.TempDir(), "ACCORD_CONFIG=", "ACCORD_TOKEN=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-registered:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("apply never registered the value schema:\n%s%s", stdout.String(), stderr.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stdout.String(), "Apply stopped: stream orders was interrupted; rolled back what this run did to it: deleted orders-value version 1, deleted orders-key version 1, deleted stream orders") {
		t.Fatalf("exit %d, want 130 and a rollback\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	c := accordtest.Client{Base: srv.URL}
	for _, path := range []string{"/v1/streams/orders", "/subjects/orders-value/versions", "/subjects/orders-key/versions"} {
		if code, body := c.Call(t, "GET", path, ""); code != 404 {
			t.Errorf("GET %s after the rollback: %d %s", path, code, body)
		}
	}
}
