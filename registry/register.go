package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/compat"
)

// RegisterRequest is the body of POST /subjects/{s}/versions.
type RegisterRequest struct {
	SchemaInput
	// ID and Version are caller-chosen (IMPORT mode); zero means allocate.
	ID      int64
	Version int
	// Normalize stores the normalized form (also when the subject's config
	// says normalize).
	Normalize bool
	// Force skips the compatibility and validateFields checks, as
	// Confluent's force=true; ownership and review still apply. The API
	// honours it for admins only.
	Force bool
}

// SchemaVersion is a version of a subject together with its schema.
type SchemaVersion struct {
	Subject string // qualified name
	Version int
	Deleted bool
	Schema  *SchemaRecord
}

// Register adds a schema to a subject. Re-registering a schema that is
// already a live version returns that version; a new schema is checked
// against earlier versions under the subject's compatibility level, gets
// the id the same schema already has in the context (or a new one) and the
// next version number. Nothing is stored unless all of it succeeds.
//
// Every fact the answer depends on is read in the write's transaction,
// under the subject's lock, or proven current by the change counters
// (registerCached); see docs/consistency.md.
func (r *Registry) Register(ctx context.Context, subject string, req RegisterRequest) (SchemaVersion, error) {
	v, err := r.register(ctx, subject, req)
	r.refused(err)
	return v, err
}

func (r *Registry) register(ctx context.Context, subject string, req RegisterRequest) (SchemaVersion, error) {
	n := ParseName(subject)
	if !validSubject(n.Subject) || !validContext(n.Context) {
		return SchemaVersion{}, errorf(ErrInvalidSubject, "Invalid subject '%s'", subject)
	}
	if req.ID < 0 || req.ID > MaxID {
		return SchemaVersion{}, errorf(ErrInvalidSchema, "Invalid schema: id %d is outside 1..%d (ids are 32-bit on the wire)", req.ID, MaxID)
	}
	if req.Version < 0 || req.Version > MaxID {
		return SchemaVersion{}, errorf(ErrInvalidVersion, "The specified version '%d' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", req.Version)
	}

	// Fast path: already a live version (what auto-registering serializers
	// hit on every start), answered from caches proven current.
	out, ok, fp, err := r.registerCached(ctx, n, req)
	if err != nil || ok {
		return out, err
	}
	// What the transaction reads first goes with its lock where the store
	// can send them together (one round trip on PostgreSQL); fp is the
	// fingerprint as the caches gave it, the transaction's own if nothing
	// changed meanwhile (else it reads its own).
	ctx = WithReadAhead(ctx, ReadAhead{Levels: levelsOf(n), Versions: true, Fingerprint: fp})
	if p, ok := r.policy.(ReadAheadPolicy); ok {
		ctx = p.ReadAheadRegister(ctx, n.String())
	}

	var (
		p     *prepared
		wrote bool
	)
	err = r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		var err error
		out, p, wrote, err = r.registerTx(ctx, tx, n, req)
		return err
	})
	if err == nil && wrote {
		// Read-your-writes on this replica. Only then: dropping the caches
		// registerCached just warmed would send every re-registration to
		// a transaction.
		r.invalidate(n)
	}
	if err != nil {
		if refusal, ok := unwrapPolicy(err); ok {
			return SchemaVersion{}, refusal
		}
		if errors.Is(err, ErrIDOutOfRange) {
			return SchemaVersion{}, errorf(ErrOperationNotPermitted, "No schema id is left in context %s: every id up to %d is taken", n.Context, MaxID)
		}
		return SchemaVersion{}, storeErr("registering schema", err)
	}
	// Committed: remember the record and its parsed form, so the next
	// compatibility check against this version does not parse it again.
	k := idKey{n.Context, out.Schema.ID}
	out.Schema, _ = r.schemas.LoadOrStore(k, out.Schema)
	r.parsed.LoadOrStore(k, p.schema)
	return out, nil
}

