package contracts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/registry"
)

// Service manages streams and enforces their contracts. Each call reads
// the caller from its context (auth.FromContext); a context without a
// principal (authentication off) may do everything.
type Service struct {
	store   Store
	reg     *registry.Registry
	unowned UnownedPolicy
	log     *slog.Logger
	// principals checks new owners (nil: not checked).
	principals Principals
	now        func() time.Time
	// snaps keeps the Snapshot of every stream.
	snaps snapshots
}

// Generation is the version of the Snapshot: it changes after every
// stream write made through this Service (create, update, transfer,
// delete), before the write returns, and after each stream change of
// another replica that the change feed reports (Changed), so caches in
// this process built on the streams know when to rebuild.
func (svc *Service) Generation() uint64 { return svc.snaps.version.Load() }

// Snapshot returns every stream contract, read-only and current up to the
// change feed: writes made through this Service are in it when they
// return, other replicas' once the feed reports them (Changed). The first
// call loads it from the store.
func (svc *Service) Snapshot(ctx context.Context) (*Snapshot, error) {
	return svc.snaps.get(ctx)
}

// Changed takes a change of the registry's change feed (wire it with
// registry.Registry.OnChange): another replica's stream write is re-read
// into the Snapshot; a reconnection of the feed reloads it; while the
// feed is down, the Snapshot is reloaded when read and older than a
// second. It does not wait for the database: the re-reads run on a
// goroutine of their own, so the feed's other listeners are not held up.
func (svc *Service) Changed(c registry.Change) { svc.snaps.changed(c) }

// wrote brings the Snapshot up to date with a write of the stream called
// name made through this Service.
func (svc *Service) wrote(ctx context.Context, name string) {
	if err := svc.snaps.refresh(ctx, name); err != nil {
		svc.log.Warn("contracts: the snapshot will be reloaded", slog.Any("err", err))
	}
}

// Options configures a Service. The zero value is usable.
type Options struct {
	// Unowned is the policy for subjects of no stream (UnownedOpen when "").
	Unowned UnownedPolicy
	Logger  *slog.Logger
	// Principals looks up the new owner of a transfer (an
	// *auth.Authenticator); nil (authentication off): any name.
	Principals Principals
}

// Principals finds principals by name (auth.Authenticator does).
type Principals interface {
	Principal(ctx context.Context, name string) (auth.PrincipalRecord, error)
}

// checkNewOwner refuses a transfer of stream to a principal that does not
// exist, is disabled or is not a service.
func (svc *Service) checkNewOwner(ctx context.Context, stream, to string) error {
	if svc.principals == nil {
		return nil
	}
	rec, err := svc.principals.Principal(ctx, to)
	if errors.Is(err, auth.ErrPrincipalNotFound) {
		return errorf(ErrInvalidStream, "stream %s cannot be transferred to %s: no principal has that name", stream, to)
	}
	if err != nil {
		return fmt.Errorf("looking up the new owner %s of stream %s: %w", to, stream, err)
	}
	if rec.Disabled {
		return errorf(ErrInvalidStream, "stream %s cannot be transferred to %s: that principal is disabled", stream, to)
	}
	if !slices.Contains(rec.Roles, auth.RoleService) {
		return errorf(ErrInvalidStream, "stream %s cannot be transferred to %s: an owner must hold the role service (it has %v)", stream, to, rec.Roles)
	}
	return nil
}

// NewService returns a Service over store; reg serves the schemas lints
// read and receives the streams' compatibility levels.
func NewService(store Store, reg *registry.Registry, opts Options) *Service {
	svc := &Service{store: store, reg: reg, unowned: opts.Unowned, log: opts.Logger, principals: opts.Principals, now: func() time.Time { return time.Now().UTC() }}
	if svc.unowned == "" {
		svc.unowned = UnownedOpen
	}
	if svc.log == nil {
		svc.log = slog.Default()
	}
	svc.snaps.store, svc.snaps.log = store, svc.log
	return svc
}

// Create declares a stream. Its owner defaults to the caller; only an
// admin may declare a stream owned by another principal, or over a
// subject another principal claimed. Other than admins, only services
// declare streams: an owner is the service that writes the stream.
func (svc *Service) Create(ctx context.Context, s Stream) (Stream, error) {
	p := auth.FromContext(ctx)
	if s.Owner == "" && p != nil {
		s.Owner = p.Name
	}
	if err := s.Normalize(); err != nil {
		return Stream{}, err
	}
	if p != nil && !p.IsAdmin() {
		if !p.Has(auth.RoleService) {
			return Stream{}, errorf(ErrForbidden, "declaring a stream requires the role admin or service; principal %s is neither", p.Name)
		}
		if p.Name != s.Owner {
			return Stream{}, errorf(ErrForbidden, "principal %s may declare only streams it owns, not one owned by %s; an admin may declare streams for others", p.Name, s.Owner)
		}
	}
	s.CreatedAt = svc.now()
	s.UpdatedAt = s.CreatedAt
	// Claims on its subjects are checked in the store's transaction.
	if err := svc.store.Create(ctx, s, claimPolicy(p)); err != nil {
		return Stream{}, err
	}
	svc.wrote(ctx, s.Name)
	return s, svc.applyCompatibility(ctx, &s)
}

