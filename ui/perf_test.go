package ui_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/lineage/sqllineage"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/proposals/sqlproposals"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/ui"
)

// perfStreams is how many streams the performance test declares.
const perfStreams = 10_000

// perfBudget is the most a page may take on the server: 200 ms, the
// issue's bound, in a normal build. Under the race detector (the README's
// test command) pages run 10–15 times slower, so the bound is scaled by
// raceSlowdown (3): still far stricter than 200 ms of a normal build, and
// not at the mercy of a slower CI machine. Without -race the test checks
// 200 ms itself: go test -run PageTimes -v ./ui/.
const perfBudget = raceSlowdown * 200 * time.Millisecond

// TestPageTimesWith10kStreams seeds 10,000 streams (inserted in one
// transaction, not through 10,000 API calls), 200 owning services, a
// consumer per stream, 120 registered subjects and a few proposals, then
// times every list and detail page by calling the handler directly (no
// network), signed in as an admin. Each page is run once cold and then
// five times; the best of the five is held to the budget, so a scheduler
// hiccup under -race does not fail the build while a page that is slow
// every time does. The figures are logged (go test -v).
func TestPageTimesWith10kStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 streams")
	}
	start := time.Now()
	e := newEnv(t, true)
	// Schemas first, while no stream exists: registering under a stream
	// runs its lints, and a notification stream's lint reads every stream.
	admin := e.as("root")
	for i := 0; i < 120; i++ {
		name := fmt.Sprintf("stream-%05d", i)
		for v := 1; v <= 2-i%2; v++ {
			fields := []string{`{"name":"id","type":"string"}`}
			if v == 2 {
				fields = append(fields, `{"name":"total","type":"long","default":0}`)
			}
			_, err := e.reg.Register(admin, name+"-value", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: avroRecord("Rec", fields...)}})
			must(t, "register", err)
		}
	}
	db := e.store.DB()
	tx, err := db.Write.BeginTx(e.ctx, nil)
	must(t, "begin", err)
	insStream, err := tx.PrepareContext(e.ctx, db.Rebind(`INSERT INTO streams (name, owner, event_type, visibility, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`))
	must(t, "prepare", err)
	insSubject, err := tx.PrepareContext(e.ctx, db.Rebind(`INSERT INTO stream_subjects (subject, stream, role) VALUES (?, ?, ?)`))
	must(t, "prepare", err)
	types := []string{"state", "delta", "notification", "measurement", "hybrid"}
	now := time.Now().UnixMilli()
	for i := 0; i < perfStreams; i++ {
		name := fmt.Sprintf("stream-%05d", i)
		spec, _ := json.Marshal(map[string]any{
			"description": fmt.Sprintf("Stream number %d of the performance test", i), "subjectStrategy": "topic",
			"keySubject": name + "-key", "valueSubjects": []string{name + "-value"},
			"tags":       map[string]any{"domain": fmt.Sprintf("domain-%d", i%20), "labels": []string{fmt.Sprintf("label-%d", i%50)}},
			"lintErrors": "report", "consumers": []map[string]any{{"principal": fmt.Sprintf("svc-%03d", (i+1)%200)}},
		})
		vis := "public"
		if i%7 == 0 {
			vis = "private"
		}
		_, err := insStream.ExecContext(e.ctx, name, fmt.Sprintf("svc-%03d", i%200), types[i%5], vis, string(spec), now, now)
		must(t, "insert stream", err)
		_, err = insSubject.ExecContext(e.ctx, name+"-key", name, "key")
		must(t, "insert subject", err)
		_, err = insSubject.ExecContext(e.ctx, name+"-value", name, "value")
		must(t, "insert subject", err)
	}
	must(t, "commit", tx.Commit())
	// Production settings: the lineage index is reused for up to 5 s (the
	// harness reloads it on every query, for the other tests' sake).
	lin := lineage.NewService(sqllineage.New(db), e.streams, e.reg, lineage.Options{})
	props := proposals.NewService(sqlproposals.New(db), e.reg, e.streams, lin, proposals.Options{Principals: e.authn})
	var prID int64
	for i := 0; i < 5; i++ {
		pr, err := props.Create(admin, proposals.NewProposal{Subject: fmt.Sprintf("stream-%05d-value", i*2),
			Schema: avroRecord("Rec", `{"name":"id","type":"string"}`, `{"name":"total","type":"long","default":0}`, `{"name":"note","type":["null","string"],"default":null}`)})
		must(t, "proposal", err)
		prID = pr.ID
	}
	t.Logf("seeded %d streams in %v", perfStreams, time.Since(start).Round(time.Millisecond))

	h := ui.New(ui.Options{Registry: e.reg, Contracts: e.streams, Lineage: lin, Audit: e.audit, Auth: e.authn, Proposals: props})
	tok, err := e.authn.IssueToken(e.ctx, "root", "perf", time.Time{})
	must(t, "token", err)
	cookie := "accord_session=t." + tok.Text
	serve := func(path string) (time.Duration, int) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		return time.Since(t0), rec.Code
	}
	pages := []string{
		"/ui/streams",
		"/ui/streams?page=150",
		"/ui/streams?q=number+99&eventType=state",
		"/ui/streams?owner=svc-007&visibility=public&tag=label-7",
		"/ui/streams?pending=1",
		"/ui/streams/stream-00000",
		"/ui/streams/stream-00002?version=1",
		"/ui/streams/stream-00007",
		"/ui/streams/stream-00000/diff?subject=stream-00000-value&from=1&to=2",
		"/ui/lineage?stream=stream-00000&depth=5",
		"/ui/lineage?service=svc-001&depth=2",
		"/ui/lineage?service=svc-001&depth=5",
		"/ui/proposals",
		"/ui/proposals?state=all",
		fmt.Sprintf("/ui/proposals/%d", prID),
		"/ui/audit",
		"/ui/audit?action=schema.",
		"/ui/subjects",
		"/ui/subjects?page=2&deleted=1",
		"/ui/schemas/1",
		"/ui/search?q=total",
		"/ui/streams/stream-00000/diff?subject=stream-00000-value&from=1&to=2&full=1",
	}
	var report []string
	for _, p := range pages {
		cold, code := serve(p)
		if code != 200 {
			t.Fatalf("%s: status %d", p, code)
		}
		best := time.Hour
		for i := 0; i < 5; i++ {
			d, _ := serve(p)
			best = min(best, d)
		}
		report = append(report, fmt.Sprintf("%-70s cold %7.1f ms   best of 5 %7.1f ms", p, ms(cold), ms(best)))
		if best > perfBudget {
			t.Errorf("%s took %v (best of 5), over the %v budget", p, best, perfBudget)
		}
	}
	// The first load after a write: a stream declared and a version
	// registered (the contracts' generation and the registry move on, so
	// every cache the pages use is refreshed). The contracts snapshot and
	// the lineage index take the write in place, so no page waits for a
	// reload of 10,000 streams.
	_, err = e.streams.Create(admin, contracts.Stream{Name: "after-write", Owner: "svc-001", EventType: contracts.State, Visibility: contracts.Public})
	must(t, "stream after write", err)
	_, err = e.reg.Register(admin, "stream-00000-value", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: avroRecord("Rec", `{"name":"id","type":"string"}`, `{"name":"total","type":"long","default":0}`, `{"name":"x","type":"long","default":0}`)}})
	must(t, "register after write", err)
	for _, p := range pages {
		first, code := serve(p)
		if code != 200 {
			t.Fatalf("%s after a write: status %d", p, code)
		}
		report = append(report, fmt.Sprintf("%-70s first load after a write %7.1f ms", p, ms(first)))
		if first > perfBudget {
			t.Errorf("%s took %v on its first load after a write, over the %v budget", p, first, perfBudget)
		}
	}
	sort.Strings(report)
	t.Logf("page times with %d streams:\n%s", perfStreams, strings.Join(report, "\n"))
	t.Logf("total %v", time.Since(start).Round(time.Millisecond))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
