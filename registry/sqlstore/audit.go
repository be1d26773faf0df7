package sqlstore

import (
	"github.com/accord/accord/audit"
)

// AppendAudit records e in the transaction, so it commits with the change.
func (t *tx) AppendAudit(e audit.Entry) error {
	if e.Context == "" {
		e.Context = t.regCtx
	}
	return audit.Append(t.ctx, t.q, t.d.rebind, e)
}

// Audit lists entries of the audit log.
func (s *Store) Audit() *audit.Log {
	return audit.NewLog(s.readDB, s.d.rebind)
}
