package registry

import (
	"context"
	"crypto/sha256"

	"github.com/accord/accord/compat"
)

// formatter is what a parsed schema implements when it can be rendered in
// a form other than its stored text (Confluent's ?format=): Protobuf's
// "serialized" base64 descriptor, Avro's "resolved" schema. ok is false
// when the stored text is the answer.
type formatter interface {
	Formatted(format string) (out string, ok bool, err error)
}

// Formatted returns rec's schema as ?format= asks for it. Formats a schema
// type does not know, "default" and "" answer the stored text, as
// Confluent does (for forward compatibility of clients).
func (r *Registry) Formatted(ctx context.Context, rec *SchemaRecord, format string) (string, error) {
	if format == "" || format == "default" {
		return rec.Schema, nil
	}
	s, err := r.parsedSchema(ctx, r.store, rec)
	if err != nil {
		return "", err
	}
	f, ok := s.(formatter)
	if !ok {
		return rec.Schema, nil
	}
	out, ok, err := f.Formatted(format)
	if err != nil {
		return "", errorf(ErrInvalidSchema, "schema %d cannot be rendered as %q: %v", rec.ID, format, err)
	}
	if !ok {
		return rec.Schema, nil
	}
	return out, nil
}

// equivalent is what a parsed schema implements when two different stored
// texts may denote one schema, so that a lookup or registration in one
// spelling finds a version stored in the other. Protobuf implements it: a
// base64 descriptor (what Confluent's JS and Python serializers send) is
// stored as its normalized text, and .proto text as written.
type equivalent interface {
	compat.Schema
	// EquivalenceKey is the text two equivalent schemas share.
	EquivalenceKey() string
}

// matchEquivalent finds the newest version of view whose schema is
// equivalent to p's (same normalized text and references) when p's own
// fingerprint matched none, for requests that send no metadata or rule
// set (what serializers send). Confluent's lookup likewise falls back to
// comparing parsed schemas. Only types implementing equivalent take part
// (Protobuf); the others keep exact matching.
func (r *Registry) matchEquivalent(ctx context.Context, q Reader, regCtx string, view *subjectView, p *prepared, includeDeleted bool) (VersionRecord, bool, error) {
	cand, ok := p.schema.(equivalent)
	if !ok || p.metadata != nil || p.ruleSet != nil {
		return VersionRecord{}, false, nil
	}
	var want string // computed only if some version has the same type
	for i := len(view.versions) - 1; i >= 0; i-- {
		v := view.versions[i]
		if v.Deleted && !includeDeleted {
			continue
		}
		rec, err := r.schemaRecord(ctx, q, regCtx, v.SchemaID)
		if err != nil {
			return VersionRecord{}, false, err
		}
		if rec.Type != cand.Type() || !sameReferences(rec.References, p.refs) {
			continue
		}
		key, err := r.equivalenceKey(ctx, q, view, i, rec)
		if err != nil {
			return VersionRecord{}, false, err
		}
		if key == "" {
			continue
		}
		if want == "" {
			want = equivalenceHash(cand.EquivalenceKey())
		}
		if key == want {
			return v, true, nil
		}
	}
	return VersionRecord{}, false, nil
}

// equivalenceKey returns the hash of the EquivalenceKey of view's version
// i (whose schema is rec), "" when its type has none. The view keeps it:
// a lookup of a schema the subject does not hold compares it with every
// version, and parsing each stored version again on every such lookup
// (their parsed forms do not all fit the parsed cache in a large
// registry) made those lookups several times slower.
func (r *Registry) equivalenceKey(ctx context.Context, q Reader, view *subjectView, i int, rec *SchemaRecord) (string, error) {
	view.equivMu.Lock()
	if view.equiv != nil && view.equiv[i] != "" {
		k := view.equiv[i]
		view.equivMu.Unlock()
		if k == noEquivalence {
			return "", nil
		}
		return k, nil
	}
	view.equivMu.Unlock()
	s, err := r.parsedSchema(ctx, q, rec)
	if err != nil {
		return "", err
	}
	k := noEquivalence
	if other, ok := s.(equivalent); ok {
		k = equivalenceHash(other.EquivalenceKey())
	}
	view.equivMu.Lock()
	if view.equiv == nil {
		view.equiv = make([]string, len(view.versions))
	}
	view.equiv[i] = k
	view.equivMu.Unlock()
	if k == noEquivalence {
		return "", nil
	}
	return k, nil
}

// noEquivalence marks, in subjectView.equiv, a version whose schema has no
// equivalence key (a hash is 32 bytes, never this).
const noEquivalence = "none"

// equivalenceHash is what a view keeps of an equivalence key: 32 bytes,
// not the schema's text.
func equivalenceHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return string(sum[:])
}

func sameReferences(a, b []Reference) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// find is p.match, then matchEquivalent: the version a submitted schema
// denotes, if any.
func (r *Registry) find(ctx context.Context, q Reader, regCtx string, view *subjectView, e effective, p *prepared, includeDeleted bool) (VersionRecord, bool, error) {
	if v, ok := p.match(view, e, includeDeleted); ok {
		return v, true, nil
	}
	return r.matchEquivalent(ctx, q, regCtx, view, p, includeDeleted)
}
