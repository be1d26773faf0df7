package contracts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accord/accord/registry"
)

// Snapshot is every stream contract at one moment, read-only, for the
// readers that need them all: the UI's lists, the lineage index, the
// notification lint and the validation hook's policies. One Snapshot is
// owned by the Service and replaced, never changed: a reader holds a
// consistent view for as long as it keeps the pointer, without locks.
//
// Writes do not decide from it: they decide from what their transaction
// reads (docs/consistency.md). Lints that read it are warnings only.
type Snapshot struct {
	version uint64
	// streams are sorted by name; their slices are shared between
	// snapshots, so nothing may change them.
	streams []Stream
	byName  map[string]int
}

// Version changes whenever the contents do.
func (s *Snapshot) Version() uint64 { return s.version }

// Len is the number of streams.
func (s *Snapshot) Len() int { return len(s.streams) }

// All returns the streams, by name. The slice and the streams are shared
// by every reader: read them, never change them.
func (s *Snapshot) All() []Stream { return s.streams }

// Get returns the stream called name; the result is shared (read-only).
func (s *Snapshot) Get(name string) (*Stream, bool) {
	i, ok := s.byName[name]
	if !ok {
		return nil, false
	}
	return &s.streams[i], true
}

// List returns copies of the streams matching f, by name.
func (s *Snapshot) List(f Filter) []Stream {
	out := []Stream{}
	for i := range s.streams {
		if f.Match(&s.streams[i]) {
			out = append(out, s.streams[i])
		}
	}
	return out
}

func newSnapshot(version uint64, streams []Stream) *Snapshot {
	slices.SortFunc(streams, func(a, b Stream) int { return strings.Compare(a.Name, b.Name) })
	s := &Snapshot{version: version, streams: streams, byName: make(map[string]int, len(streams))}
	for i := range streams {
		s.byName[streams[i].Name] = i
	}
	return s
}

// with returns a copy of s where the stream called name is st, or is
// gone when st is nil: copy on write, O(streams) memory moves and no
// database read.
func (s *Snapshot) with(version uint64, name string, st *Stream) *Snapshot {
	out := make([]Stream, 0, len(s.streams)+1)
	for i := range s.streams {
		if s.streams[i].Name != name {
			out = append(out, s.streams[i])
		}
	}
	if st != nil {
		out = append(out, *st)
	}
	return newSnapshot(version, out)
}

// lostMaxAge bounds how stale the snapshot may be served while the change
// feed is down: older, the next reader reloads it from the database.
const lostMaxAge = time.Second

// refreshTimeout bounds re-reading one stream after a write.
const refreshTimeout = 10 * time.Second

// snapshots keeps the Service's Snapshot current: it loads it on first
// use, re-reads one stream after each write through this Service and
// after each change of another replica the feed reports (Service.Changed),
// and reloads it all when the feed reconnects.
type snapshots struct {
	store Store
	log   *slog.Logger

	cur atomic.Pointer[Snapshot]
	// mu serialises updates: each one reads the database after taking
	// it, so the last update applied is from the last state committed.
	mu sync.Mutex
	// version is the last version handed out; it changes (under mu) on
	// every update, even one made before the first load.
	version  atomic.Uint64
	lost     bool      // under mu: the feed is down
	loadedAt time.Time // under mu: of the last full load

	// Changes of the feed wait here for the goroutine that applies them
	// (drain), so that the feed's goroutine, which also invalidates the
	// registry's caches, never waits on a database read of ours. Order
	// does not matter: each re-read reads the last state committed.
	pmu      sync.Mutex
	pending  map[string]bool // streams to re-read
	reload   bool            // the feed reconnected: reload it all
	draining bool            // a drain goroutine runs
}

