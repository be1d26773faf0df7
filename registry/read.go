package registry

import (
	"context"
	"strconv"
	"strings"
)

// ParseVersion parses a version path segment: "latest" or -1 for the
// latest, or a positive number.
func ParseVersion(s string) (int, error) {
	if s == "latest" {
		return -1, nil
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil || v == 0 || v < -1 {
		return 0, errorf(ErrInvalidVersion, "The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", s)
	}
	return int(v), nil
}

// SchemaByID returns the schema with id. The context is the one of
// subjectHint (a qualified subject or ":.ctx:"), the default one when empty.
// A schema stays readable by id after its versions are deleted, since
// records written with it must stay decodable.
func (r *Registry) SchemaByID(ctx context.Context, id int64, subjectHint string) (*SchemaRecord, error) {
	n := ParseName(subjectHint)
	if id <= 0 {
		return nil, errorf(ErrSchemaNotFound, "Schema %d not found", id)
	}
	return r.schemaRecord(ctx, r.store, n.Context, id)
}

// Version returns one version of a subject. version is from ParseVersion.
func (r *Registry) Version(ctx context.Context, subject string, version int, includeDeleted bool) (SchemaVersion, error) {
	n := ParseName(subject)
	v, err := r.view(ctx, n)
	if err != nil {
		return SchemaVersion{}, err
	}
	found, exists := v.version(version, includeDeleted)
	if !exists {
		return SchemaVersion{}, errorf(ErrSubjectNotFound, "Subject '%s' not found.", n.String())
	}
	if found == nil {
		return SchemaVersion{}, errorf(ErrVersionNotFound, "Version %d not found.", version)
	}
	rec, err := r.schemaRecord(ctx, r.store, n.Context, found.SchemaID)
	if err != nil {
		return SchemaVersion{}, err
	}
	return SchemaVersion{Subject: n.String(), Version: found.Version, Deleted: found.Deleted, Schema: rec}, nil
}

// Versions lists a subject's version numbers.
func (r *Registry) Versions(ctx context.Context, subject string, includeDeleted bool) ([]int, error) {
	vs, err := r.subjectVersions(ctx, ParseName(subject), includeDeleted)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = v.Version
	}
	return out, nil
}

// Lookup finds the version of subject that holds the given schema.
func (r *Registry) Lookup(ctx context.Context, subject string, in SchemaInput, normalize, includeDeleted bool) (SchemaVersion, error) {
	n := ParseName(subject)
	view, err := r.view(ctx, n)
	if err != nil {
		return SchemaVersion{}, err
	}
	if len(view.live(includeDeleted)) == 0 {
		return SchemaVersion{}, errorf(ErrSubjectNotFound, "Subject '%s' not found.", n.String())
	}
	if strings.TrimSpace(in.Schema) == "" {
		// As Confluent: an empty schema matches no version.
		return SchemaVersion{}, errorf(ErrSchemaNotFound, "Schema not found")
	}
	cfg, err := r.effectiveConfig(ctx, n)
	if err != nil {
		return SchemaVersion{}, err
	}
	normalize = normalize || (cfg.Normalize != nil && *cfg.Normalize)
	p, err := r.prepare(ctx, r.store, n.Context, in, normalize)
	if err != nil {
		return SchemaVersion{}, err
	}
	e, err := r.effectiveDocs(ctx, r.store, n, view, cfg, p, true)
	if err != nil {
		return SchemaVersion{}, err
	}
	v, ok, err := r.find(ctx, r.store, n.Context, view, e, p, includeDeleted)
	if err != nil {
		return SchemaVersion{}, err
	}
	if !ok {
		return SchemaVersion{}, errorf(ErrSchemaNotFound, "Schema not found")
	}
	rec, err := r.schemaRecord(ctx, r.store, n.Context, v.SchemaID)
	if err != nil {
		return SchemaVersion{}, err
	}
	return SchemaVersion{Subject: n.String(), Version: v.Version, Deleted: v.Deleted, Schema: rec}, nil
}

// prefixScope splits a subject prefix into the contexts to list and the
// prefix within them, as the Confluent API does: no prefix or ":*:" lists
// every context, a qualified prefix (":.ctx:abc") one context, and an
// unqualified prefix the default context.
func (r *Registry) prefixScope(ctx context.Context, prefix string) ([]string, string, error) {
	if rest, ok := strings.CutPrefix(prefix, ":*:"); ok || prefix == "" {
		ctxs, err := r.store.Contexts(ctx)
		if err != nil {
			return nil, "", storeErr("listing contexts", err)
		}
		return ctxs, rest, nil
	}
	n := ParseName(prefix)
	return []string{n.Context}, n.Subject, nil
}

// VersionsByID lists the subject versions that use schema id.
func (r *Registry) VersionsByID(ctx context.Context, id int64, subjectHint string, includeDeleted bool) ([]SchemaVersion, error) {
	n := ParseName(subjectHint)
	rec, err := r.schemaRecord(ctx, r.store, n.Context, id)
	if err != nil {
		return nil, err
	}
	vs, err := r.store.VersionsBySchema(ctx, n.Context, id, includeDeleted)
	if err != nil {
		return nil, storeErr("listing versions", err)
	}
	out := make([]SchemaVersion, 0, len(vs))
	for _, v := range vs {
		if n.Subject != "" && v.Subject != n.Subject {
			continue
		}
		out = append(out, SchemaVersion{Subject: Name{v.Context, v.Subject}.String(), Version: v.Version, Deleted: v.Deleted, Schema: rec})
	}
	if len(vs) == 0 {
		// As Confluent: the schema stays readable by id, but an id that no
		// version uses any more (soft-deleted ones count) is not found here.
		if !includeDeleted {
			all, err := r.store.VersionsBySchema(ctx, n.Context, id, true)
			if err != nil {
				return nil, storeErr("listing versions", err)
			}
			if len(all) > 0 {
				return out, nil
			}
		}
		return nil, errorf(ErrSchemaNotFound, "Schema %d not found", id)
	}
	return out, nil
}

// ReferencedBy lists the ids of schemas that reference a version.
func (r *Registry) ReferencedBy(ctx context.Context, subject string, version int) ([]int64, error) {
	v, err := r.Version(ctx, subject, version, true)
	if err != nil {
		return nil, err
	}
	n := ParseName(subject)
	ids, err := referencedBy(ctx, r.store, n, v.Version)
	if err != nil {
		return nil, storeErr("listing references", err)
	}
	if ids == nil {
		ids = []int64{}
	}
	return ids, nil
}

// Contexts lists the contexts.
func (r *Registry) Contexts(ctx context.Context) ([]string, error) {
	c, err := r.store.Contexts(ctx)
	if err != nil {
		return nil, storeErr("listing contexts", err)
	}
	return c, nil
}

// MaxSchemaID returns the highest schema id of the context that
// subjectHint names (Confluent's fetchMaxId / maxId, which a client uses to
// know whether an id it has not seen can exist yet).
func (r *Registry) MaxSchemaID(ctx context.Context, subjectHint string) (int64, error) {
	id, err := r.store.MaxSchemaID(ctx, ParseName(subjectHint).Context)
	if err != nil {
		return 0, storeErr("reading the highest schema id", err)
	}
	return id, nil
}
