package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
)

// subjectView is the cached state of one subject: every version,
// soft-deleted ones included, in ascending order.
type subjectView struct {
	versions []VersionRecord
	// fingerprints[i] is the fingerprint of versions[i]'s schema; bare[i]
	// the fingerprint of its text and references without metadata or rules.
	fingerprints []string
	bare         []string

	// equiv[i], once computed, is the hash of the equivalence key of
	// versions[i]'s schema (matchEquivalent); nil until a lookup needs one.
	equivMu sync.Mutex
	equiv   []string
}

// live returns the versions that are not soft-deleted, or all when
// includeDeleted.
func (v *subjectView) live(includeDeleted bool) []VersionRecord {
	if includeDeleted {
		return v.versions
	}
	out := make([]VersionRecord, 0, len(v.versions))
	for _, x := range v.versions {
		if !x.Deleted {
			out = append(out, x)
		}
	}
	return out
}

// version returns version n (-1: the latest) among the live versions
// (all with includeDeleted), without copying them as live does: the
// subject-version read serializers repeat. exists is false when there is
// no such version at all (the subject is not found).
func (v *subjectView) version(n int, includeDeleted bool) (found *VersionRecord, exists bool) {
	for i := len(v.versions) - 1; i >= 0; i-- {
		x := &v.versions[i]
		if x.Deleted && !includeDeleted {
			continue
		}
		exists = true
		if n == -1 || x.Version == n {
			return x, true
		}
	}
	return nil, exists
}

// find returns the newest version whose schema has fingerprint fp.
func (v *subjectView) find(fp string, includeDeleted bool) (VersionRecord, bool) {
	for i := len(v.versions) - 1; i >= 0; i-- {
		if v.fingerprints[i] == fp && (includeDeleted || !v.versions[i].Deleted) {
			return v.versions[i], true
		}
	}
	return VersionRecord{}, false
}

// findBare returns the newest version whose schema text and references
// have the bare fingerprint fp, whatever its metadata and rules.
func (v *subjectView) findBare(fp string, includeDeleted bool) (VersionRecord, bool) {
	for i := len(v.versions) - 1; i >= 0; i-- {
		if v.bare[i] == fp && (includeDeleted || !v.versions[i].Deleted) {
			return v.versions[i], true
		}
	}
	return VersionRecord{}, false
}

// latest returns the newest live version.
func (v *subjectView) latest() (VersionRecord, bool) {
	for i := len(v.versions) - 1; i >= 0; i-- {
		if !v.versions[i].Deleted {
			return v.versions[i], true
		}
	}
	return VersionRecord{}, false
}

// view returns the view of a subject for reads: the cached one while the
// change feed is up (as stale as the feed, docs/consistency.md), else
// read from the store, or from the write's transaction when ctx carries
// one (WithTx).
func (r *Registry) view(ctx context.Context, n Name) (*subjectView, error) {
	k := cacheKey{n.Context, n.Subject}
	if tx := TxFrom(ctx); tx != nil {
		// A read made for a write (the Policy's lints reading another
		// subject) reads what the write's transaction sees.
		return r.loadView(ctx, tx, n)
	}
	if r.feedLost.Load() {
		return r.loadView(ctx, r.store, n)
	}
	if v, ok := r.versions.get(k); ok {
		return v, nil
	}
	if sr, ok := r.store.(SubjectReader); ok {
		// One statement: the counter, the versions, their schemas and the
		// subject's settings (subjectstate.go).
		return r.readSubject(ctx, sr, n)
	}
	gen := r.versions.generation()
	ch, err := r.store.Changes(ctx, n.Context, n.Subject)
	if err != nil {
		return nil, storeErr("reading change counters", err)
	}
	v, err := r.loadView(ctx, r.store, n)
	if err != nil {
		return nil, err
	}
	r.versions.put(k, v, ch.Subject, gen)
	return v, nil
}

// loadView reads n's view through q: in one statement when q is the
// store (not a write's transaction, whose reads are not cached) and can
// (SubjectReader; the view is then cached too, tagged with a counter at
// least as new as any the caller read before), else the versions and then
// each version's schema not in the cache.
func (r *Registry) loadView(ctx context.Context, q Reader, n Name) (*subjectView, error) {
	if _, inTx := q.(Tx); !inTx {
		if sr, ok := q.(SubjectReader); ok {
			return r.readSubject(ctx, sr, n)
		}
	}
	vs, err := q.Versions(ctx, n.Context, n.Subject, true)
	if err != nil {
		return nil, storeErr("listing versions", err)
	}
	return r.viewOf(ctx, q, n, vs)
}

// viewOf builds the view of subject n from its versions vs (soft-deleted
// included), reading their schemas through q.
func (r *Registry) viewOf(ctx context.Context, q Reader, n Name, vs []VersionRecord) (*subjectView, error) {
	return buildView(vs, func(id int64) (*SchemaRecord, error) { return r.schemaRecord(ctx, q, n.Context, id) })
}

// cachedViewOf is viewOf from the schemas cache alone: nil when a
// version's schema is not cached.
func (r *Registry) cachedViewOf(n Name, vs []VersionRecord) *subjectView {
	v, _ := buildView(vs, func(id int64) (*SchemaRecord, error) {
		if rec, ok := r.schemas.Get(idKey{n.Context, id}); ok {
			return rec, nil
		}
		return nil, errNotCached
	})
	return v
}

// buildView is the view of versions vs whose schemas schema gives.
func buildView(vs []VersionRecord, schema func(id int64) (*SchemaRecord, error)) (*subjectView, error) {
	v := &subjectView{versions: vs, fingerprints: make([]string, len(vs)), bare: make([]string, len(vs))}
	for i, x := range vs {
		rec, err := schema(x.SchemaID)
		if err != nil {
			return nil, err
		}
		v.fingerprints[i] = rec.Fingerprint
		v.bare[i] = fingerprint(rec.Type, rec.Schema, rec.References, nil, nil)
	}
	return v, nil
}

// subjectVersions returns a subject's versions, or ErrSubjectNotFound when
// it has none (none that are live, unless includeDeleted).
func (r *Registry) subjectVersions(ctx context.Context, n Name, includeDeleted bool) ([]VersionRecord, error) {
	v, err := r.view(ctx, n)
	if err != nil {
		return nil, err
	}
	vs := v.live(includeDeleted)
	if len(vs) == 0 {
		return nil, errorf(ErrSubjectNotFound, "Subject '%s' not found.", n.String())
	}
	return vs, nil
}

// compactJSON renders a JSON document in a canonical compact form (object
// keys sorted), or "" for nothing or null. Invalid JSON is returned as is;
// callers validate documents before they get here.
func compactJSON(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return ""
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return string(b)
	}
	return string(out)
}
