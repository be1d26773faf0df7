package sqlstore

import (
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/accord/accord/migrations"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// postgresURL and newPostgresSchema hand out the run's PostgreSQL database.
var (
	postgresURL       = storetest.PostgresURL
	newPostgresSchema = storetest.PostgresSchema
)

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
