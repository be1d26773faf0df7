// Package accordtest wires a whole Accord stack — store, registry,
// contracts, lineage, proposals, optionally authentication — on a test
// database, as accord serve wires it, so tests of every layer start from
// the same stack. SelfSigned and WriteSelfSigned give TLS tests a
// certificate for 127.0.0.1.
//
// It is for external test packages (api_test, ui_test, proposals_test, the
// accord command's tests): it imports the services, never the layers
// built on them (api, ui, cmd), which each test mounts itself.
package accordtest

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/auth/sqlauth"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/sqlcontracts"
	"github.com/accord/accord/contracts/validator"
	"github.com/accord/accord/dek"
	"github.com/accord/accord/dek/sqldek"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/lineage/sqllineage"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/proposals/sqlproposals"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

// Engine is a store engine tests run on: Target returns what New takes
// for a fresh, empty store.
type Engine struct {
	Name   string
	Target func(t *testing.T) string
}

// Engines are the store engines: SQLite in a temporary folder, and a
// fresh schema of the run's PostgreSQL database (storetest.PostgresSchema:
// skipped without ACCORD_TEST_DATABASE_URL, failed under CI; the test
// binary's TestMain runs storetest.Main).
var Engines = []Engine{
	{"sqlite", func(t *testing.T) string { return t.TempDir() }},
	{"postgres", storetest.PostgresSchema},
}

// EachEngine runs fn as one subtest per engine, on a fresh target.
func EachEngine(t *testing.T, fn func(t *testing.T, target string)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(e.Name, func(t *testing.T) { fn(t, e.Target(t)) })
	}
}

// Options are what differs between the stacks tests need. The zero value
// is a stack without authentication, logging warnings to the test log.
type Options struct {
	// Unowned is the contracts policy for subjects of no stream
	// (contracts' default, open, when empty).
	Unowned contracts.UnownedPolicy

	// Auth turns authentication on: Stack.Auth is an Authenticator on the
	// store, and the proposals service reads proposers' current roles
	// from it (unless Principals is set).
	Auth bool
	// Admin, when set with Auth, is bootstrapped as the admin principal
	// with AdminSecret (a password or an API token) as accord serve's
	// ACCORD_BOOTSTRAP_ADMIN does.
	Admin, AdminSecret string

	// LineageMaxAge is lineage.Options.MaxAge: lineage's default when 0,
	// negative to reload the index on every query (no stale reads).
	LineageMaxAge time.Duration

	// Principals is the proposals service's principal directory; when
	// nil it is Stack.Auth (nil too without authentication).
	Principals proposals.PrincipalDirectory

	// Watch runs the registry's cache-invalidation feed (Registry.Run)
	// until the test ends, as accord serve does.
	Watch bool

	// LogWriter receives the stack's text logs; the test log (t.Log,
	// until the test ends) when nil. LogLevel is the least level logged,
	// slog.LevelWarn when nil.
	LogWriter io.Writer
	LogLevel  slog.Leveler

	// Observer, when set, is told what the store and the registry do, as
	// accord serve tells package metrics.
	Observer interface {
		registry.Observer
		sqlstore.Observer
	}

	// Store adds options to the store's (sqlstore.WithQueryTracer, say).
	Store []sqlstore.Option
}

// Stack is one Accord stack. Everything stops when the test ends: Ctx is
// canceled and the store closed, after the cleanups the test registers
// once New returns (an httptest server, say) have run.
type Stack struct {
	// Ctx is canceled when the test ends.
	Ctx context.Context
	Log *slog.Logger

	Store     *sqlstore.Store
	Registry  *registry.Registry
	Contracts *contracts.Service // the registry's policy
	Lineage   *lineage.Service
	Proposals *proposals.Service
	DEK       *dek.Service        // the DEK registry; a DEK's writer is its subject's (Contracts)
	Auth      *auth.Authenticator // nil without Options.Auth
	Audit     *audit.Log
}

