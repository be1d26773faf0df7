package contracts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/compat"
	"github.com/accord/accord/registry"
)

var _ registry.Policy = (*Service)(nil)

// BeforeRegister is the registry hook: the caller must be allowed to
// write subject (AuthorizeSubjectWrite), and the schema is linted against
// its stream's event type. Error-level lints refuse the registration with
// ErrLintFailed when the stream's LintErrors is LintBlock; every other
// finding goes to the request's Findings (WithFindings) and the log.
func (svc *Service) BeforeRegister(ctx context.Context, subject string, schema compat.Schema) error {
	subject = canonicalSubject(subject)
	s, err := svc.streamOf(ctx, subject)
	if err != nil {
		return err
	}
	if err := svc.authorize(ctx, auth.FromContext(ctx), subject, s, true); err != nil {
		return err
	}
	if s == nil {
		return nil
	}
	if err := requireReview(ctx, s, subject); err != nil {
		return err
	}
	lints, err := svc.lint(ctx, s, subject, schema)
	if err != nil {
		return err
	}
	if s.LintErrors == LintBlock {
		var msgs []string
		for _, l := range lints {
			if l.Severity == SeverityError {
				msgs = append(msgs, l.ID+" at "+l.Location+": "+l.Message)
			}
		}
		if len(msgs) > 0 {
			return &Error{
				Kind:    ErrLintFailed,
				Message: fmt.Sprintf("Schema for subject %s violates the contract of %s stream %s: %s", subject, s.EventType, s.Name, strings.Join(msgs, "; ")),
				Details: msgs,
			}
		}
	}
	if len(lints) > 0 {
		findingsFrom(ctx).add(lints...)
		svc.log.Info("schema registered with lint findings", slog.String("subject", subject), slog.String("stream", s.Name), slog.Any("lints", lints))
	}
	return nil
}

// ReadAheadRegister is the registry's read-ahead hook
// (registry.ReadAheadPolicy): it announces BeforeRegister's read of the
// subject's stream, when the store can take announcements (sqlcontracts
// on PostgreSQL sends it with the registration's lock).
func (svc *Service) ReadAheadRegister(ctx context.Context, subject string) context.Context {
	if a, ok := svc.store.(interface {
		ReadAheadBySubject(ctx context.Context, subject string) context.Context
	}); ok {
		return a.ReadAheadBySubject(ctx, canonicalSubject(subject))
	}
	return ctx
}

// BeforeWrite is the registry hook for the other writes of a subject
// (config, mode, deletes): the caller must be allowed to write it
// (AuthorizeSubjectWrite), as read in the write's transaction.
func (svc *Service) BeforeWrite(ctx context.Context, subject string) error {
	return svc.AuthorizeSubjectWrite(ctx, auth.FromContext(ctx), subject)
}

// BeforeReference is the registry's reference hook
// (registry.ReferencePolicy): a schema may reference a subject of a
// private stream only when the caller owns that stream (or is an admin).
// A private stream is internal to its owner, and a referenced version
// cannot be deleted (42206), so a reference from another owner would pin
// it. Public streams (a promise to every team) and subjects of no stream
// may be referenced by anyone who may register.
func (svc *Service) BeforeReference(ctx context.Context, subject string, referenced []string) error {
	p := auth.FromContext(ctx)
	if p == nil || p.IsAdmin() {
		return nil
	}
	for _, ref := range referenced {
		s, err := svc.streamOf(ctx, canonicalSubject(ref))
		if err != nil {
			return err
		}
		if s == nil || s.Visibility != Private || s.Owner == p.Name {
			continue
		}
		return errorf(ErrForbidden, "subject %s may not reference %s: it belongs to private stream %s, owned by %s, and only public streams may be referenced from outside their owner (principal %s)",
			subject, ref, s.Name, s.Owner, p.Name)
	}
	return nil
}

