package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"github.com/accord/accord/migrations"
	"github.com/accord/accord/registry"
)

type appliedMigration struct {
	version   int
	name      string
	checksum  string
	appliedAt int64
}

func readApplied(t *testing.T, db *sql.DB) []appliedMigration {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []appliedMigration
	for rows.Next() {
		var m appliedMigration
		if err := rows.Scan(&m.version, &m.name, &m.checksum, &m.appliedAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkApplied(t *testing.T, e engine, got []appliedMigration) {
	t.Helper()
	all, err := migrations.For(e.name)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(all) {
		t.Fatalf("schema_migrations has %d rows, want %d", len(got), len(all))
	}
	for i, m := range all {
		if got[i].version != m.Version || got[i].name != m.Name || got[i].checksum != m.Checksum || got[i].appliedAt == 0 {
			t.Fatalf("schema_migrations row %d = %+v, want migration %s", i, got[i], m.File)
		}
	}
}

// hasIndex reports whether the read index of migration 0002 exists.
func hasIndex(t *testing.T, e engine, db *sql.DB, name string) bool {
	t.Helper()
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?`
	if e.name == migrations.Postgres {
		q = `SELECT COUNT(*) FROM pg_indexes WHERE indexname = $1 AND schemaname = current_schema()`
	}
	var n int
	if err := db.QueryRowContext(t.Context(), q, name).Scan(&n); err != nil {
		t.Fatalf("look up index %s: %v", name, err)
	}
	return n == 1
}

// TestMigrateUpgradeInPlace brings a database to the previous schema
// version, stores data in it, and checks that Open upgrades it in place,
// keeps the data and records every migration once.
func TestMigrateUpgradeInPlace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		all, err := migrations.For(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) < 2 {
			t.Fatal("this test needs at least two migrations")
		}
		dsn := e.newDB(t)
		db, d := rawDB(t, e, dsn)
		ctx := t.Context()
		// The previous schema is 0001: the upgrade applies 0002
		// (versions_by_schema) and every later migration.
		const previous = 1
		if err := migrate(ctx, db, d, quietLogger(), previous); err != nil {
			t.Fatalf("migrate to version %d: %v", previous, err)
		}
		if got := readApplied(t, db); len(got) != previous {
			t.Fatalf("after migrating to version %d, schema_migrations has %d rows", previous, len(got))
		}
		if hasIndex(t, e, db, "versions_by_schema") {
			t.Fatal("index of migration 0002 exists before the upgrade")
		}
		// Data written by the previous version.
		for _, q := range []string{
			`INSERT INTO contexts (context, last_id) VALUES ('.', 1)`,
			`INSERT INTO schemas (context, id, schema_type, schema_text, fingerprint, created_at) VALUES ('.', 1, 'AVRO', '"string"', '0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef', 1700000000000)`,
			`INSERT INTO subjects (context, subject, last_version) VALUES ('.', 'old-value', 1)`,
			`INSERT INTO versions (context, subject, version, schema_id, deleted, created_at) VALUES ('.', 'old-value', 1, 1, FALSE, 1700000000000)`,
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}

		s := openStore(t, dsn)
		checkApplied(t, e, readApplied(t, s.db))
		if !hasIndex(t, e, s.db, "versions_by_schema") {
			t.Fatal("index of migration 0002 missing after the upgrade")
		}
		vs, err := s.Versions(ctx, ".", "old-value", false)
		if err != nil || len(vs) != 1 || vs[0].SchemaID != 1 {
			t.Fatalf("data of the previous version after the upgrade: %+v, %v", vs, err)
		}
		rec, err := s.SchemaByID(ctx, ".", 1)
		if err != nil || rec.Schema != `"string"` {
			t.Fatalf("schema of the previous version after the upgrade: %+v, %v", rec, err)
		}
		// 0014 backfilled its GUID from the fingerprint, indexed.
		if want := "01234567-89ab-cdef-0123-456789abcdef"; rec.GUID != want {
			t.Errorf("GUID backfilled as %q, want %q", rec.GUID, want)
		}
		ids, err := s.SchemaGUIDs(ctx, "01234567-89ab-cdef-0123-456789abcdef")
		if err != nil || len(ids) != 1 || ids[0] != (registry.ContextID{Context: ".", ID: 1}) {
			t.Errorf("SchemaGUIDs of the backfilled GUID = %+v, %v", ids, err)
		}
		before := readApplied(t, s.db)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		// Opening again changes nothing.
		s = openStore(t, dsn)
		after := readApplied(t, s.db)
		if len(before) != len(after) {
			t.Fatalf("reopening changed schema_migrations: %+v -> %+v", before, after)
		}
		for i := range before {
			if before[i] != after[i] {
				t.Fatalf("reopening changed schema_migrations: %+v -> %+v", before, after)
			}
		}
	})
}

// TestMigrateConcurrentStart opens one fresh database from several
// goroutines at once, as replicas starting together would.
func TestMigrateConcurrentStart(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		dsn := e.newDB(t)
		const starters = 6
		stores := make([]*Store, starters)
		errs := make([]error, starters)
		var wg sync.WaitGroup
		for i := range starters {
			wg.Go(func() {
				stores[i], errs[i] = Open(context.Background(), dsn, WithLogger(quietLogger()))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("starter %d: %v", i, err)
				continue
			}
			t.Cleanup(func() { _ = stores[i].Close() })
		}
		if t.Failed() {
			return
		}
		checkApplied(t, e, readApplied(t, stores[0].db))
	})
}

// TestMigrateRefusesEditedMigration checks that a database whose recorded
// checksum differs from the embedded migration is refused.
func TestMigrateRefusesEditedMigration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		dsn := e.newDB(t)
		s := openStore(t, dsn)
		if _, err := s.db.ExecContext(t.Context(), `UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1`); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		s2, err := Open(t.Context(), dsn, WithLogger(quietLogger()))
		if err == nil {
			_ = s2.Close()
			t.Fatal("Open accepted a database whose migration 1 has another checksum")
		}
		if !strings.Contains(err.Error(), "edited") {
			t.Fatalf("unexpected error: %v", err)
		}
	})
}

// TestMigrateNewerDatabase checks that a database migrated by a newer
// binary still opens (migrations are additive; a rolling upgrade restarts
// old replicas against it).
func TestMigrateNewerDatabase(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		dsn := e.newDB(t)
		s := openStore(t, dsn)
		d := s.d
		if _, err := s.db.ExecContext(t.Context(),
			d.rebind(`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)`),
			999, "from_the_future", "x", 1); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		s = openStore(t, dsn)
		if _, err := s.Contexts(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}
