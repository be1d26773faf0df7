package compat

import "strings"

// DirectionMetadata is the Violation.Direction of the checks Confluent's
// validateFields adds (see Reserved and ReservedFieldNames): they break
// neither reading direction but the subject's own reservations.
const DirectionMetadata = "METADATA"

// Reserved reports Confluent's validateFields checks of the
// "confluent:reserved" metadata property for a candidate whose properties
// are props, against the latest version's properties previous (nil for a
// subject's first version): a name the latest version reserves that the
// candidate no longer reserves, and a top-level field of the candidate that
// uses a name the candidate reserves. Unlike compatibility rules they do not
// depend on the level (they apply under NONE too) nor on the latest
// version's schema, as in Confluent's registry.
//
// The formats already report these differences when a MetadataChecker
// compares two versions; comparing the candidate with itself under the two
// property maps leaves exactly them, with each format's IDs and locations.
func Reserved(candidate Schema, props, previous map[string]string) []Difference {
	mc, ok := candidate.(MetadataChecker)
	if !ok || (props[reservedProperty] == "" && previous[reservedProperty] == "") {
		return nil
	}
	return mc.CompatibleWithMetadata(props, candidate, previous)
}

const reservedProperty = "confluent:reserved"

// ReservedFieldNames reports top-level field names that Confluent's
// validateFields refuses: JSON Schema properties whose names start with
// "$$" (its JSON provider's only strict-validation rule; Avro and Protobuf
// names are validated whatever the setting). It returns the offending
// names, none when the schema is fine or not structured.
func ReservedFieldNames(s Schema) []string {
	st, ok := s.(Structured)
	if !ok || s.Type() != TypeJSON {
		return nil
	}
	var out []string
	for _, f := range st.Fields() {
		if f.Path == f.Name && strings.HasPrefix(f.Name, "$$") {
			out = append(out, f.Name)
		}
	}
	return out
}
