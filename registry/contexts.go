package registry

import (
	"context"
	"strings"

	"github.com/accord/accord/audit"
)

// DeleteContext removes an empty context from the context list (Confluent's
// DELETE /contexts/{context}). A context with any subject version, soft-
// deleted ones included, is not empty (ErrContextNotEmpty, 42211). Schemas
// of the context stay readable by id (ids are stable forever), and the
// default context is always listed. name may be ".ctx", "ctx" or ":.ctx:".
func (r *Registry) DeleteContext(ctx context.Context, name string) error {
	c := strings.TrimSuffix(strings.TrimPrefix(name, ":"), ":")
	if c == "" {
		c = DefaultContext
	}
	if !strings.HasPrefix(c, ".") {
		c = "." + c
	}
	if !validContext(c) && c != GlobalContext {
		return errorf(ErrInvalidSubject, "Invalid context '%s'", name)
	}
	err := r.store.Update(ctx, c, "", func(tx Tx) error {
		subs, err := tx.SubjectPage(ctx, c, SubjectPageQuery{Deleted: WithDeleted, Limit: 1}) // is there one?
		if err != nil {
			return err
		}
		if len(subs) > 0 {
			return errorf(ErrContextNotEmpty, "Context '%s' is not empty: it has subjects, such as %s", c, Name{c, subs[0]}.String())
		}
		if err := tx.ForgetContext(); err != nil {
			return err
		}
		return tx.AppendAudit(audit.Entry{Action: audit.ContextDelete, Context: c, Target: c})
	})
	r.invalidate(Name{Context: c})
	if err != nil {
		return storeErr("deleting context", err)
	}
	return nil
}
