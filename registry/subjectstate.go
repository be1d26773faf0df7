package registry

import (
	"context"
	"fmt"
)

// SubjectRead says what SubjectReader.SubjectState reads of a subject
// besides its change counters. The read side's view miss asks for the
// subject's own level, its versions and their schemas (readSubject); the
// write side's fast path for every level's settings and, to build the
// view, the versions alone (warmSubject), alias resolution for the
// settings alone.
type SubjectRead struct {
	// Levels are the levels whose mode and config are read (levelsOf the
	// subject, or the subject alone).
	Levels []Name
	// Versions reads every version, soft-deleted ones included.
	Versions bool
	// Schemas reads, with Versions, each version's schema record too.
	Schemas bool
}

// SubjectState is what a SubjectReader reads of a subject in one statement
// (one round trip, one snapshot), as its SubjectRead asked.
type SubjectState struct {
	// Changes are the change counters of the subject, its context and the
	// default context, in the same snapshot as the rest: the tags that
	// prove what is cached from it current. Changes.Subject is 0 for the
	// subject "".
	Changes Changes
	// Settings[i] is the mode ("" when none) and config document (nil
	// when none) of SubjectRead.Levels[i], that level's own.
	Settings []Setting
	// Versions are every version, soft-deleted ones included, in
	// ascending order (empty unless SubjectRead.Versions); Schemas[i] is
	// the schema of Versions[i] (empty unless SubjectRead.Schemas).
	Versions []VersionRecord
	Schemas  []SchemaRecord
}

// SubjectReader is implemented by Stores (sqlstore's) that read a
// subject's SubjectState in one statement. Without it, a subject-view
// cache miss costs a read of the change counters, one of the versions and
// one per version whose schema is not cached, and the subject's config
// and mode one read each more: at scale, where views and schemas are
// evicted, ~13 round trips for a subject of ten versions; and a
// registration of a subject nothing is cached of costs three round trips
// (counters, settings, versions) before its transaction.
type SubjectReader interface {
	SubjectState(ctx context.Context, regCtx, subject string, what SubjectRead) (SubjectState, error)
}

// readSubject builds n's view from one SubjectReader read and caches it,
// with n's own mode and config, tagged with the counter read in the same
// snapshot. The schema records read along are put in the schemas cache:
// the lookup or registration that asked for the view reads some of them
// next (the latest version's documents, the version found). Nothing is
// cached while the feed is down (reads then bypass the caches).
func (r *Registry) readSubject(ctx context.Context, sr SubjectReader, n Name) (*subjectView, error) {
	genV, genC, genM := r.versions.generation(), r.configs.generation(), r.modes.generation()
	st, err := sr.SubjectState(ctx, n.Context, n.Subject, SubjectRead{Levels: []Name{n}, Versions: true, Schemas: true})
	if err != nil {
		return nil, storeErr("reading the subject", err)
	}
	if len(st.Schemas) != len(st.Versions) {
		return nil, storeErr("reading the subject", fmt.Errorf("%d schemas for %d versions", len(st.Schemas), len(st.Versions)))
	}
	i := 0
	v, _ := buildView(st.Versions, func(int64) (*SchemaRecord, error) { i++; return &st.Schemas[i-1], nil })
	if len(st.Settings) != 1 {
		return nil, storeErr("reading the subject", fmt.Errorf("%d settings for 1 level", len(st.Settings)))
	}
	own := st.Settings[0]
	cfg, err := decodeSetting(own.Config)
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
	r.versions.put(k, v, st.Changes.Subject, genV)
	r.configs.put(k, cfg, st.Changes.Subject, genC)
	r.modes.put(k, own.Mode, st.Changes.Subject, genM)
	return v, nil
}
