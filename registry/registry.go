// Package registry holds subjects, versions, schema ids, contexts, configs
// and modes: the Confluent Schema Registry model. It is the data path
// register → parse (compat) → check (compat) → store (Store), with the
// caches that make the read path memory-speed: schemas by id are immutable
// and cached until evicted; subject views, configs and modes are cached and
// invalidated on every write (and, through Store.Watch, on writes made by
// other processes sharing the database). Every cache is bounded
// (CacheSizes), so memory follows the budgets, not the registry's size.
package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync/atomic"
	"time"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/registry/bounded"
)

// Registry serves the Confluent registry operations over a Store. It is
// safe for concurrent use.
type Registry struct {
	store   Store
	formats map[string]compat.Format
	types   []string
	log     *slog.Logger

	// The caches, each bounded by SetCacheSizes (CacheSizes).
	sizes   CacheSizes
	schemas *bounded.Cache[idKey, *SchemaRecord] // immutable
	parsed  *bounded.Cache[idKey, compat.Schema] // immutable
	// prepared maps a hash of a request's schema text, type, references and
	// normalize flag to its parse result, so a repeated lookup or
	// registration (what serializers do at start-up) does not parse again.
	prepared *bounded.Cache[[32]byte, *prepared]

	versions viewCache[*subjectView]
	configs  viewCache[*Config]
	modes    viewCache[string]

	// feedLost is set while the change feed (Run) is down: reads then
	// bypass the caches, so they are never staler than the feed allows.
	feedLost atomic.Bool
	// epoch moves after every invalidation of the caches (CacheEpoch).
	epoch atomic.Uint64

	// listeners are told each change of the feed (OnChange).
	listeners []func(Change)

	policy Policy   // see SetPolicy; nil: none
	obs    Observer // see SetObserver; nil: none

	// Hits and misses of the caches above, for CacheStats.
	schemaHits, parsedHits, preparedHits hitCounter
	// budget bounds each parse and compatibility check (SetBudget).
	budget time.Duration
	rules  RuleChecker // see SetRuleChecker; nil: rules are not compiled

	// listReads holds a slot per list page being read (ListReads).
	listReads chan struct{}
}

type idKey struct {
	ctx string
	id  int64
}

// New returns a Registry over store serving the given formats.
func New(store Store, log *slog.Logger, formats ...compat.Format) *Registry {
	if log == nil {
		log = slog.Default()
	}
	r := &Registry{
		store:     store,
		formats:   make(map[string]compat.Format),
		log:       log,
		listReads: make(chan struct{}, ListReads),
	}
	r.SetCacheSizes(DefaultCacheSizes)
	for _, f := range formats {
		r.formats[f.Type()] = f
		r.types = append(r.types, f.Type())
	}
	sort.Strings(r.types)
	return r
}

// Types lists the schema types this registry accepts.
func (r *Registry) Types() []string { return append([]string(nil), r.types...) }

// OnChange adds fn to what Run tells of each change of the feed, after
// the registry's own caches took it into account, so that other services'
// caches share the one feed. Call it before Run; fn is called from Run's
// goroutine, in order.
func (r *Registry) OnChange(fn func(Change)) { r.listeners = append(r.listeners, fn) }

// Run keeps caches coherent with writes made by other processes sharing
// the store, until ctx ends.
func (r *Registry) Run(ctx context.Context) error {
	return r.store.Watch(ctx, func(c Change) {
		r.changed(c)
		for _, fn := range r.listeners {
			fn(c)
		}
	})
}

// changed applies a change of the feed to the registry's caches.
func (r *Registry) changed(c Change) {
	switch {
	case c.Lost:
		// Until the feed listens again, other replicas' writes go
		// unseen: reads go to the store.
		r.feedLost.Store(true)
		r.invalidate(Name{Context: DefaultContext})
		return
	case c == (Change{}):
		// The feed (re)connected and may have missed changes: drop
		// every cached view, then serve from the caches again.
		r.invalidate(Name{Context: DefaultContext})
		r.feedLost.Store(false)
		return
	case c.Stream != "":
		return // not the registry's
	}
	r.invalidate(Name{Context: c.Context, Subject: c.Subject})
}

