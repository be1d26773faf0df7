package validator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/contracts/wire"
	"github.com/accord/accord/registry/bounded"
)

// Options configures a Validator. The zero value is usable.
type Options struct {
	// Refresh is how often Run re-reads the stream policies, and how long
	// cached subject versions are trusted (5s when 0).
	Refresh time.Duration
	// Recheck is how old a cached answer must be before a record that it
	// would reject makes the Validator read it again (1s when 0; negative:
	// always). It bounds what a stream of bad records costs the source.
	Recheck time.Duration
	Logger  *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Validator checks records against their streams' contracts. It is safe
// for concurrent use; Run keeps its policies fresh.
type Validator struct {
	src  Source
	opts Options
	log  *slog.Logger

	schemas sync.Map // int → *schemaEntry
	usages  sync.Map // int → *cached[[]Usage]
	latest  sync.Map // string → *cached[Usage]
	keyedBy sync.Map // key subject → *cached[bool]: has it a live version
	// guids maps a schema GUID to its id (0: unknown). Bounded: GUIDs come
	// from records' headers, so a producer could send any number.
	guids *bounded.Cache[[16]byte, *cached[int]]

	policies atomic.Pointer[policySet]
	loadMu   sync.Mutex
}

// cached is a mutable answer of the source and when it was read.
type cached[T any] struct {
	val T
	at  time.Time
}

// policySet is one read of every stream's policy.
type policySet struct {
	byTopic map[string]*Policy
	at      time.Time
	gen     uint64 // the source's Generation before the read
}

// New returns a Validator reading through src.
func New(src Source, opts Options) *Validator {
	if opts.Refresh <= 0 {
		opts.Refresh = 5 * time.Second
	}
	if opts.Recheck == 0 {
		opts.Recheck = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Validator{src: src, opts: opts, log: opts.Logger, guids: bounded.New[[16]byte, *cached[int]](MaxGUIDs, nil)}
}

// MaxGUIDs bounds the schema GUIDs a Validator remembers (found or not).
const MaxGUIDs = 65536

func (v *Validator) now() time.Time {
	if v.opts.Now != nil {
		return v.opts.Now()
	}
	return time.Now()
}

// Run re-reads the stream policies every Options.Refresh until ctx ends,
// off the records' path. Without it a record that finds the policies
// older than Refresh (or its topic unknown) reads them itself.
func (v *Validator) Run(ctx context.Context) error {
	t := time.NewTicker(v.opts.Refresh)
	defer t.Stop()
	for {
		if err := v.Reload(ctx); err != nil && ctx.Err() == nil {
			v.log.Warn("validator: reading stream policies failed; keeping the previous ones", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Reload reads every stream policy now.
func (v *Validator) Reload(ctx context.Context) error {
	v.loadMu.Lock()
	defer v.loadMu.Unlock()
	return v.reloadLocked(ctx)
}

// generation is the source's Generation, 0 when it has none.
func (v *Validator) generation() uint64 {
	if g, ok := v.src.(Generationer); ok {
		return g.Generation()
	}
	return 0
}

func (v *Validator) reloadLocked(ctx context.Context) error {
	gen := v.generation()
	ps, err := v.src.Streams(ctx)
	if err != nil {
		return fmt.Errorf("reading stream policies: %w", err)
	}
	set := &policySet{byTopic: make(map[string]*Policy, len(ps)), at: v.now(), gen: gen}
	for i := range ps {
		p := &ps[i]
		if p.Checks.SchemaID == "" {
			p.Checks.SchemaID = IDOff
		}
		set.byTopic[p.Stream] = p
	}
	v.policies.Store(set)
	return nil
}

// policy returns the policy of topic, nil when it has no stream. A topic
// missing from a policy set older than Recheck makes it read again, so a
// stream declared a moment ago is seen; so does a set older than Refresh,
// so a Validator without Run stays fresh too.
func (v *Validator) policy(ctx context.Context, topic string, now time.Time) (*Policy, error) {
	set := v.policies.Load()
	if set != nil && set.gen == v.generation() {
		// Without Run, a set older than Refresh is read again here.
		age := now.Sub(set.at)
		if p := set.byTopic[topic]; age < v.opts.Refresh && (p != nil || age < v.opts.Recheck) {
			return p, nil
		}
	}
	v.loadMu.Lock()
	defer v.loadMu.Unlock()
	if cur := v.policies.Load(); cur != set && cur != nil {
		return cur.byTopic[topic], nil
	}
	if err := v.reloadLocked(ctx); err != nil {
		if set != nil {
			return set.byTopic[topic], nil
		}
		return nil, err
	}
	return v.policies.Load().byTopic[topic], nil
}

// Validate checks one record.
func (v *Validator) Validate(ctx context.Context, rec *Record) Verdict {
	ps := pass{now: v.now()}
	defer ps.end()
	return v.validate(ctx, rec, &ps)
}

// ValidateBatch checks records; verdicts[i] is the verdict of records[i].
func (v *Validator) ValidateBatch(ctx context.Context, records []Record) []Verdict {
	out := make([]Verdict, len(records))
	v.ValidateInto(ctx, records, out)
	return out
}

// ValidateInto checks records into out[:len(records)], with the verdicts
// Validate would give each. The records share one reading of the clock,
// and the answers that let one record pass (its stream's policy, its
// schema, its schema's subject) serve the next ones of the same topic
// and schema, so a batch costs less than its records one by one.
func (v *Validator) ValidateInto(ctx context.Context, records []Record, out []Verdict) {
	out = out[:len(records)]
	ps := pass{now: v.now()}
	defer ps.end()
	for i := range records {
		out[i] = v.validate(ctx, &records[i], &ps)
	}
}

// pass is what the records of one call share. Only answers that let a
// record pass are kept: a record that fails takes the full path, which
// may read the source again before rejecting it.
type pass struct {
	// now is the one reading of the clock: it is not free, and records
	// come by the million.
	now time.Time
	// topic's policy, when pol is set.
	topic string
	pol   *Policy
	// se is the last schema read; okKey and okValue the last schemas whose
	// subject check passed under pol, for keys and values.
	se             *schemaEntry
	okKey, okValue *schemaEntry
	// sc serves every Avro record whose rules run, one after the other.
	sc *avroScratch
}

func (v *Validator) validate(ctx context.Context, rec *Record, ps *pass) Verdict {
	verdict := Verdict{Valid: true}
	pol := ps.pol
	if pol == nil || ps.topic != rec.Topic {
		var err error
		pol, err = v.policy(ctx, rec.Topic, ps.now)
		if err != nil {
			verdict.fail(Failure{Part: PartRecord, Check: CheckUnavailable, Reason: err.Error()})
			return verdict
		}
		if pol == nil {
			verdict.fail(Failure{Part: PartRecord, Check: CheckStream, Reason: fmt.Sprintf("topic %q has no stream: no contract says who may write it or what it holds", rec.Topic)})
			return verdict
		}
		*ps = pass{now: ps.now, topic: rec.Topic, pol: pol, se: ps.se, sc: ps.sc}
	}
	if pol.Checks.Producer && rec.Producer != pol.Owner {
		who := fmt.Sprintf("principal %q", rec.Producer)
		if rec.Producer == "" {
			who = "an unidentified producer"
		}
		verdict.fail(Failure{Part: PartRecord, Check: CheckProducer,
			Reason: fmt.Sprintf("stream %s is written only by its owner %s, and this record was produced by %s", pol.Stream, pol.Owner, who)})
	}
	if pol.Checks.frames() {
		var keyHdr, valueHdr []byte
		for _, h := range rec.Headers {
			switch h.Key {
			case wire.KeySchemaIDHeader:
				keyHdr = h.Value
			case wire.ValueSchemaIDHeader:
				valueHdr = h.Value
			}
		}
		if rec.Key != nil && pol.Checks.Key && pol.KeySubject != "" && v.keyed(ctx, pol.KeySubject, ps) {
			v.checkPart(ctx, pol, rec.Topic, PartKey, rec.Key, keyHdr, ps, &verdict)
		}
		if rec.Value != nil && !pol.Checks.SkipValue {
			v.checkPart(ctx, pol, rec.Topic, PartValue, rec.Value, valueHdr, ps, &verdict)
		}
	}
	return verdict
}

// checkPart runs the frame, schema id, payload and rules checks on a key
// or a value. hdr is its schema id header when the record has one: then
// the schema is named by GUID there and data is the bare payload.
func (v *Validator) checkPart(ctx context.Context, pol *Policy, topic string, part Part, data, hdr []byte, ps *pass, verdict *Verdict) {
	fail := func(c Check, id int, format string, args ...any) {
		verdict.fail(Failure{Part: part, Check: c, SchemaID: id, Reason: fmt.Sprintf(format, args...)})
	}
	var (
		fr  wire.Frame
		err error
	)
	if hdr != nil {
		g, err := wire.ParseGUID(hdr, false)
		if err != nil {
			fail(CheckFrame, 0, "%v", err)
			return
		}
		id, err := v.guidID(ctx, g, ps.now)
		switch {
		case errors.Is(err, ErrNotFound):
			fail(CheckSchemaID, 0, "schema GUID %s does not exist", g)
			return
		case errors.Is(err, errNoGUIDs):
			fail(CheckSchemaID, 0, "schema GUID %s: %v", g, err)
			return
		case err != nil:
			fail(CheckUnavailable, 0, "%v", err)
			return
		}
		fr = wire.Frame{SchemaID: id, Payload: data}
	} else if fr, err = wire.Parse(data, false); err != nil {
		fail(CheckFrame, 0, "%v", err)
		return
	}
	se := ps.se
	if se == nil || se.id != fr.SchemaID {
		se = v.schema(ctx, fr.SchemaID, ps.now)
	}
	switch {
	case se.err == nil:
	case errors.Is(se.err, ErrNotFound):
		fail(CheckSchemaID, fr.SchemaID, "schema id %d does not exist", fr.SchemaID)
		return
	case errors.Is(se.err, compat.ErrInvalidSchema):
		fail(CheckSchemaID, fr.SchemaID, "schema %d cannot be used to validate: %v", fr.SchemaID, se.err)
		return
	case se.err != nil:
		fail(CheckUnavailable, fr.SchemaID, "%v", se.err)
		return
	}
	var md protoreflect.MessageDescriptor
	if se.proto != nil {
		// Only now is it known that message indexes follow the id.
		if hdr != nil {
			g, err := wire.ParseGUID(hdr, true)
			if err != nil {
				fail(CheckFrame, fr.SchemaID, "%v", err)
				return
			}
			fr.MessageIndexes = g.MessageIndexes
		} else if fr, err = wire.Parse(data, true); err != nil {
			fail(CheckFrame, fr.SchemaID, "%v", err)
			return
		}
		if md, err = se.proto.MessageByIndexes(fr.MessageIndexes); err != nil {
			fail(CheckFrame, fr.SchemaID, "message indexes %v name no message of schema %d", fr.MessageIndexes, fr.SchemaID)
			return
		}
	}
	ps.se = se
	ok := &ps.okValue
	if part == PartKey {
		ok = &ps.okKey
	}
	// A Protobuf schema's subject depends on the message the indexes name.
	if pol.Checks.SchemaID != IDOff && (*ok != se || md != nil) {
		if reason, err := v.checkSubject(ctx, pol, topic, part, se, md, ps.now); err != nil {
			fail(CheckUnavailable, fr.SchemaID, "%v", err)
			return
		} else if reason != "" {
			fail(CheckSchemaID, fr.SchemaID, "%s", reason)
			return
		}
		*ok = se
	}
	var rules *ruleSet
	if pol.Checks.Rules {
		rules = se.rulesFor()
	}
	if rules == nil {
		if pol.Checks.Payload {
			if err := se.validate(fr.MessageIndexes, fr.Payload); err != nil {
				fail(CheckPayload, fr.SchemaID, "payload does not match schema %d: %v", fr.SchemaID, err)
			}
		}
		return
	}
	var msg any
	sc := ps.avroScratch()
	if se.lazy {
		// One pass checks the payload and notes where each field starts;
		// the rules decode only the fields they read.
		err = se.avro.ValidateRecord(fr.Payload, &sc.rec)
		if err == nil && se.fast != nil && se.fast.rec != nil {
			sc.rec.UseHamba(se.fast.rec, se.fast.api)
		}
		sc.msg = avroMsg{rec: &sc.rec}
		msg = &sc.msg
	} else {
		msg, err = se.decode(fr.MessageIndexes, fr.Payload)
	}
	if err != nil {
		if pol.Checks.Payload {
			fail(CheckPayload, fr.SchemaID, "payload does not match schema %d: %v", fr.SchemaID, err)
		} else {
			// Rules cannot pass on what does not decode, even with the
			// payload check off: the record was not shown to satisfy them.
			fail(CheckRules, fr.SchemaID, "the rules of schema %d cannot run: the payload does not decode: %v", fr.SchemaID, err)
		}
		return
	}
	if se.proto == nil && !se.lazy {
		msg = celValue(msg)
	}
	root := se.fieldRoot(msg)
	sc.evalState.ctx = ctx
	for _, r := range rules.rules {
		if err := r.eval(msg, root, &sc.evalState); err != nil {
			verdict.fail(Failure{Part: part, Check: CheckRules, SchemaID: fr.SchemaID, Rule: r.name,
				Reason: fmt.Sprintf("rule %s of schema %d: %v", r.name, fr.SchemaID, err)})
		}
	}
}

// checkSubject checks that the schema is registered under the subject the
// stream's strategy names. It returns why not, "" when it is.
func (v *Validator) checkSubject(ctx context.Context, pol *Policy, topic string, part Part, se *schemaEntry, md protoreflect.MessageDescriptor, now time.Time) (string, error) {
	name := se.recordName(md)
	subject, err := se.subjectName(pol.Strategy, topic, part == PartKey, name)
	if err != nil {
		return fmt.Sprintf("schema %d: %v", se.id, err), nil
	}
	switch {
	case part == PartKey && subject != pol.KeySubject:
		return fmt.Sprintf("schema %d (record %s) maps to subject %s, but the key subject of stream %s is %s", se.id, name, subject, pol.Stream, pol.KeySubject), nil
	case part == PartValue && !slices.Contains(pol.ValueSubjects, subject):
		return fmt.Sprintf("schema %d (record %s) maps to subject %s, which is not a value subject of stream %s (%s)", se.id, name, subject, pol.Stream, strings.Join(pol.ValueSubjects, ", ")), nil
	}
	if pol.Checks.SchemaID == IDLatest {
		return v.checkLatest(ctx, se.id, subject, now)
	}
	return v.checkRegistered(ctx, se.id, subject, pol.Checks.SchemaID == IDLive, now)
}

func (v *Validator) checkLatest(ctx context.Context, id int, subject string, now time.Time) (string, error) {
	for fresh := false; ; fresh = true {
		l, err := v.latestOf(ctx, subject, fresh, now)
		if errors.Is(err, ErrNotFound) {
			return fmt.Sprintf("schema %d is not the latest version of subject %s: the subject has no live version", id, subject), nil
		}
		if err != nil {
			return "", err
		}
		if l.val.SchemaID == id {
			return "", nil
		}
		if fresh || !v.stale(l.at) {
			return fmt.Sprintf("schema %d is not the latest version of subject %s: version %d (schema %d) is", id, subject, l.val.Version, l.val.SchemaID), nil
		}
	}
}

func (v *Validator) checkRegistered(ctx context.Context, id int, subject string, live bool, now time.Time) (string, error) {
	for fresh := false; ; fresh = true {
		us, err := v.usagesOf(ctx, id, fresh, now)
		if err != nil {
			return "", err
		}
		deleted := 0
		for _, u := range us.val {
			if u.Subject != subject {
				continue
			}
			if !live || !u.Deleted {
				return "", nil
			}
			deleted = u.Version
		}
		if fresh || !v.stale(us.at) {
			if deleted > 0 {
				return fmt.Sprintf("schema %d is registered under subject %s only as soft-deleted version %d", id, subject, deleted), nil
			}
			return fmt.Sprintf("schema %d is not registered under subject %s%s", id, subject, usedBy(us.val)), nil
		}
	}
}

// usedBy lists where a schema is registered, for a rejection's reason.
func usedBy(us []Usage) string {
	if len(us) == 0 {
		return ""
	}
	parts := make([]string, 0, len(us))
	for _, u := range us {
		parts = append(parts, fmt.Sprintf("%s version %d", u.Subject, u.Version))
	}
	return " (it is " + strings.Join(parts, ", ") + ")"
}

// stale reports whether an answer read at is old enough to read again
// before rejecting a record on it.
func (v *Validator) stale(at time.Time) bool {
	return v.opts.Recheck < 0 || v.now().Sub(at) >= v.opts.Recheck
}

func (v *Validator) usagesOf(ctx context.Context, id int, fresh bool, now time.Time) (*cached[[]Usage], error) {
	if c, ok := v.usages.Load(id); ok && !fresh && now.Sub(c.(*cached[[]Usage]).at) < v.opts.Refresh {
		return c.(*cached[[]Usage]), nil
	}
	us, err := v.src.Usages(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reading the subject versions of schema %d: %w", id, err)
	}
	c := &cached[[]Usage]{val: us, at: v.now()}
	v.usages.Store(id, c)
	return c, nil
}

func (v *Validator) latestOf(ctx context.Context, subject string, fresh bool, now time.Time) (*cached[Usage], error) {
	if c, ok := v.latest.Load(subject); ok && !fresh && now.Sub(c.(*cached[Usage]).at) < v.opts.Refresh {
		return c.(*cached[Usage]), nil
	}
	u, err := v.src.Latest(ctx, subject)
	if errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("reading the latest version of subject %s: %w", subject, err)
	}
	c := &cached[Usage]{val: u, at: v.now()}
	v.latest.Store(subject, c)
	return c, nil
}

// keyed reports whether a stream's key subject has a live version: keys
// of a stream whose key schema is not registered are not checked, even
// with key checks on (most producers send plain string keys). The answer
// is cached for Options.Refresh, negative ones too, so unframed keys cost
// no source read each; a source failure counts as keyed (the key is
// checked, and its check reports the failure).
func (v *Validator) keyed(ctx context.Context, subject string, ps *pass) bool {
	if c, ok := v.keyedBy.Load(subject); ok && ps.now.Sub(c.(*cached[bool]).at) < v.opts.Refresh {
		return c.(*cached[bool]).val
	}
	_, err := v.src.Latest(ctx, subject)
	has := !errors.Is(err, ErrNotFound)
	if err == nil || !has {
		v.keyedBy.Store(subject, &cached[bool]{val: has, at: v.now()})
	}
	return has
}

// errNoGUIDs: the Source cannot find schemas by GUID.
var errNoGUIDs = errors.New("this validator's schema source cannot look schemas up by GUID")

// guidID returns the id of the schema with GUID g. A GUID names one
// schema forever, so a found id is kept; an unknown GUID is asked again
// after Options.Recheck (records naming it cost one source read per
// Recheck, not one each).
func (v *Validator) guidID(ctx context.Context, g wire.GUIDFrame, now time.Time) (int, error) {
	if c, ok := v.guids.Get(g.GUID); ok {
		if c.val > 0 {
			return c.val, nil
		}
		if !v.stale(c.at) {
			return 0, fmt.Errorf("%w: schema GUID %s", ErrNotFound, g)
		}
	}
	gs, ok := v.src.(GUIDSource)
	if !ok {
		return 0, errNoGUIDs
	}
	doc, err := gs.SchemaByGUID(ctx, g.String())
	if errors.Is(err, ErrNotFound) || err == nil && doc.ID <= 0 {
		v.guids.Put(g.GUID, &cached[int]{at: now})
		return 0, fmt.Errorf("%w: schema GUID %s", ErrNotFound, g)
	}
	if err != nil {
		return 0, fmt.Errorf("reading schema GUID %s: %w", g, err)
	}
	v.guids.Put(g.GUID, &cached[int]{val: doc.ID, at: now})
	return doc.ID, nil
}
