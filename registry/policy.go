package registry

import (
	"context"

	"github.com/accord/accord/compat"
)

// Policy is consulted before a new version is stored: the contracts layer
// implements it to enforce single writers and to run the event-type lints.
// It sees the caller through ctx. An error refuses the registration and
// reaches the caller as it is, so it should be a typed domain error.
//
// It is not consulted when a registration finds the schema already live in
// the subject: nothing is written then, and serializers re-register on
// every start.
type Policy interface {
	BeforeRegister(ctx context.Context, subject string, schema compat.Schema) error
}

// SetPolicy installs p (nil removes it). Call it before serving requests.
func (r *Registry) SetPolicy(p Policy) { r.policy = p }

func (r *Registry) beforeRegister(ctx context.Context, n Name, s compat.Schema) error {
	if r.policy == nil {
		return nil
	}
	return r.policy.BeforeRegister(ctx, n.String(), s)
}

// ParseSchema parses a schema as registering it under subject would,
// references resolved, and stores nothing: for checks on proposed schemas.
func (r *Registry) ParseSchema(ctx context.Context, subject string, in SchemaInput) (compat.Schema, error) {
	p, err := r.prepare(ctx, ParseName(subject).Context, in, false)
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
