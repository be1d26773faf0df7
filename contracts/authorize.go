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

// AuthorizeSubjectWrite checks that p may change subject's config or
// mode, or delete it (registrations are BeforeRegister's). The owner of
// the subject's stream and admins may; others get ErrForbidden naming the
// owner. A subject of no stream follows the unowned-subject policy, except
// that under UnownedClaim only a registration claims a subject: changing
// the config or mode of a subject nobody claimed is for admins, so naming
// a subject cannot block its rightful owner (docs/security.md). A nil p
// (authentication off) may do everything.
func (svc *Service) AuthorizeSubjectWrite(ctx context.Context, p *auth.Principal, subject string) error {
	if p == nil || p.IsAdmin() {
		return nil
	}
	subject = canonicalSubject(subject)
	s, err := svc.streamOf(ctx, subject)
	if err != nil {
		return err
	}
	return svc.authorize(ctx, p, subject, s, false)
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

// authorize checks that p may write subject once its stream (s, nil when
// none) is known; claim: the write is a registration, which under
// UnownedClaim claims an unclaimed subject.
func (svc *Service) authorize(ctx context.Context, p *auth.Principal, subject string, s *Stream, claim bool) error {
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
		var claimant string
		var err error
		if claim {
			claimant, err = svc.store.Claim(ctx, subject, p.Name)
		} else {
			claimant, err = svc.store.Claimant(ctx, subject)
		}
		if err != nil {
			return err
		}
		if claimant == "" {
			return errorf(ErrForbidden, "subject %s belongs to no stream and nobody claimed it: on this server a subject is claimed by registering its first schema (or declared in a stream); only an admin may change its config or mode before", subject)
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

// claimPolicy returns what a stream write by p does with claims on the
// stream's subjects: nil (an admin, or authentication off) releases them;
// otherwise a subject claimed by another principal than the stream's
// owner refuses the write, whether it declares the stream or adds the
// subject to it. It runs in the store's transaction (ClaimCheck).
func claimPolicy(p *auth.Principal) ClaimCheck {
	if p == nil || p.IsAdmin() {
		return nil
	}
	return func(s *Stream, subject, claimant string) error {
		if claimant == s.Owner {
			return nil
		}
		return errorf(ErrForbidden, "subject %s was claimed by %s: only %s or an admin may put it in a stream (stream %s is owned by %s)", subject, claimant, claimant, s.Name, s.Owner)
	}
}

// mayDelete checks that p may delete stream s: its owner or an admin, and
// only an admin when the stream requires review (deleting it would lift
// review: the owner could then register freely and declare it again).
func mayDelete(p *auth.Principal, s *Stream) error {
	if err := mayManage(p, s, "delete"); err != nil {
		return err
	}
	if s.ReviewRequired && p != nil && !p.IsAdmin() {
		return errorf(ErrForbidden, "stream %s requires review: only an admin may delete it (principal %s is not one), as only an admin may turn review off", s.Name, p.Name)
	}
	return nil
}
