package lineage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

// Size of the benchmark graphs: 10,000 streams, 2,000 services, 50,000
// edges.
const benchStreams, benchServices, benchEdges = 10_000, 2_000, 50_000

var benchPaths = []string{"id", "name", "email", "age", "address", "address.street", "address.city"}

func benchStream(i int) string { return fmt.Sprintf("s%05d", i) }

// benchFill adds consumers of random streams, each declaring two field
// paths, until out holds benchEdges edges; every edge is stamped with
// src and now.
func benchFill(out []Edge, r *rand.Rand, src Source, now time.Time) []Edge {
	for i := range out {
		out[i].Sources, out[i].FirstSeen, out[i].LastSeen = []Source{src}, now, now
	}
	seen := map[edgeKey]bool{}
	for len(out) < benchEdges {
		e := Edge{Kind: Consumes, From: benchStream(r.IntN(benchStreams)), To: fmt.Sprintf("svc%04d", r.IntN(benchServices)),
			Fields:  normalizeFields([]string{benchPaths[r.IntN(len(benchPaths))], benchPaths[r.IntN(len(benchPaths))]}),
			Sources: []Source{src}, FirstSeen: now, LastSeen: now}
		if !seen[e.key()] {
			seen[e.key()] = true
			out = append(out, e)
		}
	}
	return out
}

// benchGraph is the size the issue asks for: 10,000 streams and 50,000
// edges. Every stream has a producer (10,000 edges); streams form a
// binary derivation tree under s00000 (9,999 edges), so the root reaches
// the whole graph, the worst case; the remaining 30,001 edges are
// consumers, each declaring two field paths.
func benchGraph() []Edge {
	var out []Edge
	for i := range benchStreams {
		out = append(out, Edge{Kind: Produces, From: fmt.Sprintf("svc%04d", i%benchServices), To: benchStream(i)})
		if i > 0 {
			out = append(out, Edge{Kind: DerivedFrom, From: benchStream((i - 1) / 2), To: benchStream(i)})
		}
	}
	return benchFill(out, rand.New(rand.NewPCG(1, 2)), SourceAPI, time.Now().UTC())
}

// BenchmarkImpact is one impact query on the root of the benchmark
// graph: parse the proposal (as a repeated request, cached), read the
// latest registered schema, diff the fields and walk all 10,000 streams
// and 30,001 consumers with field matching. Its sub-benchmark walk=previous
// runs the same query with the walk this one replaced (impactBaseline),
// so the two compare in one run on a noisy machine.
func BenchmarkImpact(b *testing.B) { benchImpact(b, benchGraph(), 30_001) }

