package registry

import (
	"context"
	"encoding/json"
	"fmt"
)

// SubjectState is everything a subject's cached view and its subject-level
// settings are built from, read in one statement (one round trip, one
// snapshot) by a SubjectReader.
type SubjectState struct {
	// Changes is the subject's change counter (Changes.Subject) in the
	// same snapshot as the rest: the tag that proves the view current.
	Changes int64
	// Mode and Config are the subject's own mode ("" when none) and
	// config document (nil when none); not its context's.
	Mode   string
	Config json.RawMessage
	// Versions are every version, soft-deleted ones included, in
	// ascending order; Schemas[i] is the schema of Versions[i].
	Versions []VersionRecord
	Schemas  []SchemaRecord
}

// SubjectReader is implemented by Stores (sqlstore's) that read a
// subject's SubjectState in one statement. Without it, a subject-view
// cache miss costs a read of the change counters, one of the versions and
// one per version whose schema is not cached, and the subject's config
// and mode one read each more: at scale, where views and schemas are
// evicted, ~13 round trips for a subject of ten versions.
type SubjectReader interface {
	SubjectState(ctx context.Context, regCtx, subject string) (SubjectState, error)
}

// readSubject builds n's view from one SubjectReader read and caches it,
// with n's own mode and config, tagged with the counter read in the same
// snapshot. The schema records read along are put in the schemas cache:
// the lookup or registration that asked for the view reads some of them
// next (the latest version's documents, the version found). Nothing is
// cached while the feed is down (reads then bypass the caches).
func (r *Registry) readSubject(ctx context.Context, sr SubjectReader, n Name) (*subjectView, error) {
	genV, genC, genM := r.versions.generation(), r.configs.generation(), r.modes.generation()
	st, err := sr.SubjectState(ctx, n.Context, n.Subject)
	if err != nil {
		return nil, storeErr("reading the subject", err)
	}
	if len(st.Schemas) != len(st.Versions) {
		return nil, storeErr("reading the subject", fmt.Errorf("%d schemas for %d versions", len(st.Schemas), len(st.Versions)))
	}
	v := &subjectView{versions: st.Versions, fingerprints: make([]string, len(st.Versions)), bare: make([]string, len(st.Versions))}
	for i := range st.Schemas {
		rec := &st.Schemas[i]
		v.fingerprints[i] = rec.Fingerprint
		v.bare[i] = fingerprint(rec.Type, rec.Schema, rec.References, nil, nil)
	}
	cfg, err := decodeSetting(st.Config)
	if err != nil {
		return nil, err
	}
	if r.feedLost.Load() {
		return v, nil
	}
	for i := range st.Schemas {
		rec := st.Schemas[i]
		r.schemas.LoadOrStore(idKey{rec.Context, rec.ID}, &rec)
	}
	k := cacheKey{n.Context, n.Subject}
	r.versions.put(k, v, st.Changes, genV)
	r.configs.put(k, cfg, st.Changes, genC)
	r.modes.put(k, st.Mode, st.Changes, genM)
	return v, nil
}
