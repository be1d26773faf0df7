package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/registry"
)

// watcher runs s.Watch in the background and collects what it reports.
type watcher struct {
	changes chan registry.Change
	done    chan error
	cancel  context.CancelFunc
}

func startWatch(t *testing.T, s *Store) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{changes: make(chan registry.Change, 100), done: make(chan error, 1), cancel: cancel}
	go func() { w.done <- s.Watch(ctx, func(c registry.Change) { w.changes <- c }) }()
	t.Cleanup(func() {
		cancel()
		<-w.done
	})
	return w
}

// next returns the next change, failing after a timeout.
func (w *watcher) next(t *testing.T) registry.Change {
	t.Helper()
	select {
	case c := <-w.changes:
		return c
	case err := <-w.done:
		t.Fatalf("Watch returned early: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("no change reported within 15s")
	}
	return registry.Change{}
}

func (w *watcher) expect(t *testing.T, want registry.Change) {
	t.Helper()
	if got := w.next(t); got != want {
		t.Fatalf("Watch reported %+v, want %+v", got, want)
	}
}

// quiet fails if anything is reported within d.
func (w *watcher) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case c := <-w.changes:
		t.Fatalf("unexpected change %+v", c)
	case <-time.After(d):
	}
}

func registerOne(t *testing.T, s *Store, regCtx, subject, text string) {
	t.Helper()
	err := s.Update(t.Context(), regCtx, subject, func(tx registry.Tx) error {
		id, err := tx.InsertSchema(registry.SchemaRecord{Type: "AVRO", Schema: text, Fingerprint: "fp " + text})
		if err != nil {
			return err
		}
		v, err := tx.NextVersion()
		if err != nil {
			return err
		}
		return tx.InsertVersion(registry.VersionRecord{Version: v, SchemaID: id})
	})
	if err != nil {
		t.Fatalf("register %s in %s: %v", subject, regCtx, err)
	}
}

// TestPostgresWatch checks that one store's Watch reports what another
// store commits, in commit order, and not its own writes.
func TestPostgresWatch(t *testing.T) {
	dsn := newPostgresSchema(t)
	a, b := openStore(t, dsn), openStore(t, dsn)
	w := startWatch(t, b)
	w.expect(t, registry.Change{}) // listening: drop caches

	// b's own write is not reported; a's, committed after it, is next.
	registerOne(t, b, ".", "own-value", "own")
	registerOne(t, a, ".team", "orders-value", "orders")
	w.expect(t, registry.Change{Context: ".team", Subject: "orders-value"})

	// Context-wide settings.
	err := a.Update(t.Context(), ".", "", func(tx registry.Tx) error {
		return tx.PutConfig("", json.RawMessage(`{"compatibilityLevel":"FULL"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	w.expect(t, registry.Change{Context: ".", Subject: ""})

	// Every subject a transaction wrote is reported, in name order (and
	// only those: the context it locked but did not write is not).
	err = a.Update(t.Context(), ".", "", func(tx registry.Tx) error {
		if err := tx.PutMode("b-value", "READONLY"); err != nil {
			return err
		}
		return tx.PutMode("a-value", "READONLY")
	})
	if err != nil {
		t.Fatal(err)
	}
	w.expect(t, registry.Change{Context: ".", Subject: "a-value"})
	w.expect(t, registry.Change{Context: ".", Subject: "b-value"})

	// A rolled-back transaction notifies nobody.
	abort := errors.New("abort")
	err = a.Update(t.Context(), ".", "rolled-back-value", func(tx registry.Tx) error { return abort })
	if !errors.Is(err, abort) {
		t.Fatalf("Update: %v", err)
	}
	registerOne(t, a, ".", "marker-value", "marker")
	w.expect(t, registry.Change{Context: ".", Subject: "marker-value"})

	// A subject name too long for a NOTIFY payload still tells b that
	// something changed.
	long := strings.Repeat("x", 8000)
	registerOne(t, a, ".", long, "long")
	w.expect(t, registry.Change{})

	// Watch ends with its context.
	w.cancel()
	select {
	case err := <-w.done:
		if err != nil {
			t.Fatalf("Watch returned %v after its context ended", err)
		}
		w.done <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return after its context ended")
	}
	w.quiet(t, 100*time.Millisecond)
}

// TestPostgresWatchReconnects kills the listening connection and checks
// that Watch reconnects, says that changes may have been missed, and
// reports later changes.
func TestPostgresWatchReconnects(t *testing.T) {
	dsn := newPostgresSchema(t)
	a, b := openStore(t, dsn), openStore(t, dsn)
	w := startWatch(t, b)
	w.expect(t, registry.Change{})

	res, err := a.db.ExecContext(t.Context(), `
		SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'accord-watch'`)
	if err != nil {
		t.Fatalf("terminate the listener: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("terminated %d listener connections, want 1", n)
	}
	w.expect(t, registry.Change{Lost: true}) // down: caches must not serve
	w.expect(t, registry.Change{})           // reconnected: anything may have changed

	registerOne(t, a, ".", "after-reconnect-value", "after")
	w.expect(t, registry.Change{Context: ".", Subject: "after-reconnect-value"})
}

// TestPostgresWatchStopsOnClose checks that closing the store ends Watch.
func TestPostgresWatchStopsOnClose(t *testing.T) {
	dsn := newPostgresSchema(t)
	s, err := Open(t.Context(), dsn, WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, s)
	w.expect(t, registry.Change{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-w.done:
		if err != nil {
			t.Fatalf("Watch returned %v after Close", err)
		}
		w.done <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return after Close")
	}
}

func TestSQLiteWatchReturnsAtOnce(t *testing.T) {
	s := openStore(t, t.TempDir())
	done := make(chan error, 1)
	go func() {
		done <- s.Watch(t.Context(), func(registry.Change) { t.Error("SQLite Watch reported a change") })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Watch: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SQLite Watch did not return at once")
	}
}

// TestPostgresWatchPingsQuietFeed checks that a feed with nothing to
// report proves its connection alive (watchPing) and keeps listening on
// it: no loss reported, later changes still arrive.
func TestPostgresWatchPingsQuietFeed(t *testing.T) {
	old := watchPing
	watchPing = 50 * time.Millisecond
	t.Cleanup(func() { watchPing = old })
	dsn := newPostgresSchema(t)
	a, b := openStore(t, dsn), openStore(t, dsn)
	w := startWatch(t, b)
	w.expect(t, registry.Change{})
	w.quiet(t, 400*time.Millisecond) // several pings, no reconnection
	registerOne(t, a, ".", "after-quiet-value", "after")
	w.expect(t, registry.Change{Context: ".", Subject: "after-quiet-value"})
}

// TestPostgresWatchStreams: a stream notice (DB.NotifyStream, what the
// contracts store queues in each stream write) reaches the other store's
// Watch as a Change naming the stream, when its transaction commits, and
// not the store's own; a rolled-back one reaches nobody.
func TestPostgresWatchStreams(t *testing.T) {
	dsn := newPostgresSchema(t)
	a, b := openStore(t, dsn), openStore(t, dsn)
	w := startWatch(t, b)
	w.expect(t, registry.Change{}) // listening
	notify := func(s *Store, name string, commit bool) {
		t.Helper()
		db := s.DB()
		tx, err := db.Write.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.NotifyStream(t.Context(), tx, name); err != nil {
			t.Fatal(err)
		}
		if !commit {
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	notify(b, "own-stream", true)
	notify(a, "rolled-back", false)
	notify(a, "orders", true)
	w.expect(t, registry.Change{Stream: "orders"})
	w.quiet(t, 200*time.Millisecond)
}
