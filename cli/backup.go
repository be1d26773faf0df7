package cli

// accord backup / accord restore: a consistent copy of a whole store, and
// its restore into an empty one (package backup has the format).

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/accord/accord/backup"
	"github.com/accord/accord/registry/sqlstore"
)

const backupUsage = `Usage: accord backup -o FILE [--data-dir DIR | --database-url URL | --url URL]

Writes a consistent copy of the whole store (schemas with their ids and
versions, deleted ones too, configs, modes, streams, lineage, principals
with their password and token hashes, proposals, the audit log) as one
versioned document (see docs/backup.md), while the server keeps running.

The store is read directly: SQLite's accord.db is opened read-only, beside
a running accord serve (its data-folder lock is not taken); PostgreSQL is
read in one REPEATABLE READ, READ ONLY transaction. With --url the backup
is read through a server instead (GET /v1/admin/dump, admin only, audited).

FILE is written as FILE.tmp and renamed when complete; "-" writes stdout.
The file holds password and token hashes: keep it as you keep the
database.

Examples:
  accord backup -o accord-2026-12-04.backup                      # ./accord-data
  accord backup --data-dir /var/lib/accord -o /backups/accord.backup
  accord backup --database-url postgres://accord@db/accord -o accord.backup
  accord backup --url https://accord:8081 --token "$ADMIN_TOKEN" -o accord.backup
`

const restoreUsage = `Usage: accord restore FILE [--data-dir DIR | --database-url URL] [--force]

Restores a backup made by accord backup into an empty store, in one
transaction: everything or nothing. A store that holds anything is
refused (naming what it holds) unless --force, which replaces all of it,
its audit log included. Stop the servers of the store first (their caches
would not see the restore), or restore into a new database.

Examples:
  accord restore accord.backup --data-dir /var/lib/accord-new
  accord restore accord.backup --database-url postgres://accord@db/accord_restored
`

func (r *runner) backup(ctx context.Context, args []string) int {
	fs := r.newFlagSet("backup", backupUsage)
	out := fs.String("o", "", "write the backup to FILE (\"-\": stdout)")
	dataDir := fs.String("data-dir", r.envOr("ACCORD_DATA_DIR", "./accord-data"), "SQLite data folder (env ACCORD_DATA_DIR)")
	dbURL := fs.String("database-url", r.getenv("ACCORD_DATABASE_URL"), "PostgreSQL URL (env ACCORD_DATABASE_URL)")
	var cf clientFlags
	cf.register(fs)
	pos, code, done := r.parseVerb(fs, args)
	if done {
		return code
	}
	if *out == "" || len(pos) > 0 {
		fs.Usage()
		return r.exit("backup", usageErr("want -o FILE and no argument"))
	}
	viaServer := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "url" {
			viaServer = true
		}
	})
	write := func(w io.Writer) error {
		if viaServer {
			cl, err := cf.resolve(r.getenv)
			if err != nil {
				return err
			}
			return dumpFromServer(ctx, cl, "", backup.KindBackup, w)
		}
		target := *dataDir
		if *dbURL != "" {
			target = *dbURL
		}
		db, closeDB, err := sqlstore.OpenReadOnly(ctx, target)
		if err != nil {
			return usageErr("%w", err)
		}
		defer closeDB()
		_, err = backup.Backup(ctx, db, w)
		return err
	}
	if *out == "-" {
		if err := write(r.stdout); err != nil {
			return r.exit("backup", err)
		}
		return exitOK
	}
	if err := writeAtomically(*out, write); err != nil {
		return r.exit("backup", err)
	}
	fmt.Fprintf(r.stderr, "backup written to %s\n", *out)
	return exitOK
}

// writeAtomically writes path through path.tmp, synced and renamed once
// complete, so an interrupted backup never leaves a file that looks whole.
func writeAtomically(path string, write func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return usageErr("creating %s: %w", tmp, err)
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// dumpFromServer copies GET /v1/admin/dump (tables: all when "") to w.
func dumpFromServer(ctx context.Context, cl *client, tables, kind string, w io.Writer) error {
	path := "/v1/admin/dump?kind=" + kind
	if tables != "" {
		path += "&tables=" + tables
	}
	resp, err := cl.raw(ctx, http.MethodGet, path, "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("reading the dump from %s: %w", cl.base, err)
	}
	return nil
}

func (r *runner) restore(ctx context.Context, args []string) int {
	fs := r.newFlagSet("restore", restoreUsage)
	dataDir := fs.String("data-dir", r.envOr("ACCORD_DATA_DIR", "./accord-data"), "SQLite data folder (env ACCORD_DATA_DIR)")
	dbURL := fs.String("database-url", r.getenv("ACCORD_DATABASE_URL"), "PostgreSQL URL (env ACCORD_DATABASE_URL)")
	force := fs.Bool("force", false, "replace the contents of a store that is not empty")
	pos, code, done := r.parseVerb(fs, args)
	if done {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return r.exit("restore", usageErr("want one backup FILE"))
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return r.exit("restore", usageErr("%w", err))
	}
	defer f.Close()
	target, where := *dataDir, *dataDir
	if *dbURL != "" {
		target, where = *dbURL, "the PostgreSQL database"
	}
	store, err := sqlstore.Open(ctx, target, sqlstore.WithLogger(slog.New(slog.NewTextHandler(r.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	if err != nil {
		return r.exit("restore", usageErr("%w", err))
	}
	defer store.Close()
	end, err := backup.Restore(ctx, store.DB(), f, backup.RestoreOptions{Force: *force})
	if err != nil {
		var ne *backup.NotEmptyError
		if errors.As(err, &ne) {
			return r.exit("restore", usageErr("%s: %w (--force)", where, err))
		}
		return r.exit("restore", fmt.Errorf("nothing was restored: %w", err))
	}
	fmt.Fprintf(r.stdout, "restored %d rows of %d tables into %s\n", end.Rows, end.Tables, where)
	return exitOK
}

// raw sends a request whose body (contentType, may be nil) and answer are
// streams, for the dump endpoints; a non-2xx answer is an error as in do.
func (c *client) raw(ctx context.Context, method, path, contentType string, body io.Reader) (*http.Response, error) {
	resp, err := c.send(ctx, method, path, contentType, body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	ae := &apiError{Method: method, Path: path, Status: resp.StatusCode}
	_ = json.Unmarshal(raw, ae)
	if resp.StatusCode == 401 || resp.StatusCode == 403 || resp.StatusCode == 404 {
		// Credentials or a server without the endpoint: fix and rerun.
		return nil, &cliError{exitUsage, ae}
	}
	return nil, ae
}
