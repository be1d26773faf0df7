package registry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/protobuf"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

// queryCounter counts the store's database calls (sqlstore.Observer).
type queryCounter struct{ calls atomic.Int64 }

func (q *queryCounter) Query(string, time.Duration, error) { q.calls.Add(1) }
func (q *queryCounter) StartSpan(ctx context.Context, _ string) (context.Context, func(error)) {
	return ctx, func(error) {}
}
func (q *queryCounter) Transaction(time.Duration, error) {}
func (q *queryCounter) FeedUp(bool)                      {}
func (q *queryCounter) FeedReconnect()                   {}
func (q *queryCounter) FeedLag(time.Duration)            {}

// engines are the stores the registry's tests run on: SQLite in a
// folder, and PostgreSQL when the run has one.
var engines = []struct {
	name   string
	target func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return t.TempDir() }},
	{"postgres", storetest.PostgresSchema},
}

// runFeed runs r's change feed until t ends; with wait (PostgreSQL) it
// returns once the feed listens: its first notice drops every cached
// view, so counts taken before it would count a view read twice.
func runFeed(t *testing.T, r *registry.Registry, wait bool) {
	t.Helper()
	listening := make(chan struct{})
	var once sync.Once
	r.OnChange(func(c registry.Change) {
		if c == (registry.Change{}) {
			once.Do(func() { close(listening) })
		}
	})
	runCtx, stop := context.WithCancel(t.Context())
	t.Cleanup(stop)
	go r.Run(runCtx)
	if !wait {
		return
	}
	select {
	case <-listening:
	case <-time.After(10 * time.Second):
		t.Fatal("the change feed did not start listening in 10 s")
	}
}

// orderVersion is version v of an Avro subject whose versions each add
// an optional field.
func orderVersion(v int) string {
	fields := `{"name":"id","type":"string"}`
	for f := 2; f <= v; f++ {
		fields += fmt.Sprintf(`,{"name":"f%d","type":["null","string"],"default":null}`, f)
	}
	return fmt.Sprintf(`{"type":"record","name":"Order","fields":[%s]}`, fields)
}