// Ping checks that the store answers.
func (r *Registry) Ping(ctx context.Context) error {
	_, err := r.store.Mode(ctx, DefaultContext, "")
	if err != nil && !errors.Is(err, ErrNotFound) {
		return storeErr("ping", err)
	}
	return nil
}

func (r *Registry) invalidate(n Name) {
	k := cacheKey{n.Context, n.Subject}
	r.versions.invalidate(k)
	r.configs.invalidate(k)
	r.modes.invalidate(k)
	// After the caches dropped k: a reader that sees the new epoch reads
	// them without k.
	r.epoch.Add(1)
}

// CacheEpoch returns a number that moves whenever the registry's caches
// drop anything (a write through this Registry, a change the feed
// reports, the feed reconnecting), and ok false while reads bypass them
// (the feed is down). What is computed from the registry's reads begun
// after CacheEpoch returned e (ok) is as current as those reads as long
// as CacheEpoch still returns e: the API keeps encoded answers of subject
// versions that way, one map look-up instead of the reads. Any write
// moves it, for every subject: a cheap test, not a fine one.
func (r *Registry) CacheEpoch() (uint64, bool) {
	if r.feedLost.Load() {
		return 0, false
	}
	return r.epoch.Load(), true
}

// schemaRecord returns the schema with id, from memory when it has been
// seen before. q is the store or an open transaction; what a transaction
// reads is not cached, since it may roll back and its id be given to
// another schema.
func (r *Registry) schemaRecord(ctx context.Context, q Reader, regCtx string, id int64) (*SchemaRecord, error) {
	k := idKey{regCtx, id}
	if v, ok := r.schemas.Get(k); ok {
		r.schemaHits.count(true)
		return v, nil
	}
	r.schemaHits.count(false)
	rec, err := q.SchemaByID(ctx, regCtx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, errorf(ErrSchemaNotFound, "Schema %d not found", id)
	}
	if err != nil {
		return nil, storeErr("reading schema", err)
	}
	if _, inTx := q.(Tx); inTx {
		return &rec, nil
	}
	v, _ := r.schemas.LoadOrStore(k, &rec)
	return v, nil
}

// parsedSchema returns the parsed form of a stored schema; each id is
// parsed at most once per process (barring a race, which only costs a
// duplicate parse).
func (r *Registry) parsedSchema(ctx context.Context, q Reader, rec *SchemaRecord) (compat.Schema, error) {
	k := idKey{rec.Context, rec.ID}
	if v, ok := r.parsed.Get(k); ok {
		r.parsedHits.count(true)
		return v, nil
	}
	r.parsedHits.count(false)
	f, ok := r.formats[rec.Type]
	if !ok {
		return nil, errorf(ErrInvalidSchema, "schema %d has type %s, which this server does not serve", rec.ID, rec.Type)
	}
	deps, err := r.resolveReferences(ctx, q, rec.Context, rec.References)
	if err != nil {
		return nil, err
	}
	bctx, cancel := compat.WithBudget(ctx, r.budget)
	s, err := compat.ParseContext(bctx, f, rec.Schema, deps)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errorf(ErrInvalidSchema, "stored schema %d no longer parses: %v", rec.ID, err)
	}
	v, _ := r.parsed.LoadOrStore(k, s)
	return v, nil
}

