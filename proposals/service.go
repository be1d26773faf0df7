package proposals

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/compat"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry"
)

// PrincipalDirectory finds principals by name (auth.Authenticator does):
// an approval registers as the proposer's current self.
type PrincipalDirectory interface {
	Principal(ctx context.Context, name string) (auth.PrincipalRecord, error)
}

// Options configures a Service. The zero value is usable.
type Options struct {
	Logger *slog.Logger
	// Principals, when set, gives the proposer's current roles at
	// approval and refuses approvals of disabled or unknown proposers.
	// Without it the roles the proposer held when it proposed are used.
	Principals PrincipalDirectory
}

// MaxTextBytes bounds a description or a decision's comment.
const MaxTextBytes = 64 << 10

// anonymous names the proposer and decider when authentication is off,
// as the audit log does.
const anonymous = "anonymous"

// Service manages proposals. Each call reads the caller from its context
// (auth.FromContext); without a principal (authentication off) everything
// is allowed. It is safe for concurrent use.
type Service struct {
	store   Store
	reg     *registry.Registry
	streams *contracts.Service
	lin     *lineage.Service // nil: no impact in reports
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	// locks serialise decisions on one proposal within this process (by
	// id, striped), so two reviewers approving at once register once and
	// the second finds it decided. Across processes the claim and the
	// state each decision reads in Store.Update decide who wins.
	locks [64]sync.Mutex
}

// NewService returns a Service keeping proposals in store
// (sqlproposals.New on the registry's database). reg registers approved
// schemas and checks proposed ones; streams authorizes proposers and
// lints; lin (may be nil) adds impact to reports.
func NewService(store Store, reg *registry.Registry, streams *contracts.Service, lin *lineage.Service, opts Options) *Service {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Service{
		store: store, reg: reg, streams: streams, lin: lin, opts: opts, log: log,
		// Milliseconds, as stored: an answer equals a later read.
		now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
	}
}

// Create proposes a schema for a subject, or returns the pending
// proposal of the same subject and schema (see Propose).
func (s *Service) Create(ctx context.Context, np NewProposal) (Proposal, error) {
	p, _, err := s.Propose(ctx, np)
	return p, err
}

// Propose is Create that also says whether the proposal is new (false:
// the pending proposal of the same subject and schema was returned).
//
// The proposer (the caller; "anonymous" when authentication is off) must
// hold the role admin or service and be allowed to write the subject
// (contracts single writer). The schema must parse (registry errors,
// 42201), not already be a live version of the subject
// (ErrAlreadyRegistered), be compatible under the subject's level
// (registry.ErrIncompatible, the differences in the message) and pass
// the stream's blocking lints (contracts.ErrLintFailed): a proposal is
// something that could register as it stands.
func (s *Service) Propose(ctx context.Context, np NewProposal) (Proposal, bool, error) {
	ctx = withActor(ctx)
	caller := auth.FromContext(ctx)
	if caller != nil && !caller.HasAny(auth.RoleAdmin, auth.RoleService) {
		return Proposal{}, false, errorf(ErrForbidden, "proposing a schema requires the role admin or service (whoever may register it); principal %s has neither", caller.Name)
	}
	subject, err := canonicalSubject(np.Subject)
	if err != nil {
		return Proposal{}, false, err
	}
	if len(np.Description) > MaxTextBytes {
		return Proposal{}, false, errorf(ErrInvalid, "description of %d bytes exceeds the limit of %d", len(np.Description), MaxTextBytes)
	}
	if s.streams != nil {
		if err := s.streams.AuthorizeSubjectWrite(ctx, caller, subject); err != nil {
			return Proposal{}, false, err
		}
	}
	typ := strings.ToUpper(strings.TrimSpace(np.SchemaType))
	if typ == "" {
		typ = compat.TypeAvro
	}
	in := registry.SchemaInput{Schema: np.Schema, SchemaType: typ, References: np.References}
	schema, err := s.reg.ParseSchema(ctx, subject, in)
	if err != nil {
		return Proposal{}, false, err
	}
	switch v, err := s.reg.Lookup(ctx, subject, in, false, false); {
	case err == nil:
		return Proposal{}, false, errorf(ErrAlreadyRegistered, "the proposed schema already is version %d of subject %s (schema id %d): nothing to review", v.Version, subject, v.Schema.ID)
	case errors.Is(err, registry.ErrSubjectNotFound), errors.Is(err, registry.ErrSchemaNotFound):
	default:
		return Proposal{}, false, fmt.Errorf("looking the proposed schema up in %s: %w", subject, err)
	}
	rep, stream, err := s.report(ctx, subject, in, false)
	if err != nil {
		return Proposal{}, false, err
	}
	if err := refusal(subject, stream, rep); err != nil {
		return Proposal{}, false, err
	}
	base := 0
	switch v, err := s.reg.Version(ctx, subject, -1, false); {
	case err == nil:
		base = v.Version
	case errors.Is(err, registry.ErrSubjectNotFound), errors.Is(err, registry.ErrVersionNotFound):
	default:
		return Proposal{}, false, fmt.Errorf("reading the latest version of %s: %w", subject, err)
	}
	r := Record{
		Proposal: Proposal{
			Subject: subject, Stream: stream, SchemaType: typ, Schema: np.Schema, References: np.References,
			Description: np.Description, Proposer: nameOf(caller), BaseVersion: base, State: Pending, CreatedAt: s.now(),
		},
		ProposerRoles: rolesOf(caller), Fingerprint: fingerprint(typ, schema.Canonical(), np.References),
	}
	out, created, err := s.store.Create(ctx, r)
	return out.Proposal, created, err
}

