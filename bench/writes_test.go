package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry/sqlstore"
)

// The write benchmark (issue 17 item 2): new registrations — a new schema
// under a new subject each, so every one is a committed write that
// allocates an id and a version — from concurrent HTTP clients against
// whole stacks as accord serve wires them (registry, contracts policy,
// audit). On PostgreSQL two replicas share one database, each with its own
// caches and change feed, and the clients alternate between them; on
// SQLite one stack serves them all.
//
//	go test -run '^$' -bench Writes -benchtime 1x ./bench/
//
// It reports registrations per second, p50 and p99 latency, and on
// PostgreSQL the round trips and statements sent per registration (BEGIN
// and COMMIT included; a batch of statements is one round trip; a pgx
// tracer on every connection of both replicas).
// WRITES_CLIENTS (default 32) and WRITES_SECONDS (default 5, after a
// 1-second warm-up that is not counted) tune the run.
func BenchmarkWrites(b *testing.B) {
	clients := envInt("WRITES_CLIENTS", 32)
	secs := envInt("WRITES_SECONDS", 5)
	b.Run("sqlite", func(b *testing.B) {
		var trips, stmts atomic.Int64 // SQLite: in process, no round trips
		runWrites(b, []string{newWriteStack(b, b.TempDir(), false, countingTracer{&trips, &stmts})}, clients, secs, nil, nil)
	})
	b.Run("postgres-2-replicas", func(b *testing.B) {
		base := os.Getenv("ACCORD_TEST_DATABASE_URL")
		if base == "" {
			b.Skip("ACCORD_TEST_DATABASE_URL is not set")
		}
		target := benchDatabase(b, base)
		var trips, stmts atomic.Int64
		tr := countingTracer{&trips, &stmts}
		urls := []string{newWriteStack(b, target, true, tr), newWriteStack(b, target, true, tr)}
		runWrites(b, urls, clients, secs, &trips, &stmts)
	})
}

// newWriteStack starts a whole stack on target behind an HTTP server and
// returns its URL; tracer sees the statements its store sends.
func newWriteStack(b testing.TB, target string, watch bool, tracer pgx.QueryTracer) string {
	st := accordtest.New(b, target, accordtest.Options{
		Unowned:   contracts.UnownedOpen,
		Watch:     watch,
		LogWriter: io.Discard,
		Store:     []sqlstore.Option{sqlstore.WithQueryTracer(tracer)},
	})
	srv := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, Contracts: st.Contracts, Audit: st.Audit}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// runWrites registers new schemas from clients goroutines spread over
// urls: one second of warm-up, then secs seconds measured.
func runWrites(b *testing.B, urls []string, clients, secs int, trips, stmts *atomic.Int64) {
	run := randomHex(4)
	var (
		n       atomic.Uint64
		failed  atomic.Value
		measure atomic.Bool
		mu      sync.Mutex
		lat     []time.Duration
		wg      sync.WaitGroup
	)
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	stop := make(chan struct{})
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := urls[c%len(urls)]
			var mine []time.Duration
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := n.Add(1)
				body := fmt.Sprintf(`{"schema":"{\"type\":\"record\",\"name\":\"W%d\",\"namespace\":\"bench.w%s\",\"fields\":[{\"name\":\"f%d\",\"type\":\"string\"}]}"}`, i, run, i)
				start := time.Now()
				resp, err := client.Post(fmt.Sprintf("%s/subjects/w-%s-%d-value/versions", base, run, i), api.ContentType, bytes.NewReader([]byte(body)))
				if err != nil {
					failed.Store(err.Error())
					return
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Store(fmt.Sprintf("status %d: %s", resp.StatusCode, msg))
					return
				}
				if measure.Load() {
					mine = append(mine, time.Since(start))
				}
			}
		}()
	}
	time.Sleep(time.Second) // warm-up: connections, prepared statements
	var before, beforeStmts int64
	if trips != nil {
		before, beforeStmts = trips.Load(), stmts.Load()
	}
	measure.Store(true)
	start := time.Now()
	time.Sleep(time.Duration(secs) * time.Second)
	measure.Store(false)
	elapsed := time.Since(start)
	var after, afterStmts int64
	if trips != nil {
		after, afterStmts = trips.Load(), stmts.Load()
	}
	close(stop)
	wg.Wait()
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	if len(lat) == 0 {
		b.Fatal("no registration completed")
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "regs/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	if trips != nil {
		// Round trips and statements sent while measuring over
		// registrations finished meanwhile: close enough over thousands
		// of registrations.
		b.ReportMetric(float64(after-before)/float64(len(lat)), "trips/reg")
		b.ReportMetric(float64(afterStmts-beforeStmts)/float64(len(lat)), "stmts/reg")
	}
}

// countingTracer counts the round trips pgx makes (a statement sent on
// its own, or a batch: BEGIN and COMMIT included either way) in n, and
// the statements in stmts.
type countingTracer struct{ n, stmts *atomic.Int64 }

func (c countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	c.stmts.Add(1)
	return ctx
}

func (countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c countingTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c countingTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {
	c.stmts.Add(1)
}

func (countingTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// benchDatabase creates a database on the server at base for this run
// and drops it when the benchmark ends.
func benchDatabase(b testing.TB, base string) string {
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	name := "accord_bench_" + randomHex(6)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			b.Logf("dropping %s: %v", name, err)
		}
		admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	raw := make([]byte, n)
	_, _ = rand.Read(raw)
	return hex.EncodeToString(raw)
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
