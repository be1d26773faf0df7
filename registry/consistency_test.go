package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

// countingStore counts what a registration asks of the store: the change
// counters, transactions, and every other read outside a transaction.
type countingStore struct {
	registry.Store
	changes, updates, reads atomic.Int64
}

func (s *countingStore) Changes(ctx context.Context, regCtx, subject string) (registry.Changes, error) {
	s.changes.Add(1)
	return s.Store.Changes(ctx, regCtx, subject)
}

func (s *countingStore) Update(ctx context.Context, regCtx, subject string, fn func(registry.Tx) error) error {
	s.updates.Add(1)
	return s.Store.Update(ctx, regCtx, subject, fn)
}

func (s *countingStore) Versions(ctx context.Context, regCtx, subject string, includeDeleted bool) ([]registry.VersionRecord, error) {
	s.reads.Add(1)
	return s.Store.Versions(ctx, regCtx, subject, includeDeleted)
}

func (s *countingStore) Config(ctx context.Context, regCtx, subject string) (json.RawMessage, error) {
	s.reads.Add(1)
	return s.Store.Config(ctx, regCtx, subject)
}

func (s *countingStore) Mode(ctx context.Context, regCtx, subject string) (string, error) {
	s.reads.Add(1)
	return s.Store.Mode(ctx, regCtx, subject)
}

// Settings counts as one read: the modes and configs of every level in
// one statement (sqlstore's; the registry uses it when the store has it).
func (s *countingStore) Settings(ctx context.Context, levels []registry.Name) ([]registry.Setting, error) {
	s.reads.Add(1)
	return s.Store.(interface {
		Settings(context.Context, []registry.Name) ([]registry.Setting, error)
	}).Settings(ctx, levels)
}

func (s *countingStore) reset() { s.changes.Store(0); s.updates.Store(0); s.reads.Store(0) }

// prepares counts the request schemas r prepared (parsed or found in its
// prepared cache).
func prepares(r *registry.Registry) uint64 {
	for _, c := range r.CacheStats() {
		if c.Name == "prepared" {
			return c.Hits + c.Misses
		}
	}
	return 0
}