// benchImpact measures the impact of userV2 on s00000 over edges, which
// must reach every stream and consumers readers, with the current walk
// and the previous one.
func benchImpact(b *testing.B, edges []Edge, consumers int) {
	e := newEnv(b, b.TempDir())
	e.register(b, "s00000-value", userV1)
	ix := buildIndex(edges, nil, time.Now().UTC())
	if len(ix.edges) != benchEdges {
		b.Fatalf("%d edges", len(ix.edges))
	}
	e.svc.opts.MaxAge = time.Hour
	ix.gen.Store(e.svc.localGen())
	e.svc.cur.Store(ix)
	ctx := context.Background()
	req := ImpactRequest{Schema: registry.SchemaInput{Schema: userV2}}
	for _, walk := range []struct {
		name string
		fn   func(*index, string, []FieldChange) Impact
	}{{"now", (*index).impact}, {"previous", (*index).impactBaseline}} {
		b.Run("walk="+walk.name, func(b *testing.B) {
			e.svc.walk = walk.fn
			defer func() { e.svc.walk = nil }()
			imp, err := e.svc.Impact(ctx, "s00000", req)
			if err != nil {
				b.Fatal(err)
			}
			if len(imp.DerivedStreams) != benchStreams-1 || len(imp.Consumers) != consumers {
				b.Fatalf("reached %d streams and %d consumers", len(imp.DerivedStreams), len(imp.Consumers))
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for b.Loop() {
				if _, err := e.svc.Impact(ctx, "s00000", req); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu, "cpu-ms/op")
		})
	}
}

// BenchmarkIndexBuild is what a reload costs in memory (the SQL read
// comes on top).
func BenchmarkIndexBuild(b *testing.B) {
	edges := benchGraph()
	b.ReportAllocs()
	for b.Loop() {
		buildIndex(edges, nil, time.Now())
	}
}

// jobBenchGraph is benchGraph's size with its derivations made by jobs:
// each stream but the root is written by a job reading its parent (half
// of the jobs say by column lineage which parent field each field comes
// from, renaming none), so a walk from the root crosses 9,999 job hops.
// 10,000 produces + 9,999 job reads + 9,999 job writes, the rest
// consumers: 50,000 edges.
func jobBenchGraph() []Edge {
	var out []Edge
	for i := 1; i < benchStreams; i++ {
		job := &JobRef{Namespace: "flink-jobs", Name: fmt.Sprintf("job%05d", i), Owner: fmt.Sprintf("svc%04d", i%benchServices)}
		out = append(out, Edge{Kind: Consumes, From: benchStream((i - 1) / 2), To: job.Key(), Job: job, Fields: benchPaths})
		w := Edge{Kind: Produces, From: job.Key(), To: benchStream(i), Job: job}
		if i%2 == 0 {
			for _, p := range benchPaths {
				w.ColumnLineage = append(w.ColumnLineage, Derivation{Field: p, Inputs: []FieldRef{{Stream: benchStream((i - 1) / 2), Field: p}}})
			}
		}
		out = append(out, w)
	}
	out = append(out, Edge{Kind: Produces, From: "svc0000", To: benchStream(0)})
	return benchFill(out, rand.New(rand.NewPCG(3, 4)), SourceOpenLineage, time.Now().UTC())
}

// BenchmarkImpactThroughJobs is BenchmarkImpact on jobBenchGraph: the
// impact of a change at the root reaches every stream through a chain of
// jobs, and every job and consumer (40,000 readers).
func BenchmarkImpactThroughJobs(b *testing.B) {
	benchImpact(b, jobBenchGraph(), benchEdges-benchStreams)
}

// BenchmarkEdgeWrite is one declared edge written through PutEdge (its
// transaction, audit entry and the index brought up to date) on a graph
// of 10,000 streams and 50,000 stored edges, on SQLite and, with
// ACCORD_TEST_DATABASE_URL set, PostgreSQL. Its sub-benchmark
// index=reload adds the full reload every write used to cost (the next
// query or write rebuilt the whole index), so the two compare in one run;
// index=incremental,kind=produces writes produces edges of new streams,
// whose check reads the stream's producers under their lock. On
// PostgreSQL it reports the round trips per edge (rt/edge: statements
// sent one by one, BEGIN and COMMIT included, and batches, each one
// round trip), counted by a pgx tracer on the store's connections.
func BenchmarkEdgeWrite(b *testing.B) {
	targets := []struct{ name, target string }{{"sqlite", b.TempDir()}}
	if base := os.Getenv(storetest.DatabaseURLEnv); base != "" {
		// postgres,sync=off: the same without waiting for the WAL flush at
		// commit (synchronous_commit off for the benchmark's connections),
		// which shows the round trips and the server's work apart from the
		// disk, whose flush time other tenants of a shared machine vary.
		targets = append(targets, struct{ name, target string }{"postgres", benchSchema(b, base)},
			struct{ name, target string }{"postgres,sync=off", benchSchema(b, base) + "&synchronous_commit=off"})
	}
	for _, tg := range targets {
		b.Run("store="+tg.name, func(b *testing.B) {
			var trips roundTrips
			e := newEnv(b, tg.target, sqlstore.WithQueryTracer(&trips))
			ctx := context.Background()
			benchSeed(b, e, benchGraph())
			e.svc.opts.MaxAge = time.Hour
			if err := e.svc.Reload(ctx); err != nil {
				b.Fatal(err)
			}
			if strings.HasPrefix(tg.name, "postgres") {
				// The least a durable write costs on this server: one
				// statement in its own transaction (one round trip and a
				// WAL flush), measured in the same run.
				b.Run("floor=commit", func(b *testing.B) {
					if _, err := e.db.Write.Exec(`CREATE TABLE IF NOT EXISTS bench_floor (n BIGINT)`); err != nil {
						b.Fatal(err)
					}
					for b.Loop() {
						if _, err := e.db.Write.Exec(`INSERT INTO bench_floor (n) VALUES (1)`); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/edge")
				})
			}
			n := 0
			for _, mode := range []string{"incremental", "reload", "incremental,kind=produces"} {
				b.Run("index="+mode, func(b *testing.B) {
					cpu := cpuTime()
					trips0 := trips.n.Load()
					for b.Loop() {
						n++
						edge := Edge{Kind: Consumes, From: benchStream(n % benchStreams), To: fmt.Sprintf("writer%06d", n), Fields: []string{"id", "address.city"}}
						if strings.HasSuffix(mode, "produces") {
							edge = Edge{Kind: Produces, From: fmt.Sprintf("writer%06d", n), To: fmt.Sprintf("new%06d", n)}
						}
						if _, err := e.svc.PutEdge(ctx, edge); err != nil {
							b.Fatal(err)
						}
						if mode == "reload" {
							if err := e.svc.Reload(ctx); err != nil {
								b.Fatal(err)
							}
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/edge")
					if strings.HasPrefix(tg.name, "postgres") && mode != "reload" {
						b.ReportMetric(float64(trips.n.Load()-trips0)/float64(b.N), "rt/edge")
					}
					reportCPU(b, cpu, "cpu-ms/edge") // this process's; the database server's comes on top on PostgreSQL
				})
			}
			// The writes left the index as a rebuild makes it.
			want := buildIndex(must(e.svc.store.All(ctx)), nil, time.Now())
			if got := e.svc.cur.Load(); len(got.byKey) != len(want.byKey) {
				b.Fatalf("%d edges in the index, %d stored", len(got.byKey), len(want.byKey))
			}
		})
	}
}

// roundTrips is a pgx tracer counting round trips to the server: each
// statement sent on its own and each batch (a pipeline) counts one.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}

func (*roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}

func (*roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (*roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// reportCPU reports the CPU time the process used since start, per
// iteration, in milliseconds (GC included: it is part of the cost).
func reportCPU(b *testing.B, start time.Duration, unit string) {
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/1000/float64(b.N), unit)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// benchSeed stores edges as rows, many to a statement, without the
// audit entries a write through the Service adds: seeding 50,000 edges
// one write at a time would take longer than the benchmark.
func benchSeed(b *testing.B, e *env, edges []Edge) {
	db := e.db
	tx, err := db.Write.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	const batch = 500
	for i := 0; i < len(edges); i += batch {
		chunk := edges[i:min(i+batch, len(edges))]
		// The columns of migrations 0007 and 0010, stored as sqllineage stores them.
		q := `INSERT INTO lineage_edges (kind, from_node, to_node, source, fields, schema_version, drift, first_seen, last_seen, job, column_lineage) VALUES ` +
			strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?),`, len(chunk))
		var args []any
		for _, e := range chunk {
			args = append(args, string(e.Kind), e.From, e.To, string(e.Sources[0]), seedJSON(e.Fields), nil, nil,
				e.FirstSeen.UnixMilli(), e.LastSeen.UnixMilli(), seedJSON(e.Job), seedJSON(e.ColumnLineage))
		}
		if _, err := tx.Exec(db.Rebind(strings.TrimSuffix(q, ",")), args...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if db.Postgres() {
		// What autovacuum does soon after a bulk load: without statistics
		// the planner reads a stream's producers through the primary key
		// (all produces edges) instead of the to_node index.
		if _, err := db.Write.Exec(`ANALYZE lineage_edges`); err != nil {
			b.Fatal(err)
		}
	}
}

// seedJSON is v as a JSON column: NULL when nil or empty.
func seedJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	if s := string(b); s != "null" && s != "[]" {
		return s
	}
	return nil
}

// benchSchema makes an empty PostgreSQL schema for a benchmark on the
// server at base (storetest hands schemas out to tests only) and drops it
// afterwards.
func benchSchema(b *testing.B, base string) string {
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	schema := fmt.Sprintf("bench_lineage_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			b.Errorf("dropping schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