// refusal is the error a proposal whose report says it could not register
// is refused with, as the registration itself would say it.
func refusal(subject, stream string, rep Report) error {
	if !rep.Compatible {
		msgs := compat.Messages(rep.Differences)
		return &registry.Error{
			Kind:    registry.ErrIncompatible,
			Message: fmt.Sprintf("Schema being proposed is incompatible with an earlier schema for subject %q, details: %v", subject, msgs),
			Details: msgs,
		}
	}
	if rep.Blocking {
		var msgs []string
		for _, l := range rep.Lints {
			if l.Severity == contracts.SeverityError {
				msgs = append(msgs, l.ID+" at "+l.Location+": "+l.Message)
			}
		}
		return &contracts.Error{
			Kind:    contracts.ErrLintFailed,
			Message: fmt.Sprintf("Schema proposed for subject %s violates the contract of stream %s: %s", subject, stream, strings.Join(msgs, "; ")),
			Details: msgs,
		}
	}
	return nil
}

// Get returns proposal id.
func (s *Service) Get(ctx context.Context, id int64) (Proposal, error) {
	if id <= 0 {
		return Proposal{}, errorf(ErrNotFound, "proposal %d not found", id)
	}
	r, err := s.store.Get(ctx, id)
	return r.Proposal, err
}

// List returns the proposals f selects, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Proposal, error) {
	if f.State != "" && !f.State.Valid() {
		return nil, errorf(ErrInvalid, "state %q is not pending, approved, rejected or withdrawn", f.State)
	}
	if f.Limit < 0 || f.BeforeID < 0 {
		return nil, errorf(ErrInvalid, "limit and before must not be negative")
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	f.Limit = min(f.Limit, MaxLimit)
	if f.Subject != "" {
		f.Subject = registry.ParseName(strings.TrimSpace(f.Subject)).String()
	}
	return s.store.List(ctx, f)
}

// PendingByStream counts pending proposals per stream (streams with none
// are absent). One grouped query over the pending rows, whatever the
// number of streams.
func (s *Service) PendingByStream(ctx context.Context) (map[string]int, error) {
	return s.store.PendingByStream(ctx)
}