const (
	orderV1 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
	// orderV2 adds a field without a default: fine under NONE, not under
	// BACKWARD or FULL.
	orderV2 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"n","type":"int"}]}`
)

func reg1(schema string) registry.RegisterRequest {
	return registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: schema}}
}

// TestWritesDecideFromTheStore runs two registries on one store, as two
// replicas whose caches never hear of each other's writes (SQLite has no
// change feed): replica a writes, then replica b, whose caches still hold
// the state before a's write, registers. b must decide from the store:
// its cached answer is confirmed by one read of the change counters, and
// any write of a that the answer depends on makes b decide in a
// transaction. A schema the caches say is new goes to the transaction
// without the counters.
func TestWritesDecideFromTheStore(t *testing.T) {
	for _, tc := range []struct {
		name string
		// write is replica a's write, after which b registers req.
		write func(ctx context.Context, a *registry.Registry) error
		req   registry.RegisterRequest
		// fast: b answers from its caches (one counter read, no
		// transaction); else it decides in a transaction.
		fast bool
		// bound: b's caches say the schema is new, so b goes to the
		// transaction without reading the counters (only an answer from
		// the caches needs them).
		bound   bool
		version int   // the version b must answer, when no error
		err     error // or the refusal
	}{
		{name: "nothing changed", req: reg1(orderV1), fast: true, version: 1,
			write: func(context.Context, *registry.Registry) error { return nil }},
		{name: "another subject written", req: reg1(orderV1), fast: true, version: 1,
			write: func(ctx context.Context, a *registry.Registry) error {
				_, err := a.Register(ctx, "other-value", reg1(orderV1))
				return err
			}},
		{name: "version soft-deleted", req: reg1(orderV1), version: 2,
			write: func(ctx context.Context, a *registry.Registry) error {
				_, err := a.DeleteVersion(ctx, "orders-value", 1, false)
				return err
			}},
		{name: "subject config tightened", req: reg1(orderV2), bound: true, err: registry.ErrIncompatible,
			write: func(ctx context.Context, a *registry.Registry) error {
				_, err := a.SetConfig(ctx, "orders-value", registry.Config{Compatibility: compat.Full})
				return err
			}},
		{name: "global config tightened", req: reg1(orderV2), bound: true, err: registry.ErrIncompatible,
			write: func(ctx context.Context, a *registry.Registry) error {
				_, err := a.SetConfig(ctx, "", registry.Config{Compatibility: compat.Full})
				return err
			}},
		{name: "global config changed, schema already registered", req: reg1(orderV1), version: 1,
			write: func(ctx context.Context, a *registry.Registry) error {
				_, err := a.SetConfig(ctx, "", registry.Config{Compatibility: compat.Full})
				return err
			}},
		{name: "subject read-only", req: reg1(orderV1), err: registry.ErrOperationNotPermitted,
			write: func(ctx context.Context, a *registry.Registry) error {
				_, err := a.SetMode(ctx, "orders-value", registry.ModeReadOnly, false)
				return err
			}},
		{name: "global read-only", req: reg1(orderV1), err: registry.ErrOperationNotPermitted,
			write: func(ctx context.Context, a *registry.Registry) error {
				_, err := a.SetMode(ctx, "", registry.ModeReadOnly, false)
				return err
			}},
		{name: "global import, no id", req: reg1(orderV1), err: registry.ErrOperationNotPermitted,
			write: func(ctx context.Context, a *registry.Registry) error {
				_, err := a.SetMode(ctx, "", registry.ModeImport, true)
				return err
			}},
		{name: "new version on the other replica", req: reg1(orderV1), version: 1,
			write: func(ctx context.Context, a *registry.Registry) error {
				_, err := a.Register(ctx, "orders-value", reg1(`{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"m","type":"int","default":0}]}`))
				return err
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			sq, err := sqlstore.Open(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sq.Close() })
			store := &countingStore{Store: sq}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			a := registry.New(sq, log, avro.Format{})
			b := registry.New(store, log, avro.Format{})
			if _, err := a.SetConfig(ctx, "", registry.Config{Compatibility: compat.None}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Register(ctx, "orders-value", reg1(orderV1)); err != nil {
				t.Fatal(err)
			}
			// Warm b: the first re-registration loads its caches (and
			// decides in a transaction), the second is answered from them.
			for range 2 {
				if _, err := b.Register(ctx, "orders-value", reg1(orderV1)); err != nil {
					t.Fatal(err)
				}
			}
			store.reset()
			prepared := prepares(b)
			if _, err := b.Register(ctx, "orders-value", reg1(orderV1)); err != nil {
				t.Fatal(err)
			}
			if c, u, r := store.changes.Load(), store.updates.Load(), store.reads.Load(); c != 1 || u != 0 || r != 0 {
				t.Fatalf("warm re-registration: %d counter reads, %d transactions, %d other reads; want 1, 0, 0", c, u, r)
			}
			if n := prepares(b) - prepared; n != 1 {
				t.Fatalf("warm re-registration prepared its schema %d times, want 1", n)
			}

			if err := tc.write(ctx, a); err != nil {
				t.Fatal(err)
			}
			store.reset()
			got, err := b.Register(ctx, "orders-value", tc.req)
			switch {
			case tc.err != nil && !errors.Is(err, tc.err):
				t.Fatalf("got %+v, %v; want %v", got, err, tc.err)
			case tc.err == nil && err != nil:
				t.Fatalf("got %v, want version %d", err, tc.version)
			case tc.err == nil && got.Version != tc.version:
				t.Fatalf("got version %d, want %d", got.Version, tc.version)
			}
			if fast := store.updates.Load() == 0; fast != tc.fast {
				t.Errorf("answered from the caches: %t, want %t", fast, tc.fast)
			}
			want := int64(1)
			if tc.bound {
				want = 0
			}
			if c := store.changes.Load(); c != want {
				t.Errorf("%d counter reads, want %d", c, want)
			}
		})
	}
}

// TestChangeCountersMove checks the counters a cached value is proven
// by: a subject's moves with its own writes only, a context's with its
// context-wide settings, and a transaction that writes nothing moves
// none.
func TestChangeCountersMove(t *testing.T) {
	ctx := context.Background()
	sq, err := sqlstore.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	reg := registry.New(sq, slog.New(slog.NewTextHandler(io.Discard, nil)), avro.Format{})
	read := func() registry.Changes {
		t.Helper()
		c, err := sq.Changes(ctx, ".team", "orders-value")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, step := range []struct {
		name  string
		write func() error
		moved registry.Changes // which counters move (1) or not (0)
	}{
		{"register", func() error { _, err := reg.Register(ctx, ":.team:orders-value", reg1(orderV1)); return err }, registry.Changes{Subject: 1}},
		{"re-register", func() error { _, err := reg.Register(ctx, ":.team:orders-value", reg1(orderV1)); return err }, registry.Changes{}},
		{"other subject", func() error { _, err := reg.Register(ctx, ":.team:other-value", reg1(orderV1)); return err }, registry.Changes{}},
		{"subject config", func() error {
			_, err := reg.SetConfig(ctx, ":.team:orders-value", registry.Config{Compatibility: compat.None})
			return err
		}, registry.Changes{Subject: 1}},
		{"subject mode", func() error {
			_, err := reg.SetMode(ctx, ":.team:orders-value", registry.ModeReadWrite, false)
			return err
		}, registry.Changes{Subject: 1}},
		{"context config", func() error {
			_, err := reg.SetConfig(ctx, ":.team:", registry.Config{Compatibility: compat.None})
			return err
		}, registry.Changes{Context: 1}},
		{"global mode", func() error { _, err := reg.SetMode(ctx, "", registry.ModeReadWrite, false); return err }, registry.Changes{Global: 1}},
		{"soft delete", func() error { _, err := reg.DeleteVersion(ctx, ":.team:orders-value", 1, false); return err }, registry.Changes{Subject: 1}},
		{"refused delete", func() error {
			_, err := reg.DeleteVersion(ctx, ":.team:orders-value", 1, false) // already soft-deleted
			if err == nil {
				return errors.New("deleted twice")
			}
			return nil
		}, registry.Changes{}},
	} {
		before := read()
		if err := step.write(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		after := read()
		moved := registry.Changes{Subject: after.Subject - before.Subject, Context: after.Context - before.Context, Global: after.Global - before.Global}
		if moved != step.moved {
			t.Errorf("%s: counters moved by %+v, want %+v", step.name, moved, step.moved)
		}
	}
}
