package jsonschema

import (
	"sort"
	"strings"

	"github.com/accord/accord/compat"
)

// ReservedProperty is the metadata property that reserves property names:
// a comma-separated list, as in Confluent's schema metadata.
const ReservedProperty = "confluent:reserved"

// reservedNames parses the reserved names of a metadata property map.
func reservedNames(props map[string]string) map[string]bool {
	out := make(map[string]bool)
	for _, name := range strings.Split(props[ReservedProperty], ",") {
		if name = strings.TrimSpace(name); name != "" {
			out[name] = true
		}
	}
	return out
}

// metadataChanges reports what Confluent checks in metadata before the
// schemas: a reserved name the update no longer reserves, and a top-level
// property of the update that uses a name the update reserves.
func metadataChanges(original, update *Schema) []Change {
	var out []Change
	or, ur := reservedNames(original.metadata), reservedNames(update.metadata)
	removed := make([]string, 0)
	for name := range or {
		if !ur[name] {
			removed = append(removed, name)
		}
	}
	sort.Strings(removed)
	for _, name := range removed {
		out = append(out, Change{Type: ReservedPropertyRemoved, Location: name})
	}
	if len(ur) == 0 {
		return out
	}
	if root := deref(update.root); root.kind == kindObject {
		for _, p := range root.properties {
			if ur[p.name] {
				out = append(out, Change{Type: ReservedPropertyConflictsWithProperty, Location: "#/properties/" + escapePath(p.name)})
			}
		}
	}
	return out
}

var _ compat.MetadataChecker = (*Schema)(nil)

// CompatibleWithMetadata is CompatibleWith with the reader's metadata
// properties props and the writer's writerProps in place of those attached
// with WithMetadata.
func (s *Schema) CompatibleWithMetadata(props map[string]string, writer compat.Schema, writerProps map[string]string) []compat.Difference {
	w, ok := writer.(*Schema)
	if !ok {
		return s.CompatibleWith(writer)
	}
	return s.WithMetadata(props).CompatibleWith(w.WithMetadata(writerProps))
}