// registerCached answers a registration from the caches when they prove
// current: one statement reads the subject's, its context's and the
// default context's change counters, and the cached mode, config and
// view of the subject must carry exactly those counters. It answers (ok)
// only what writes nothing: the schema is already a live version, or the
// mode refuses the write. On a miss it loads what was missing (tagged
// with the counters, for the next call) and parses the schema outside
// any lock; the caller then decides in a transaction. A refusal found
// while parsing (an invalid schema, a reference that does not resolve in
// the store) is returned as is. On a miss fp is the fingerprint the
// schema would be stored under by what the caches say ("" when unknown),
// for the transaction to read ahead.
func (r *Registry) registerCached(ctx context.Context, n Name, req RegisterRequest) (_ SchemaVersion, ok bool, fp string, _ error) {
	// A subject with nothing cached: counters, settings and view in one
	// statement (its values are then fresh at those counters).
	ch, warmed, err := r.warmSubject(ctx, n, true)
	if err != nil {
		return SchemaVersion{}, false, "", err
	}
	var guessed *preparedAs // what bound parsed, for the proven path below
	if !warmed {
		fp, ok, g, err := r.bound(ctx, n, req)
		if err != nil || ok {
			return SchemaVersion{}, false, fp, err
		}
		guessed = g
		if ch, err = r.store.Changes(ctx, n.Context, n.Subject); err != nil {
			return SchemaVersion{}, false, "", storeErr("reading change counters", err)
		}
	}
	levels := levelsOf(n)
	hit := true
	warm := &settingsWarmer{r: r, ctx: ctx, levels: levels, ch: ch}
	mode, err := resolveMode(levels, func(l Name) (string, error) {
		if m, ok := r.modes.fresh(cacheKey{l.Context, l.Subject}, tagOf(ch, l)); ok {
			return m, nil
		}
		hit = false
		if s, ok, err := warm.at(l); ok {
			return s.Mode, err
		}
		return r.warmMode(ctx, l, ch)
	})
	if err != nil {
		return SchemaVersion{}, false, "", err
	}
	cfg, err := mergeConfigs(levels, func(l Name) (*Config, error) {
		if c, ok := r.configs.fresh(cacheKey{l.Context, l.Subject}, tagOf(ch, l)); ok {
			return c, nil
		}
		hit = false
		if s, ok, err := warm.at(l); ok {
			if err != nil {
				return nil, err
			}
			return decodeSetting(s.Config)
		}
		return r.warmConfig(ctx, l, ch)
	})
	if err != nil {
		return SchemaVersion{}, false, "", err
	}
	view, ok := r.versions.fresh(cacheKey{n.Context, n.Subject}, ch.Subject)
	if !ok {
		hit = false
		// Not in IMPORT mode, which registers new versions: the view
		// would be read again in the transaction and dropped at commit.
		if mode != ModeImport {
			if view, err = r.warmView(ctx, n, ch); err != nil {
				return SchemaVersion{}, false, "", err
			}
		}
	}
	// Parsed outside the transaction either way, so the subject's lock is
	// not held while parsing (the transaction finds it in r.prepared).
	normalize := req.Normalize || (cfg.Normalize != nil && *cfg.Normalize)
	p := guessed.of(normalize)
	if p == nil {
		if p, err = r.prepare(ctx, r.store, n.Context, req.SchemaInput, normalize); err != nil {
			return SchemaVersion{}, false, "", err
		}
	}
	if hit {
		if err := checkRegisterMode(n, mode, req); err != nil {
			return SchemaVersion{}, true, "", err
		}
	}
	e, err := r.effectiveDocs(ctx, r.store, n, view, cfg, p, mode != ModeImport)
	if err != nil {
		if !hit {
			return SchemaVersion{}, false, "", nil // the transaction decides
		}
		return SchemaVersion{}, false, "", err
	}
	if !hit {
		return SchemaVersion{}, false, e.fingerprint, nil
	}
	v, ok := p.match(view, e, false)
	if !ok || (req.ID != 0 && req.ID != v.SchemaID) || (req.Version != 0 && req.Version != v.Version) {
		return SchemaVersion{}, false, e.fingerprint, nil
	}
	rec, err := r.schemaRecord(ctx, r.store, n.Context, v.SchemaID)
	if err != nil {
		return SchemaVersion{}, false, "", err
	}
	return SchemaVersion{Subject: n.String(), Version: v.Version, Schema: rec}, true, "", nil
}

// errNotCached ends bound's walk over the levels at the first level with
// nothing cached.
var errNotCached = errors.New("registry: not cached")

