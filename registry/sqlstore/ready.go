package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/accord/accord/migrations"
)

// ErrMigrationsPending: the database's schema is older than this binary's
// migrations (Ready fails with it until they are applied).
var ErrMigrationsPending error = migrationsPendingError{}

type migrationsPendingError struct{}

func (migrationsPendingError) Error() string { return "sqlstore: database migrations are pending" }

// MigrationsPending lets callers that do not import sqlstore recognise it.
func (migrationsPendingError) MigrationsPending() bool { return true }

// Ready reports whether the store can serve: the database answers a query
// within ctx's deadline (and the store's call deadline), and every
// migration this binary knows is applied. It reads through the read pool,
// so a long write queue on SQLite does not make the store look down.
func (s *Store) Ready(ctx context.Context) error {
	all, err := migrations.For(s.d.name)
	if err != nil {
		return fmt.Errorf("sqlstore: ready: %w", err)
	}
	var newest sql.NullInt64
	if err := s.readDB.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("sqlstore: ready: database unavailable: %w", err)
	}
	if int(newest.Int64) < len(all) {
		return fmt.Errorf("%w: database at version %d, this binary needs %d", ErrMigrationsPending, newest.Int64, len(all))
	}
	return nil
}
