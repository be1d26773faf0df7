package sqlstore

import (
	"context"
	"errors"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/accord/accord/registry"
)

// freezer forwards TCP to target until frozen; from then on it holds
// every byte, as a SIGSTOPped server would (connections stay open).
type freezer struct {
	ln     net.Listener
	mu     sync.Mutex
	frozen bool
	conns  []net.Conn
}

func newFreezer(t *testing.T, target string) *freezer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln}
	t.Cleanup(func() {
		_ = ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			_ = c.Close()
		}
		f.mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			f.mu.Lock()
			f.conns = append(f.conns, c, up)
			f.mu.Unlock()
			go f.pump(up, c)
			go f.pump(c, up)
		}
	}()
	return f
}

func (f *freezer) pump(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		f.mu.Lock()
		frozen := f.frozen
		f.mu.Unlock()
		if frozen { // swallow: nothing reaches the other side again
			if err != nil {
				return
			}
			continue
		}
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (f *freezer) freeze() {
	f.mu.Lock()
	f.frozen = true
	f.mu.Unlock()
}

// A frozen PostgreSQL makes every kind of call fail after its deadline,
// through the registry's own methods and through the shared handles the
// other SQL stores (auth, contracts, lineage, proposals, audit) use
// directly: reads, transactions, new connections, readiness.
func TestDeadlinesOnAStalledDatabase(t *testing.T) {
	dsn := newPostgresSchema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	f := newFreezer(t, u.Host)
	u.Host = f.ln.Addr().String()
	const timeout = 300 * time.Millisecond
	s, err := Open(t.Context(), u.String(), WithLogger(quietLogger()), WithTimeout(timeout), WithMaxConns(2))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("Ready before the freeze: %v", err)
	}
	f.freeze()

	db := s.DB()
	bound := 2*timeout + time.Second // a transaction's deadline and slack
	cases := map[string]func(ctx context.Context) error{
		"Store.Ready": s.Ready,
		"Store.Update": func(ctx context.Context) error {
			return s.Update(ctx, registry.DefaultContext, "x", func(tx registry.Tx) error { return nil })
		},
		"Store read": func(ctx context.Context) error {
			_, err := s.Subjects(ctx, registry.DefaultContext, "", false)
			return err
		},
		"DB.Read query": func(ctx context.Context) error {
			var n int
			return db.Read.QueryRowContext(ctx, `SELECT 1`).Scan(&n)
		},
		"DB.Write transaction": func(ctx context.Context) error {
			tx, err := db.Write.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer func() { _ = tx.Rollback() }()
			if _, err := tx.ExecContext(ctx, `SELECT 1`); err != nil {
				return err
			}
			return tx.Commit()
		},
	}
	for name, call := range cases {
		t.Run(name, func(t *testing.T) {
			// The caller's own deadline is far away: only the store's can
			// end the call in time.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			err := call(ctx)
			took := time.Since(start)
			if err == nil || took > bound {
				t.Errorf("%s on a frozen database: %v after %v, want an error within %v", name, err, took, bound)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Logf("%s: %v (not a deadline error)", name, err)
			}
		})
	}
}