// bound reports (ok) that a registration is bound for the transaction by
// what the caches hold of n, whatever counters it was read at: the
// schema is no live version of the subject as cached, and the cached
// mode does not refuse it. That answer needs no proof that the caches
// are current, since the transaction reads all of it again under the
// lock; only the fast path's own answers (already live, refused) do. So
// a new schema for a subject whose values are cached, the common write,
// skips the change counters' round trip. fp is the fingerprint for the
// transaction to read ahead (a stale setting only makes it a wrong guess,
// which the transaction reads again). An error is one parsing found
// (returned as the fast path would).
func (r *Registry) bound(ctx context.Context, n Name, req RegisterRequest) (fp string, ok bool, parsed *preparedAs, err error) {
	levels := levelsOf(n)
	mode, err := resolveMode(levels, func(l Name) (string, error) {
		if m, ok := r.modes.peek(cacheKey{l.Context, l.Subject}); ok {
			return m, nil
		}
		return "", errNotCached
	})
	if err != nil {
		return "", false, nil, nil
	}
	cfg, err := mergeConfigs(levels, func(l Name) (*Config, error) {
		if c, ok := r.configs.peek(cacheKey{l.Context, l.Subject}); ok {
			return c, nil
		}
		return nil, errNotCached
	})
	if err != nil {
		return "", false, nil, nil
	}
	view, ok := r.versions.peek(cacheKey{n.Context, n.Subject})
	if !ok || checkRegisterMode(n, mode, req) != nil {
		return "", false, nil, nil
	}
	normalize := req.Normalize || (cfg.Normalize != nil && *cfg.Normalize)
	p, err := r.prepare(ctx, r.store, n.Context, req.SchemaInput, normalize)
	if err != nil {
		return "", false, nil, err
	}
	parsed = &preparedAs{p, normalize}
	e, err := r.effectiveDocs(ctx, r.store, n, view, cfg, p, mode != ModeImport)
	if err != nil {
		return "", false, parsed, nil
	}
	if _, live := p.match(view, e, false); live {
		return "", false, parsed, nil // the fast path answers it, proven
	}
	return e.fingerprint, true, parsed, nil
}

// preparedAs is a request's schema prepared with normalize as given: a
// re-registration's fast path parses it once, bound's guess and the
// proven answer alike, when both ask for the same normalization.
type preparedAs struct {
	p         *prepared
	normalize bool
}

// of returns the prepared schema if it was prepared with normalize; nil
// otherwise (also for a nil receiver).
func (g *preparedAs) of(normalize bool) *prepared {
	if g == nil || g.normalize != normalize {
		return nil
	}
	return g.p
}

// warmMode, warmConfig and warmView read a level's mode or config, or a
// subject's view, from the store after its change counters ch were read,
// and cache it tagged with them; nothing is cached while the feed is down
// (reads then bypass the caches anyway).
func (r *Registry) warmMode(ctx context.Context, l Name, ch Changes) (string, error) {
	gen := r.modes.generation()
	m, err := readMode(ctx, r.store, l.Context, l.Subject)
	if err == nil && !r.feedLost.Load() {
		r.modes.put(cacheKey{l.Context, l.Subject}, m, tagOf(ch, l), gen)
	}
	return m, err
}

func (r *Registry) warmConfig(ctx context.Context, l Name, ch Changes) (*Config, error) {
	gen := r.configs.generation()
	c, err := readConfig(ctx, r.store, l.Context, l.Subject)
	if err == nil && !r.feedLost.Load() {
		r.configs.put(cacheKey{l.Context, l.Subject}, c, tagOf(ch, l), gen)
	}
	return c, err
}

func (r *Registry) warmView(ctx context.Context, n Name, ch Changes) (*subjectView, error) {
	gen := r.versions.generation()
	v, err := r.loadView(ctx, r.store, n)
	if err == nil && !r.feedLost.Load() {
		r.versions.put(cacheKey{n.Context, n.Subject}, v, ch.Subject, gen)
	}
	return v, err
}

