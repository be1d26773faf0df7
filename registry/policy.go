package registry

import (
	"context"
	"errors"

	"github.com/accord/accord/compat"
)

// Policy is consulted before a new version is stored: the contracts layer
// implements it to enforce single writers and to run the event-type lints.
// It sees the caller through ctx, and the registration's open transaction
// through TxFrom(ctx): it runs under the subject's lock, and what it
// decides from (a stream's owner, its review rule, a claim) must be read
// through that transaction (sqlstore.DB.TxFrom), so that it is current
// and commits or rolls back with the registration. It may run more than
// once for one registration (Store.Update retries). An error refuses the
// registration and reaches the caller as it is, so it should be a typed
// domain error.
//
// It is not consulted when a registration finds the schema already live in
// the subject: nothing is written then, and serializers re-register on
// every start.
type Policy interface {
	BeforeRegister(ctx context.Context, subject string, schema compat.Schema) error
	// BeforeWrite is consulted, the same way, before any other write of
	// a subject: its config, its mode, a delete. It is not consulted for
	// context-wide writes.
	BeforeWrite(ctx context.Context, subject string) error
}

// SetPolicy installs p (nil removes it). Call it before serving requests.
func (r *Registry) SetPolicy(p Policy) { r.policy = p }

// ReferencePolicy is an optional part of a Policy: when the Policy
// implements it, it is also consulted with the subjects a new version
// references (full names, context included), e.g. to keep other owners'
// private subjects from being referenced (and so pinned: a referenced
// version cannot be deleted).
type ReferencePolicy interface {
	BeforeReference(ctx context.Context, subject string, referenced []string) error
}

// ReadAheadPolicy is an optional part of a Policy whose BeforeRegister
// reads through the registration's transaction (the contracts store's
// stream of the subject): ReadAheadRegister returns ctx announcing those
// reads to the store (sqlstore.DB.AnnounceRead), which may send them with
// the transaction's lock, a round trip less. It must not read or write
// anything itself; an announcement changes no answer, only its cost.
type ReadAheadPolicy interface {
	ReadAheadRegister(ctx context.Context, subject string) context.Context
}

func (r *Registry) beforeRegister(ctx context.Context, n Name, p *prepared) error {
	if r.policy == nil {
		return nil
	}
	if err := r.policy.BeforeRegister(ctx, n.String(), p.schema); err != nil {
		return err
	}
	rp, ok := r.policy.(ReferencePolicy)
	if !ok || len(p.refs) == 0 {
		return nil
	}
	referenced := make([]string, len(p.refs))
	for i, ref := range p.refs {
		referenced[i] = refName(n.Context, ref.Subject).String()
	}
	return rp.BeforeReference(ctx, n.String(), referenced)
}

// beforeWrite consults the Policy, in tx, before a write of n's config,
// mode or versions other than a registration.
func (r *Registry) beforeWrite(ctx context.Context, tx Tx, n Name) error {
	if r.policy == nil || n.Subject == "" {
		return nil
	}
	if err := r.policy.BeforeWrite(WithTx(ctx, tx), n.String()); err != nil {
		return policyError{err}
	}
	return nil
}

// policyError carries the Policy's refusal out of the transaction, to be
// returned as it is (unwrapPolicy).
type policyError struct{ err error }

func (e policyError) Error() string { return e.err.Error() }
func (e policyError) Unwrap() error { return e.err }

// unwrapPolicy returns the Policy's refusal behind err as it is, else err.
func unwrapPolicy(err error) (error, bool) {
	if pe := (policyError{}); errors.As(err, &pe) {
		return pe.err, true
	}
	return err, false
}

// ParseSchema parses a schema as registering it under subject would,
// references resolved, and stores nothing: for checks on proposed schemas.
func (r *Registry) ParseSchema(ctx context.Context, subject string, in SchemaInput) (compat.Schema, error) {
	p, err := r.prepare(ctx, r.store, ParseName(subject).Context, in, false)
	if err != nil {
		return nil, err
	}
	return p.schema, nil
}

// LatestSchema returns the latest live version of subject, parsed.
func (r *Registry) LatestSchema(ctx context.Context, subject string) (compat.Schema, SchemaVersion, error) {
	v, err := r.Version(ctx, subject, -1, false)
	if err != nil {
		return nil, SchemaVersion{}, err
	}
	s, err := r.parsedSchema(ctx, r.store, v.Schema)
	if err != nil {
		return nil, SchemaVersion{}, err
	}
	return s, v, nil
}

// RuleChecker compiles a schema's rule set when it is submitted, so a rule
// that can never run (a syntax error, an unknown field, a cost beyond the
// evaluator's limit) is refused at registration rather than failing every
// record later. The contracts layer implements it (contracts/validator),
// which keeps the rule language out of the registry.
type RuleChecker interface {
	// CheckRules returns an error naming the rule and where in its
	// expression the problem is; ruleSet is the submitted JSON document.
	// schema is nil for a config's default or override rule set, which
	// applies to schemas of any type.
	CheckRules(schema compat.Schema, ruleSet []byte) error
}

// SetRuleChecker installs c (nil removes it). Call it before serving
// requests.
func (r *Registry) SetRuleChecker(c RuleChecker) { r.rules = c }

// checkRules compiles a submitted rule set (nil: none submitted).
func (r *Registry) checkRules(s compat.Schema, rs *RuleSet, raw []byte) error {
	if r.rules == nil || rs == nil {
		return nil
	}
	if err := r.rules.CheckRules(s, raw); err != nil {
		return errorf(ErrInvalidSchema, "Invalid ruleSet: %v", err)
	}
	return nil
}
