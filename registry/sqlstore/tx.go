package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/accord/accord/registry"
)

// Retry policy for transactions that fail with a retryable error.
const (
	maxAttempts  = 10
	retryBackoff = 5 * time.Millisecond
	maxBackoff   = 500 * time.Millisecond
)

// Update runs fn in a transaction holding the lock of (regCtx, subject),
// or of regCtx when subject is "". If fn returns an error the transaction
// is rolled back and the error is returned as is. Transactions that fail
// with a serialization failure, a deadlock or a busy database are run
// again, fn included.
func (s *Store) Update(ctx context.Context, regCtx, subject string, fn func(registry.Tx) error) error {
	if regCtx == "" {
		return errors.New("sqlstore: update: empty context name")
	}
	backoff := retryBackoff
	for attempt := 1; ; attempt++ {
		err := s.updateOnce(ctx, regCtx, subject, fn)
		if err == nil || attempt == maxAttempts || !s.d.isRetryable(err) || ctx.Err() != nil {
			return err
		}
		s.log.DebugContext(ctx, "retrying transaction", "context", regCtx, "subject", subject, "attempt", attempt, "err", err)
		wait := backoff/2 + rand.N(backoff) // jitter, mean backoff
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("sqlstore: update %s: %w (after %v)", where(regCtx, subject), ctx.Err(), err)
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (s *Store) updateOnce(ctx context.Context, regCtx, subject string, fn func(registry.Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: update %s: begin: %w", where(regCtx, subject), err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = sqlTx.Rollback()
		}
	}()
	t := &tx{
		reader:  reader{q: sqlTx, d: s.d},
		ctx:     ctx,
		regCtx:  regCtx,
		subject: subject,
		touched: map[string]bool{subject: true},
	}
	if err := t.lock(); err != nil {
		return err
	}
	if err := fn(t); err != nil {
		return err
	}
	if s.d.postgres() {
		if err := s.notify(ctx, sqlTx, regCtx, t.touched); err != nil {
			return err
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: update %s: commit: %w", where(regCtx, subject), err)
	}
	committed = true
	return nil
}

// tx is the registry.Tx handed to Update's function.
type tx struct {
	reader
	ctx     context.Context
	regCtx  string
	subject string          // the locked subject, "" for context-wide writes
	touched map[string]bool // subjects written, for NOTIFY
}

var _ registry.Tx = (*tx)(nil)

// lock creates the context's row and the subject's row if needed and locks
// the one the transaction is about. On SQLite the transaction already
// holds the database's write lock (BEGIN IMMEDIATE).
func (t *tx) lock() error {
	w := where(t.regCtx, t.subject)
	if _, err := t.exec(t.ctx,
		`INSERT INTO contexts (context, last_id) VALUES (?, 0) ON CONFLICT (context) DO NOTHING`,
		t.regCtx); err != nil {
		return fmt.Errorf("sqlstore: update %s: create context: %w", w, err)
	}
	var counter int64
	if t.subject == "" {
		if err := t.queryRow(t.ctx,
			`SELECT last_id FROM contexts WHERE context = ?`+t.d.forUpdate,
			t.regCtx).Scan(&counter); err != nil {
			return fmt.Errorf("sqlstore: update %s: lock context: %w", w, err)
		}
		return nil
	}
	if _, err := t.exec(t.ctx,
		`INSERT INTO subjects (context, subject, last_version) VALUES (?, ?, 0) ON CONFLICT (context, subject) DO NOTHING`,
		t.regCtx, t.subject); err != nil {
		return fmt.Errorf("sqlstore: update %s: create subject: %w", w, err)
	}
	if err := t.queryRow(t.ctx,
		`SELECT last_version FROM subjects WHERE context = ? AND subject = ?`+t.d.forUpdate,
		t.regCtx, t.subject).Scan(&counter); err != nil {
		return fmt.Errorf("sqlstore: update %s: lock subject: %w", w, err)
	}
	return nil
}

// needSubject fails when the transaction locks no subject.
func (t *tx) needSubject(op string) error {
	if t.subject == "" {
		return fmt.Errorf("sqlstore: %s in context %q: the transaction locks no subject", op, t.regCtx)
	}
	return nil
}

// where names (context, subject) in messages.
func where(regCtx, subject string) string {
	if subject == "" {
		return fmt.Sprintf("context %q", regCtx)
	}
	return fmt.Sprintf("subject %q in context %q", subject, regCtx)
}

// rowsAffected returns how many rows res changed.
func rowsAffected(res sql.Result) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("rows affected: %w", err)
	}
	return n, nil
}

// ForgetContext removes the subject rows of the locked context, which must
// have no versions left (the foreign key refuses otherwise).
func (t *tx) ForgetContext() error {
	if t.subject != "" {
		return fmt.Errorf("sqlstore: forget context %q: the transaction locks a subject", t.regCtx)
	}
	if _, err := t.exec(t.ctx, `DELETE FROM subjects WHERE context = ?`, t.regCtx); err != nil {
		return fmt.Errorf("sqlstore: forget context %q: %w", t.regCtx, err)
	}
	return nil
}