// checkRegisterMode refuses a registration the subject's mode forbids:
// any in a read-only mode, and one without an explicit id in IMPORT mode
// (which would take an id the import may still need), as Confluent does.
func checkRegisterMode(n Name, mode string, req RegisterRequest) error {
	switch {
	case mode == ModeReadOnly || mode == ModeReadOnlyOverride:
		return errorf(ErrOperationNotPermitted, "Subject %s is in read-only mode", n.String())
	case mode == ModeImport && req.ID == 0:
		return errorf(ErrOperationNotPermitted, "Subject %s is in import mode: a registration must give the schema's id", n.String())
	}
	return nil
}

// registerTx decides and makes a registration from what tx reads, under
// the subject's lock: mode, config and its inheritance, the subject's
// versions, the reference targets (share-locked until commit) and, through
// the Policy given the transaction in its context, the stream's owner and
// review rules.
func (r *Registry) registerTx(ctx context.Context, tx Tx, n Name, req RegisterRequest) (SchemaVersion, *prepared, bool, error) {
	mode, cfg, err := settingsIn(ctx, tx, n)
	if err != nil {
		return SchemaVersion{}, nil, false, err
	}
	if err := checkRegisterMode(n, mode, req); err != nil {
		return SchemaVersion{}, nil, false, err
	}
	p, err := r.prepare(ctx, tx, n.Context, req.SchemaInput, req.Normalize || (cfg.Normalize != nil && *cfg.Normalize))
	if err != nil {
		return SchemaVersion{}, nil, false, err
	}
	if err := r.checkReferences(ctx, tx, n.Context, p.refs); err != nil {
		return SchemaVersion{}, nil, false, err
	}
	view, err := r.loadView(ctx, tx, n)
	if err != nil {
		return SchemaVersion{}, nil, false, err
	}
	e, err := r.effectiveDocs(ctx, tx, n, view, cfg, p, mode != ModeImport)
	if err != nil {
		return SchemaVersion{}, nil, false, err
	}
	v, ok, err := r.find(ctx, tx, n.Context, view, e, p, false)
	if err != nil {
		return SchemaVersion{}, nil, false, err
	}
	if ok && (req.ID == 0 || req.ID == v.SchemaID) && (req.Version == 0 || req.Version == v.Version) {
		rec, err := r.schemaRecord(ctx, tx, n.Context, v.SchemaID)
		if err != nil {
			return SchemaVersion{}, nil, false, err
		}
		return SchemaVersion{Subject: n.String(), Version: v.Version, Schema: rec}, p, false, nil
	}
	if err := r.beforeRegister(WithTx(ctx, tx), n, p); err != nil {
		return SchemaVersion{}, nil, false, policyError{err}
	}

	existing, err := tx.SchemaByFingerprint(ctx, n.Context, e.fingerprint)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return SchemaVersion{}, nil, false, err
	}

	if mode == ModeImport {
		if req.ID != 0 {
			if found && existing.ID != req.ID {
				return SchemaVersion{}, nil, false, errorf(ErrOperationNotPermitted, "Schema already registered with id %d instead of input id %d", existing.ID, req.ID)
			}
			if !found {
				if other, err := tx.SchemaByID(ctx, n.Context, req.ID); err == nil {
					return SchemaVersion{}, nil, false, errorf(ErrOperationNotPermitted, "Overwrite new schema with id %d is not permitted: id %d holds a different schema (%s)", req.ID, req.ID, other.Type)
				} else if !errors.Is(err, ErrNotFound) {
					return SchemaVersion{}, nil, false, err
				}
			}
		}
	} else {
		if req.ID != 0 && (!found || existing.ID != req.ID) {
			return SchemaVersion{}, nil, false, errorf(ErrOperationNotPermitted, "Overwrite new schema with id %d is not permitted unless the subject or global mode is IMPORT", req.ID)
		}
		if req.Version != 0 {
			return SchemaVersion{}, nil, false, errorf(ErrOperationNotPermitted, "Choosing version %d is not permitted unless the subject or global mode is IMPORT", req.Version)
		}
		if !req.Force {
			vs, err := r.checkAgainst(ctx, tx, cfg, cfg.Compatibility, p.schema, e.props, view.live(false))
			if err != nil {
				return SchemaVersion{}, nil, false, err
			}
			if len(vs) > 0 {
				return SchemaVersion{}, nil, false, incompatible(n, vs, r.validateFields(cfg), cfg.Compatibility)
			}
		}
	}

	id := existing.ID
	var stored *SchemaRecord // when this registration stored the schema
	if !found {
		rec := SchemaRecord{
			Context: n.Context, ID: req.ID, Type: p.schema.Type(), Schema: p.text,
			References: p.refs, Metadata: e.metadata, RuleSet: e.ruleSet,
			Fingerprint: e.fingerprint,
		}
		if id, stored, err = insertSchema(tx, rec); err != nil {
			if errors.Is(err, ErrConflict) {
				return SchemaVersion{}, nil, false, errorf(ErrOperationNotPermitted, "Overwrite new schema with id %d is not permitted", req.ID)
			}
			return SchemaVersion{}, nil, false, err
		}
	}

	version := req.Version
	if version != 0 {
		for _, v := range view.versions {
			if v.Version == version {
				return SchemaVersion{}, nil, false, errorf(ErrOperationNotPermitted, "Version %d of subject %s already exists with schema id %d", version, n.String(), v.SchemaID)
			}
		}
		if err := tx.ReserveVersion(version); err != nil {
			return SchemaVersion{}, nil, false, err
		}
		if err := tx.InsertVersion(VersionRecord{Context: n.Context, Subject: n.Subject, Version: version, SchemaID: id}); err != nil {
			if errors.Is(err, ErrConflict) {
				return SchemaVersion{}, nil, false, errorf(ErrOperationNotPermitted, "Version %d of subject %s already exists", version, n.String())
			}
			return SchemaVersion{}, nil, false, err
		}
	} else if version, err = appendVersion(tx, id, n); err != nil {
		return SchemaVersion{}, nil, false, err
	}
	rec := stored
	if rec == nil {
		if rec, err = r.schemaRecord(ctx, tx, n.Context, id); err != nil {
			return SchemaVersion{}, nil, false, err
		}
	}
	after := versionDoc{Version: version, ID: id, SchemaType: rec.Type, Schema: rec.Schema, References: rec.References, Metadata: rec.Metadata, RuleSet: rec.RuleSet}
	if err := record(tx, n, audit.SchemaRegister, nil, after); err != nil {
		return SchemaVersion{}, nil, false, err
	}
	return SchemaVersion{Subject: n.String(), Version: version, Schema: rec}, p, true, nil
}

