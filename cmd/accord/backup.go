package main

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

	"github.com/accord/accord/auth"
	"github.com/accord/accord/backup"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry/sqlstore"
)

// newBackups is the server's admin dump and import service: after an
// import it reloads the lineage index and tells the stream and credential
// caches that rows changed under them.
func newBackups(store *sqlstore.Store, graph *lineage.Service, streams *contracts.Service, authn *auth.Authenticator, log *slog.Logger) *backup.Service {
	return backup.NewService(store.DB(), func(ctx context.Context) {
		streams.Invalidate()
		if authn != nil {
			authn.PurgeCache()
		}
		if err := graph.Reload(ctx); err != nil {
			log.Warn("reloading the lineage index after an import", slog.Any("err", err))
		}
	})
}

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

func cliBackup(args []string) int {
	fs := newFlagSet("backup", backupUsage)
	out := fs.String("o", "", "write the backup to FILE (\"-\": stdout)")
	dataDir := fs.String("data-dir", envOr("ACCORD_DATA_DIR", "./accord-data"), "SQLite data folder (env ACCORD_DATA_DIR)")
	dbURL := fs.String("database-url", os.Getenv("ACCORD_DATABASE_URL"), "PostgreSQL URL (env ACCORD_DATABASE_URL)")
	var cf clientFlags
	cf.register(fs)
	pos, code, done := parseVerb(fs, args)
	if done {
		return code
	}
	if *out == "" || len(pos) > 0 {
		fs.Usage()
		return exitCode("backup", usageErr("want -o FILE and no argument"))
	}
	viaServer := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "url" {
			viaServer = true
		}
	})
	ctx := context.Background()
	write := func(w io.Writer) error {
		if viaServer {
			cl, err := cf.resolve()
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
		if err := write(os.Stdout); err != nil {
			return exitCode("backup", err)
		}
		return exitOK
	}
	if err := writeAtomically(*out, write); err != nil {
		return exitCode("backup", err)
	}
	fmt.Fprintf(os.Stderr, "backup written to %s\n", *out)
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

func cliRestore(args []string) int {
	fs := newFlagSet("restore", restoreUsage)
	dataDir := fs.String("data-dir", envOr("ACCORD_DATA_DIR", "./accord-data"), "SQLite data folder (env ACCORD_DATA_DIR)")
	dbURL := fs.String("database-url", os.Getenv("ACCORD_DATABASE_URL"), "PostgreSQL URL (env ACCORD_DATABASE_URL)")
	force := fs.Bool("force", false, "replace the contents of a store that is not empty")
	pos, code, done := parseVerb(fs, args)
	if done {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitCode("restore", usageErr("want one backup FILE"))
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return exitCode("restore", usageErr("%w", err))
	}
	defer f.Close()
	target, where := *dataDir, *dataDir
	if *dbURL != "" {
		target, where = *dbURL, "the PostgreSQL database"
	}
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, target, sqlstore.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	if err != nil {
		return exitCode("restore", usageErr("%w", err))
	}
	defer store.Close()
	end, err := backup.Restore(ctx, store.DB(), f, backup.RestoreOptions{Force: *force})
	if err != nil {
		var ne *backup.NotEmptyError
		if errors.As(err, &ne) {
			return exitCode("restore", usageErr("%s: %w (--force)", where, err))
		}
		return exitCode("restore", fmt.Errorf("nothing was restored: %w", err))
	}
	fmt.Printf("restored %d rows of %d tables into %s\n", end.Rows, end.Tables, where)
	return exitOK
}

// raw sends a request whose body (contentType, may be nil) and answer are
// streams, for the dump endpoints; a non-2xx answer is an error as in do.
func (c *client) raw(ctx context.Context, method, path, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, usageErr("building request %s %s: %w", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "accord-cli/"+version)
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.user != "":
		req.SetBasicAuth(c.user, c.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &cliError{exitUsage, fmt.Errorf("connecting to %s: %w", c.base, err)}
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
