package migrations

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"testing/fstest"

	_ "modernc.org/sqlite"
)

func TestForBothDialects(t *testing.T) {
	for _, d := range []string{SQLite, Postgres} {
		ms, err := For(d)
		if err != nil {
			t.Fatalf("For(%s): %v", d, err)
		}
		if len(ms) < 2 {
			t.Fatalf("For(%s): %d migrations, want at least 2", d, len(ms))
		}
		for i, m := range ms {
			if m.Version != i+1 {
				t.Errorf("%s: migration %d has version %d", d, i, m.Version)
			}
			if m.Name == "" || m.SQL == "" || len(m.Checksum) != 64 {
				t.Errorf("%s: incomplete migration %+v", d, m)
			}
		}
		if ms[0].Name != "init" {
			t.Errorf("%s: first migration is %q, want init", d, ms[0].Name)
		}
	}
}

func TestForUnknownDialect(t *testing.T) {
	if _, err := For("mysql"); err == nil {
		t.Fatal("For(mysql) succeeded")
	}
}

func TestDialectOverride(t *testing.T) {
	fsys := fstest.MapFS{
		"0001_init.sql":            {Data: []byte("CREATE TABLE a (x TEXT);")},
		"0002_more.sql":            {Data: []byte("shared;")},
		"0002_more.postgres.sql":   {Data: []byte("pg only;")},
		"0003_pgonly.postgres.sql": {Data: []byte("pg step;")},
		"0003_pgonly.sqlite.sql":   {Data: []byte("-- nothing to do on sqlite")},
	}
	pg, err := load(fsys, Postgres)
	if err != nil {
		t.Fatal(err)
	}
	lite, err := load(fsys, SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) != 3 || len(lite) != 3 {
		t.Fatalf("got %d postgres and %d sqlite migrations, want 3 each", len(pg), len(lite))
	}
	if pg[1].SQL != "pg only;" || lite[1].SQL != "shared;" {
		t.Errorf("override not applied: postgres %q, sqlite %q", pg[1].SQL, lite[1].SQL)
	}
	if pg[2].Name != "pgonly" || lite[2].File != "0003_pgonly.sqlite.sql" {
		t.Errorf("unexpected version 3: %+v / %+v", pg[2], lite[2])
	}
	if pg[1].Checksum == lite[1].Checksum {
		t.Error("different SQL has the same checksum")
	}
}

func TestMalformed(t *testing.T) {
	cases := map[string]fstest.MapFS{
		"gap": {
			"0001_init.sql": {Data: []byte("x")},
			"0003_late.sql": {Data: []byte("x")},
		},
		"bad name": {
			"init.sql": {Data: []byte("x")},
		},
		"not sql": {
			"0001_init.txt": {Data: []byte("x")},
		},
		"unknown dialect": {
			"0001_init.mysql.sql": {Data: []byte("x")},
		},
		"two names": {
			"0001_init.sql":           {Data: []byte("x")},
			"0001_start.postgres.sql": {Data: []byte("x")},
		},
		"missing for one dialect": {
			"0001_init.sql":        {Data: []byte("x")},
			"0002_pg.postgres.sql": {Data: []byte("x")},
		},
		"zero version": {
			"0000_init.sql": {Data: []byte("x")},
		},
	}
	for name, fsys := range cases {
		t.Run(name, func(t *testing.T) {
			_, errLite := load(fsys, SQLite)
			_, errPG := load(fsys, Postgres)
			if errLite == nil && errPG == nil {
				t.Fatal("accepted malformed migrations")
			}
		})
	}
}

// TestSQLiteSyntax applies every migration to an in-memory SQLite database.
// The PostgreSQL side is exercised by the registry/sqlstore tests, which
// run against a real server.
func TestSQLiteSyntax(t *testing.T) {
	ms, err := For(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", ":memory:?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database
	ctx := context.Background()
	for _, m := range ms {
		if _, err := db.ExecContext(ctx, m.SQL); err != nil {
			t.Fatalf("%s: %v", m.File, err)
		}
	}
	// Each migration's tables must exist; later migrations add more.
	want := []string{"api_tokens", "configs", "contexts", "modes", "principals", "schema_references", "schemas", "subjects", "versions"}
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("tables %v, want %s among them", got, w)
		}
	}
}
