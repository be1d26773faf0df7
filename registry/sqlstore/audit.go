package sqlstore

import (
	"context"
	"database/sql"

	"github.com/accord/accord/audit"
)

// AppendAudit records e in the transaction, so it commits with the change.
func (t *tx) AppendAudit(e audit.Entry) error {
	if e.Context == "" {
		e.Context = t.regCtx
	}
	if t.canQueue() {
		// Sent with the next batch, COMMIT's at the latest (pipeline.go).
		return audit.Append(t.ctx, queueAudit{t}, t.d.rebind, e)
	}
	return audit.Append(t.ctx, stmtExecer{t.reader}, t.d.rebind, e)
}

// stmtExecer runs audit's statement through the reader, so on SQLite's
// writer it runs prepared once (stmts.go) instead of parsed every time.
type stmtExecer struct{ r reader }

func (s stmtExecer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.r.exec(ctx, query, args...)
}

// Audit lists entries of the audit log.
func (s *Store) Audit() *audit.Log {
	return audit.NewLog(s.readDB, s.d.rebind)
}