// Lint lints a proposed schema for one of the stream's subjects (the
// first value subject when subject is ""), or, when in is nil, the latest
// registered schema of each of its subjects.
func (svc *Service) Lint(ctx context.Context, name, subject string, in *registry.SchemaInput) ([]Lint, error) {
	s, err := svc.store.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	out := []Lint{}
	if in != nil {
		if subject == "" {
			subject = s.ValueSubjects[0]
		}
		subject = canonicalSubject(subject)
		if !containsSubject(&s, subject) {
			return nil, errorf(ErrInvalidStream, "subject %s is not a subject of stream %s (%s)", subject, s.Name, strings.Join(s.Subjects(), ", "))
		}
		schema, err := svc.reg.ParseSchema(ctx, subject, *in)
		if err != nil {
			return nil, err
		}
		ls, err := svc.lint(ctx, &s, subject, schema)
		return append(out, ls...), err
	}
	for _, subj := range s.Subjects() {
		if subject != "" && canonicalSubject(subject) != subj {
			continue
		}
		schema, _, err := svc.reg.LatestSchema(ctx, subj)
		if errors.Is(err, registry.ErrSubjectNotFound) || errors.Is(err, registry.ErrVersionNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ls, err := svc.lint(ctx, &s, subj, schema)
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
	}
	return out, nil
}

// lint gathers what the rules need and runs them.
func (svc *Service) lint(ctx context.Context, s *Stream, subject string, schema compat.Schema) ([]Lint, error) {
	in := LintInput{Stream: *s, Subject: subject, Role: s.RoleOf(subject), Schema: schema}
	if s.KeySubject != "" && in.Role == RoleValue {
		_, err := svc.reg.Versions(ctx, s.KeySubject, false)
		switch {
		case err == nil:
			in.KeyRegistered = true
		case !errors.Is(err, registry.ErrSubjectNotFound):
			return nil, fmt.Errorf("reading key subject %s of stream %s: %w", s.KeySubject, s.Name, err)
		}
	}
	if needsOthers(s.EventType) {
		// From the Snapshot, not the transaction: rules that read the
		// other streams are warnings (TestRulesReadingOthersOnlyWarn),
		// so no write decides from it.
		snap, err := svc.Snapshot(ctx)
		if err != nil {
			return nil, err
		}
		in.Others = snap.All()
	}
	return Run(in), nil
}

func containsSubject(s *Stream, subject string) bool {
	for _, x := range s.Subjects() {
		if x == subject {
			return true
		}
	}
	return false
}

// Findings collects the lint findings of registrations made with a
// context from WithFindings, for the response.
type Findings struct {
	mu    sync.Mutex
	lints []Lint
}

type findingsKey struct{}

// WithFindings returns ctx carrying a new, empty Findings.
func WithFindings(ctx context.Context) (context.Context, *Findings) {
	f := &Findings{}
	return context.WithValue(ctx, findingsKey{}, f), f
}

func findingsFrom(ctx context.Context) *Findings {
	f, _ := ctx.Value(findingsKey{}).(*Findings)
	return f
}

func (f *Findings) add(ls ...Lint) {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.lints = append(f.lints, ls...)
	f.mu.Unlock()
}

// Lints returns what was collected.
func (f *Findings) Lints() []Lint {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Lint(nil), f.lints...)
}

type approvalKey struct{}

// WithApproval returns ctx marking the registrations made with it as the
// outcome of an approved proposal (package proposals), which a stream's
// ReviewRequired lets through. Only Go code can set it: no request
// carries it.
func WithApproval(ctx context.Context) context.Context {
	return context.WithValue(ctx, approvalKey{}, true)
}

// IsApproval reports whether ctx is an approval's (WithApproval).
func IsApproval(ctx context.Context) bool {
	ok, _ := ctx.Value(approvalKey{}).(bool)
	return ok
}

// requireReview refuses a registration to a review-required stream
// unless an approval makes it or the caller is an admin. With
// authentication off (no principal) everything is allowed, as for the
// single writer.
func requireReview(ctx context.Context, s *Stream, subject string) error {
	if !s.ReviewRequired || IsApproval(ctx) {
		return nil
	}
	p := auth.FromContext(ctx)
	if p == nil || p.IsAdmin() {
		return nil
	}
	how := "--stream " + s.Name
	switch {
	case s.Strategy != TopicName && s.Strategy != "":
		how = "--subject " + subject
	case s.RoleOf(subject) == RoleKey:
		how += " --key"
	}
	return errorf(ErrReviewRequired, "stream %s requires review: schemas of subject %s are registered only by approving a proposal (or by an admin); propose this one with `accord check FILE %s --propose` (or POST /v1/proposals) and a reviewer approves it",
		s.Name, subject, how)
}
