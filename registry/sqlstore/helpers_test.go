package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/accord/accord/migrations"
	"github.com/accord/accord/registry"
)

// testDatabaseURL names the PostgreSQL server the tests use.
const testDatabaseURL = "ACCORD_TEST_DATABASE_URL"

// testDB is the URL of the database this test run created on the server
// named by ACCORD_TEST_DATABASE_URL ("" without one). Each test gets its
// own schema in it (newPostgresSchema), which is much cheaper than a
// database per test.
var testDB string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if base := os.Getenv(testDatabaseURL); base != "" {
		db, drop, err := createTestDatabase(base)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sqlstore tests: %v\n", err)
			return 1
		}
		defer drop()
		testDB = db
	}
	return m.Run()
}

// createTestDatabase creates accord_test_<random> on the server at base and
// returns its URL and a function that drops it.
func createTestDatabase(base string) (string, func(), error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", testDatabaseURL, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	name := "accord_test_" + randomHex()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Identifiers cannot be parameters; name is generated above. Prefer a
	// linguistic collation (ICU, PostgreSQL 15+), under which ORDER BY is
	// not byte order, so the tests catch code that relies on the
	// database's sort order; fall back to the server default.
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+
		" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"); err != nil {
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			_ = admin.Close()
			return "", nil, fmt.Errorf("create database %s on %s: %w", name, u.Redacted(), err)
		}
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "sqlstore tests: drop database %s: %v\n", name, err)
		}
		_ = admin.Close()
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

func randomHex() string {
	var raw [6]byte
	_, _ = rand.Read(raw[:])
	return hex.EncodeToString(raw[:])
}

// postgresURL returns the URL of the test run's database. Without
// ACCORD_TEST_DATABASE_URL the test is skipped, or fails when CI is set:
// CI must run PostgreSQL.
func postgresURL(t *testing.T) string {
	t.Helper()
	if testDB == "" {
		const how = `start one with: eval "$(bash .ci/postgres.sh)"`
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set but CI is: CI must run the PostgreSQL tests (%s)", testDatabaseURL, how)
		}
		t.Skipf("%s is not set; skipping PostgreSQL tests (%s)", testDatabaseURL, how)
	}
	return testDB
}

// newPostgresSchema creates an empty schema in the test run's database
// and returns a URL whose search_path selects it, so that everything the
// store creates and reads lives there.
func newPostgresSchema(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(postgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := "t_" + randomHex()
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// quietLogger keeps store logs out of test output (Watch may log after a
// test has ended, when t.Log would panic).
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// openStore opens dsn and closes the store when t ends.
func openStore(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn, WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// perTest adapts a database factory to storetest.Run: the first call for a
// t creates a database, later calls for the same t open it again.
func perTest(newDB func(t *testing.T) string) func(t *testing.T) registry.Store {
	var mu sync.Mutex
	dbs := map[*testing.T]string{}
	return func(t *testing.T) registry.Store {
		t.Helper()
		mu.Lock()
		dsn, ok := dbs[t]
		if !ok {
			dsn = newDB(t)
			dbs[t] = dsn
			t.Cleanup(func() {
				mu.Lock()
				delete(dbs, t)
				mu.Unlock()
			})
		}
		mu.Unlock()
		s, err := Open(t.Context(), dsn, WithLogger(quietLogger()))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	}
}

// newSQLiteDir returns a fresh data directory.
func newSQLiteDir(t *testing.T) string { return t.TempDir() }

// engine describes one database engine to the engine-generic tests.
type engine struct {
	name  string
	newDB func(t *testing.T) string // a fresh, empty database
}

var engines = []engine{
	{migrations.SQLite, newSQLiteDir},
	{migrations.Postgres, newPostgresSchema},
}

// forEachEngine runs test once per engine.
func forEachEngine(t *testing.T, test func(t *testing.T, e engine)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, e) })
	}
}

// rawDB opens dsn with database/sql the way Open would, without migrating,
// and closes it when t ends.
func rawDB(t *testing.T, e engine, dsn string) (*sql.DB, *dialect) {
	t.Helper()
	driver, source := "pgx", dsn
	if e.name == migrations.SQLite {
		driver, source = "sqlite", filepath.Join(dsn, FileName)+"?_txlock=immediate&_busy_timeout=5000&_foreign_keys=1"
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatalf("open %s: %v", e.name, err)
	}
	if e.name == migrations.SQLite {
		db.SetMaxOpenConns(1)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db, newDialect(e.name)
}
