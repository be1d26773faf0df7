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

// ReferencePolicy is an optional part of a Policy: when the Policy
// implements it, it is also consulted with the subjects a new version
// references (full names, context included), e.g. to keep other owners'
// private subjects from being referenced (and so pinned: a referenced
// version cannot be deleted).
type ReferencePolicy interface {
	BeforeReference(ctx context.Context, subject string, referenced []string) error
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
