package sqllineage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/lineage/sqllineage"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// eachStore runs fn against a fresh Store on SQLite and on PostgreSQL;
// trips counts the round trips to PostgreSQL (0 on SQLite).
func eachStore(t *testing.T, fn func(t *testing.T, st *sqllineage.Store, db *sqlstore.Store, trips *roundTrips)) {
	for _, e := range []struct {
		name   string
		target func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() }},
		{"postgres", storetest.PostgresSchema},
	} {
		t.Run(e.name, func(t *testing.T) {
			var trips roundTrips
			db, err := sqlstore.Open(t.Context(), e.target(t), sqlstore.WithQueryTracer(&trips))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			fn(t, sqllineage.New(db.DB()), db, &trips)
		})
	}
}

var t0 = time.UnixMilli(1700000000000).UTC()

func apiEdge(kind lineage.Kind, from, to string, fields ...string) lineage.Edge {
	return lineage.Edge{Kind: kind, From: from, To: to, Fields: fields, Sources: []lineage.Source{lineage.SourceAPI}, FirstSeen: t0, LastSeen: t0}
}

// TestPut: a write reports whether each edge was new and, on PostgreSQL,
// the rows of its pair as its transaction left them, keeps the first
// sighting, and
// records an audit entry for a new edge and a changed one, none for a
// sighting alone; on PostgreSQL in two round trips, whatever it writes.
func TestPut(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqllineage.Store, db *sqlstore.Store, trips *roundTrips) {
		ctx := context.Background()
		ol := apiEdge(lineage.Consumes, "orders", "billing", "total")
		ol.Sources = []lineage.Source{lineage.SourceOpenLineage}
		if _, err := st.Put(ctx, nil, ol); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name    string
			edges   []lineage.Edge
			created []bool
			rows    []string // of the first edge's pair: source and fields
		}{
			{"new", []lineage.Edge{apiEdge(lineage.Consumes, "orders", "billing", "id")}, []bool{true}, []string{"api [id]", "openlineage [total]"}},
			{"seen again", []lineage.Edge{apiEdge(lineage.Consumes, "orders", "billing", "id")}, []bool{false}, []string{"api [id]", "openlineage [total]"}},
			{"changed, and a new one", []lineage.Edge{apiEdge(lineage.Consumes, "orders", "billing", "id", "total"), apiEdge(lineage.DerivedFrom, "orders", "orders-eu")},
				[]bool{false, true}, []string{"api [id total]", "openlineage [total]"}},
			{"one edge twice", []lineage.Edge{apiEdge(lineage.Consumes, "orders", "ledger", "a"), apiEdge(lineage.Consumes, "orders", "ledger", "b")},
				[]bool{true, false}, []string{"api [b]"}},
		} {
			before := trips.n.Load()
			for i := range c.edges {
				c.edges[i].LastSeen = t0.Add(time.Hour)
				c.edges[i].FirstSeen = c.edges[i].LastSeen
			}
			w, err := st.Put(ctx, nil, c.edges...)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if db.DB().Postgres() {
				if n := trips.n.Load() - before; n != 2 {
					t.Errorf("%s: %d round trips, want 2", c.name, n)
				}
			}
			if !slices.Equal(w.Created, c.created) {
				t.Errorf("%s: created %v, want %v", c.name, w.Created, c.created)
			}
			if w.Rows == nil { // SQLite: the Service reads them after the commit
				continue
			}
			var rows []string
			for _, r := range w.Rows[0] {
				rows = append(rows, fmt.Sprintf("%s %v", r.Sources[0], r.Fields))
			}
			if !slices.Equal(rows, c.rows) {
				t.Errorf("%s: rows read back %q, want %q", c.name, rows, c.rows)
			}
			stored, err := st.Rows(ctx, c.edges[0].Kind, c.edges[0].From, c.edges[0].To)
			if err != nil {
				t.Fatal(err)
			}
			if len(stored) != len(w.Rows[0]) || fmt.Sprint(stored) != fmt.Sprint(w.Rows[0]) {
				t.Errorf("%s: read back %+v, stored %+v", c.name, w.Rows[0], stored)
			}
		}
		rows, err := st.Rows(ctx, lineage.Consumes, "orders", "billing")
		if err != nil {
			t.Fatal(err)
		}
		if !rows[0].FirstSeen.Equal(t0.Add(time.Hour)) {
			t.Errorf("first sighting %v, want the first write's", rows[0].FirstSeen)
		}
		entries, err := db.Audit().List(ctx, audit.Filter{Action: "lineage."})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, en := range entries {
			got = append(got, en.Action+" "+en.Target)
		}
		want := []string{
			"lineage.edge_update consumes orders -> ledger",
			"lineage.edge_create consumes orders -> ledger",
			"lineage.edge_create derived_from orders -> orders-eu",
			"lineage.edge_update consumes orders -> billing",
			"lineage.edge_create consumes orders -> billing",
			"lineage.edge_create consumes orders -> billing",
		}
		if !slices.Equal(got, want) {
			t.Errorf("audit %q, want %q", got, want)
		}
	})
}

// TestConcurrentWriters: writers racing for one new edge all succeed and
// it is created once; services racing to become the producer of a
// stream that has none are decided from the transaction: one wins, the
// others are refused, and a refused write leaves nothing behind.
func TestConcurrentWriters(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqllineage.Store, db *sqlstore.Store, _ *roundTrips) {
		ctx := context.Background()
		const writers = 8
		var (
			wg      sync.WaitGroup
			created atomic.Int32
			won     atomic.Int32
			errs    = make(chan error, 2*writers)
			// deciding: the producer checks under way. Each waits a moment
			// for the others to read too, so that without the lock on the
			// producers they would all find none.
			deciding atomic.Int32
		)
		for range writers {
			wg.Go(func() {
				w, err := st.Put(ctx, nil, apiEdge(lineage.Consumes, "orders", "billing", "id"))
				if err != nil {
					errs <- err
					return
				}
				if w.Created[0] {
					created.Add(1)
				}
			})
		}
		wg.Wait()
		for i := range writers {
			wg.Go(func() {
				me := fmt.Sprintf("svc%d", i)
				check := &lineage.Check{Producers: true, Decide: func(ps []string) error {
					deciding.Add(1)
					defer deciding.Add(-1)
					for end := time.Now().Add(50 * time.Millisecond); deciding.Load() < writers && time.Now().Before(end); {
						time.Sleep(time.Millisecond)
					}
					if len(ps) > 0 {
						return lineage.Errorf(lineage.ErrConflict, "%s produces it", ps[0])
					}
					return nil
				}}
				_, err := st.Put(ctx, check, apiEdge(lineage.Produces, me, "fresh"))
				switch {
				case err == nil:
					won.Add(1)
				case !errors.Is(err, lineage.ErrConflict):
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if created.Load() != 1 {
			t.Errorf("the edge was created %d times", created.Load())
		}
		all, err := st.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var producers int
		for _, e := range all {
			if e.Kind == lineage.Produces && e.To == "fresh" {
				producers++
			}
		}
		if won.Load() != 1 || producers != 1 || len(all) != 2 {
			t.Errorf("%d writers became the producer, %d produces edges stored, %d rows", won.Load(), producers, len(all))
		}
		// The connections the refused writes used serve the next write.
		for range writers {
			if _, err := st.Put(ctx, nil, apiEdge(lineage.Consumes, "orders", "ledger")); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// roundTrips is a pgx tracer counting round trips: each statement sent
// on its own and each batch count one.
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
