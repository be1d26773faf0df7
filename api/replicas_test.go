package api_test

// Two replicas (two whole stacks, each with its own caches and change
// feed, as accord serve wires them) on one PostgreSQL database. A write
// on replica B right after a write on replica A must decide from what A
// committed, however stale B's caches are, also while B's change feed is
// down (docs/consistency.md). Each sequence first warms B's caches with
// the state before A's write, so a write decided from a cache would be
// acknowledged wrongly.

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry/storetest"
)

// sequencesPerKind is how many back-to-back sequences each kind runs;
// every killEvery-th kills both replicas' change-feed connections between
// its steps. The kinds run at once, on their own subjects.
const (
	sequencesPerKind = 300
	killEvery        = 3
)

func TestReplicasDecideWritesFromTheDatabase(t *testing.T) {
	target := storetest.PostgresSchema(t)
	_, adminTok, _, err := auth.NewToken()
	must(t, "token", err)
	newReplica := func() (*server, *accordtest.Stack) {
		st := accordtest.New(t, target, accordtest.Options{
			Unowned: contracts.UnownedOpen, Auth: true, Admin: "root", AdminSecret: adminTok, Watch: true, LineageMaxAge: -1,
			LogWriter: io.Discard, // the feed's reconnections would flood the test log
		})
		hs := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, Auth: st.Auth, Contracts: st.Contracts, Audit: st.Audit}))
		t.Cleanup(hs.Close)
		httpc := &http.Client{Transport: no5xx{t, hs.Client().Transport}, Timeout: 30 * time.Second}
		return &server{t: t, URL: hs.URL, HTTP: httpc}, st
	}
	a, stA := newReplica()
	b, _ := newReplica()

	creds := map[string]string{"root": "Bearer " + adminTok}
	for _, name := range []string{"svc-one", "svc-two"} {
		_, err := stA.Auth.CreatePrincipal(stA.Ctx, auth.NewPrincipal{Name: name, Roles: []auth.Role{auth.RoleService}})
		must(t, "principal "+name, err)
		tok, err := stA.Auth.IssueToken(stA.Ctx, name, "replicas", time.Time{})
		must(t, "token "+name, err)
		creds[name] = "Bearer " + tok.Text
	}
	// as sends a request as who; the kinds run in goroutines, so a
	// request that cannot be made panics (no t.Fatal off the test's
	// goroutine), and so does an unexpected answer to a set-up step.
	as := func(s *server, who, method, path string, body any) response {
		r, err := s.send(method, path, body, "Authorization", creds[who])
		if err != nil {
			panic(err)
		}
		return r
	}
	fatalf := func(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

	db, err := sql.Open("pgx", target)
	must(t, "open", err)
	t.Cleanup(func() { db.Close() })
	killFeeds := func() {
		if _, err := db.ExecContext(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'accord-watch'`); err != nil {
			panic(fmt.Sprintf("terminating the change feeds: %v", err))
		}
	}

	type sequence func(i int, between func()) (wrong string)
	// wrongs counts wrong acknowledgements; each is reported (the first
	// few in full).
	var mu sync.Mutex
	wrongs, byKind := 0, map[string]int{}
	report := func(kind string, i int, killed bool, what string) {
		mu.Lock()
		defer mu.Unlock()
		wrongs++
		byKind[kind]++
		if wrongs <= 10 {
			t.Errorf("%s #%d (feed killed: %t): %s", kind, i, killed, what)
		}
	}
	version := func(r response) (id, v int) {
		var out struct{ ID, Version int }
		_ = json.Unmarshal(r.Body, &out)
		return out.ID, out.Version
	}
	errorCode := func(r response) int {
		var out struct {
			Code int `json:"error_code"`
		}
		_ = json.Unmarshal(r.Body, &out)
		return out.Code
	}
	v1 := schemaBody(userV1)
	v2 := schemaBody(userV2)
	incompatible := schemaBody(userV2NoDefault) // a new field without a default: not FULL, fine under NONE

	kinds := []struct {
		name string
		run  sequence
	}{
		{"delete-then-register", func(i int, between func()) string {
			subj := fmt.Sprintf("/subjects/del-%d", i)
			if r := as(a, "root", "POST", subj+"/versions", v1); r.Status != 200 {
				fatalf("register on A: %s", r)
			}
			// Warm B: its cached view says v1 is live.
			if r := as(b, "root", "GET", subj+"/versions/latest", nil); r.Status != 200 {
				fatalf("read on B: %s", r)
			}
			if r := as(b, "root", "POST", subj+"/versions", v1); r.Status != 200 {
				fatalf("re-register on B: %s", r)
			}
			between()
			if r := as(a, "root", "DELETE", subj+"/versions/1", nil); r.Status != 200 {
				fatalf("delete on A: %s", r)
			}
			between()
			r := as(b, "root", "POST", subj+"/versions", v1)
			if r.Status != 200 {
				return fmt.Sprintf("register on B after the delete: %s", r)
			}
			id, v := version(r) // Accord's answer carries the version
			if v == 1 {
				return fmt.Sprintf("register on B acknowledged the deleted version 1: %s", r)
			}
			got := as(a, "root", "GET", fmt.Sprintf("%s/versions/%d", subj, v), nil)
			if gotID, _ := version(got); got.Status != 200 || gotID != id {
				return fmt.Sprintf("B acknowledged id %d version %d; A answers %s", id, v, got)
			}
			return ""
		}},
		{"tighten-config-then-register-incompatible", func(i int, between func()) string {
			subj := fmt.Sprintf("cfg-%d", i)
			if r := as(a, "root", "POST", "/subjects/"+subj+"/versions", v1); r.Status != 200 {
				fatalf("register on A: %s", r)
			}
			// Warm B: no subject config (the global NONE), the view with v1.
			if r := as(b, "root", "POST", "/subjects/"+subj+"/versions", v1); r.Status != 200 {
				fatalf("re-register on B: %s", r)
			}
			between()
			if r := as(a, "root", "PUT", "/config/"+subj, map[string]string{"compatibility": "FULL"}); r.Status != 200 {
				fatalf("tighten on A: %s", r)
			}
			between()
			if r := as(b, "root", "POST", "/subjects/"+subj+"/versions", incompatible); r.Status != 409 {
				return fmt.Sprintf("incompatible schema on B after FULL on A: got %s, want 409", r)
			}
			return ""
		}},
		{"read-only-then-write", func(i int, between func()) string {
			subj := fmt.Sprintf("/subjects/ro-%d/versions", i)
			if r := as(a, "root", "POST", subj, v1); r.Status != 200 {
				fatalf("register on A: %s", r)
			}
			if r := as(b, "root", "POST", subj, v1); r.Status != 200 {
				fatalf("re-register on B: %s", r)
			}
			between()
			if r := as(a, "root", "PUT", fmt.Sprintf("/mode/ro-%d", i), map[string]string{"mode": "READONLY"}); r.Status != 200 {
				fatalf("read-only on A: %s", r)
			}
			between()
			// Alternately a new version and a re-registration (the
			// cached fast path): both refused in READONLY.
			body := v2
			if i%2 == 1 {
				body = v1
			}
			if r := as(b, "root", "POST", subj, body); r.Status != 422 || errorCode(r) != 42205 {
				return fmt.Sprintf("write on B after READONLY on A: got %s, want 42205", r)
			}
			return ""
		}},
		{"transfer-ownership-then-write-as-old-owner", func(i int, between func()) string {
			name := fmt.Sprintf("own-%d", i)
			if r := as(a, "svc-one", "POST", "/v1/streams", map[string]any{"name": name, "eventType": "measurement", "visibility": "private"}); r.Status != 201 {
				fatalf("stream on A: %s", r)
			}
			subj := "/subjects/" + name + "-value/versions"
			if r := as(b, "svc-one", "POST", subj, v1); r.Status != 200 {
				fatalf("register on B as the owner: %s", r)
			}
			between()
			if r := as(a, "svc-one", "POST", "/v1/streams/"+name+"/transfer", map[string]string{"owner": "svc-two"}); r.Status != 200 {
				fatalf("transfer on A: %s", r)
			}
			between()
			if r := as(b, "svc-one", "POST", subj, v2); r.Status != 403 {
				return fmt.Sprintf("write on B by the old owner after the transfer on A: got %s, want 403", r)
			}
			return ""
		}},
	}

	// NONE everywhere unless a sequence tightens its subject.
	if r := as(a, "root", "PUT", "/config", map[string]string{"compatibility": "NONE"}); r.Status != 200 {
		t.Fatalf("global config: %s", r)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for k, kind := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: %v", kind.name, p)
				}
			}()
			for i := range sequencesPerKind {
				killed := i%killEvery == killEvery-1
				between := func() {}
				if killed {
					between = killFeeds
				}
				seq := k*sequencesPerKind + i // subjects and streams of their own
				if what := kind.run(seq, between); what != "" {
					report(kind.name, seq, killed, what)
				}
			}
		}()
	}
	wg.Wait()
	if wrongs > 0 {
		t.Errorf("%d wrong acknowledgements in %d sequences: %v", wrongs, len(kinds)*sequencesPerKind, byKind)
	}
	t.Logf("%d sequences of each of %d kinds (one in %d with the change feeds killed between steps): %d wrong acknowledgements, in %v",
		sequencesPerKind, len(kinds), killEvery, wrongs, time.Since(start).Round(time.Millisecond))
}
