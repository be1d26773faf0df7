package registry

import (
	"context"
	"errors"
	"fmt"

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
func (r *Registry) Register(ctx context.Context, subject string, req RegisterRequest) (SchemaVersion, error) {
	n := ParseName(subject)
	if !validSubject(n.Subject) || !validContext(n.Context) {
		return SchemaVersion{}, errorf(ErrInvalidSubject, "Invalid subject '%s'", subject)
	}
	mode, err := r.effectiveMode(ctx, n)
	if err != nil {
		return SchemaVersion{}, err
	}
	if mode == ModeReadOnly || mode == ModeReadOnlyOverride {
		return SchemaVersion{}, errorf(ErrOperationNotPermitted, "Subject %s is in read-only mode", n.String())
	}
	if req.ID < 0 || req.Version < 0 {
		return SchemaVersion{}, errorf(ErrInvalidSchema, "Invalid schema: id and version must be positive")
	}
	cfg, err := r.effectiveConfig(ctx, n)
	if err != nil {
		return SchemaVersion{}, err
	}
	p, err := r.prepare(ctx, n.Context, req.SchemaInput, req.Normalize || (cfg.Normalize != nil && *cfg.Normalize))
	if err != nil {
		return SchemaVersion{}, err
	}

	// Fast path: already a live version (what auto-registering serializers
	// hit on every start).
	if view, err := r.view(ctx, n); err == nil {
		e, err := r.effectiveDocs(ctx, r.store, n, view, cfg, p, mode != ModeImport)
		if err != nil {
			return SchemaVersion{}, err
		}
		v, ok, err := r.find(ctx, r.store, n.Context, view, e, p, false)
		if err != nil {
			return SchemaVersion{}, err
		}
		if ok && (req.ID == 0 || req.ID == v.SchemaID) && (req.Version == 0 || req.Version == v.Version) {
			rec, err := r.schemaRecord(ctx, r.store, n.Context, v.SchemaID)
			if err != nil {
				return SchemaVersion{}, err
			}
			return SchemaVersion{Subject: n.String(), Version: v.Version, Schema: rec}, nil
		}
	} else {
		return SchemaVersion{}, err
	}

	if err := r.beforeRegister(ctx, n, p.schema); err != nil {
		return SchemaVersion{}, err
	}

	var out SchemaVersion
	err = r.store.Update(ctx, n.Context, n.Subject, func(tx Tx) error {
		var err error
		out, err = r.registerTx(ctx, tx, n, mode, cfg, req, p)
		return err
	})
	r.invalidate(n)
	if err != nil {
		return SchemaVersion{}, storeErr("registering schema", err)
	}
	// Committed: remember the record and its parsed form, so the next
	// compatibility check against this version does not parse it again.
	k := idKey{n.Context, out.Schema.ID}
	rec, _ := r.schemas.LoadOrStore(k, out.Schema)
	out.Schema = rec.(*SchemaRecord)
	r.parsed.LoadOrStore(k, p.schema)
	return out, nil
}

func (r *Registry) registerTx(ctx context.Context, tx Tx, n Name, mode string, cfg Config, req RegisterRequest, p *prepared) (SchemaVersion, error) {
	view, err := r.loadView(ctx, tx, n)
	if err != nil {
		return SchemaVersion{}, err
	}
	// Again inside the transaction: the latest version may have changed.
	e, err := r.effectiveDocs(ctx, tx, n, view, cfg, p, mode != ModeImport)
	if err != nil {
		return SchemaVersion{}, err
	}
	v, ok, err := r.find(ctx, tx, n.Context, view, e, p, false)
	if err != nil {
		return SchemaVersion{}, err
	}
	if ok && (req.ID == 0 || req.ID == v.SchemaID) && (req.Version == 0 || req.Version == v.Version) {
		rec, err := r.schemaRecord(ctx, tx, n.Context, v.SchemaID)
		if err != nil {
			return SchemaVersion{}, err
		}
		return SchemaVersion{Subject: n.String(), Version: v.Version, Schema: rec}, nil
	}

	existing, err := tx.SchemaByFingerprint(ctx, n.Context, e.fingerprint)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return SchemaVersion{}, err
	}

	if mode == ModeImport {
		if req.ID != 0 {
			if found && existing.ID != req.ID {
				return SchemaVersion{}, errorf(ErrOperationNotPermitted, "Schema already registered with id %d instead of input id %d", existing.ID, req.ID)
			}
			if !found {
				if other, err := tx.SchemaByID(ctx, n.Context, req.ID); err == nil {
					return SchemaVersion{}, errorf(ErrOperationNotPermitted, "Overwrite new schema with id %d is not permitted: id %d holds a different schema (%s)", req.ID, req.ID, other.Type)
				} else if !errors.Is(err, ErrNotFound) {
					return SchemaVersion{}, err
				}
			}
		}
	} else {
		if req.ID != 0 && (!found || existing.ID != req.ID) {
			return SchemaVersion{}, errorf(ErrOperationNotPermitted, "Overwrite new schema with id %d is not permitted unless the subject or global mode is IMPORT", req.ID)
		}
		if req.Version != 0 {
			return SchemaVersion{}, errorf(ErrOperationNotPermitted, "Choosing version %d is not permitted unless the subject or global mode is IMPORT", req.Version)
		}
		vs, err := r.checkAgainst(ctx, tx, cfg.Compatibility, p.schema, e.props, view.live(false))
		if err != nil {
			return SchemaVersion{}, err
		}
		if len(vs) > 0 {
			return SchemaVersion{}, incompatible(n, vs)
		}
	}

	id := existing.ID
	if !found {
		rec := SchemaRecord{
			Context: n.Context, ID: req.ID, Type: p.schema.Type(), Schema: p.text,
			References: p.refs, Metadata: e.metadata, RuleSet: e.ruleSet,
			Fingerprint: e.fingerprint,
		}
		if id, err = tx.InsertSchema(rec); err != nil {
			if errors.Is(err, ErrConflict) {
				return SchemaVersion{}, errorf(ErrOperationNotPermitted, "Overwrite new schema with id %d is not permitted", req.ID)
			}
			return SchemaVersion{}, err
		}
	}

	version := req.Version
	if version != 0 {
		for _, v := range view.versions {
			if v.Version == version {
				return SchemaVersion{}, errorf(ErrOperationNotPermitted, "Version %d of subject %s already exists with schema id %d", version, n.String(), v.SchemaID)
			}
		}
		if err := tx.ReserveVersion(version); err != nil {
			return SchemaVersion{}, err
		}
	} else if version, err = tx.NextVersion(); err != nil {
		return SchemaVersion{}, err
	}
	if err := tx.InsertVersion(VersionRecord{Context: n.Context, Subject: n.Subject, Version: version, SchemaID: id}); err != nil {
		if errors.Is(err, ErrConflict) {
			return SchemaVersion{}, errorf(ErrOperationNotPermitted, "Version %d of subject %s already exists", version, n.String())
		}
		return SchemaVersion{}, err
	}
	rec, err := r.schemaRecord(ctx, tx, n.Context, id)
	if err != nil {
		return SchemaVersion{}, err
	}
	after := versionDoc{Version: version, ID: id, SchemaType: rec.Type, Schema: rec.Schema, References: rec.References, Metadata: rec.Metadata, RuleSet: rec.RuleSet}
	if err := record(tx, n, audit.SchemaRegister, nil, after); err != nil {
		return SchemaVersion{}, err
	}
	return SchemaVersion{Subject: n.String(), Version: version, Schema: rec}, nil
}

// checkAgainst checks a candidate, whose metadata properties are props,
// against live versions under level. Each version's properties take part
// (confluent:reserved).
func (r *Registry) checkAgainst(ctx context.Context, q Reader, level compat.Level, candidate compat.Schema, props map[string]string, live []VersionRecord) ([]compat.Violation, error) {
	if level == "" {
		level = DefaultLevel
	}
	if level == compat.None || len(live) == 0 {
		return nil, nil
	}
	if !level.Transitive() {
		live = live[len(live)-1:]
	}
	prev := make([]compat.Previous, 0, len(live))
	var out []compat.Violation
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
		prev = append(prev, compat.Previous{Version: v.Version, Schema: s, Properties: properties(rec.Metadata)})
	}
	return append(out, compat.CheckWithMetadata(level, candidate, props, prev)...), nil
}

func incompatible(n Name, vs []compat.Violation) error {
	msgs := compat.Messages(vs)
	return &Error{
		Kind:    ErrIncompatible,
		Message: fmt.Sprintf("Schema being registered is incompatible with an earlier schema for subject %q, details: %v", n.String(), msgs),
		Details: msgs,
	}
}