// checkReferences checks, in a write's transaction, that every version
// the schema references exists (soft-deleted ones do), and share-locks
// the referenced subjects so none of those versions can be deleted before
// the write commits.
func (r *Registry) checkReferences(ctx context.Context, tx Tx, regCtx string, refs []Reference) error {
	for _, ref := range refs {
		rn := refName(regCtx, ref.Subject)
		if err := tx.ShareLock(rn.Context, rn.Subject); err != nil {
			return err
		}
		if _, err := r.findVersion(ctx, tx, rn, ref.Version, true); err != nil {
			return errorf(ErrInvalidSchema, "Invalid schema: reference %q to subject %s version %d cannot be resolved: %v", ref.Name, ref.Subject, ref.Version, err)
		}
	}
	return nil
}

// checkAgainst checks a candidate, whose metadata properties are props,
// against live versions (oldest first) as the subject's config cfg says,
// Confluent's way: with a compatibilityGroup, only against the versions
// whose metadata property of that name has the candidate's value (both
// missing counts as equal); at level (cfg's unless the caller narrows
// it); and, with validateFields (see validateFields), the reservations
// of confluent:reserved against the latest live version (any group),
// under every level, NONE included.
func (r *Registry) checkAgainst(ctx context.Context, q Reader, cfg Config, level compat.Level, candidate compat.Schema, props map[string]string, live []VersionRecord) (out []compat.Violation, err error) {
	if level == "" {
		level = DefaultLevel
	}
	validate := r.validateFields(cfg)
	if validate {
		if names := compat.ReservedFieldNames(candidate); len(names) > 0 {
			return nil, errorf(ErrInvalidSchema, "Invalid schema: field names cannot start with $$ prefix (validateFields): %s", strings.Join(names, ", "))
		}
		var prevProps map[string]string
		version := 0
		if len(live) > 0 {
			v := live[len(live)-1]
			rec, err := r.schemaRecord(ctx, q, v.Context, v.SchemaID)
			if err != nil {
				return nil, err
			}
			prevProps, version = properties(rec.Metadata), v.Version
		}
		for _, d := range compat.Reserved(candidate, props, prevProps) {
			d.Breaks = compat.Backward | compat.Forward
			out = append(out, compat.Violation{Difference: d, Version: version, Direction: compat.DirectionMetadata})
		}
	}
	if level == compat.None || len(live) == 0 {
		// No compatibility check (the reservations alone are not one): no
		// span, not counted.
		return out, nil
	}
	ctx, done := r.checkSpan(ctx)
	defer func() { done(candidate.Type(), level, out, err) }()
	if cfg.Group != "" {
		if live, err = r.inGroup(ctx, q, cfg.Group, props, live); err != nil {
			return nil, err
		}
	}
	if len(live) == 0 {
		return out, nil
	}
	if !level.Transitive() {
		live = live[len(live)-1:]
	}
	prev := make([]compat.Previous, 0, len(live))
	for _, v := range live {
		rec, err := r.schemaRecord(ctx, q, v.Context, v.SchemaID)
		if err != nil {
			return nil, err
		}
		if rec.Type != candidate.Type() {
			out = append(out, compat.Violation{Version: v.Version, Direction: "BACKWARD", Difference: compat.Difference{
				ID: "SCHEMA_TYPE_CHANGED", Location: "/", Message: fmt.Sprintf("schema type changed from %s to %s", rec.Type, candidate.Type()),
			}})
			continue
		}
		s, err := r.parsedSchema(ctx, q, rec)
		if err != nil {
			return nil, err
		}
		// No properties: the reservations are validateFields' (above),
		// checked once, not once per version and direction.
		prev = append(prev, compat.Previous{Version: v.Version, Schema: s})
	}
	bctx, cancel := compat.WithBudget(ctx, r.budget)
	defer cancel()
	vs, err := compat.CheckContext(bctx, level, candidate, nil, prev)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errorf(ErrInvalidSchema, "Invalid schema: %v", trimInvalid(err))
	}
	return append(out, vs...), nil
}

