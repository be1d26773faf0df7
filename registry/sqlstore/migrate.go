package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/accord/accord/migrations"
)

// migrationLock is the PostgreSQL advisory lock key that serialises
// migrations of processes starting at the same time ("accord" in ASCII).
const migrationLock int64 = 0x6163636f7264

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	checksum   TEXT    NOT NULL,
	applied_at BIGINT  NOT NULL
)`

// migrate applies the embedded migrations up to version target (0: all)
// that db has not run yet. Each runs in its own transaction together with
// its schema_migrations row; on PostgreSQL the transaction first takes an
// advisory lock, on SQLite BEGIN IMMEDIATE holds the database, so
// processes starting together apply each migration once. A migration
// already applied must have the checksum of the embedded file.
func migrate(ctx context.Context, db *sql.DB, d *dialect, log *slog.Logger, target int) error {
	all, err := migrations.For(d.name)
	if err != nil {
		return err
	}
	todo := all
	if target > 0 && target < len(all) {
		todo = all[:target]
	}
	for _, m := range todo {
		if err := migrateOne(ctx, db, d, log, m); err != nil {
			return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	var newest sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if newest.Valid && int(newest.Int64) > len(all) {
		// A newer binary upgraded the database. Migrations are additive, so
		// keep running (a rolling upgrade restarts old replicas), but say so.
		log.Warn("database schema is newer than this binary", "database_version", newest.Int64, "binary_version", len(all))
	}
	return nil
}

func migrateOne(ctx context.Context, db *sql.DB, d *dialect, log *slog.Logger, m migrations.Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if d.postgres() {
		if _, err := tx.ExecContext(ctx, d.rebind(`SELECT pg_advisory_xact_lock(?)`), migrationLock); err != nil {
			return fmt.Errorf("take migration lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var checksum string
	err = tx.QueryRowContext(ctx, d.rebind(`SELECT checksum FROM schema_migrations WHERE version = ?`), m.Version).Scan(&checksum)
	switch {
	case err == nil:
		if checksum != m.Checksum {
			return fmt.Errorf("applied with checksum %s but %s has %s: an applied migration was edited", checksum, m.File, m.Checksum)
		}
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	start := time.Now()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("apply %s: %w", m.File, err)
	}
	if _, err := tx.ExecContext(ctx,
		d.rebind(`INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)`),
		m.Version, m.Name, m.Checksum, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("record in schema_migrations: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	log.Info("applied migration", "version", m.Version, "name", m.Name, "took", time.Since(start))
	return nil
}