// Get returns a stream.
func (svc *Service) Get(ctx context.Context, name string) (Stream, error) {
	return svc.store.Get(ctx, name)
}

// List returns the streams matching f.
func (svc *Service) List(ctx context.Context, f Filter) ([]Stream, error) {
	return svc.store.List(ctx, f)
}

// Update changes a stream through fn; only its owner or an admin may. The
// owner cannot change here (see TransferOwnership), nor the name, only an
// admin may turn ReviewRequired off, and a subject claimed by another
// principal cannot be added (as Create).
func (svc *Service) Update(ctx context.Context, name string, fn func(*Stream) error) (Stream, error) {
	p := auth.FromContext(ctx)
	s, err := svc.store.Update(ctx, name, principalName(p), claimPolicy(p), func(s *Stream) error {
		if err := mayManage(p, s, "change"); err != nil {
			return err
		}
		owner, created, review := s.Owner, s.CreatedAt, s.ReviewRequired
		if err := fn(s); err != nil {
			return err
		}
		// Review is a control over the owner: the owner may ask for it,
		// only an admin may lift it.
		if review && !s.ReviewRequired && p != nil && !p.IsAdmin() {
			return errorf(ErrForbidden, "only an admin may turn off review of stream %s (principal %s is not one)", name, p.Name)
		}
		if s.Name != name {
			return errorf(ErrInvalidStream, "stream %s cannot be renamed to %s: a stream is its topic", name, s.Name)
		}
		if s.Owner != owner {
			return errorf(ErrInvalidStream, "the owner of stream %s changes only by an explicit transfer (POST /v1/streams/%s/transfer)", name, name)
		}
		s.CreatedAt, s.UpdatedAt = created, svc.now()
		return s.Normalize()
	})
	if err != nil {
		return Stream{}, err
	}
	svc.wrote(ctx, name)
	return s, svc.applyCompatibility(ctx, &s)
}

// TransferOwnership makes to the owner of a stream. Only the current
// owner or an admin may; the transfer is recorded. The new owner must be
// an enabled principal with the role service (an owner is the service
// that writes the stream; a reader or reviewer owning it could switch its
// checks off), when the Service knows the principals (Options.Principals).
func (svc *Service) TransferOwnership(ctx context.Context, name, to string) (Stream, error) {
	p := auth.FromContext(ctx)
	if to == "" {
		return Stream{}, errorf(ErrInvalidStream, "a transfer of stream %s needs the new owner", name)
	}
	defer svc.wrote(ctx, name)
	return svc.store.Update(ctx, name, principalName(p), nil, func(s *Stream) error {
		if err := mayManage(p, s, "transfer"); err != nil {
			return err
		}
		// After the ownership check: who exists is not for others to probe.
		if err := svc.checkNewOwner(ctx, name, to); err != nil {
			return err
		}
		if s.Owner == to {
			// Refused rather than recorded: a transfer that moves nothing
			// would fill the transfer history and the audit log with noise.
			return errorf(ErrInvalidStream, "stream %s is already owned by %s", name, to)
		}
		s.Owner, s.UpdatedAt = to, svc.now()
		return nil
	})
}

// Transfers lists a stream's recorded ownership transfers.
func (svc *Service) Transfers(ctx context.Context, name string) ([]Transfer, error) {
	if _, err := svc.store.Get(ctx, name); err != nil {
		return nil, err
	}
	return svc.store.Transfers(ctx, name)
}

// Delete removes a stream's contract (its subjects and schemas stay in
// the registry, unowned). Only its owner or an admin may, and only an
// admin when the stream requires review.
func (svc *Service) Delete(ctx context.Context, name string) error {
	s, err := svc.store.Get(ctx, name)
	if err != nil {
		return err
	}
	p := auth.FromContext(ctx)
	if err := mayDelete(p, &s); err != nil {
		return err
	}
	defer svc.wrote(ctx, name)
	// Decided again on the stream as read in the delete's transaction.
	return svc.store.Delete(ctx, name, func(cur *Stream) error { return mayDelete(p, cur) })
}

// applyCompatibility sets the stream's compatibility level on its
// subjects, so serializers and the registry's checks see the contract's
// level.
func (svc *Service) applyCompatibility(ctx context.Context, s *Stream) error {
	if s.Compatibility == "" || svc.reg == nil {
		return nil
	}
	for _, subj := range s.Subjects() {
		if _, err := svc.reg.SetConfig(ctx, subj, registry.Config{Compatibility: s.Compatibility}); err != nil {
			return fmt.Errorf("setting compatibility %s on subject %s of stream %s: %w", s.Compatibility, subj, s.Name, err)
		}
	}
	return nil
}

// principalName names the caller in audit records.
func principalName(p *auth.Principal) string {
	if p == nil {
		return "anonymous (authentication off)"
	}
	return p.Name
}
