package backup

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/registry/sqlstore"
)

// ReadAction is the audit log's action for a dump read through the API
// (it may carry password and token hashes).
const ReadAction = "backup.read"

// Service serves the admin endpoints GET /v1/admin/dump and POST
// /v1/admin/import (see api/backup.go) from a running server's store.
type Service struct {
	db sqlstore.DB
	// afterImport refreshes what the server caches of imported rows
	// (lineage index, stream directory, credential cache).
	afterImport func(context.Context)
}

// NewService returns a Service over db; afterImport (may be nil) runs
// after each import that inserted rows.
func NewService(db sqlstore.DB, afterImport func(context.Context)) *Service {
	return &Service{db: db, afterImport: afterImport}
}

// Dump writes a document of tables (every table when empty) from one
// snapshot, after recording who read it in the audit log. The snapshot is
// read-only and ended by ctx alone (the caller bounds the download), not by
// the per-call deadline: a large registry's dump takes longer than that.
func (s *Service) Dump(ctx context.Context, out io.Writer, tables []string, kind string) error {
	snap, err := OpenSnapshot(sqlstore.WithoutDeadline(ctx), s.db)
	if err != nil {
		return err
	}
	defer snap.Close()
	for _, t := range tables {
		if !slices.Contains(snap.Tables, t) {
			return fmt.Errorf("%w: no table %s", ErrInvalid, t)
		}
	}
	if err := s.record(ctx, tables); err != nil {
		return err
	}
	if len(tables) == 0 {
		tables = snap.Tables
	}
	w, err := NewWriter(out, Header{Kind: kind, Engine: snap.Engine(), SchemaVersion: snap.Version})
	if err != nil {
		return err
	}
	if err := snap.WriteTables(sqlstore.WithoutDeadline(ctx), w, tables); err != nil {
		return err
	}
	return w.Close()
}

func (s *Service) record(ctx context.Context, tables []string) error {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording the dump: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	what := "all"
	if len(tables) > 0 {
		what = strings.Join(tables, ",")
	}
	if err := audit.Append(ctx, tx, s.db.Rebind, audit.Entry{Action: ReadAction, Target: what}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recording the dump: %w", err)
	}
	return nil
}

// Import applies an import document (see Import) and refreshes caches.
func (s *Service) Import(ctx context.Context, in io.Reader, origin string) (map[string]*Counts, error) {
	counts, err := Import(ctx, s.db, in, origin)
	if err != nil {
		return nil, err
	}
	if s.afterImport != nil {
		s.afterImport(ctx)
	}
	return counts, nil
}
