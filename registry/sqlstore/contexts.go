package sqlstore

import "sync"

// Contexts a Store knows to have their row (PostgreSQL).
//
// A subject's lock statement also creates its context's row (INSERT …
// ON CONFLICT DO NOTHING). That insert must look at the row, and while
// another transaction updates it (the id allocator moves the context's
// counter at every registration, ids.go), PostgreSQL waits for that
// transaction to end before it can tell whether the row conflicts: every
// registration of the context queued behind the allocator's statement,
// and any that was descheduled stalled them all. No server deletes a
// context's row (DELETE /contexts forgets its subjects only; migration
// 0018; a forced restore replaces every row with the servers stopped, and
// a Store starts knowing no context), so
// once a transaction that ran the lock statement has committed, the
// Store's later locks in that context leave the row alone
// (lockKnownSubjectSQL).

// maxKnownContexts bounds knownContexts: a caller can create contexts
// (a registration under ":.name:subject"); past the bound, locks in the
// others create the row as before.
const maxKnownContexts = 4096

// knownContexts is the set of contexts whose row is committed; the zero
// value is empty and ready.
type knownContexts struct {
	mu sync.RWMutex
	m  map[string]struct{}
}

func (k *knownContexts) has(c string) bool {
	k.mu.RLock()
	_, ok := k.m[c]
	k.mu.RUnlock()
	return ok
}

// add records c, a context a committed transaction locked a subject of.
func (k *knownContexts) add(c string) {
	if k.has(c) {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.m) >= maxKnownContexts {
		return
	}
	if k.m == nil {
		k.m = make(map[string]struct{})
	}
	k.m[c] = struct{}{}
}
