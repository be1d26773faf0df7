package registry

import (
	"context"
	"slices"

	"github.com/accord/accord/compat"
)

// CheckResult is the answer of a compatibility test.
type CheckResult struct {
	Compatible bool
	Violations []compat.Violation
	// ValidateFields and Level are the settings the check ran under, for
	// Confluent's trailing message (see Messages).
	ValidateFields bool
	Level          compat.Level
}

// Messages renders the result as Confluent's verbose messages: one per
// difference and, when incompatible, Confluent's trailing
// "{validateFields: '…', compatibility: '…'}".
func (c CheckResult) Messages() []string {
	out := compat.Messages(c.Violations)
	if len(c.Violations) > 0 {
		out = append(out, settingsMessage(c.ValidateFields, c.Level))
	}
	return out
}

// CheckCompatibility tests a schema against a subject without registering
// it: against one version (version > 0, or -1 for the latest), in the
// directions of the subject's level, or, with version 0, against the
// versions the subject's level names (all of them when transitive).
func (r *Registry) CheckCompatibility(ctx context.Context, subject string, version int, in SchemaInput, normalize bool) (CheckResult, error) {
	n := ParseName(subject)
	cfg, err := r.effectiveConfig(ctx, n)
	if err != nil {
		return CheckResult{}, err
	}
	view, err := r.view(ctx, n)
	if err != nil {
		return CheckResult{}, err
	}
	live := view.live(false)
	// As Confluent: against "latest" of a subject with no live version
	// there is nothing to check (compatible); a numbered version that does
	// not exist is 40402, whether or not the subject does.
	if version == -1 && len(live) == 0 {
		version = 0
	}
	if version > 0 && !slices.ContainsFunc(live, func(v VersionRecord) bool { return v.Version == version }) {
		return CheckResult{}, errorf(ErrVersionNotFound, "Version %d not found.", version)
	}
	p, err := r.prepare(ctx, r.store, n.Context, in, normalize || (cfg.Normalize != nil && *cfg.Normalize))
	if err != nil {
		return CheckResult{}, err
	}
	e, err := r.effectiveDocs(ctx, r.store, n, view, cfg, p, true)
	if err != nil {
		return CheckResult{}, err
	}
	level := cfg.Compatibility
	against := live
	if version != 0 {
		v, err := r.Version(ctx, subject, version, false)
		if err != nil {
			return CheckResult{}, err
		}
		against = []VersionRecord{{Context: n.Context, Subject: n.Subject, Version: v.Version, SchemaID: v.Schema.ID}}
		// One version: the level's directions, not its transitivity.
		switch level {
		case compat.BackwardTransitive:
			level = compat.BackwardLevel
		case compat.ForwardTransitive:
			level = compat.ForwardLevel
		case compat.FullTransitive:
			level = compat.Full
		}
	}
	vs, err := r.checkAgainst(ctx, r.store, cfg, level, p.schema, e.props, against)
	if err != nil {
		return CheckResult{}, err
	}
	return CheckResult{Compatible: len(vs) == 0, Violations: vs, ValidateFields: r.validateFields(cfg), Level: cfg.Compatibility}, nil
}
