package avro

import (
	"fmt"
	"sort"
	"strings"

	"github.com/accord/accord/compat"
)

// ReservedProperty is the schema metadata property listing reserved field
// names, comma-separated, as Confluent defines it.
const ReservedProperty = "confluent:reserved"

// Difference IDs of the metadata checks, named as the Protobuf format
// names them.
const (
	// ReservedFieldRemoved: the writer's metadata reserves a name the
	// reader's no longer does.
	ReservedFieldRemoved = "RESERVED_FIELD_REMOVED"
	// FieldConflictsWithReservedField: a field of the reader's top-level
	// record uses a name its metadata reserves.
	FieldConflictsWithReservedField = "FIELD_CONFLICTS_WITH_RESERVED_FIELD"
)

var _ compat.MetadataChecker = (*Schema)(nil)

// CompatibleWithMetadata is CompatibleWith taking each version's metadata
// properties into account: a reservation the reader drops, and a top-level
// field of the reader that uses a name the reader reserves, are
// incompatible. They come first, as Confluent reports metadata first.
func (s *Schema) CompatibleWithMetadata(props map[string]string, writer compat.Schema, writerProps map[string]string) []compat.Difference {
	var out []compat.Difference
	mine, theirs := reservedNames(props), reservedNames(writerProps)
	for _, name := range theirs {
		if !containsName(mine, name) {
			out = append(out, compat.Difference{
				ID: ReservedFieldRemoved, Location: "/",
				Message: fmt.Sprintf("reserved field name %s was removed from the metadata (%s)", name, ReservedProperty),
			})
		}
	}
	if root := deref(s.root); root.kind == kindRecord {
		for i, f := range root.fields {
			if containsName(mine, f.name) {
				out = append(out, compat.Difference{
					ID: FieldConflictsWithReservedField, Location: fmt.Sprintf("/fields/%d", i),
					Message: fmt.Sprintf("'%s': field uses the reserved name %s (%s)", f.name, f.name, ReservedProperty),
				})
			}
		}
	}
	return append(out, s.CompatibleWith(writer)...)
}

// reservedNames lists the names of the reserved property, sorted.
func reservedNames(props map[string]string) []string {
	var out []string
	for _, n := range strings.Split(props[ReservedProperty], ",") {
		if n = strings.TrimSpace(n); n != "" && !containsName(out, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func containsName(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}