// resolveReferences turns references into parser dependencies, transitively
// and in dependency order. A missing reference or a cycle is an invalid
// schema naming the reference.
func (r *Registry) resolveReferences(ctx context.Context, q Reader, regCtx string, refs []Reference) ([]compat.Dependency, error) {
	var (
		deps     []compat.Dependency
		done     = map[string]bool{}
		visiting = map[string]bool{}
	)
	var visit func(refs []Reference, path []string) error
	visit = func(refs []Reference, path []string) error {
		for _, ref := range refs {
			rn := refName(regCtx, ref.Subject)
			key := fmt.Sprintf("%s\x00%d\x00%s", rn.String(), ref.Version, ref.Name)
			if done[key] {
				continue
			}
			if visiting[key] {
				return errorf(ErrInvalidSchema, "Invalid schema: reference cycle through %q (subject %s version %d): %v", ref.Name, ref.Subject, ref.Version, append(path, ref.Name))
			}
			v, err := r.findVersion(ctx, q, rn, ref.Version, true)
			if err != nil {
				return errorf(ErrInvalidSchema, "Invalid schema: reference %q to subject %s version %d cannot be resolved: %v", ref.Name, ref.Subject, ref.Version, err)
			}
			rec, err := r.schemaRecord(ctx, q, rn.Context, v.SchemaID)
			if err != nil {
				return err
			}
			visiting[key] = true
			if err := visit(rec.References, append(path, ref.Name)); err != nil {
				return err
			}
			visiting[key] = false
			done[key] = true
			deps = append(deps, compat.Dependency{Name: ref.Name, Type: rec.Type, Schema: rec.Schema})
		}
		return nil
	}
	if err := visit(refs, nil); err != nil {
		return nil, err
	}
	return deps, nil
}

// refName resolves a reference's subject from a schema in regCtx: an
// unqualified subject is in regCtx.
func refName(regCtx, subject string) Name {
	rn := ParseName(subject)
	if rn.Context == DefaultContext && regCtx != DefaultContext && subject == rn.Subject {
		rn.Context = regCtx
	}
	return rn
}

