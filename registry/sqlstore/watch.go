package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accord/accord/registry"
)

// channel is the PostgreSQL NOTIFY channel of committed changes.
const channel = "accord_changes"

// maxPayload keeps NOTIFY payloads under PostgreSQL's 8000-byte limit.
const maxPayload = 7900

// Reconnect backoff of Watch.
const (
	watchBackoff    = 100 * time.Millisecond
	watchMaxBackoff = 10 * time.Second
	// watchPingTimeout bounds the listener's ping (see watchPing).
	watchPingTimeout = 2 * time.Second
)

// watchPing is how long the listener waits for a notification before it
// pings its connection (a variable for tests).
var watchPing = 5 * time.Second

// notice is the NOTIFY payload.
type notice struct {
	Instance string `json:"i"`            // the Store that committed
	Context  string `json:"c,omitempty"`  // its context
	Subject  string `json:"s,omitempty"`  // its subject, "" for context-wide settings
	Stream   string `json:"st,omitempty"` // or the stream contract it wrote (DB.NotifyStream)
	All      bool   `json:"a,omitempty"`  // the names did not fit: anything may have changed
	// At is when the change was queued, in Unix milliseconds, for the
	// change-feed lag metric (0 from replicas that predate it).
	At int64 `json:"t,omitempty"`
}

// notice is the NOTIFY payload announcing a change of (regCtx, name),
// name "" for context-wide settings; countChanges queues it in the
// transaction, and PostgreSQL delivers it at commit.
func (s *Store) notice(regCtx, name string) (string, error) {
	payload, err := json.Marshal(notice{Instance: s.id, Context: regCtx, Subject: name, At: time.Now().UnixMilli()})
	if err != nil {
		return "", fmt.Errorf("sqlstore: notify: %w", err)
	}
	if len(payload) > maxPayload {
		payload, _ = json.Marshal(notice{Instance: s.id, All: true, At: time.Now().UnixMilli()})
	}
	return string(payload), nil
}

// NotifyStream queues, in tx, the change-feed notice that the stream
// contract called name changed (package contracts' store calls it in
// each stream write), delivered to the other replicas' Watch when tx
// commits. On SQLite, where one process serves the database, it does
// nothing.
func (db DB) NotifyStream(ctx context.Context, tx *sql.Tx, name string) error {
	return db.send(ctx, tx, notice{Stream: name}, "stream "+name)
}

// Notify queues in tx a change notice that the other processes sharing
// the PostgreSQL database receive through Watch, as registry.Change{Context:
// topic, Subject: key}, when tx commits: how another service keeping
// state in memory (lineage's index) tells its replicas what changed.
// topic must not be a registry context (start it without a dot), so the
// registry's caches ignore it. On SQLite (one process) it does nothing.
//
// tx may also be a pgx batch a store sends through Pipeline, wrapped to
// queue what it is given (an Execer).
func (db DB) Notify(ctx context.Context, tx Execer, topic, key string) error {
	return db.send(ctx, tx, notice{Context: topic, Subject: key}, topic+" "+key)
}

// send queues n in tx, or a notice to drop everything when n is too long
// for NOTIFY.
func (db DB) send(ctx context.Context, tx Execer, n notice, what string) error {
	if db.d == nil || !db.d.postgres() {
		return nil
	}
	n.Instance, n.At = db.id, time.Now().UnixMilli()
	payload, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("sqlstore: notify: %w", err)
	}
	if len(payload) > maxPayload {
		payload, _ = json.Marshal(notice{Instance: db.id, All: true, At: n.At})
	}
	if _, err := tx.ExecContext(ctx, db.d.rebind(`SELECT pg_notify(?, ?)`), channel, string(payload)); err != nil {
		return fmt.Errorf("sqlstore: notify change of %s: %w", what, err)
	}
	return nil
}

// Watch calls fn for each change committed by another Store sharing the
// PostgreSQL database, until ctx ends or the Store is closed; it then
// returns nil. It reports the zero registry.Change each time it starts
// listening (first and after each reconnect), since changes made while
// it was not listening are lost: the caller should drop its caches. fn is
// called from one goroutine, in commit order. On SQLite Watch returns nil
// at once.
func (s *Store) Watch(ctx context.Context, fn func(registry.Change)) error {
	if !s.d.postgres() {
		return nil
	}
	cfg, err := pgx.ParseConfig(s.dsn)
	if err != nil {
		return fmt.Errorf("sqlstore: watch: %w", err)
	}
	cfg.RuntimeParams["application_name"] = "accord-watch"
	cfg.ConnectTimeout = s.dl.call

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.closing, cancel)
	defer stop()

	backoff := watchBackoff
	for {
		listened, err := s.listen(ctx, cfg, fn)
		if s.obs != nil {
			s.obs.FeedUp(false)
		}
		if ctx.Err() != nil {
			return nil
		}
		if s.obs != nil {
			s.obs.FeedReconnect()
		}
		if listened {
			backoff = watchBackoff
		}
		fn(registry.Change{Lost: true}) // caches stop serving until we listen again
		s.log.Warn("watch: listener connection failed, reconnecting", "err", err, "retry_in", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil
		}
		backoff = min(2*backoff, watchMaxBackoff)
	}
}

// listen runs one LISTEN connection until it fails or ctx ends. listened
// reports whether LISTEN succeeded.
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig, fn func(registry.Change)) (listened bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	listenCtx, cancel := context.WithTimeout(ctx, s.dl.call)
	_, err = conn.Exec(listenCtx, "LISTEN "+channel)
	cancel()
	if err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	s.log.Debug("watch: listening", "channel", channel)
	if s.obs != nil {
		s.obs.FeedUp(true)
	}
	fn(registry.Change{}) // anything may have changed before now
	for {
		// A frozen server keeps the TCP connection open (the kernel still
		// answers keepalives): when nothing arrives for a while (at most
		// the call deadline), check that the server answers at all.
		waitCtx, cancel := context.WithTimeout(ctx, min(watchPing, s.dl.call))
		n, err := conn.WaitForNotification(waitCtx)
		quiet := errors.Is(waitCtx.Err(), context.DeadlineExceeded)
		cancel()
		if err != nil && ctx.Err() == nil && quiet {
			// Quiet for watchPing: prove the connection alive, so a feed
			// that died silently (a half-open TCP connection) is noticed
			// within watchPing + watchPingTimeout, not never.
			pingCtx, cancel := context.WithTimeout(ctx, min(watchPingTimeout, s.dl.call))
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return true, fmt.Errorf("health check of the listener connection: %w", err)
			}
			continue
		}
		if err != nil {
			return true, fmt.Errorf("wait for notification: %w", err)
		}
		var msg notice
		if err := json.Unmarshal([]byte(n.Payload), &msg); err != nil {
			s.log.Warn("watch: ignoring malformed notification", "payload", n.Payload, "err", err)
			continue
		}
		if s.obs != nil && msg.At > 0 && msg.Instance != s.id {
			s.obs.FeedLag(time.Since(time.UnixMilli(msg.At)))
		}
		switch {
		case msg.Instance == s.id:
			// our own write
		case msg.All:
			fn(registry.Change{})
		default:
			fn(registry.Change{Context: msg.Context, Subject: msg.Subject, Stream: msg.Stream})
		}
	}
}
