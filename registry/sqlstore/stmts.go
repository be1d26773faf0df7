package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// stmtCache holds the statements of SQLite's writer connection, each
// prepared once. The SQLite driver prepares a statement on every call
// otherwise, which cost about a fifth of a registration's CPU inside the
// single writer (where every microsecond is serial). PostgreSQL needs
// none: pgx caches prepared statements per connection itself.
//
// The writer pool has one connection, so a statement prepared on the pool
// is prepared on it, and Tx.StmtContext reuses it in every transaction.
// A transaction holds that connection, so it cannot prepare on the pool:
// a statement it misses runs unprepared and is prepared in the background
// once the connection is free. The set of texts is bounded: queries are
// constants, but for the few built from a bounded number of parts
// (Settings' levels, filters).
type stmtCache struct {
	db       *sql.DB
	timeout  time.Duration
	mu       sync.Mutex
	m        map[string]*sql.Stmt
	pending  map[string]bool
	flushing bool
	closed   bool
}

// get returns the prepared statement of query (already rebound), or
// false after queueing it to be prepared.
func (c *stmtCache) get(query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, true
	}
	if c.closed {
		return nil, false
	}
	if c.pending == nil {
		c.pending = make(map[string]bool)
	}
	c.pending[query] = true
	if !c.flushing {
		c.flushing = true
		go c.flush()
	}
	return nil, false
}

// flush prepares the pending statements, waiting for the writer
// connection as any writer does.
func (c *stmtCache) flush() {
	for {
		c.mu.Lock()
		var query string
		for q := range c.pending {
			query = q
			break
		}
		if query == "" || c.closed {
			c.flushing = false
			c.mu.Unlock()
			return
		}
		delete(c.pending, query)
		c.mu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		st, err := c.db.PrepareContext(ctx, query)
		cancel()
		if err != nil {
			continue // it runs unprepared; a later miss queues it again
		}
		c.mu.Lock()
		if c.closed || c.m[query] != nil {
			_ = st.Close()
		} else {
			if c.m == nil {
				c.m = make(map[string]*sql.Stmt)
			}
			c.m[query] = st
		}
		c.mu.Unlock()
	}
}

// close closes every statement; nothing is prepared afterwards.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, st := range c.m {
		_ = st.Close()
	}
	c.m = nil
}

// txStmt returns query prepared in the reader's transaction, when the
// reader is a SQLite writer transaction with a cache; nil otherwise.
func (r reader) txStmt(ctx context.Context, query string) *sql.Stmt {
	if r.stmts == nil || r.tx == nil {
		return nil
	}
	st, ok := r.stmts.get(query)
	if !ok {
		return nil
	}
	return r.tx.StmtContext(ctx, st)
}
