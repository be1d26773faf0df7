package sqlstore

import (
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
	return audit.Append(t.ctx, t.q, t.d.rebind, e)
}

// Audit lists entries of the audit log.
func (s *Store) Audit() *audit.Log {
	return audit.NewLog(s.readDB, s.d.rebind)
}