// referencedBy lists the schemas (of any context) that reference n's version.
func referencedBy(ctx context.Context, q Reader, n Name, version int) ([]int64, error) {
	ids, err := q.ReferencedBy(ctx, n.Context, n.Subject, version)
	if err != nil {
		return nil, err
	}
	ctxs, err := q.Contexts(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range ctxs {
		if c == n.Context {
			continue
		}
		more, err := q.ReferencedBy(ctx, c, ":"+n.Context+":"+n.Subject, version)
		if err != nil {
			return nil, err
		}
		ids = append(ids, more...)
	}
	return ids, nil
}

// findVersion returns one version of a subject from the store or tx
// (versions -1 means the latest).
func (r *Registry) findVersion(ctx context.Context, q Reader, n Name, version int, includeDeleted bool) (VersionRecord, error) {
	vs, err := q.Versions(ctx, n.Context, n.Subject, includeDeleted)
	if err != nil {
		return VersionRecord{}, storeErr("listing versions", err)
	}
	if len(vs) == 0 {
		return VersionRecord{}, errorf(ErrSubjectNotFound, "Subject '%s' not found.", n.String())
	}
	if version == -1 {
		return vs[len(vs)-1], nil
	}
	for _, v := range vs {
		if v.Version == version {
			return v, nil
		}
	}
	return VersionRecord{}, errorf(ErrVersionNotFound, "Version %d not found.", version)
}

// prepared is a request's schema parsed and canonicalised, with its
// metadata and rule set validated (nil when the request has none: they are
// then inherited, see effectiveDocs).
type prepared struct {
	schema compat.Schema
	text   string
	refs   []Reference
	// bare identifies the schema text and references alone: the
	// fingerprint of a version without metadata or rules.
	bare     string
	metadata *Metadata
	ruleSet  *RuleSet
}

// SchemaInput is a schema as a client submits it.
type SchemaInput struct {
	Schema     string
	SchemaType string // AVRO when empty
	References []Reference
	Metadata   []byte // raw JSON, optional: absent or null inherits (see effectiveDocs)
	RuleSet    []byte // raw JSON, optional: absent or null inherits
}

// prepare parses and canonicalises a submitted schema.
//
// q resolves references: the store for reads, a write's transaction for
// writes. A (subject, version) names one schema for as long as it exists
// (version numbers are never reused), so a parse cached under the pinned
// references stays right; a write still checks, in its transaction, that
// the referenced versions exist (checkReferences).
func (r *Registry) prepare(ctx context.Context, q Reader, regCtx string, in SchemaInput, normalize bool) (*prepared, error) {
	typ := in.SchemaType
	if typ == "" {
		typ = compat.TypeAvro
	}
	f, ok := r.formats[typ]
	if !ok {
		return nil, errorf(ErrInvalidSchema, "Invalid schema type %q: valid types are %v", in.SchemaType, r.types)
	}
	if in.Schema == "" {
		return nil, errorf(ErrInvalidSchema, "Invalid schema: empty schema")
	}
	// Pin "latest" references before hashing, so the cache key says which
	// versions were meant.
	if err := checkInputLimits(in); err != nil {
		return nil, err
	}
	refs := make([]Reference, len(in.References))
	names := make(map[string]bool, len(in.References))
	for i, ref := range in.References {
		if ref.Name == "" || ref.Subject == "" {
			return nil, errorf(ErrInvalidSchema, "Invalid schema: reference %d needs a name and a subject", i)
		}
		if names[ref.Name] {
			return nil, errorf(ErrInvalidSchema, "Invalid schema: references[%d]: the name %q is listed twice", i, ref.Name)
		}
		names[ref.Name] = true
		rn := refName(regCtx, ref.Subject)
		if rn.Context == regCtx {
			ref.Subject = rn.Subject
		} else {
			ref.Subject = ":" + rn.Context + ":" + rn.Subject
		}
		if ref.Version == -1 {
			v, err := r.findVersion(ctx, q, rn, -1, false)
			if err != nil {
				return nil, errorf(ErrInvalidSchema, "Invalid schema: reference %q to subject %s cannot be resolved: %v", ref.Name, ref.Subject, err)
			}
			ref.Version = v.Version
		} else if ref.Version <= 0 {
			return nil, errorf(ErrInvalidSchema, "Invalid schema: reference %q has invalid version %d", ref.Name, ref.Version)
		}
		refs[i] = ref
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%t\x00%d\x00", regCtx, typ, normalize, len(in.Schema))
	h.Write([]byte(in.Schema))
	for _, ref := range refs {
		fmt.Fprintf(h, "\x00%s\x00%s\x00%d", ref.Name, ref.Subject, ref.Version)
	}
	fmt.Fprintf(h, "\x00%s\x00%s", compactJSON(in.Metadata), compactJSON(in.RuleSet))
	var key [32]byte
	h.Sum(key[:0])
	if p, ok := r.prepared.Get(key); ok {
		r.preparedHits.count(true)
		return p, nil
	}
	r.preparedHits.count(false)
	deps, err := r.resolveReferences(ctx, q, regCtx, refs)
	if err != nil {
		return nil, err
	}
	bctx, cancel := compat.WithBudget(ctx, r.budget)
	s, err := compat.ParseContext(bctx, f, in.Schema, deps)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // the caller left: nobody reads an answer
		}
		return nil, errorf(ErrInvalidSchema, "Invalid schema: %v", trimInvalid(err))
	}
	text := s.Canonical()
	if normalize {
		text = s.Normalized()
	}
	meta, err := parseMetadata(in.Metadata, "metadata")
	if err != nil {
		return nil, err
	}
	rules, err := parseRuleSet(in.RuleSet, "ruleSet")
	if err != nil {
		return nil, err
	}
	if err := r.checkRules(s, rules, in.RuleSet); err != nil {
		return nil, err
	}
	p := &prepared{schema: s, text: text, refs: refs, bare: fingerprint(typ, text, refs, nil, nil), metadata: meta, ruleSet: rules}
	r.prepared.Put(key, p)
	return p, nil
}

// trimInvalid drops the "invalid schema: " prefix formats add, since the
// registry's message already says so.
func trimInvalid(err error) string {
	msg := err.Error()
	const p = "invalid schema: "
	if len(msg) > len(p) && msg[:len(p)] == p {
		return msg[len(p):]
	}
	return msg
}

// fingerprint identifies a schema within a context.
func fingerprint(typ, text string, refs []Reference, metadata, ruleSet []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", typ, len(text))
	h.Write([]byte(text))
	for _, ref := range refs {
		fmt.Fprintf(h, "\x00%s\x00%s\x00%d", ref.Name, ref.Subject, ref.Version)
	}
	fmt.Fprintf(h, "\x00%s\x00%s", compactJSON(metadata), compactJSON(ruleSet))
	return hex.EncodeToString(h.Sum(nil))
}