// PendingCount counts the pending proposals (the UI's navigation shows
// it): one indexed count.
func (s *Service) PendingCount(ctx context.Context) (int, error) {
	return s.store.PendingCount(ctx)
}

// MayDecide reports whether p may approve or reject pr: pr is pending, and
// p is a reviewer or an admin and not pr's proposer. A nil p
// (authentication off) may.
func (s *Service) MayDecide(p *auth.Principal, pr Proposal) bool {
	return s.checkDecide(p, pr, "decide") == nil
}

// MayWithdraw reports whether p may withdraw pr: pr is pending and p is
// its proposer or an admin. A nil p (authentication off) may.
func (s *Service) MayWithdraw(p *auth.Principal, pr Proposal) bool {
	return s.checkWithdraw(p, pr) == nil
}

// checkDecide is MayDecide with the reason: the role first (403), then
// separation of duties (403), then the state (409).
func (s *Service) checkDecide(p *auth.Principal, pr Proposal, verb string) error {
	if p != nil {
		if !p.HasAny(auth.RoleReviewer, auth.RoleAdmin) {
			return errorf(ErrForbidden, "to %s a proposal requires the role reviewer or admin; principal %s has %s", verb, p.Name, rolesText(p))
		}
		if p.Name == pr.Proposer {
			return errorf(ErrForbidden, "principal %s proposed proposal %d and may not %s it: another reviewer must (separation of duties)", p.Name, pr.ID, verb)
		}
	}
	if pr.State != Pending {
		return notPending(Record{Proposal: pr})
	}
	return nil
}

func (s *Service) checkWithdraw(p *auth.Principal, pr Proposal) error {
	if p != nil && !p.IsAdmin() && p.Name != pr.Proposer {
		return errorf(ErrForbidden, "only its proposer, %s, or an admin may withdraw proposal %d (principal %s is neither)", pr.Proposer, pr.ID, p.Name)
	}
	if pr.State != Pending {
		return notPending(Record{Proposal: pr})
	}
	return nil
}

// Approve approves a pending proposal and registers its schema as its
// proposer (see the package doc). The decider is the caller: a reviewer
// or an admin other than the proposer. If the registration fails the
// approval fails with its error and the proposal stays pending.
func (s *Service) Approve(ctx context.Context, id int64, comment string) (Proposal, error) {
	return s.decide(ctx, id, comment, Approved)
}

// Reject rejects a pending proposal; nothing is registered. The decider
// is the caller: a reviewer or an admin other than the proposer.
func (s *Service) Reject(ctx context.Context, id int64, comment string) (Proposal, error) {
	return s.decide(ctx, id, comment, Rejected)
}

// Withdraw withdraws a pending proposal: its proposer or an admin.
func (s *Service) Withdraw(ctx context.Context, id int64, comment string) (Proposal, error) {
	return s.decide(ctx, id, comment, Withdrawn)
}

var actions = map[State]string{Approved: ActionApprove, Rejected: ActionReject, Withdrawn: ActionWithdraw}