// get returns the current snapshot, loading it when there is none yet, or
// when the feed is down and it is older than lostMaxAge.
func (sn *snapshots) get(ctx context.Context) (*Snapshot, error) {
	sn.mu.Lock()
	stale := sn.lost && time.Since(sn.loadedAt) >= lostMaxAge
	sn.mu.Unlock()
	if s := sn.cur.Load(); s != nil && !stale {
		return s, nil
	}
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if s := sn.cur.Load(); s != nil && !(sn.lost && time.Since(sn.loadedAt) >= lostMaxAge) {
		return s, nil // loaded by the reader before us
	}
	return sn.loadLocked(ctx)
}

func (sn *snapshots) loadLocked(ctx context.Context) (*Snapshot, error) {
	at := time.Now()
	all, err := sn.store.List(ctx, Filter{})
	if err != nil {
		return nil, fmt.Errorf("loading the contracts snapshot: %w", err)
	}
	s := newSnapshot(sn.version.Add(1), all)
	sn.cur.Store(s)
	sn.loadedAt = at
	return s, nil
}

// refresh re-reads the stream called name into the snapshot (removing it
// when it no longer exists). Before the first load there is nothing to
// update: that load reads it.
func (sn *snapshots) refresh(ctx context.Context, name string) error {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	cur := sn.cur.Load()
	if cur == nil {
		sn.version.Add(1)
		return nil
	}
	// The write committed: its caller going away must not leave the
	// snapshot behind it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	st, err := sn.store.Get(ctx, name)
	var next *Stream
	switch {
	case err == nil:
		next = &st
	case errors.Is(err, ErrStreamNotFound):
	default:
		// The snapshot can no longer be proven current: drop it, so
		// the next reader loads it all.
		sn.cur.Store(nil)
		sn.version.Add(1)
		return fmt.Errorf("refreshing stream %s in the contracts snapshot: %w", name, err)
	}
	sn.cur.Store(cur.with(sn.version.Add(1), name, next))
	return nil
}

// changed takes a change of the feed: the loss of the feed at once, the
// rest for drain.
func (sn *snapshots) changed(c registry.Change) {
	switch {
	case c.Lost:
		sn.mu.Lock()
		sn.lost = true
		sn.mu.Unlock()
		return
	case c == (registry.Change{}): // (re)connected: notices may have been missed
	case c.Stream != "":
	default:
		return // a registry change
	}
	sn.pmu.Lock()
	if c.Stream != "" {
		if sn.pending == nil {
			sn.pending = map[string]bool{}
		}
		sn.pending[c.Stream] = true
	} else {
		sn.reload = true
	}
	start := !sn.draining
	sn.draining = true
	sn.pmu.Unlock()
	if start {
		go sn.drain()
	}
}

// drain applies the pending changes until none is left.
func (sn *snapshots) drain() {
	for {
		sn.pmu.Lock()
		names, reload := sn.pending, sn.reload
		sn.pending, sn.reload = nil, false
		if len(names) == 0 && !reload {
			sn.draining = false
			sn.pmu.Unlock()
			return
		}
		sn.pmu.Unlock()
		if reload {
			sn.reloadAfterReconnect()
			continue // the reload read every stream named so far
		}
		for name := range names {
			if err := sn.refresh(context.Background(), name); err != nil {
				sn.log.Warn("contracts: applying another replica's stream change", slog.Any("err", err))
			}
		}
	}
}

// reloadAfterReconnect reloads the snapshot whole (if it was loaded) and
// then counts the feed as up again.
func (sn *snapshots) reloadAfterReconnect() {
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	defer cancel()
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.cur.Load() != nil {
		if _, err := sn.loadLocked(ctx); err != nil {
			sn.cur.Store(nil) // the next reader loads it
			sn.version.Add(1)
			sn.log.Warn("contracts: reloading the snapshot after the change feed reconnected", slog.Any("err", err))
		}
	}
	sn.lost = false
}

// invalidate drops the snapshot: its next reader loads it.
func (sn *snapshots) invalidate() {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	sn.cur.Store(nil)
	sn.version.Add(1)
}
