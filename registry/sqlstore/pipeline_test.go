package sqlstore

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/registry"
)

// tripCounter counts pgx round trips: a statement on its own or a batch.
type tripCounter struct{ n atomic.Int64 }

func (c *tripCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (*tripCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *tripCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (*tripCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (*tripCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// openCounting opens dsn counting its round trips, and closes it when t
// ends.
func openCounting(t *testing.T, dsn string) (*Store, *tripCounter) {
	t.Helper()
	trips := &tripCounter{}
	s, err := Open(t.Context(), dsn, WithLogger(quietLogger()), WithQueryTracer(trips))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, trips
}

// A registration's transaction on PostgreSQL, its reads announced, makes
// three round trips (BEGIN, lock and reads; the id; the writes and
// COMMIT), answers the announced reads as read under the lock, and
// stores what it queued; a read the transaction makes after queuing
// writes sees them.
func TestPostgresPipelinedTransaction(t *testing.T) {
	s, trips := openCounting(t, newPostgresSchema(t))
	ctx := t.Context()
	levels := []registry.Name{{Context: ".", Subject: ""}, {Context: ".", Subject: "p-value"}}
	register := func(subject, text string, check func(tx registry.Tx) error) (int64, int) {
		t.Helper()
		var (
			id      int64
			version int
		)
		ra := registry.WithReadAhead(ctx, registry.ReadAhead{Levels: levels, Versions: true, Fingerprint: "fp-" + text})
		err := s.Update(ra, ".", subject, func(rtx registry.Tx) error {
			tx := rtx.(*tx)
			if _, err := tx.Settings(ctx, levels); err != nil {
				return err
			}
			vs, err := tx.Versions(ctx, ".", subject, true)
			if err != nil {
				return err
			}
			if _, err := tx.SchemaByFingerprint(ctx, ".", "fp-"+text); !errors.Is(err, registry.ErrNotFound) {
				return errors.New("the schema is not new")
			}
			rec, err := tx.InsertSchemaRecord(registry.SchemaRecord{Type: "AVRO", Schema: text, Fingerprint: "fp-" + text})
			if err != nil {
				return err
			}
			id = rec.ID
			if version, err = tx.AppendVersion(id); err != nil {
				return err
			}
			if version != len(vs)+1 {
				t.Errorf("version %d after %d versions", version, len(vs))
			}
			if err := tx.AppendAudit(audit.Entry{Action: "schema.register", Target: subject}); err != nil {
				return err
			}
			if check != nil {
				return check(tx)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("register %s: %v", subject, err)
		}
		return id, version
	}
	register("p-value", "first", nil) // the context's id counter is committed: ids come from the allocator

	before := trips.n.Load()
	id, version := register("p-value", "second", nil)
	if got := trips.n.Load() - before; got != 3 {
		t.Errorf("a registration made %d round trips, want 3 (BEGIN+lock+reads, id, writes+COMMIT)", got)
	}
	if version != 2 {
		t.Errorf("version %d, want 2", version)
	}
	vs, err := s.Versions(ctx, ".", "p-value", true)
	if err != nil || len(vs) != 2 || vs[1].SchemaID != id {
		t.Fatalf("stored versions %+v (%v), want the second with schema %d", vs, err, id)
	}
	if c, err := s.Changes(ctx, ".", "p-value"); err != nil || c.Subject != 2 {
		t.Errorf("change counter %+v (%v), want 2", c, err)
	}

	// A read after queued writes sees them (the queue is sent first).
	register("p-value", "third", func(tx registry.Tx) error {
		vs, err := tx.Versions(ctx, ".", "p-value", true)
		if err != nil {
			return err
		}
		if len(vs) != 3 {
			t.Errorf("the transaction sees %d versions after queuing the third", len(vs))
		}
		return nil
	})

	// A failure after queued writes keeps none of them.
	err = s.Update(ctx, ".", "p-value", func(rtx registry.Tx) error {
		tx := rtx.(*tx)
		if _, err := tx.Versions(ctx, ".", "p-value", true); err != nil {
			return err
		}
		rec, err := tx.InsertSchemaRecord(registry.SchemaRecord{Type: "AVRO", Schema: "refused", Fingerprint: "fp-refused"})
		if err != nil {
			return err
		}
		if _, err := tx.AppendVersion(rec.ID); err != nil {
			return err
		}
		return errors.New("refused")
	})
	if err == nil || err.Error() != "refused" {
		t.Fatalf("refused write: %v", err)
	}
	if _, err := s.SchemaByFingerprint(ctx, ".", "fp-refused"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("the refused schema was stored: %v", err)
	}
	if vs, _ := s.Versions(ctx, ".", "p-value", true); len(vs) != 3 {
		t.Errorf("%d versions after the refused write, want 3", len(vs))
	}
}