func (s *Service) decide(ctx context.Context, id int64, comment string, to State) (Proposal, error) {
	if len(comment) > MaxTextBytes {
		return Proposal{}, errorf(ErrInvalid, "comment of %d bytes exceeds the limit of %d", len(comment), MaxTextBytes)
	}
	if id <= 0 {
		return Proposal{}, errorf(ErrNotFound, "proposal %d not found", id)
	}
	ctx = withActor(ctx)
	mu := &s.locks[uint64(id)%uint64(len(s.locks))]
	mu.Lock()
	defer mu.Unlock()
	rec, err := s.store.Get(ctx, id)
	if err != nil {
		return Proposal{}, err
	}
	pr := rec.Proposal
	caller := auth.FromContext(ctx)
	switch to {
	case Withdrawn:
		err = s.checkWithdraw(caller, pr)
	case Approved:
		err = s.checkDecide(caller, pr, "approve")
	default:
		err = s.checkDecide(caller, pr, "reject")
	}
	if err != nil {
		return Proposal{}, err
	}
	now := s.now()
	d := Proposal{State: to, DecidedBy: nameOf(caller), DecidedAt: &now, Comment: comment}
	// The evidence the decision was made on stays with it: the report as
	// it stands now, before an approval registers the schema (after, the
	// schema would be checked against itself). A report that cannot be
	// computed (the subject was deleted) does not stop the decision.
	if rep, err := s.Report(ctx, pr); err == nil {
		d.DecisionReport = &rep
	} else {
		s.log.Warn("no decision report for a proposal", slog.Int64("proposal", id), slog.Any("err", err))
	}
	var c *Claim
	if to == Approved {
		// Claim first, so no other process decides it while its schema
		// registers (see claimTTL); a failed registration releases it.
		if c, err = s.claim(ctx, id, d.DecidedBy, now); err != nil {
			return Proposal{}, err
		}
		sv, err := s.register(ctx, caller, rec)
		if err != nil {
			if rerr := s.release(context.WithoutCancel(ctx), id, c); rerr != nil {
				s.log.Error("releasing the claim of a failed approval (it expires by itself)", slog.Int64("proposal", id), slog.Any("err", rerr))
			}
			return Proposal{}, err
		}
		d.SchemaID, d.Version = sv.Schema.ID, sv.Version
		// The version is registered: recording the decision must not be
		// abandoned because the client went away.
		ctx = context.WithoutCancel(ctx)
	}
	out, err := s.store.Update(ctx, id, actions[to], func(r *Record) error {
		if err := decidable(r, c, now); err != nil {
			return err
		}
		r.State, r.DecidedBy, r.DecidedAt, r.Comment = d.State, d.DecidedBy, d.DecidedAt, d.Comment
		r.SchemaID, r.Version, r.DecisionReport = d.SchemaID, d.Version, d.DecisionReport
		r.Claim = nil
		return nil
	})
	if err != nil && to == Approved && errors.Is(err, ErrNotPending) {
		// The claim expired while the registration ran and another
		// process decided it: the version stays (it was the proposer's
		// right and a reviewer approved it), and the answer says so.
		s.log.Warn("proposal decided elsewhere while its approval registered it", slog.Int64("proposal", id),
			slog.String("subject", pr.Subject), slog.Int("version", d.Version), slog.Any("err", err))
		return Proposal{}, fmt.Errorf("%w (its schema was registered as version %d of %s by this approval)", err, d.Version, pr.Subject)
	}
	return out.Proposal, err
}

// register registers pr's schema with ctx standing for its proposer: the
// proposer's principal (single writer), audit actor (the request id
// kept) and the approval mark that review-required streams let through.
func (s *Service) register(ctx context.Context, caller *auth.Principal, rec Record) (registry.SchemaVersion, error) {
	pr := rec.Proposal
	rctx := ctx
	if caller != nil { // authentication on: act as the proposer
		p, err := s.proposer(ctx, rec)
		if err != nil {
			return registry.SchemaVersion{}, err
		}
		rctx = auth.WithPrincipal(rctx, p)
	}
	rctx = audit.WithWho(rctx, audit.Who{Actor: pr.Proposer, RequestID: audit.WhoFrom(ctx).RequestID})
	rctx = contracts.WithApproval(rctx)
	sv, err := s.reg.Register(rctx, pr.Subject, registry.RegisterRequest{SchemaInput: schemaInput(pr)})
	if err != nil {
		return registry.SchemaVersion{}, wrapKeep(fmt.Sprintf("approving proposal %d: registering its schema in %s as %s", pr.ID, pr.Subject, pr.Proposer), err)
	}
	return sv, nil
}

// withActor makes the audit actor of ctx its principal: the API's
// middleware does so for requests, and front ends that call the Service
// directly (the web UI) must not leave "anonymous" in the log. The
// request id is kept.
func withActor(ctx context.Context) context.Context {
	p := auth.FromContext(ctx)
	if w := audit.WhoFrom(ctx); p != nil && w.Actor != p.Name {
		w.Actor = p.Name
		return audit.WithWho(ctx, w)
	}
	return ctx
}

