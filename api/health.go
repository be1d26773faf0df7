package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Health endpoints, for load balancers and Kubernetes probes (see
// docs/operations.md). All are served without credentials and never wait
// for the database longer than readyTimeout:
//
//	GET /health/live     200 while the process serves HTTP; no database call
//	GET /health/ready    200 when the database answers and its migrations
//	                     are current, else 503 (within 1.5 s of the database stalling)
//	GET /health/startup  503 until the first successful readiness check,
//	                     then 200 for good
//	GET /health, GET /v1/health   as /health/ready (kept for existing checks)
//
// Bodies are {"status":"UP"} or {"status":"DOWN","reason":"..."}; the
// reason is a fixed phrase, never the database's error text (that goes to
// the log).

// Readiness checks that the store can serve (sqlstore.Store.Ready).
type Readiness interface {
	Ready(ctx context.Context) error
}

// migrationsPending is implemented by an error that says the database's
// schema is behind (sqlstore.ErrMigrationsPending): the DOWN reason says so.
type migrationsPending interface{ MigrationsPending() bool }

// readyTimeout bounds one readiness check (Kubernetes' default probe
// timeout is 1 s). With readyCacheFor, a stalled database turns readiness
// to 503 at most 1.5 s after it stalls.
const readyTimeout = time.Second

// readyCacheFor: a result this fresh answers concurrent probes without
// another database call.
const readyCacheFor = 500 * time.Millisecond

// readiness runs checks one at a time and shares recent results.
type readiness struct {
	check   func(context.Context) error
	log     *slog.Logger // transitions (ready, not ready) are logged
	mu      sync.Mutex   // held while a check runs
	at      time.Time
	last    error
	started atomic.Bool // a check has succeeded once
}

func (rd *readiness) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	done := make(chan struct{})
	var err error
	go func() { // the lock may be held by a check still running: wait at most until ctx ends
		defer close(done)
		rd.mu.Lock()
		defer rd.mu.Unlock()
		if time.Since(rd.at) < readyCacheFor {
			err = rd.last
			return
		}
		if ctx.Err() != nil {
			err = ctx.Err()
			return
		}
		err = rd.check(ctx)
		if changed := (err == nil) != (rd.last == nil) || rd.at.IsZero(); changed && rd.log != nil {
			if err != nil {
				rd.log.Warn("readiness: not ready", "err", err) // the details a 503 body does not carry
			} else {
				rd.log.Info("readiness: ready")
			}
		}
		rd.at, rd.last = time.Now(), err
		if err == nil {
			rd.started.Store(true)
		}
	}()
	select {
	case <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startup answers GET /health/startup: up once the server has started,
// until then as ready does.
func (s *Server) startup(w http.ResponseWriter, r *http.Request) {
	if s.ready.started.Load() {
		s.writeJSON(w, 200, map[string]string{"status": "UP"})
		return
	}
	s.health(w, r)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if err := s.ready.ready(r.Context()); err != nil {
		reason := "the database is unavailable"
		var mp migrationsPending
		if errors.As(err, &mp) && mp.MigrationsPending() {
			reason = "database migrations are pending"
		}
		s.writeJSON(w, 503, map[string]string{"status": "DOWN", "reason": reason})
		return
	}
	s.writeJSON(w, 200, map[string]string{"status": "UP"})
}
