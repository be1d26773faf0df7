package registry

import "context"

// LatestWithMetadata returns the newest version of subject whose metadata
// properties include every key and value of props (Confluent's
// GET /subjects/{s}/metadata, which serializers configured with
// use.latest.with.metadata call). Versions without metadata never match,
// as in Confluent, even for an empty props. Soft-deleted versions take
// part only with includeDeleted. ErrSubjectNotFound when the subject has no
// such versions at all; ErrSchemaNotFound when none matches.
func (r *Registry) LatestWithMetadata(ctx context.Context, subject string, props map[string]string, includeDeleted bool) (SchemaVersion, error) {
	n := ParseName(subject)
	vs, err := r.subjectVersions(ctx, n, includeDeleted)
	if err != nil {
		return SchemaVersion{}, err
	}
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		rec, err := r.schemaRecord(ctx, r.store, n.Context, v.SchemaID)
		if err != nil {
			return SchemaVersion{}, err
		}
		if len(rec.Metadata) == 0 {
			continue
		}
		have := properties(rec.Metadata)
		if have == nil {
			continue
		}
		match := true
		for k, want := range props {
			if got, ok := have[k]; !ok || got != want {
				match = false
				break
			}
		}
		if match {
			return SchemaVersion{Subject: n.String(), Version: v.Version, Deleted: v.Deleted, Schema: rec}, nil
		}
	}
	return SchemaVersion{}, errorf(ErrSchemaNotFound, "Schema not found")
}