// inGroup keeps the versions of live whose metadata property group has the
// value it has in props, a missing property matching only a missing one
// (Confluent's Objects.equals on the two values).
func (r *Registry) inGroup(ctx context.Context, q Reader, group string, props map[string]string, live []VersionRecord) ([]VersionRecord, error) {
	want, has := props[group]
	out := make([]VersionRecord, 0, len(live))
	for _, v := range live {
		rec, err := r.schemaRecord(ctx, q, v.Context, v.SchemaID)
		if err != nil {
			return nil, err
		}
		got, ok := properties(rec.Metadata)[group]
		if ok == has && got == want {
			out = append(out, v)
		}
	}
	return out, nil
}

// validateFields reports whether Confluent's validateFields checks apply
// under cfg: the config's setting, else Accord's default, true (see
// docs/confluent-compatibility.md: a reservation someone wrote down is
// enforced unless they say otherwise; Confluent's built-in default is
// false).
func (r *Registry) validateFields(cfg Config) bool {
	if cfg.ValidateFields != nil {
		return *cfg.ValidateFields
	}
	return true
}

// incompatible is the refusal of an incompatible registration, worded as
// Confluent's: its message, which clients print, ends with the list of
// differences and Confluent's trailing "{validateFields: '…',
// compatibility: '…'}".
func incompatible(n Name, vs []compat.Violation, validate bool, level compat.Level) error {
	msgs := compat.Messages(vs)
	details := append(append([]string(nil), msgs...), settingsMessage(validate, level))
	return &Error{
		Kind:    ErrIncompatible,
		Message: fmt.Sprintf("Schema being registered is incompatible with an earlier schema for subject \"%s\", details: [%s]", n.String(), strings.Join(details, ", ")),
		Details: msgs,
	}
}

// settingsMessage is the last of Confluent's incompatibility messages: the
// settings the check ran under.
func settingsMessage(validate bool, level compat.Level) string {
	if level == "" {
		level = DefaultLevel
	}
	return fmt.Sprintf("{validateFields: '%t', compatibility: '%s'}", validate, level)
}
