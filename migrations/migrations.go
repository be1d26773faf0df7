// Package migrations holds Accord's SQL schema as versioned migrations,
// embedded in the binary.
//
// Files are named NNNN_name.sql, where NNNN is the version (1, 2, ... with
// no gaps). A migration is written once and runs unchanged on SQLite and
// PostgreSQL. Where the two dialects cannot share a statement, a
// per-dialect file NNNN_name.sqlite.sql or NNNN_name.postgres.sql replaces
// the shared file for that dialect only; keep such files minimal and say
// in them why they exist. A dialect file with no shared file of the same
// version is allowed (a step one engine needs and the other does not)
// provided the other dialect has a file for that version too.
//
// This package only lists the migrations; the runner that applies them at
// start-up, inside transactions and recording them in schema_migrations,
// lives with the SQL store (registry/sqlstore). An applied migration must
// never be edited: the runner compares checksums and refuses to start on a
// database whose history does not match the binary.
package migrations

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Dialects a migration may be specialised for.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

//go:embed *.sql
var files embed.FS

// Migration is one step of the schema for one dialect.
type Migration struct {
	Version  int    // 1, 2, ...
	Name     string // the file name without version, dialect and extension, e.g. "init"
	File     string // the embedded file the SQL comes from
	SQL      string
	Checksum string // hex SHA-256 of SQL
}

// For returns the migrations for dialect (SQLite or Postgres) in version
// order. It fails if the embedded files are malformed: a bad name, a
// version gap, two files for one version and dialect, or one version with
// different names.
func For(dialect string) ([]Migration, error) {
	return load(files, dialect)
}

func load(fsys fs.FS, dialect string) ([]Migration, error) {
	if dialect != SQLite && dialect != Postgres {
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations: read embedded files: %w", err)
	}
	shared := map[int]Migration{}
	own := map[int]Migration{}
	names := map[int]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		version, name, fileDialect, err := parseName(e.Name())
		if err != nil {
			return nil, err
		}
		if prev, ok := names[version]; ok && prev != name {
			return nil, fmt.Errorf("migrations: version %d has two names, %q and %q", version, prev, name)
		}
		names[version] = name
		if fileDialect != "" && fileDialect != dialect {
			continue
		}
		text, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrations: read %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(text)
		m := Migration{
			Version:  version,
			Name:     name,
			File:     e.Name(),
			SQL:      string(text),
			Checksum: hex.EncodeToString(sum[:]),
		}
		target := shared
		if fileDialect != "" {
			target = own
		}
		if prev, ok := target[version]; ok {
			return nil, fmt.Errorf("migrations: %s and %s both define version %d", prev.File, m.File, version)
		}
		target[version] = m
	}
	out := make([]Migration, 0, len(names))
	for v, m := range shared {
		if _, ok := own[v]; !ok {
			out = append(out, m)
		}
	}
	for _, m := range own {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations: %s dialect: expected version %d, found %s", dialect, i+1, m.File)
		}
	}
	if len(out) != len(names) {
		return nil, fmt.Errorf("migrations: %s dialect has %d of %d versions", dialect, len(out), len(names))
	}
	return out, nil
}

// parseName splits "0001_init.sql" or "0001_init.postgres.sql".
func parseName(file string) (version int, name, dialect string, err error) {
	base, ok := strings.CutSuffix(file, ".sql")
	if !ok {
		return 0, "", "", fmt.Errorf("migrations: %s: not a .sql file", file)
	}
	if stem, d, found := strings.Cut(base, "."); found {
		if d != SQLite && d != Postgres {
			return 0, "", "", fmt.Errorf("migrations: %s: unknown dialect %q", file, d)
		}
		base, dialect = stem, d
	}
	num, name, found := strings.Cut(base, "_")
	if !found || len(num) != 4 || name == "" {
		return 0, "", "", fmt.Errorf("migrations: %s: want NNNN_name.sql", file)
	}
	version, err = strconv.Atoi(num)
	if err != nil || version < 1 {
		return 0, "", "", fmt.Errorf("migrations: %s: bad version %q", file, num)
	}
	return version, name, dialect, nil
}
