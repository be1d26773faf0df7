package proposals

import (
	"context"
	"errors"
	"fmt"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry"
)

// Report computes p's report now, against the subject's current versions,
// its stream's current contract and the lineage graph. For a decided
// proposal it says what registering its schema again would meet; the
// decision itself is in the proposal.
func (s *Service) Report(ctx context.Context, p Proposal) (Report, error) {
	rep, _, err := s.report(ctx, p.Subject, schemaInput(p), true)
	return rep, err
}

// report checks in against subject: compatibility under the subject's
// level, the lints of the subject's stream and, with impact, what it
// reaches downstream. It returns the stream ("" none).
func (s *Service) report(ctx context.Context, subject string, in registry.SchemaInput, impact bool) (Report, string, error) {
	rep := Report{Compatible: true, Differences: []compat.Violation{}, Lints: []contracts.Lint{}}
	cfg, err := s.reg.GetConfig(ctx, subject, true)
	if err != nil {
		return Report{}, "", fmt.Errorf("reading the compatibility level of %s: %w", subject, err)
	}
	rep.Level = cfg.Compatibility
	if rep.Level == "" {
		rep.Level = registry.DefaultLevel
	}
	cr, err := s.reg.CheckCompatibility(ctx, subject, 0, in, false)
	if err != nil {
		return Report{}, "", err
	}
	rep.Compatible = cr.Compatible
	rep.Differences = append(rep.Differences, cr.Violations...)
	if s.streams == nil {
		return rep, "", nil
	}
	ss, ok, err := s.streams.StreamOfSubject(ctx, subject)
	if err != nil || !ok {
		return rep, "", err
	}
	st, err := s.streams.Get(ctx, ss.Stream)
	if err != nil {
		return Report{}, "", fmt.Errorf("reading stream %s of %s: %w", ss.Stream, subject, err)
	}
	lints, err := s.streams.Lint(ctx, st.Name, subject, &in)
	if err != nil {
		return Report{}, "", err
	}
	rep.Lints = append(rep.Lints, lints...)
	for _, l := range lints {
		if l.Severity == contracts.SeverityError && st.LintErrors == contracts.LintBlock {
			rep.Blocking = true
		}
	}
	if impact && s.lin != nil {
		imp, err := s.lin.Impact(ctx, st.Name, lineage.ImpactRequest{Subject: subject, Schema: in})
		switch {
		case err == nil:
			rep.Impact = &imp
		case errors.Is(err, lineage.ErrNotFound):
		default:
			return Report{}, "", fmt.Errorf("impact of the proposal on stream %s: %w", st.Name, err)
		}
	}
	return rep, st.Name, nil
}
