package registry

import (
	"context"
	"errors"
	"strings"
)

// A schema's GUID is Confluent's "guid": a UUID-shaped identifier that
// newer serializers put in a record header instead of the id prefix.
// Confluent derives it from a hash of the schema's content (text,
// references, metadata, rule set); Accord derives it from the fingerprint,
// which hashes the same things, so it is stable per schema, the same on
// every replica and computable by a migration from stored rows. The same
// schema in two contexts has one GUID and two (context, id) pairs.

// ContextID is a schema's id within its context.
type ContextID struct {
	Context string `json:"context"`
	ID      int64  `json:"id"`
}

// GUIDOf returns the GUID of the schema whose fingerprint is fp: its first
// 32 hex digits (16 bytes) written as a UUID. Fingerprints are hex SHA-256.
func GUIDOf(fp string) string {
	fp = strings.ToLower(fp)
	for len(fp) < 32 {
		fp += "0"
	}
	return fp[0:8] + "-" + fp[8:12] + "-" + fp[12:16] + "-" + fp[16:20] + "-" + fp[20:32]
}

// validGUID reports whether s has the shape of a UUID (any case).
func validGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// SchemaIDsByGUID lists the (context, id) pairs of the schema with guid,
// ordered by context; ErrSchemaNotFound when there is none.
func (r *Registry) SchemaIDsByGUID(ctx context.Context, guid string) ([]ContextID, error) {
	if !validGUID(guid) {
		return nil, errorf(ErrSchemaNotFound, "Schema %s not found", guid)
	}
	ids, err := r.store.SchemaGUIDs(ctx, strings.ToLower(guid))
	if err != nil {
		return nil, storeErr("looking up a guid", err)
	}
	if len(ids) == 0 {
		return nil, errorf(ErrSchemaNotFound, "Schema %s not found", guid)
	}
	return ids, nil
}

// SchemaByGUID returns the schema with guid (the first context holding
// it: one GUID is one content, so every copy is the same schema). It is
// what a validator reading a header-based schema id (a GUID, not an id
// prefix) calls; ErrSchemaNotFound when there is none.
func (r *Registry) SchemaByGUID(ctx context.Context, guid string) (*SchemaRecord, error) {
	ids, err := r.SchemaIDsByGUID(ctx, guid)
	if err != nil {
		return nil, err
	}
	rec, err := r.schemaRecord(ctx, r.store, ids[0].Context, ids[0].ID)
	if errors.Is(err, ErrNotFound) {
		return nil, errorf(ErrSchemaNotFound, "Schema %s not found", guid)
	}
	return rec, err
}
