package contracts

import (
	"context"
	"errors"
	"fmt"

	"github.com/accord/accord/auth"
)

// UnownedPolicy says who may write a subject that belongs to no stream.
type UnownedPolicy string

// Unowned-subject policies.
const (
	// UnownedOpen: any writer (the default, so registries can migrate to
	// Accord before their streams are declared).
	UnownedOpen UnownedPolicy = "open"
	// UnownedAdmin: admins only.
	UnownedAdmin UnownedPolicy = "admin"
	// UnownedClaim: the first principal to write the subject becomes its
	// only writer until a stream is declared over it.
	UnownedClaim UnownedPolicy = "claim"
)

// ParseUnownedPolicy reads a policy name; "" is UnownedOpen.
func ParseUnownedPolicy(s string) (UnownedPolicy, error) {
	switch p := UnownedPolicy(s); p {
	case "":
		return UnownedOpen, nil
	case UnownedOpen, UnownedAdmin, UnownedClaim:
		return p, nil
	}
	return "", fmt.Errorf("unowned-subject policy %q is not open, admin or claim", s)
}

// AuthorizeSubjectWrite checks that p may write subject: register a schema
// under it, change its config or mode, or delete it. The owner of the
// subject's stream and admins may; others get ErrForbidden naming the
// owner. A subject of no stream follows the unowned-subject policy. A nil
// p (authentication off) may do everything.
func (svc *Service) AuthorizeSubjectWrite(ctx context.Context, p *auth.Principal, subject string) error {
	if p == nil || p.IsAdmin() {
		return nil
	}
	subject = canonicalSubject(subject)
	s, err := svc.streamOf(ctx, subject)
	if err != nil {
		return err
	}
	return svc.authorize(ctx, p, subject, s)
}

// streamOf returns the stream of a canonical subject, nil when none.
func (svc *Service) streamOf(ctx context.Context, subject string) (*Stream, error) {
	s, err := svc.store.BySubject(ctx, subject)
	if errors.Is(err, ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("finding the stream of subject %s: %w", subject, err)
	}
	return &s, nil
}

// authorize is AuthorizeSubjectWrite once the subject's stream (s, nil
// when none) is known.
func (svc *Service) authorize(ctx context.Context, p *auth.Principal, subject string, s *Stream) error {
	if p == nil || p.IsAdmin() {
		return nil
	}
	if s != nil {
		if p.Name == s.Owner {
			return nil
		}
		return errorf(ErrForbidden, "subject %s belongs to stream %s, owned by %s: only its owner or an admin may write it (principal %s is neither)",
			subject, s.Name, s.Owner, p.Name)
	}
	switch svc.unowned {
	case UnownedAdmin:
		return errorf(ErrForbidden, "subject %s belongs to no stream, and only admins may write such subjects on this server: declare a stream for it first", subject)
	case UnownedClaim:
		claimant, err := svc.store.Claim(ctx, subject, p.Name)
		if err != nil {
			return err
		}
		if claimant != p.Name {
			return errorf(ErrForbidden, "subject %s belongs to no stream but was claimed by its first writer, %s: only %s or an admin may write it", subject, claimant, claimant)
		}
	}
	return nil
}

// mayManage checks that p may change stream s: its owner or an admin.
func mayManage(p *auth.Principal, s *Stream, action string) error {
	if p == nil || p.IsAdmin() || p.Name == s.Owner {
		return nil
	}
	return errorf(ErrForbidden, "only stream %s's owner, %s, or an admin may %s it (principal %s is neither)", s.Name, s.Owner, action, p.Name)
}
