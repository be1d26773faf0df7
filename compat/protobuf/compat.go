package protobuf

import (
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/accord/accord/compat"
)

// ReservedProperty is the schema metadata property listing reserved field
// names, comma-separated, as Confluent defines it.
const ReservedProperty = "confluent:reserved"

var _ compat.MetadataChecker = (*Schema)(nil)

// CompatibleWith reports what prevents a consumer using s from reading data
// written with writer: the incompatible changes from writer to s.
func (s *Schema) CompatibleWith(writer compat.Schema) []compat.Difference {
	return s.CompatibleWithMetadata(nil, writer, nil)
}

// CompatibleWithMetadata is CompatibleWith taking each version's metadata
// properties into account (see ReservedProperty).
func (s *Schema) CompatibleWithMetadata(props map[string]string, writer compat.Schema, writerProps map[string]string) []compat.Difference {
	w, ok := writer.(*Schema)
	if !ok {
		return []compat.Difference{{ID: "SCHEMA_TYPE_CHANGED", Location: "", Message: "the other schema is not a Protobuf schema", Breaks: compat.Backward | compat.Forward}}
	}
	var out []compat.Difference
	for _, c := range diffMetadata(newDiffer(w, s, true), writerProps, props) {
		out = append(out, c.Difference())
	}
	return out
}

// DiffMetadata is Diff plus the changes that the metadata properties of each
// version imply: names added to or removed from ReservedProperty, and
// top-level fields of the update that use a reserved name.
func DiffMetadata(original *Schema, originalProps map[string]string, update *Schema, updateProps map[string]string) []Change {
	return diffMetadata(newDiffer(original, update, false), originalProps, updateProps)
}

func diffMetadata(d *differ, originalProps, updateProps map[string]string) []Change {
	d.diff()
	before, after := reservedNames(originalProps), reservedNames(updateProps)
	for _, n := range sortedKeys(before) {
		if !after[n] {
			d.add(ReservedFieldRemoved, []string{n}, n, "reserved field name %s was removed from the metadata", n)
		}
	}
	for _, n := range sortedKeys(after) {
		if !before[n] {
			d.add(ReservedFieldAdded, []string{n}, n, "reserved field name %s was added to the metadata", n)
		}
	}
	msgs := d.upd.file.Messages()
	for _, n := range sortedKeys(after) {
		for i := 0; i < msgs.Len(); i++ {
			m := msgs.Get(i)
			if f := m.Fields().ByName(protoreflect.Name(n)); f != nil {
				d.add(FieldConflictsWithReservedField, []string{n}, fieldLoc(m, f.Number()), "field %s uses the reserved name %s", f.FullName(), n)
			}
		}
	}
	return d.out
}

func reservedNames(props map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, n := range strings.Split(props[ReservedProperty], ",") {
		if n = strings.TrimSpace(n); n != "" {
			out[n] = true
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
