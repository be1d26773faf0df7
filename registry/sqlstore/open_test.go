package sqlstore

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOpenRejectsEmptyDSN(t *testing.T) {
	if s, err := Open(t.Context(), ""); err == nil {
		_ = s.Close()
		t.Fatal("Open(\"\") succeeded")
	}
}

func TestIsPostgresURL(t *testing.T) {
	for dsn, want := range map[string]bool{
		"postgres://u@h/db":        true,
		"postgresql://u@h:5432/db": true,
		"/var/lib/accord":          false,
		"data":                     false,
		"postgres-data":            false,
		"mysql://u@h/db":           false,
	} {
		if got := IsPostgresURL(dsn); got != want {
			t.Errorf("IsPostgresURL(%q) = %t, want %t", dsn, got, want)
		}
	}
}

// TestSQLiteSettings checks the file location and the connection settings
// the durability and concurrency promises rest on.
func TestSQLiteSettings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	s := openStore(t, dir)
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Fatalf("database file: %v", err)
	}
	ctx := t.Context()
	for _, db := range []struct {
		name string
		q    querier
	}{{"writer", s.db}, {"reader", s.readDB}} {
		var journal string
		var synchronous, foreignKeys, busy int
		if err := db.q.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
			t.Fatal(err)
		}
		if err := db.q.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&synchronous); err != nil {
			t.Fatal(err)
		}
		if err := db.q.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&foreignKeys); err != nil {
			t.Fatal(err)
		}
		if err := db.q.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if journal != "wal" || synchronous != 2 || foreignKeys != 1 || busy <= 0 {
			t.Errorf("%s: journal_mode=%s synchronous=%d foreign_keys=%d busy_timeout=%d; want wal, 2 (FULL), 1, >0",
				db.name, journal, synchronous, foreignKeys, busy)
		}
	}
	// The read pool cannot write.
	if _, err := s.readDB.ExecContext(ctx, `INSERT INTO contexts (context, last_id) VALUES ('.x', 0)`); err == nil {
		t.Error("the read pool accepted a write")
	}
}

func TestRedact(t *testing.T) {
	got := redact("postgres://accord:secret@db:5432/accord?sslmode=disable")
	if got != "postgres://accord:xxxxx@db:5432/accord?sslmode=disable" {
		t.Errorf("redact: %s", got)
	}
}