// New opens a store on target (sqlstore.Open's: a folder for SQLite, a
// PostgreSQL URL such as storetest.PostgresSchema hands out) and wires
// the stack over it. It stops the test on any failure.
func New(t testing.TB, target string, opts Options) *Stack {
	t.Helper()
	log := opts.logger(t)
	ctx, cancel := context.WithCancel(context.Background())
	storeOpts := []sqlstore.Option{sqlstore.WithLogger(log)}
	if opts.Observer != nil {
		storeOpts = append(storeOpts, sqlstore.WithObserver(opts.Observer))
	}
	storeOpts = append(storeOpts, opts.Store...)
	store, err := sqlstore.Open(ctx, target, storeOpts...)
	if err != nil {
		cancel()
		t.Fatalf("opening store: %v", err)
	}
	watching := make(chan struct{})
	// Cleanups run last-in first-out: the caller's first, then the feed,
	// then the store.
	t.Cleanup(func() {
		cancel()
		<-watching
		if err := store.Close(); err != nil {
			t.Errorf("closing store: %v", err)
		}
	})

	reg := registry.New(store, log, avro.Format{}, protobuf.Format{}, jsonschema.Format{})
	if opts.Observer != nil {
		reg.SetObserver(opts.Observer)
	}
	copts := contracts.Options{Unowned: opts.Unowned, Logger: log}
	var authn *auth.Authenticator
	if opts.Auth {
		authn = auth.New(sqlauth.New(store.DB()), auth.Options{Logger: log})
		copts.Principals = authn // transfers go to enabled services only
	}
	streams := contracts.NewService(sqlcontracts.New(store.DB()), reg, copts)
	reg.SetPolicy(streams)
	reg.OnChange(streams.Changed)               // other replicas' stream writes reach the contracts snapshot
	reg.SetRuleChecker(validator.RuleChecker{}) // rules compile at registration
	graph := lineage.NewService(sqllineage.New(store.DB()), streams, reg, lineage.Options{Logger: log, MaxAge: opts.LineageMaxAge})
	reg.OnChange(graph.Changed) // other replicas' lineage edge writes
	s := &Stack{Ctx: ctx, Log: log, Store: store, Registry: reg, Contracts: streams, Lineage: graph, Audit: store.Audit(),
		DEK: dek.NewService(sqldek.New(store.DB()), dek.Options{Writers: streams})}

	propOpts := proposals.Options{Logger: log, Principals: opts.Principals}
	if opts.Auth {
		s.Auth = authn
		if propOpts.Principals == nil {
			propOpts.Principals = s.Auth
		}
		if opts.Admin != "" {
			if _, err := s.Auth.Bootstrap(ctx, opts.Admin, opts.AdminSecret); err != nil {
				close(watching)
				t.Fatalf("bootstrapping admin %s: %v", opts.Admin, err)
			}
		}
	}
	s.Proposals = proposals.NewService(sqlproposals.New(store.DB()), reg, streams, graph, propOpts)

	if !opts.Watch {
		close(watching)
		return s
	}
	go func() {
		defer close(watching)
		if err := reg.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("cache invalidation feed stopped", slog.Any("err", err))
		}
	}()
	return s
}

func (o Options) logger(t testing.TB) *slog.Logger {
	level := o.LogLevel
	if level == nil {
		level = slog.LevelWarn
	}
	if o.LogWriter != nil {
		return slog.New(slog.NewTextHandler(o.LogWriter, &slog.HandlerOptions{Level: level}))
	}
	return Logger(t, level)
}

// Logger returns a text logger that writes each record at level or above
// to the test log until the test ends (t.Log after that panics), so a
// failing test shows what the stack logged.
func Logger(t testing.TB, level slog.Leveler) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.stop)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

type testWriter struct {
	t       testing.TB
	mu      sync.Mutex
	stopped bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
}
