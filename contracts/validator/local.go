package validator

import (
	"context"
	"errors"
	"fmt"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/wire"
	"github.com/accord/accord/registry"
)

// LocalSource reads the registry and the contracts service of this
// process: what the server's HTTP hook uses. Its reads go through the
// registry's own caches.
type LocalSource struct {
	reg     *registry.Registry
	streams *contracts.Service
	checks  func(contracts.Stream) Checks
}

var _ Source = (*LocalSource)(nil)

// NewLocalSource returns a Source over reg and streams. checks gives each
// stream's checks; nil reads each stream's own switches (ChecksOf).
func NewLocalSource(reg *registry.Registry, streams *contracts.Service, checks func(contracts.Stream) Checks) *LocalSource {
	if checks == nil {
		checks = func(s contracts.Stream) Checks { return ChecksOf(s.Validation) }
	}
	return &LocalSource{reg: reg, streams: streams, checks: checks}
}

// Generation implements Generationer: stream writes made through this
// process are seen by the next record.
func (l *LocalSource) Generation() uint64 { return l.streams.Generation() }

// Schema implements Source.
func (l *LocalSource) Schema(ctx context.Context, id int) (SchemaDoc, error) {
	rec, err := l.reg.SchemaByID(ctx, int64(id), "")
	if err != nil {
		return SchemaDoc{}, localErr(err)
	}
	deps, err := resolveDeps(ctx, rec.References, func(ctx context.Context, subject string, version int) (string, string, []registry.Reference, error) {
		sv, err := l.reg.Version(ctx, subject, version, true)
		if err != nil {
			return "", "", nil, localErr(err)
		}
		return sv.Schema.Type, sv.Schema.Schema, sv.Schema.References, nil
	})
	if err != nil {
		return SchemaDoc{}, err
	}
	return SchemaDoc{ID: id, Type: rec.Type, Schema: rec.Schema, Deps: deps, RuleSet: rec.RuleSet, Metadata: rec.Metadata}, nil
}

// Usages implements Source.
func (l *LocalSource) Usages(ctx context.Context, id int) ([]Usage, error) {
	vs, err := l.reg.VersionsByID(ctx, int64(id), "", true)
	if err != nil {
		return nil, localErr(err)
	}
	out := make([]Usage, len(vs))
	for i, sv := range vs {
		out[i] = Usage{Subject: sv.Subject, Version: sv.Version, SchemaID: id, Deleted: sv.Deleted}
	}
	return out, nil
}

// Latest implements Source.
func (l *LocalSource) Latest(ctx context.Context, subject string) (Usage, error) {
	sv, err := l.reg.Version(ctx, subject, -1, false)
	if err != nil {
		return Usage{}, localErr(err)
	}
	return Usage{Subject: sv.Subject, Version: sv.Version, SchemaID: int(sv.Schema.ID)}, nil
}

// Streams implements Source.
func (l *LocalSource) Streams(ctx context.Context) ([]Policy, error) {
	sts, err := l.streams.List(ctx, contracts.Filter{})
	if err != nil {
		return nil, fmt.Errorf("listing streams: %w", err)
	}
	out := make([]Policy, len(sts))
	for i, s := range sts {
		out[i] = PolicyOf(s, l.checks(s))
	}
	return out, nil
}

// PolicyOf is the validation policy of a stream.
func PolicyOf(s contracts.Stream, checks Checks) Policy {
	return Policy{
		Stream: s.Name, Owner: s.Owner, Strategy: wire.Strategy(s.Strategy),
		KeySubject: s.KeySubject, ValueSubjects: s.ValueSubjects, Checks: checks,
	}
}

// localErr marks the registry's not-found errors as ErrNotFound.
func localErr(err error) error {
	if errors.Is(err, registry.ErrSchemaNotFound) || errors.Is(err, registry.ErrSubjectNotFound) || errors.Is(err, registry.ErrVersionNotFound) {
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	return err
}

// fetchVersion reads one subject version: its type, text and references.
type fetchVersion func(ctx context.Context, subject string, version int) (typ, schema string, refs []registry.Reference, err error)

// resolveDeps turns references into parser dependencies, transitively and
// in dependency order, as the registry does when it parses.
func resolveDeps(ctx context.Context, refs []registry.Reference, fetch fetchVersion) ([]compat.Dependency, error) {
	var deps []compat.Dependency
	done := map[string]bool{}
	var visit func(refs []registry.Reference, depth int) error
	visit = func(refs []registry.Reference, depth int) error {
		if depth > 32 {
			return compat.InvalidSchemaf("references nest more than 32 deep")
		}
		for _, ref := range refs {
			key := fmt.Sprintf("%s\x00%d\x00%s", ref.Subject, ref.Version, ref.Name)
			if done[key] {
				continue
			}
			done[key] = true
			typ, text, more, err := fetch(ctx, ref.Subject, ref.Version)
			if err != nil {
				return fmt.Errorf("resolving reference %q (subject %s version %d): %w", ref.Name, ref.Subject, ref.Version, err)
			}
			if err := visit(more, depth+1); err != nil {
				return err
			}
			deps = append(deps, compat.Dependency{Name: ref.Name, Type: typ, Schema: text})
		}
		return nil
	}
	if err := visit(refs, 0); err != nil {
		return nil, err
	}
	return deps, nil
}
