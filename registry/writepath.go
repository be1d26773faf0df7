package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Setting is what one level (a subject, a context's settings) stores: its
// mode ("" when none) and its config document (nil when none).
type Setting struct {
	Mode   string
	Config json.RawMessage
}

// settingsReader is implemented by Readers (sqlstore's) that read the
// settings of several levels in one statement. A registration's
// transaction reads every level it inherits from, modes and configs; one
// by one that is two round trips a level.
type settingsReader interface {
	Settings(ctx context.Context, levels []Name) ([]Setting, error)
}

// versionAppender is implemented by Txs (sqlstore's) that store the next
// version of the locked subject in one statement: NextVersion then
// InsertVersion, without the checks InsertVersion makes for a
// caller-chosen version (the database's keys make them).
type versionAppender interface {
	AppendVersion(schemaID int64) (int, error)
}

// schemaInserter is implemented by Txs (sqlstore's) whose InsertSchema
// can return the stored record, which the registration answers with,
// without reading it back.
type schemaInserter interface {
	InsertSchemaRecord(rec SchemaRecord) (SchemaRecord, error)
}

// insertSchema stores rec through tx (Tx.InsertSchema) and returns its
// id and, when tx can tell, the stored record (else nil: read it back).
func insertSchema(tx Tx, rec SchemaRecord) (int64, *SchemaRecord, error) {
	if si, ok := tx.(schemaInserter); ok {
		out, err := si.InsertSchemaRecord(rec)
		if err != nil {
			return 0, nil, err
		}
		return out.ID, &out, nil
	}
	id, err := tx.InsertSchema(rec)
	return id, nil, err
}

// settingsIn reads the mode and config of every level of n through q (a
// write's transaction): in one statement when q can, else level by level.
func settingsIn(ctx context.Context, q Reader, n Name) (mode string, cfg Config, err error) {
	levels := levelsOf(n)
	sr, ok := q.(settingsReader)
	if !ok {
		if mode, err = effectiveModeIn(ctx, q, n); err != nil {
			return "", Config{}, err
		}
		cfg, err = effectiveConfigIn(ctx, q, n)
		return mode, cfg, err
	}
	got, err := sr.Settings(ctx, levels)
	if err != nil {
		return "", Config{}, storeErr("reading settings", err)
	}
	at := func(l Name) Setting {
		for i, x := range levels {
			if x == l {
				return got[i]
			}
		}
		return Setting{}
	}
	if mode, err = resolveMode(levels, func(l Name) (string, error) { return at(l).Mode, nil }); err != nil {
		return "", Config{}, err
	}
	cfg, err = mergeConfigs(levels, func(l Name) (*Config, error) { return decodeSetting(at(l).Config) })
	return mode, cfg, err
}

// appendVersion stores the next version of the subject tx locks, using
// schema id, and returns its number.
func appendVersion(tx Tx, id int64, n Name) (int, error) {
	if a, ok := tx.(versionAppender); ok {
		v, err := a.AppendVersion(id)
		if errors.Is(err, ErrConflict) {
			return 0, errorf(ErrOperationNotPermitted, "The next version of subject %s already exists", n.String())
		}
		return v, err
	}
	version, err := tx.NextVersion()
	if err != nil {
		return 0, err
	}
	if err := tx.InsertVersion(VersionRecord{Context: n.Context, Subject: n.Subject, Version: version, SchemaID: id}); err != nil {
		if errors.Is(err, ErrConflict) {
			return 0, errorf(ErrOperationNotPermitted, "Version %d of subject %s already exists", version, n.String())
		}
		return 0, err
	}
	return version, nil
}

// settingsWarmer loads, on the first cache miss of a registration's fast
// path, the mode and config of every level at once (when the store can:
// settingsReader) and caches them all, tagged with the counters read
// before; level by level that would be a statement per missing value.
type settingsWarmer struct {
	r      *Registry
	ctx    context.Context
	levels []Name
	ch     Changes
	got    []Setting
	err    error
	loaded bool
}

// at returns level l's setting; ok is false when the store cannot read
// settings in one statement (the caller reads them one by one).
func (w *settingsWarmer) at(l Name) (s Setting, ok bool, err error) {
	sr, can := w.r.store.(settingsReader)
	if !can {
		return Setting{}, false, nil
	}
	if !w.loaded {
		w.loaded = true
		genM, genC := w.r.modes.generation(), w.r.configs.generation()
		w.got, w.err = sr.Settings(w.ctx, w.levels)
		if w.err != nil {
			w.err = storeErr("reading settings", w.err)
		} else if !w.r.feedLost.Load() {
			for i, x := range w.levels {
				k, tag := cacheKey{x.Context, x.Subject}, tagOf(w.ch, x)
				w.r.modes.put(k, w.got[i].Mode, tag, genM)
				c, err := decodeSetting(w.got[i].Config)
				if err != nil {
					w.err = err
					break
				}
				w.r.configs.put(k, c, tag, genC)
			}
		}
	}
	if w.err != nil {
		return Setting{}, true, w.err
	}
	for i, x := range w.levels {
		if x == l {
			return w.got[i], true, nil
		}
	}
	return Setting{}, true, nil
}

// decodeSetting decodes a level's stored config; nil when none.
func decodeSetting(raw json.RawMessage) (*Config, error) {
	if raw == nil {
		return nil, nil
	}
	return decodeConfig(raw)
}

// ReadAhead names the reads a registration's transaction makes right
// after it takes its lock, so that a store that can send several
// statements in one round trip (sqlstore on PostgreSQL) sends them with
// the lock. A store may ignore it. One that uses it must answer each
// announced read as the transaction would have read it then: after the
// lock is held, before any write of the transaction.
type ReadAhead struct {
	Levels      []Name // Settings of these levels (levelsOf the subject)
	Versions    bool   // the locked subject's versions, soft-deleted included
	Fingerprint string // SchemaByFingerprint in the locked context; "" for none
}

type readAheadKey struct{}

// WithReadAhead announces ra to the store's Update called with the
// returned context.
func WithReadAhead(ctx context.Context, ra ReadAhead) context.Context {
	return context.WithValue(ctx, readAheadKey{}, ra)
}

// ReadAheadFrom returns the reads announced in ctx.
func ReadAheadFrom(ctx context.Context) (ReadAhead, bool) {
	ra, ok := ctx.Value(readAheadKey{}).(ReadAhead)
	return ra, ok
}

// warmSubject loads, when the store can in one statement and nothing of
// subject n is cached yet (its view), n's change counters, every level's
// mode and config and n's view, and caches them all tagged with those
// counters (SubjectReader): what registerCached would otherwise read in
// three round trips. ok is false when it did not (the caller reads as before).
// Without view the view is cached only when the schemas of its versions
// all are (a new subject's, which has none, always): building a view
// reads the schema of every version not cached yet, which resolving an
// alias must not cost. The versions are read either way (small rows), so
// that a registration under a new subject finds its view cached by the
// alias resolution before it and reads nothing more before its
// transaction (bound).
func (r *Registry) warmSubject(ctx context.Context, n Name, view bool) (ch Changes, ok bool, err error) {
	sr, can := r.store.(SubjectReader)
	if !can || n.Subject == "" || r.feedLost.Load() || r.versions.has(cacheKey{n.Context, n.Subject}) {
		return Changes{}, false, nil
	}
	genM, genC, genV := r.modes.generation(), r.configs.generation(), r.versions.generation()
	levels := levelsOf(n)
	st, err := sr.SubjectState(ctx, n.Context, n.Subject, SubjectRead{Levels: levels, Versions: true})
	if err != nil {
		return Changes{}, false, storeErr("reading the subject's snapshot", err)
	}
	if len(st.Settings) != len(levels) {
		return Changes{}, false, storeErr("reading the subject's snapshot", fmt.Errorf("%d settings for %d levels", len(st.Settings), len(levels)))
	}
	ch, settings, vs := st.Changes, st.Settings, st.Versions
	for i, l := range levels {
		c, err := decodeSetting(settings[i].Config)
		if err != nil {
			return Changes{}, false, err
		}
		k, tag := cacheKey{l.Context, l.Subject}, tagOf(ch, l)
		r.modes.put(k, settings[i].Mode, tag, genM)
		r.configs.put(k, c, tag, genC)
	}
	var v *subjectView
	if view {
		if v, err = r.viewOf(ctx, r.store, n, vs); err != nil {
			return Changes{}, false, err
		}
	} else {
		v = r.cachedViewOf(n, vs) // nil unless every schema is cached
	}
	if v != nil {
		r.versions.put(cacheKey{n.Context, n.Subject}, v, ch.Subject, genV)
	}
	return ch, true, nil
}