// TestLookupMissIsOneQuery: looking up, on a replica whose caches hold
// nothing of the subject, a schema the subject does not hold costs one
// database statement (sqlstore's SubjectState: counter, versions, their
// schemas, the subject's settings), where it cost ~13 at scale; the
// lookups that follow are answered from memory. On PostgreSQL the
// replica keeps serving what another replica writes (the view read in one
// statement is invalidated by the change feed like any other).
func TestLookupMissIsOneQuery(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := t.Context()
			target := e.target(t)
			log := slog.New(slog.DiscardHandler)
			open := func(o sqlstore.Observer) *sqlstore.Store {
				opts := []sqlstore.Option{sqlstore.WithLogger(log)}
				if o != nil {
					opts = append(opts, sqlstore.WithObserver(o))
				}
				s, err := sqlstore.Open(ctx, target, opts...)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
			writerStore := open(nil)
			writer := registry.New(writerStore, log, avro.Format{})
			const versions = 10
			for v := 1; v <= versions; v++ {
				if _, err := writer.Register(ctx, "orders-value", reg1(orderVersion(v))); err != nil {
					t.Fatalf("version %d: %v", v, err)
				}
			}
			if _, err := writer.Register(ctx, "other-value", reg1(orderVersion(1))); err != nil {
				t.Fatal(err)
			}

			var qc queryCounter
			readerStore := writerStore
			if e.name == "postgres" {
				readerStore = open(&qc) // a second replica, with its change feed
			} else {
				// SQLite serves one process: the same folder opened
				// again, counting, and one registry writing and reading.
				writerStore.Close()
				readerStore = open(&qc)
			}
			reader := registry.New(readerStore, log, avro.Format{})
			if e.name == "sqlite" {
				writer = reader
			}
			// On PostgreSQL the feed's first notice (once it listens) drops
			// every cached view: the counts below start after it, or a
			// view read before it would be read again.
			runFeed(t, reader, e.name == "postgres")

			// Warm what every subject shares (the context-wide config).
			if _, err := reader.Lookup(ctx, "other-value", registry.SchemaInput{Schema: orderVersion(1)}, false, false); err != nil {
				t.Fatal(err)
			}
			unseen := orderVersion(versions + 1)
			before := qc.calls.Load()
			_, err := reader.Lookup(ctx, "orders-value", registry.SchemaInput{Schema: unseen}, false, false)
			if !errors.Is(err, registry.ErrSchemaNotFound) {
				t.Fatalf("lookup of an unseen schema: %v, want ErrSchemaNotFound", err)
			}
			if got := qc.calls.Load() - before; got != 1 {
				t.Fatalf("lookup of an unseen schema on a cold subject: %d database calls, want 1", got)
			}
			before = qc.calls.Load()
			for _, v := range []int{3, versions} {
				got, err := reader.Lookup(ctx, "orders-value", registry.SchemaInput{Schema: orderVersion(v)}, false, false)
				if err != nil || got.Version != v || got.Schema == nil || got.Schema.Schema == "" {
					t.Fatalf("lookup of version %d: %+v, %v", v, got, err)
				}
			}
			if got := qc.calls.Load() - before; got != 0 {
				t.Fatalf("lookups of held schemas after the view was read: %d database calls, want 0", got)
			}

			// Another replica (or, on SQLite, this process) registers the
			// schema looked up: the reader finds it.
			if _, err := writer.Register(ctx, "orders-value", reg1(unseen)); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				got, err := reader.Lookup(ctx, "orders-value", registry.SchemaInput{Schema: unseen}, false, false)
				if err == nil && got.Version == versions+1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the reader does not see version %d registered by the writer: %+v, %v", versions+1, got, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// TestUnseenProtobufLookupParsesStoredVersionsOnce: a lookup of a
// Protobuf schema the subject does not hold compares its equivalence key
// with every version's (a stored text may be another spelling of the same
// schema). The subject's view keeps those keys, so with a parsed cache
// too small to keep anything (as in a large registry) the next such
// lookup parses only its request, not every stored version again.
func TestUnseenProtobufLookupParsesStoredVersionsOnce(t *testing.T) {
	ctx := t.Context()
	store, err := sqlstore.Open(ctx, t.TempDir(), sqlstore.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	f := &countingFormat{Format: protobuf.Format{}}
	reg := registry.New(store, slog.New(slog.DiscardHandler), f)
	reg.SetCacheSizes(registry.CacheSizes{ParsedBytes: 1})
	proto := func(fields int) string {
		s := "syntax = \"proto3\";\npackage acme;\n\nmessage Order {\n  string id = 1;\n"
		for i := 2; i <= fields; i++ {
			s += fmt.Sprintf("  string f%d = %d;\n", i, i)
		}
		return s + "}\n"
	}
	const versions = 5
	for v := 1; v <= versions; v++ {
		if _, err := reg.Register(ctx, "orders-value", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: proto(v), SchemaType: "PROTOBUF"}}); err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
	}
	unseen := registry.SchemaInput{Schema: proto(versions + 1), SchemaType: "PROTOBUF"}
	for i, want := range []int64{1 + versions, 1} {
		before := f.parses.Load()
		if _, err := reg.Lookup(ctx, "orders-value", unseen, false, false); !errors.Is(err, registry.ErrSchemaNotFound) {
			t.Fatalf("lookup %d: %v, want ErrSchemaNotFound", i+1, err)
		}
		if got := f.parses.Load() - before; got != want {
			t.Fatalf("lookup %d of an unseen schema: %d parses, want %d", i+1, got, want)
		}
	}
	// The same schema spelled otherwise (other spacing) is found.
	spelled := registry.SchemaInput{Schema: strings.ReplaceAll(proto(3), "  ", "    "), SchemaType: "PROTOBUF"}
	if got, err := reg.Lookup(ctx, "orders-value", spelled, false, false); err != nil || got.Version != 3 {
		t.Fatalf("lookup of version 3 spelled otherwise: %+v, %v", got, err)
	}
}

// TestNewSubjectRegistrationReadsOnce: the API resolves a subject's alias
// before every registration, and that read (counters, settings and the
// subject's versions, none for a new subject) leaves the subject's view
// cached, so the registration goes to its transaction reading nothing
// more: alias resolution and registration together cost what a
// registration alone costs. (It cost one statement more: the
// registration read the subject again for its view.)
func TestNewSubjectRegistrationReadsOnce(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := t.Context()
			log := slog.New(slog.DiscardHandler)
			var qc queryCounter
			s, err := sqlstore.Open(ctx, e.target(t), sqlstore.WithLogger(log), sqlstore.WithObserver(&qc))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			r := registry.New(s, log, avro.Format{})
			runFeed(t, r, e.name == "postgres")
			// Warm what every subject shares (the context's settings).
			if _, err := r.Register(ctx, "first-value", reg1(orderVersion(1))); err != nil {
				t.Fatal(err)
			}
			calls := func(f func()) int64 {
				before := qc.calls.Load()
				f()
				return qc.calls.Load() - before
			}
			register := func(subject string, v int) { // a new schema each
				if _, err := r.Register(ctx, subject, reg1(orderVersion(v))); err != nil {
					t.Fatal(err)
				}
			}
			alone := calls(func() { register("alone-value", 2) })
			var resolve int64
			both := calls(func() {
				resolve = calls(func() {
					if _, err := r.ResolveAlias(ctx, "resolved-value", false); err != nil {
						t.Fatal(err)
					}
				})
				register("resolved-value", 3)
			})
			if resolve != 1 {
				t.Errorf("resolving the alias of a new subject: %d statements, want 1", resolve)
			}
			if both != alone {
				t.Errorf("alias resolution and registration: %d statements; a registration alone: %d", both, alone)
			}
		})
	}
}
