package registry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

// TestMain creates the run's PostgreSQL database when
// ACCORD_TEST_DATABASE_URL is set (storetest.Main), so the rule tables
// below run on both stores.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// eachStore runs fn on a fresh registry over SQLite and, when
// ACCORD_TEST_DATABASE_URL is set, over PostgreSQL. The registry's store
// counts what registrations ask of it (countingStore).
func eachStore(t *testing.T, fn func(t *testing.T, r *registry.Registry, s *countingStore)) {
	t.Helper()
	engines := []struct {
		name   string
		target func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() }},
		{"postgres", storetest.PostgresSchema},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			store, err := sqlstore.Open(context.Background(), e.target(t), sqlstore.WithLogger(slog.New(slog.DiscardHandler)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			cs := &countingStore{Store: store}
			fn(t, registry.New(cs, slog.New(slog.NewTextHandler(io.Discard, nil)), avro.Format{}), cs)
		})
	}
}

// Schemas of the rule tables: Order v1, then a field added without a
// default (BACKWARD-incompatible), with one (compatible), another with one.
const (
	s1      = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
	sNoDef  = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"n","type":"int"}]}`
	sDef    = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"n","type":"int","default":0}]}`
	sDef2   = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"note","type":"string","default":""}]}`
	refEnum = `{"type":"enum","name":"Currency","namespace":"acme","symbols":["EUR","USD"]}`
	refUser = `{"type":"record","name":"Pay","namespace":"acme","fields":[{"name":"c","type":"acme.Currency"}]}`
)

// A step is one call and what it must answer: got rendered as a string
// (want), or an error of kind err.
type step struct {
	do   func(ctx context.Context, r *registry.Registry) (string, error)
	want string
	err  error
}

func reg(subject, schema string) func(context.Context, *registry.Registry) (string, error) {
	return regAs(subject, registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: schema}})
}

// regID registers with a caller-chosen id and version (IMPORT).
func regID(subject, schema string, id int64, version int) func(context.Context, *registry.Registry) (string, error) {
	return regAs(subject, registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: schema}, ID: id, Version: version})
}

func regAs(subject string, req registry.RegisterRequest) func(context.Context, *registry.Registry) (string, error) {
	return func(ctx context.Context, r *registry.Registry) (string, error) {
		v, err := r.Register(ctx, subject, req)
		return fmt.Sprintf("v%d id%d", v.Version, idOf(v)), err
	}
}

func idOf(v registry.SchemaVersion) int64 {
	if v.Schema == nil {
		return 0
	}
	return v.Schema.ID
}

func setConfig(subject string, level compat.Level) func(context.Context, *registry.Registry) (string, error) {
	return func(ctx context.Context, r *registry.Registry) (string, error) {
		c, err := r.SetConfig(ctx, subject, registry.Config{Compatibility: level})
		return string(c.Compatibility), err
	}
}

func deleteConfig(subject string) func(context.Context, *registry.Registry) (string, error) {
	return func(ctx context.Context, r *registry.Registry) (string, error) {
		c, err := r.DeleteConfig(ctx, subject)
		return string(c.Compatibility), err
	}
}

// effectiveConfig is the level that applies to subject (defaultToGlobal).
func effectiveConfig(subject string) func(context.Context, *registry.Registry) (string, error) {
	return func(ctx context.Context, r *registry.Registry) (string, error) {
		c, err := r.GetConfig(ctx, subject, true)
		return string(c.Compatibility), err
	}
}

func setMode(subject, mode string, force bool) func(context.Context, *registry.Registry) (string, error) {
	return func(ctx context.Context, r *registry.Registry) (string, error) {
		return r.SetMode(ctx, subject, mode, force)
	}
}

func effectiveMode(subject string) func(context.Context, *registry.Registry) (string, error) {
	return func(ctx context.Context, r *registry.Registry) (string, error) {
		return r.GetMode(ctx, subject, true)
	}
}

func deleteVersion(subject string, version int, permanent bool) func(context.Context, *registry.Registry) (string, error) {
	return func(ctx context.Context, r *registry.Registry) (string, error) {
		v, err := r.DeleteVersion(ctx, subject, version, permanent)
		return fmt.Sprint(v), err
	}
}

func deleteSubject(subject string, permanent bool) func(context.Context, *registry.Registry) (string, error) {
	return func(ctx context.Context, r *registry.Registry) (string, error) {
		vs, err := r.DeleteSubject(ctx, subject, permanent)
		return fmt.Sprint(vs), err
	}
}

func versions(subject string, includeDeleted bool) func(context.Context, *registry.Registry) (string, error) {
	return func(ctx context.Context, r *registry.Registry) (string, error) {
		vs, err := r.Versions(ctx, subject, includeDeleted)
		return fmt.Sprint(vs), err
	}
}

func lookup(subject, schema string, includeDeleted bool) func(context.Context, *registry.Registry) (string, error) {
	return func(ctx context.Context, r *registry.Registry) (string, error) {
		v, err := r.Lookup(ctx, subject, registry.SchemaInput{Schema: schema}, false, includeDeleted)
		return fmt.Sprintf("v%d id%d", v.Version, idOf(v)), err
	}
}

func regWithRef(subject, schema, refSubject string, refVersion int) func(context.Context, *registry.Registry) (string, error) {
	return regAs(subject, registry.RegisterRequest{SchemaInput: registry.SchemaInput{
		Schema:     schema,
		References: []registry.Reference{{Name: "acme.Currency", Subject: refSubject, Version: refVersion}},
	}})
}

// runSteps runs a rule table's case: each step in order, on one registry.
func runSteps(t *testing.T, r *registry.Registry, steps []step) {
	t.Helper()
	ctx := context.Background()
	for i, s := range steps {
		got, err := s.do(ctx, r)
		switch {
		case s.err != nil && !errors.Is(err, s.err):
			t.Fatalf("step %d: got %q, %v; want error %v", i+1, got, err, s.err)
		case s.err == nil && err != nil:
			t.Fatalf("step %d: %v", i+1, err)
		case s.err == nil && got != s.want:
			t.Fatalf("step %d: got %q, want %q", i+1, got, s.want)
		}
	}
}

type ruleCase struct {
	name  string
	steps []step
}

func runRules(t *testing.T, cases []ruleCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each case has its own stores; PostgreSQL's migrations dominate
			eachStore(t, func(t *testing.T, r *registry.Registry, _ *countingStore) { runSteps(t, r, tc.steps) })
		})
	}
}

// TestInheritance: which compatibility level and mode apply to a
// subject, as Confluent resolves them (subject, then its context, then
// .__GLOBAL, then the default context, then BACKWARD / READWRITE), and
// that registrations decide by the level that applies.
func TestInheritance(t *testing.T) {
	runRules(t, []ruleCase{
		{"the built-in BACKWARD refuses a field without a default", []step{
			{do: reg("orders-value", s1), want: "v1 id1"},
			{do: effectiveConfig("orders-value"), want: "BACKWARD"},
			{do: reg("orders-value", sNoDef), err: registry.ErrIncompatible},
			{do: reg("orders-value", sDef), want: "v2 id2"},
		}},
		{"a subject's level overrides the built-in one", []step{
			{do: setConfig("orders-value", compat.None), want: "NONE"},
			{do: reg("orders-value", s1), want: "v1 id1"},
			{do: reg("orders-value", sNoDef), want: "v2 id2"},
		}},
		{"the global level applies to subjects without their own", []step{
			{do: setConfig("", compat.None), want: "NONE"},
			{do: effectiveConfig("orders-value"), want: "NONE"},
			{do: reg("orders-value", s1), want: "v1 id1"},
			{do: reg("orders-value", sNoDef), want: "v2 id2"},
		}},
		{"a subject's level beats the global one", []step{
			{do: setConfig("", compat.None), want: "NONE"},
			{do: setConfig("orders-value", compat.Full), want: "FULL"},
			{do: reg("orders-value", s1), want: "v1 id1"},
			{do: reg("orders-value", sNoDef), err: registry.ErrIncompatible},
			{do: reg("other-value", s1), want: "v1 id1"},
			{do: reg("other-value", sNoDef), want: "v2 id2"},
		}},
		{"deleting a subject's level falls back to the global one", []step{
			{do: setConfig("orders-value", compat.None), want: "NONE"},
			{do: deleteConfig("orders-value"), want: "NONE"},
			{do: effectiveConfig("orders-value"), want: "BACKWARD"},
			{do: reg("orders-value", s1), want: "v1 id1"},
			{do: reg("orders-value", sNoDef), err: registry.ErrIncompatible},
		}},
		{"a context's level applies to its subjects only", []step{
			{do: setConfig(":.team:", compat.None), want: "NONE"},
			{do: effectiveConfig(":.team:orders-value"), want: "NONE"},
			{do: effectiveConfig("orders-value"), want: "BACKWARD"},
			{do: reg(":.team:orders-value", s1), want: "v1 id1"},
			{do: reg(":.team:orders-value", sNoDef), want: "v2 id2"},
		}},
		{"the default context's level applies in other contexts", []step{
			{do: setConfig("", compat.None), want: "NONE"},
			{do: effectiveConfig(":.team:orders-value"), want: "NONE"},
			{do: reg(":.team:orders-value", s1), want: "v1 id1"},
			{do: reg(":.team:orders-value", sNoDef), want: "v2 id2"},
		}},
		{".__GLOBAL applies everywhere; a context's own level beats it", []step{
			{do: setConfig(":.__GLOBAL:", compat.None), want: "NONE"},
			{do: effectiveConfig("orders-value"), want: "NONE"},
			{do: effectiveConfig(":.team:orders-value"), want: "NONE"},
			{do: setConfig(":.team:", compat.Full), want: "FULL"},
			{do: effectiveConfig(":.team:orders-value"), want: "FULL"},
			{do: reg("orders-value", s1), want: "v1 id1"},
			{do: reg("orders-value", sNoDef), want: "v2 id2"},
			{do: reg(":.team:orders-value", s1), want: "v1 id1"},
			{do: reg(":.team:orders-value", sNoDef), err: registry.ErrIncompatible},
		}},
		{"ids are per context", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: reg("b-value", sDef), want: "v1 id2"},
			{do: reg(":.team:a-value", sDef), want: "v1 id1"},
			{do: reg("c-value", s1), want: "v1 id1"}, // same schema, same id
		}},
		{"a global READONLY refuses registrations", []step{
			{do: setMode("", registry.ModeReadOnly, false), want: registry.ModeReadOnly},
			{do: effectiveMode("orders-value"), want: registry.ModeReadOnly},
			{do: reg("orders-value", s1), err: registry.ErrOperationNotPermitted},
		}},
		{"a subject's READWRITE beats a global READONLY", []step{
			{do: setMode("", registry.ModeReadOnly, false), want: registry.ModeReadOnly},
			{do: setMode("orders-value", registry.ModeReadWrite, false), want: registry.ModeReadWrite},
			{do: effectiveMode("orders-value"), want: registry.ModeReadWrite},
			{do: reg("orders-value", s1), want: "v1 id1"},
			{do: reg("other-value", s1), err: registry.ErrOperationNotPermitted},
		}},
		{"a global READONLY_OVERRIDE beats a subject's READWRITE", []step{
			{do: setMode("orders-value", registry.ModeReadWrite, false), want: registry.ModeReadWrite},
			{do: setMode("", registry.ModeReadOnlyOverride, false), want: registry.ModeReadOnlyOverride},
			{do: effectiveMode("orders-value"), want: registry.ModeReadOnlyOverride},
			{do: reg("orders-value", s1), err: registry.ErrOperationNotPermitted},
			{do: setConfig("orders-value", compat.None), err: registry.ErrOperationNotPermitted},
			{do: setMode("", registry.ModeReadWrite, false), want: registry.ModeReadWrite},
			{do: reg("orders-value", s1), want: "v1 id1"},
		}},
		{"a .__GLOBAL READONLY applies in every context", []step{
			{do: setMode(":.__GLOBAL:", registry.ModeReadOnly, false), want: registry.ModeReadOnly},
			{do: reg(":.team:orders-value", s1), err: registry.ErrOperationNotPermitted},
			{do: setMode(":.team:", registry.ModeReadWrite, false), want: registry.ModeReadWrite},
			{do: reg(":.team:orders-value", s1), want: "v1 id1"},
		}},
	})
}

// TestImport: IMPORT mode keeps the source registry's ids and versions.
func TestImport(t *testing.T) {
	runRules(t, []ruleCase{
		{"IMPORT refuses a registration without an id", []step{
			{do: setMode("orders-value", registry.ModeImport, false), want: registry.ModeImport},
			{do: reg("orders-value", s1), err: registry.ErrOperationNotPermitted},
			{do: versions("orders-value", true), err: registry.ErrSubjectNotFound},
		}},
		{"IMPORT keeps the given id and version; the counters move past them", []step{
			{do: setMode("orders-value", registry.ModeImport, false), want: registry.ModeImport},
			{do: regID("orders-value", s1, 100, 5), want: "v5 id100"},
			{do: regID("orders-value", s1, 100, 5), want: "v5 id100"}, // again: the same answer
			{do: setMode("orders-value", registry.ModeReadWrite, false), want: registry.ModeReadWrite},
			{do: reg("orders-value", sDef), want: "v6 id101"},
			{do: reg("other-value", sDef2), want: "v1 id102"},
		}},
		{"IMPORT skips the compatibility check", []step{
			{do: setMode("", registry.ModeImport, false), want: registry.ModeImport},
			{do: regID("orders-value", s1, 1, 1), want: "v1 id1"},
			{do: regID("orders-value", sNoDef, 2, 2), want: "v2 id2"},
		}},
		{"IMPORT refuses an id that holds another schema", []step{
			{do: setMode("", registry.ModeImport, false), want: registry.ModeImport},
			{do: regID("a-value", s1, 7, 1), want: "v1 id7"},
			{do: regID("b-value", sDef, 7, 1), err: registry.ErrOperationNotPermitted},
			{do: versions("b-value", true), err: registry.ErrSubjectNotFound},
		}},
		{"IMPORT refuses a stored schema under another id", []step{
			{do: setMode("", registry.ModeImport, false), want: registry.ModeImport},
			{do: regID("a-value", s1, 7, 1), want: "v1 id7"},
			{do: regID("b-value", s1, 8, 1), err: registry.ErrOperationNotPermitted},
			{do: regID("b-value", s1, 7, 1), want: "v1 id7"},
		}},
		{"IMPORT refuses a version that exists", []step{
			{do: setMode("", registry.ModeImport, false), want: registry.ModeImport},
			{do: regID("a-value", s1, 1, 1), want: "v1 id1"},
			{do: regID("a-value", sDef, 2, 1), err: registry.ErrOperationNotPermitted},
		}},
		{"outside IMPORT an id or a version may not be chosen", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: regID("a-value", s1, 1, 0), want: "v1 id1"}, // the id it has
			{do: regID("b-value", sDef, 9, 0), err: registry.ErrOperationNotPermitted},
			{do: regID("b-value", sDef, 0, 3), err: registry.ErrOperationNotPermitted},
		}},
		{"IMPORT without force is refused where subjects exist", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: setMode("", registry.ModeImport, false), err: registry.ErrOperationNotPermitted},
			{do: setMode("a-value", registry.ModeImport, false), err: registry.ErrOperationNotPermitted},
			{do: setMode("b-value", registry.ModeImport, false), want: registry.ModeImport},
			{do: setMode("", registry.ModeImport, true), want: registry.ModeImport},
		}},
		{"an id outside 1..2^31-1 is refused", []step{
			{do: setMode("", registry.ModeImport, false), want: registry.ModeImport},
			{do: regID("a-value", s1, registry.MaxID+1, 1), err: registry.ErrInvalidSchema},
			{do: regID("a-value", s1, registry.MaxID, 1), want: fmt.Sprintf("v1 id%d", registry.MaxID)},
			{do: setMode("", registry.ModeReadWrite, false), want: registry.ModeReadWrite},
			{do: reg("b-value", sDef), err: registry.ErrOperationNotPermitted}, // no id left
			{do: reg("b-value", s1), want: fmt.Sprintf("v1 id%d", registry.MaxID)},
		}},
	})
}

// TestDeletes: soft and permanent deletes of versions and subjects, and
// what registering afterwards gives, as Confluent numbers versions.
func TestDeletes(t *testing.T) {
	runRules(t, []ruleCase{
		{"a soft-deleted version is hidden and its number not reused", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: reg("a-value", sDef), want: "v2 id2"},
			{do: deleteVersion("a-value", 2, false), want: "2"},
			{do: versions("a-value", false), want: "[1]"},
			{do: versions("a-value", true), want: "[1 2]"},
			{do: lookup("a-value", sDef, false), err: registry.ErrSchemaNotFound},
			{do: lookup("a-value", sDef, true), want: "v2 id2"},
			{do: reg("a-value", sDef2), want: "v3 id3"},
		}},
		{"re-registering a soft-deleted schema makes a new version with its id", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: deleteVersion("a-value", 1, false), want: "1"},
			{do: reg("a-value", s1), want: "v2 id1"},
		}},
		{"a permanent delete needs a soft delete first", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: deleteVersion("a-value", 1, true), err: registry.ErrVersionNotSoftDeleted},
			{do: deleteVersion("a-value", 1, false), want: "1"},
			{do: deleteVersion("a-value", 1, false), err: registry.ErrVersionSoftDeleted},
			{do: deleteVersion("a-value", 1, true), want: "1"},
			{do: versions("a-value", true), err: registry.ErrSubjectNotFound},
			{do: deleteVersion("a-value", 1, false), err: registry.ErrSubjectNotFound},
		}},
		{"a permanently deleted latest number is handed out again", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: reg("a-value", sDef), want: "v2 id2"},
			{do: deleteVersion("a-value", 2, false), want: "2"},
			{do: deleteVersion("a-value", 2, true), want: "2"},
			{do: reg("a-value", sDef2), want: "v2 id3"},
		}},
		{"deleting latest (-1) takes the newest live version", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: reg("a-value", sDef), want: "v2 id2"},
			{do: deleteVersion("a-value", -1, false), want: "2"},
			{do: deleteVersion("a-value", -1, false), want: "1"},
			{do: versions("a-value", false), err: registry.ErrSubjectNotFound},
		}},
		{"a missing version is not found", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: deleteVersion("a-value", 9, false), err: registry.ErrVersionNotFound},
			{do: deleteVersion("b-value", 1, false), err: registry.ErrSubjectNotFound},
		}},
		{"a subject is soft-deleted, then permanently", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: reg("a-value", sDef), want: "v2 id2"},
			{do: deleteSubject("a-value", true), err: registry.ErrSubjectNotSoftDeleted},
			{do: deleteSubject("a-value", false), want: "[1 2]"},
			{do: versions("a-value", false), err: registry.ErrSubjectNotFound},
			{do: versions("a-value", true), want: "[1 2]"},
			{do: deleteSubject("a-value", true), want: "[1 2]"},
			{do: versions("a-value", true), err: registry.ErrSubjectNotFound},
			{do: reg("a-value", sDef), want: "v1 id2"}, // the schema keeps its id
		}},
		{"a referenced version cannot be deleted", []step{
			{do: reg("currency-value", refEnum), want: "v1 id1"},
			{do: regWithRef("pay-value", refUser, "currency-value", 1), want: "v1 id2"},
			{do: deleteVersion("currency-value", 1, false), err: registry.ErrReferenceExists},
			{do: deleteSubject("currency-value", false), err: registry.ErrReferenceExists},
			{do: deleteSubject("pay-value", false), want: "[1]"},
			// As in Confluent, a soft-deleted referrer does not block a
			// soft delete, but blocks the permanent one (it can be
			// restored).
			{do: deleteVersion("currency-value", 1, false), want: "1"},
			{do: deleteVersion("currency-value", 1, true), err: registry.ErrReferenceExists},
			{do: deleteSubject("pay-value", true), want: "[1]"},
			{do: deleteVersion("currency-value", 1, true), want: "1"},
		}},
		{"a reference to a missing version is refused", []step{
			{do: regWithRef("pay-value", refUser, "currency-value", 1), err: registry.ErrInvalidSchema},
		}},
		{"read-only modes refuse deletes; IMPORT allows them", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: setMode("a-value", registry.ModeReadOnly, false), want: registry.ModeReadOnly},
			{do: deleteVersion("a-value", 1, false), err: registry.ErrOperationNotPermitted},
			{do: deleteSubject("a-value", false), err: registry.ErrOperationNotPermitted},
			{do: setMode("a-value", registry.ModeImport, true), want: registry.ModeImport},
			{do: deleteVersion("a-value", 1, false), want: "1"},
		}},
	})
}

// TestRegisterFastPath: which registrations the caches answer (one read
// of the change counters, no transaction) and which go to a transaction.
func TestRegisterFastPath(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup []step
		last  step
		fast  bool // the last step is answered from the caches
	}{
		{"a re-registration", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: reg("a-value", s1), want: "v1 id1"}, // warms the caches
		}, step{do: reg("a-value", s1), want: "v1 id1"}, true},
		{"a re-registration of an older version", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: reg("a-value", sDef), want: "v2 id2"},
			{do: reg("a-value", s1), want: "v1 id1"},
		}, step{do: reg("a-value", s1), want: "v1 id1"}, true},
		{"a re-registration giving the id and version it has", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: reg("a-value", s1), want: "v1 id1"},
		}, step{do: regID("a-value", s1, 1, 1), want: "v1 id1"}, true},
		{"a registration refused by a read-only mode", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: setMode("a-value", registry.ModeReadOnly, false), want: registry.ModeReadOnly},
			{do: reg("a-value", s1), err: registry.ErrOperationNotPermitted}, // warms the caches
		}, step{do: reg("a-value", s1), err: registry.ErrOperationNotPermitted}, true},
		{"a new schema", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: reg("a-value", s1), want: "v1 id1"},
		}, step{do: reg("a-value", sDef), want: "v2 id2"}, false},
		{"a schema whose version was soft-deleted", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: deleteVersion("a-value", 1, false), want: "1"},
			{do: reg("b-value", s1), want: "v1 id1"},
		}, step{do: reg("a-value", s1), want: "v2 id1"}, false},
		{"an incompatible schema", []step{
			{do: reg("a-value", s1), want: "v1 id1"},
			{do: reg("a-value", s1), want: "v1 id1"},
		}, step{do: reg("a-value", sNoDef), err: registry.ErrIncompatible}, false},
		{"the first schema of a subject", nil,
			step{do: reg("a-value", s1), want: "v1 id1"}, false},
		{"another id than the one it has", []step{
			{do: setMode("", registry.ModeImport, false), want: registry.ModeImport},
			{do: regID("a-value", s1, 1, 1), want: "v1 id1"},
			{do: regID("a-value", s1, 1, 1), want: "v1 id1"},
		}, step{do: regID("a-value", s1, 2, 1), err: registry.ErrOperationNotPermitted}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachStore(t, func(t *testing.T, r *registry.Registry, s *countingStore) {
				runSteps(t, r, tc.setup)
				s.reset()
				runSteps(t, r, []step{tc.last})
				fast := s.updates.Load() == 0
				if fast != tc.fast {
					t.Fatalf("answered from the caches: %t, want %t (%d transactions, %d counter reads)", fast, tc.fast, s.updates.Load(), s.changes.Load())
				}
				if fast && (s.changes.Load() != 1 || s.reads.Load() != 0) {
					t.Fatalf("the fast path read %d counters and %d settings or views, want one counter read and nothing else", s.changes.Load(), s.reads.Load())
				}
			})
		})
	}
}
