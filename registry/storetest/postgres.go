package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// DatabaseURLEnv names the PostgreSQL server tests use: a URL of a
// database from which the test user may CREATE DATABASE. .ci/run sets it
// with .ci/postgres.sh.
const DatabaseURLEnv = "ACCORD_TEST_DATABASE_URL"

// runDB is the URL of the database this test binary created, "" without
// DatabaseURLEnv.
var runDB string

// Main runs a test binary's tests (call it from TestMain): with
// DatabaseURLEnv set it creates one database for the run, which
// PostgresSchema hands out a schema at a time, and drops it afterwards.
// A database per run and a schema per test is much cheaper than a
// database per test.
func Main(m *testing.M) int {
	if base := os.Getenv(DatabaseURLEnv); base != "" {
		db, drop, err := createDatabase(base)
		if err != nil {
			fmt.Fprintf(os.Stderr, "tests: %v\n", err)
			return 1
		}
		defer drop()
		runDB = db
	}
	return m.Run()
}

// createDatabase creates accord_test_<random> on the server at base and
// returns its URL and a function that drops it.
func createDatabase(base string) (string, func(), error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", DatabaseURLEnv, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, fmt.Errorf("connecting to %s: %w", u.Redacted(), err)
	}
	name := "accord_test_" + randomHex()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Identifiers cannot be parameters; name is generated above. Prefer a
	// linguistic collation (ICU, PostgreSQL 15+), under which ORDER BY is
	// not byte order, so tests catch code that relies on the database's
	// sort order; fall back to the server default.
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+
		" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"); err != nil {
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			_ = admin.Close()
			return "", nil, fmt.Errorf("creating database %s on %s: %w", name, u.Redacted(), err)
		}
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "tests: dropping database %s: %v\n", name, err)
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

// PostgresURL returns the URL of the run's database. Without
// DatabaseURLEnv the test is skipped, or fails when CI is set: CI must not
// silently lose the PostgreSQL half of the suite.
func PostgresURL(t *testing.T) string {
	t.Helper()
	if runDB == "" {
		const how = `start one with: eval "$(bash .ci/postgres.sh)"`
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is not: the PostgreSQL tests must run (%s)", DatabaseURLEnv, how)
		}
		t.Skipf("%s is not set; skipping PostgreSQL tests (%s)", DatabaseURLEnv, how)
	}
	return runDB
}

// PostgresSchema creates an empty schema in the run's database and returns
// a URL whose search_path selects it, so that everything a store creates
// and reads lives there.
func PostgresSchema(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := "t_" + randomHex()
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