// proposer returns the principal an approval registers as.
func (s *Service) proposer(ctx context.Context, rec Record) (*auth.Principal, error) {
	pr := rec.Proposal
	if s.opts.Principals == nil {
		return &auth.Principal{Name: pr.Proposer, Roles: rec.ProposerRoles}, nil
	}
	who, err := s.opts.Principals.Principal(ctx, pr.Proposer)
	switch {
	case errors.Is(err, auth.ErrPrincipalNotFound):
		return nil, errorf(ErrForbidden, "proposal %d cannot be approved: its proposer %s is not a principal, and an approval registers as its proposer; withdraw it and propose again", pr.ID, pr.Proposer)
	case err != nil:
		return nil, fmt.Errorf("reading proposer %s of proposal %d: %w", pr.Proposer, pr.ID, err)
	case who.Disabled:
		return nil, errorf(ErrForbidden, "proposal %d cannot be approved: its proposer %s is disabled, and an approval registers as its proposer; withdraw it and propose again", pr.ID, pr.Proposer)
	}
	p := who.Principal()
	// The right to register is the proposer's now, role included: a
	// proposer since made a reader must not register through a reviewer.
	if !p.HasAny(auth.RoleAdmin, auth.RoleService) {
		return nil, errorf(ErrForbidden, "proposal %d cannot be approved: its proposer %s no longer has the role admin or service (it has %s), and an approval registers as its proposer; withdraw it and propose again", pr.ID, pr.Proposer, rolesText(p))
	}
	return p, nil
}

// wrapKeep prefixes err's message with what was being done and keeps its
// kind (errors.Is), and so its HTTP status.
func wrapKeep(what string, err error) error {
	var re *registry.Error
	if errors.As(err, &re) {
		return &registry.Error{Kind: re.Kind, Message: what + ": " + re.Message, Details: re.Details}
	}
	return fmt.Errorf("%s: %w", what, err)
}

func schemaInput(p Proposal) registry.SchemaInput {
	return registry.SchemaInput{Schema: p.Schema, SchemaType: p.SchemaType, References: p.References}
}

// canonicalSubject checks a subject name as registering would (the
// registry's 42208 for a name no client can address) and returns its
// canonical spelling (unqualified in the default context).
func canonicalSubject(subject string) (string, error) {
	subject = strings.TrimSpace(subject)
	if subject == "" {
		return "", errorf(ErrInvalid, "a proposal needs a subject (or a stream)")
	}
	n := registry.ParseName(subject)
	if !validName(n.Subject) || (n.Context != registry.DefaultContext && (!strings.HasPrefix(n.Context, ".") || !validName(n.Context) || strings.Contains(n.Context, ":"))) {
		return "", &registry.Error{Kind: registry.ErrInvalidSubject, Message: fmt.Sprintf("Invalid subject '%s'", subject)}
	}
	return n.String(), nil
}

// validName is the registry's rule for subject and context names: UTF-8,
// 1 to 1024 bytes, no control characters.
func validName(s string) bool {
	if s == "" || len(s) > 1024 || !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) < 0
}

// fingerprint identifies "the same schema" for duplicate proposals: type,
// canonical text and references, as submitted.
func fingerprint(typ, canonical string, refs []registry.Reference) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s", typ, len(canonical), canonical)
	for _, r := range refs {
		fmt.Fprintf(h, "\x00%s\x00%s\x00%d", r.Name, r.Subject, r.Version)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func nameOf(p *auth.Principal) string {
	if p == nil {
		return anonymous
	}
	return p.Name
}

func rolesOf(p *auth.Principal) []auth.Role {
	if p == nil {
		return nil
	}
	return append([]auth.Role(nil), p.Roles...)
}

func rolesText(p *auth.Principal) string {
	if p == nil || len(p.Roles) == 0 {
		return "no role"
	}
	s := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}
