package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/validator"
	"github.com/accord/accord/contracts/wire"
	"github.com/accord/accord/registry"
)

// LocalSource is the validator.Source of the server: it reads the registry
// and the contracts service of this process, through their caches (the
// registry's, and the contracts snapshot for stream policies). It lives
// here, beside the validation hook it serves, so that package validator
// imports neither the registry nor the contracts service, and a program
// embedding the validator links no database driver.
//
// It reads the default registry context, as the validator's subjects are.
type LocalSource struct {
	reg     *registry.Registry
	streams *contracts.Service
}

var (
	_ validator.Source       = (*LocalSource)(nil)
	_ validator.GUIDSource   = (*LocalSource)(nil)
	_ validator.Generationer = (*LocalSource)(nil)
)

// NewLocalSource returns a Source over reg and streams; each stream is
// checked as its own validation switches say.
func NewLocalSource(reg *registry.Registry, streams *contracts.Service) *LocalSource {
	return &LocalSource{reg: reg, streams: streams}
}

// Generation implements validator.Generationer: it changes when the
// contracts snapshot does (a stream write through this process, or one of
// another replica once the change feed delivers it), so the next record
// sees the new policies.
func (l *LocalSource) Generation() uint64 { return l.streams.Generation() }

// Schema implements validator.Source.
func (l *LocalSource) Schema(ctx context.Context, id int) (validator.SchemaDoc, error) {
	rec, err := l.reg.SchemaByID(ctx, int64(id), "")
	if err != nil {
		return validator.SchemaDoc{}, localErr(err)
	}
	return l.doc(ctx, id, rec)
}

// doc is rec, with id and its references resolved, as the validator reads
// a schema.
func (l *LocalSource) doc(ctx context.Context, id int, rec *registry.SchemaRecord) (validator.SchemaDoc, error) {
	deps, err := validator.ResolveDeps(ctx, references(rec.References), func(ctx context.Context, subject string, version int) (string, string, []validator.Reference, error) {
		sv, err := l.reg.Version(ctx, subject, version, true)
		if err != nil {
			return "", "", nil, localErr(err)
		}
		return sv.Schema.Type, sv.Schema.Schema, references(sv.Schema.References), nil
	})
	if err != nil {
		return validator.SchemaDoc{}, err
	}
	return validator.SchemaDoc{ID: id, Type: rec.Type, Schema: rec.Schema, Deps: deps, RuleSet: rec.RuleSet, Metadata: rec.Metadata}, nil
}

// SchemaByGUID implements validator.GUIDSource, for records that name
// their schema by GUID in a header: the schema of the default context
// with that GUID. A GUID known only in other contexts is not found: the
// validator checks subjects by id, and ids are per context, so handing it
// another context's id would check the record against a different schema.
func (l *LocalSource) SchemaByGUID(ctx context.Context, guid string) (validator.SchemaDoc, error) {
	ids, err := l.reg.SchemaIDsByGUID(ctx, guid)
	if err != nil {
		return validator.SchemaDoc{}, localErr(err)
	}
	for _, c := range ids {
		if c.Context != registry.DefaultContext {
			continue
		}
		rec, err := l.reg.SchemaByID(ctx, c.ID, "")
		if err != nil {
			return validator.SchemaDoc{}, localErr(err)
		}
		return l.doc(ctx, int(c.ID), rec)
	}
	return validator.SchemaDoc{}, fmt.Errorf("%w: schema GUID %s is not in the default context", validator.ErrNotFound, guid)
}

// Usages implements validator.Source.
func (l *LocalSource) Usages(ctx context.Context, id int) ([]validator.Usage, error) {
	vs, err := l.reg.VersionsByID(ctx, int64(id), "", true)
	if err != nil {
		return nil, localErr(err)
	}
	out := make([]validator.Usage, len(vs))
	for i, sv := range vs {
		out[i] = validator.Usage{Subject: sv.Subject, Version: sv.Version, SchemaID: id, Deleted: sv.Deleted}
	}
	return out, nil
}

// Latest implements validator.Source.
func (l *LocalSource) Latest(ctx context.Context, subject string) (validator.Usage, error) {
	sv, err := l.reg.Version(ctx, subject, -1, false)
	if err != nil {
		return validator.Usage{}, localErr(err)
	}
	return validator.Usage{Subject: sv.Subject, Version: sv.Version, SchemaID: int(sv.Schema.ID)}, nil
}

// Streams implements validator.Source, from the contracts snapshot.
func (l *LocalSource) Streams(ctx context.Context) ([]validator.Policy, error) {
	snap, err := l.streams.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing streams: %w", err)
	}
	out := make([]validator.Policy, 0, snap.Len())
	for i := range snap.All() {
		out = append(out, policyOf(&snap.All()[i]))
	}
	return out, nil
}

// policyOf is the validation policy of a stream.
func policyOf(s *contracts.Stream) validator.Policy {
	return validator.Policy{
		Stream: s.Name, Owner: s.Owner, Strategy: wire.Strategy(s.Strategy),
		KeySubject: s.KeySubject, ValueSubjects: s.ValueSubjects, Checks: checksOf(s.Validation),
	}
}

// checksOf is the validator's Checks a stream's validation switches give;
// an unset Validation gives validator.DefaultChecks.
func checksOf(v contracts.Validation) validator.Checks {
	if v == (contracts.Validation{}) {
		return validator.DefaultChecks
	}
	return validator.Checks{SchemaID: validator.IDMode(v.SchemaID), Payload: v.Payload, Rules: v.Rules, Producer: v.Producer, Key: v.Key, SkipValue: v.SkipValue}
}

func references(refs []registry.Reference) []validator.Reference {
	out := make([]validator.Reference, len(refs))
	for i, r := range refs {
		out[i] = validator.Reference{Name: r.Name, Subject: r.Subject, Version: r.Version}
	}
	return out
}

// localErr marks the registry's not-found errors as validator.ErrNotFound.
func localErr(err error) error {
	if errors.Is(err, registry.ErrSchemaNotFound) || errors.Is(err, registry.ErrSubjectNotFound) || errors.Is(err, registry.ErrVersionNotFound) {
		return fmt.Errorf("%w: %v", validator.ErrNotFound, err)
	}
	return err
}
