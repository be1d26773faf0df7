package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/accord/accord/registry"
)

// Group commit on SQLite.
//
// SQLite has one writer, and with synchronous=FULL each commit waits for
// its WAL to reach the disk (an fsync, about a millisecond on a quiet
// disk, several on a busy one): committed one by one, writes cannot go
// faster than the disk syncs, whatever the CPU does. So writers that
// arrive while another commits queue, and the next of them runs the whole
// queue (up to maxGroup) in one transaction: each writer's function in a
// SAVEPOINT of its own, rolled back to on error as its own transaction
// would be, then one COMMIT, one fsync, for all. Nobody is answered before
// that commit, so every acknowledged write is still durable; each function
// sees the writes of those before it in the group, exactly as if they had
// committed one after the other (which is the order SQLite's single
// writer imposes anyway). A writer alone runs as before.
//
// synchronous=NORMAL would skip the fsync altogether, but a power cut or
// an OS crash then loses writes already acknowledged: the design promises
// that every acknowledged write is durable, so it stays FULL.

// maxGroup bounds how many writes share one transaction, so the first of
// a group waits for at most that many others before its commit.
const maxGroup = 64

// groupCommit is the queue of writers waiting for SQLite's connection.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupJob
	leading bool // a writer runs the queue's head
}

// groupJob is one Update waiting in the queue.
type groupJob struct {
	ctx             context.Context
	regCtx, subject string
	fn              func(registry.Tx) error
	err             error
	// wake tells the waiting writer its outcome is set (false), or that
	// it leads the next group (true).
	wake chan bool
}

// updateGrouped is Update on SQLite: queued, then run in a group.
func (s *Store) updateGrouped(ctx context.Context, regCtx, subject string, fn func(registry.Tx) error) error {
	j := &groupJob{ctx: ctx, regCtx: regCtx, subject: subject, fn: fn, wake: make(chan bool, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, j)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	// A queued writer waits for its outcome even if its context ends:
	// its write may be running in the group, and it must not report a
	// failure for a write that commits. The group's transaction deadline
	// bounds the wait.
	if !lead && !<-j.wake {
		return j.err
	}

	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	group := slices.Clone(g.queue[:n])
	g.queue = g.queue[n:]
	g.mu.Unlock()

	s.runGroup(group)

	g.mu.Lock()
	var next *groupJob
	if len(g.queue) > 0 {
		next = g.queue[0]
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	if next != nil {
		next.wake <- true
	}
	for _, o := range group {
		if o != j {
			o.wake <- false
		}
	}
	return j.err
}

// runGroup runs the jobs of one group and sets each one's err.
func (s *Store) runGroup(group []*groupJob) {
	if len(group) == 1 {
		j := group[0]
		j.err = s.updateRetrying(j.ctx, j.regCtx, j.subject, j.fn)
		return
	}
	var rerun []*groupJob // to run again on their own: the group failed under them
	defer func() {
		for _, j := range rerun {
			j.err = s.updateRetrying(j.ctx, j.regCtx, j.subject, j.fn)
		}
	}()
	ctx, cancel := s.dl.txContext(context.Background())
	defer cancel()
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		rerun = group
		return
	}
	type done struct {
		t *tx
		j *groupJob
	}
	var ok []done
	broken := false
	// The savepoint statements run prepared once (stmts.go).
	sp := reader{q: sqlTx, d: s.d, o: s.obs, stmts: s.stmts, tx: sqlTx}
	for i, j := range group {
		if err := j.ctx.Err(); err != nil {
			j.err = fmt.Errorf("sqlstore: update %s: %w", where(j.regCtx, j.subject), err)
			continue
		}
		if _, err := sp.exec(ctx, `SAVEPOINT accord_group`); err != nil {
			broken = true
			rerun = append(rerun, group[i:]...)
			break
		}
		t := &tx{
			reader:  reader{q: sqlTx, d: s.d, o: s.obs, stmts: s.stmts, tx: sqlTx},
			sqlTx:   sqlTx,
			owner:   s.db,
			ctx:     j.ctx,
			regCtx:  j.regCtx,
			subject: j.subject,
			touched: map[string]bool{},
		}
		err := t.lock()
		if err == nil {
			err = j.fn(t)
		}
		var moved map[string]int64
		if err == nil {
			moved, err = t.countChanges(nil)
		}
		if err != nil {
			j.err = err
			if _, rerr := sp.exec(ctx, `ROLLBACK TO accord_group`); rerr != nil {
				// SQLite rolled the whole transaction back (an I/O
				// error, say): what the others did is gone too.
				broken = true
				j.err = nil
				rerun = append(rerun, group[i:]...)
				break
			}
		}
		if _, err := sp.exec(ctx, `RELEASE accord_group`); err != nil {
			broken = true
			rerun = append(rerun, group[i:]...)
			break
		}
		if j.err == nil {
			t.moved = moved
			ok = append(ok, done{t, j})
		}
	}
	if !broken {
		_, err = observed(s.obs, "commit", func() (struct{}, error) { return struct{}{}, sqlTx.Commit() })
		if err == nil {
			for _, d := range ok {
				s.raiseCounters(d.t)
			}
			return
		}
	}
	_ = sqlTx.Rollback()
	for _, d := range ok {
		rerun = append(rerun, d.j)
	}
	if broken && err == nil {
		err = errors.New("the group's transaction failed")
	}
	s.log.Debug("group commit failed: running its writes one by one", "writes", len(rerun), "err", err)
}
