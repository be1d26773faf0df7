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
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
// It reports registrations per second, p50 and p99 latency, the CPU time
// per registration of this process (clients and servers) and on
// PostgreSQL of the database's backends serving it, and on
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
		runWrites(b, []string{newWriteStack(b, b.TempDir(), false, countingTracer{&trips, &stmts})}, clients, secs, nil, nil, nil)
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
		runWrites(b, urls, clients, secs, &trips, &stmts, backendsCPU(b, target))
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
func runWrites(b *testing.B, urls []string, clients, secs int, trips, stmts *atomic.Int64, dbCPU func() (all, feed time.Duration)) {
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
	cpu0 := processCPU()
	var db0, feed0 time.Duration
	if dbCPU != nil {
		db0, feed0 = dbCPU()
	}
	measure.Store(true)
	start := time.Now()
	time.Sleep(time.Duration(secs) * time.Second)
	measure.Store(false)
	elapsed := time.Since(start)
	cpu1 := processCPU()
	var db1, feed1 time.Duration
	if dbCPU != nil {
		db1, feed1 = dbCPU()
	}
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
	// CPU per registration: this process (the clients and the servers),
	// and on PostgreSQL the backends serving the benchmark's database.
	// Unlike the rate, it hardly depends on what else the machine runs.
	b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1000/float64(len(lat)), "cpu-ms/reg")
	if dbCPU != nil {
		b.ReportMetric(float64((db1-db0).Microseconds())/1000/float64(len(lat)), "db-cpu-ms/reg")
		// Of which the backends of the change feeds' LISTEN connections.
		b.ReportMetric(float64((feed1-feed0).Microseconds())/1000/float64(len(lat)), "feed-db-cpu-ms/reg")
	}
	if trips != nil {
		// Round trips and statements sent while measuring over
		// registrations finished meanwhile: close enough over thousands
		// of registrations.
		b.ReportMetric(float64(after-before)/float64(len(lat)), "trips/reg")
		b.ReportMetric(float64(afterStmts-beforeStmts)/float64(len(lat)), "stmts/reg")
	}
}

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendsCPU returns a function that sums the CPU time of the
// PostgreSQL backends connected to the database at target, from
// /proc/PID/stat (a server on this machine; 0 when it cannot tell), and
// that of the change feeds' LISTEN connections among them. The backends
// are the replicas' pooled connections, which live through the
// measurement.
func backendsCPU(b testing.TB, target string) func() (all, feed time.Duration) {
	db, err := sql.Open("pgx", target)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	tick := 100.0 // USER_HZ, as on Linux
	return func() (all, feed time.Duration) {
		rows, err := db.Query(`SELECT pid, lower(left(query, 6)) = 'listen' FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
		if err != nil {
			return 0, 0
		}
		defer rows.Close()
		var total, listeners float64
		for rows.Next() {
			var (
				pid    int
				listen bool
			)
			if rows.Scan(&pid, &listen) != nil {
				continue
			}
			raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				continue
			}
			// Fields after the command's closing parenthesis: utime and
			// stime are the 12th and 13th.
			f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
			if len(f) < 13 {
				continue
			}
			u, _ := strconv.ParseFloat(f[11], 64)
			s, _ := strconv.ParseFloat(f[12], 64)
			total += (u + s) / tick
			if listen {
				listeners += (u + s) / tick
			}
		}
		return time.Duration(total * float64(time.Second)), time.Duration(listeners * float64(time.Second))
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
