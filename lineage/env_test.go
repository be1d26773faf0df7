package lineage

import (
	"context"
	"os"
	"testing"

	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/sqlcontracts"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// NewTestStore returns the Store the tests run on: package sqllineage's,
// installed by sqllineage_test.go (package lineage_test), since this
// package's own test files cannot import sqllineage (it imports lineage).
var NewTestStore func(db sqlstore.DB) Store

// env is the real stack a lineage Service runs on.
type env struct {
	db      sqlstore.DB
	svc     *Service
	reg     *registry.Registry
	streams *contracts.Service
	audit   *audit.Log
}

// eachEngine runs fn against a fresh env on SQLite and on PostgreSQL.
func eachEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, eng := range []struct {
		name   string
		target func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() }},
		{"postgres", storetest.PostgresSchema},
	} {
		t.Run(eng.name, func(t *testing.T) { fn(t, newEnv(t, eng.target(t))) })
	}
}

func newEnv(t testing.TB, target string, opts ...sqlstore.Option) *env {
	t.Helper()
	store, err := sqlstore.Open(context.Background(), target, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	reg := registry.New(store, nil, avro.Format{}, protobuf.Format{}, jsonschema.Format{})
	streams := contracts.NewService(sqlcontracts.New(store.DB()), reg, contracts.Options{})
	// MaxAge < 0: every query sees contract changes at once.
	svc := NewService(NewTestStore(store.DB()), streams, reg, Options{MaxAge: -1})
	return &env{db: store.DB(), svc: svc, reg: reg, streams: streams, audit: store.Audit()}
}

func (e *env) stream(t testing.TB, s contracts.Stream) {
	t.Helper()
	if s.EventType == "" {
		s.EventType = contracts.State
	}
	if _, err := e.streams.Create(context.Background(), s); err != nil {
		t.Fatalf("creating stream %s: %v", s.Name, err)
	}
}

func (e *env) edge(t testing.TB, kind Kind, from, to string, fields ...string) {
	t.Helper()
	if _, err := e.svc.PutEdge(context.Background(), Edge{Kind: kind, From: from, To: to, Fields: fields}); err != nil {
		t.Fatalf("edge %s %s -> %s: %v", kind, from, to, err)
	}
}

func (e *env) register(t testing.TB, subject, schema string) int {
	t.Helper()
	v, err := e.reg.Register(context.Background(), subject, registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: schema}})
	if err != nil {
		t.Fatalf("registering in %s: %v", subject, err)
	}
	return v.Version
}

type compatField = compat.Field

var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
