package jsonschema

import (
	"slices"
	"testing"
)

// combinedCases are transitions between allOf, anyOf, oneOf and plain
// schemas. They are written for Accord from the rules of Confluent's
// CombinedSchemaDiff.compare/compareCriteria and SchemaDiff.compareTypes
// (confluentinc/schema-registry, json-schema-provider, 2026-08), in the
// shape of its diff-combined-schema-examples.json: the combined schema is
// the property prop1 of an object. Changes are Confluent's, in Accord's
// order (keyword, then subschema count, then the matched subschemas').
var combinedCases = []diffCase{
	// Same keyword.
	{"allOf reordered", prop(`{"allOf": [{"enum": ["one", "two"]}, {"type": "string"}, {"maxLength": 5}]}`),
		prop(`{"allOf": [{"maxLength": 5}, {"enum": ["one", "two"]}, {"type": "string"}]}`), nil, true},
	{"allOf member changed", prop(`{"allOf": [{"enum": ["one", "two"]}, {"type": "string"}]}`),
		prop(`{"allOf": [{"enum": ["one", "two"]}, {"type": "number"}]}`), []string{"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/properties/prop1"}, false},
	{"duplicates in the writer", prop(`{"allOf": [{"type": "string"}, {"type": "string"}]}`), prop(`{"allOf": [{"type": "string"}]}`), nil, true},
	{"duplicates in the reader", prop(`{"allOf": [{"type": "string"}]}`), prop(`{"allOf": [{"type": "string"}, {"type": "string"}]}`), nil, true},
	{"oneOf alternative added", prop(`{"oneOf": [{"type": "string"}]}`), prop(`{"oneOf": [{"type": "number"}, {"type": "string"}]}`),
		[]string{"SUM_TYPE_EXTENDED #/properties/prop1"}, true},
	{"oneOf alternative added, matched one changed", prop(`{"oneOf": [{"type": "string", "maxLength": 5}]}`),
		prop(`{"oneOf": [{"type": "boolean"}, {"type": "string", "maxLength": 8}]}`),
		[]string{"SUM_TYPE_EXTENDED #/properties/prop1", "MAX_LENGTH_INCREASED #/properties/prop1/oneOf/0/maxLength"}, true},
	{"oneOf alternative removed", prop(`{"oneOf": [{"type": "number"}, {"type": "string"}]}`), prop(`{"oneOf": [{"type": "string"}]}`),
		[]string{"SUM_TYPE_NARROWED #/properties/prop1"}, false},
	{"anyOf alternative removed", prop(`{"anyOf": [{"type": "number"}, {"type": "string"}]}`), prop(`{"anyOf": [{"type": "number"}]}`),
		[]string{"SUM_TYPE_NARROWED #/properties/prop1"}, false},
	{"allOf constraint removed", prop(`{"allOf": [{"enum": ["one", "two"]}, {"type": "string"}]}`), prop(`{"allOf": [{"type": "string"}]}`),
		[]string{"PRODUCT_TYPE_NARROWED #/properties/prop1"}, true},
	{"allOf constraint added", prop(`{"allOf": [{"type": "string"}]}`), prop(`{"allOf": [{"enum": ["one", "two"]}, {"type": "string"}]}`),
		[]string{"PRODUCT_TYPE_EXTENDED #/properties/prop1"}, false},

	// Keyword changes (compareCriteria).
	{"oneOf to anyOf", prop(`{"oneOf": [{"type": "string"}]}`), prop(`{"anyOf": [{"type": "string"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1"}, true},
	{"oneOf to a wider anyOf", prop(`{"oneOf": [{"type": "string"}]}`), prop(`{"anyOf": [{"type": "number"}, {"type": "string"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1", "SUM_TYPE_EXTENDED #/properties/prop1"}, true},
	{"oneOf to a narrower anyOf", prop(`{"oneOf": [{"type": "number"}, {"type": "string"}]}`), prop(`{"anyOf": [{"type": "string"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1", "SUM_TYPE_NARROWED #/properties/prop1"}, false},
	{"allOf to anyOf", prop(`{"allOf": [{"type": "string"}]}`), prop(`{"anyOf": [{"type": "string"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1"}, true},
	{"allOf to a wider anyOf", prop(`{"allOf": [{"type": "string"}]}`), prop(`{"anyOf": [{"type": "number"}, {"type": "string"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1", "SUM_TYPE_EXTENDED #/properties/prop1"}, true},
	// Narrowing an allOf into an anyOf or oneOf of fewer subschemas: the
	// reader keeps one of the writer's constraints (issue 13).
	{"allOf to a narrower anyOf", prop(`{"allOf": [{"type": "number"}, {"type": "string"}]}`), prop(`{"anyOf": [{"type": "string"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1", "PRODUCT_TYPE_NARROWED #/properties/prop1"}, true},
	{"allOf to a narrower oneOf", prop(`{"allOf": [{"type": "number"}, {"type": "string"}]}`), prop(`{"oneOf": [{"type": "string"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1", "PRODUCT_TYPE_NARROWED #/properties/prop1"}, true},
	{"allOf to a narrower oneOf keeping none", prop(`{"allOf": [{"type": "number"}, {"type": "string"}]}`), prop(`{"oneOf": [{"type": "boolean"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1", "PRODUCT_TYPE_NARROWED #/properties/prop1", "COMBINED_TYPE_SUBSCHEMAS_CHANGED #/properties/prop1"}, false},
	{"allOf to a wider oneOf", prop(`{"allOf": [{"type": "number"}]}`), prop(`{"oneOf": [{"type": "number"}, {"type": "string"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1", "SUM_TYPE_EXTENDED #/properties/prop1"}, true},
	{"allOf of two to oneOf of two", prop(`{"allOf": [{"type": "number"}, {"minimum": 1}]}`), prop(`{"oneOf": [{"type": "number"}, {"minimum": 1}]}`),
		[]string{"COMBINED_TYPE_CHANGED #/properties/prop1"}, false},
	{"anyOf to a wider oneOf", prop(`{"anyOf": [{"type": "string"}]}`), prop(`{"oneOf": [{"type": "number"}, {"type": "string"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1", "SUM_TYPE_EXTENDED #/properties/prop1"}, true},
	{"anyOf to a narrower oneOf", prop(`{"anyOf": [{"type": "number"}, {"type": "string"}]}`), prop(`{"oneOf": [{"type": "string"}]}`),
		[]string{"COMBINED_TYPE_CHANGED #/properties/prop1"}, false},
	{"anyOf to oneOf of as many", prop(`{"anyOf": [{"type": "number"}, {"type": "string"}]}`), prop(`{"oneOf": [{"type": "number"}, {"type": "string"}]}`),
		[]string{"COMBINED_TYPE_CHANGED #/properties/prop1"}, false},
	{"anyOf to allOf", prop(`{"anyOf": [{"type": "string"}]}`), prop(`{"allOf": [{"type": "string"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1"}, true},
	{"oneOf to allOf", prop(`{"oneOf": [{"type": "string"}]}`), prop(`{"allOf": [{"type": "string"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1"}, true},
	{"single oneOf to another single allOf", prop(`{"oneOf": [{"type": "string"}]}`), prop(`{"allOf": [{"type": "number"}]}`),
		[]string{"COMBINED_TYPE_EXTENDED #/properties/prop1", "COMBINED_TYPE_SUBSCHEMAS_CHANGED #/properties/prop1"}, false},
	{"anyOf to a wider allOf", prop(`{"anyOf": [{"type": "string"}]}`), prop(`{"allOf": [{"type": "number"}, {"type": "string"}]}`),
		[]string{"COMBINED_TYPE_CHANGED #/properties/prop1"}, false},
	{"oneOf to a wider allOf", prop(`{"oneOf": [{"type": "string"}]}`), prop(`{"allOf": [{"type": "number"}, {"type": "string"}]}`),
		[]string{"COMBINED_TYPE_CHANGED #/properties/prop1"}, false},

	// A schema becoming combined, or a combined one plain (compareTypes).
	{"plain to anyOf", prop(`{"type": "string"}`), prop(`{"anyOf": [{"type": "number"}, {"type": "string"}]}`),
		[]string{"SUM_TYPE_EXTENDED #/properties/prop1"}, true},
	{"plain to oneOf", prop(`{"type": "string"}`), prop(`{"oneOf": [{"type": "number"}, {"type": "string"}]}`),
		[]string{"SUM_TYPE_EXTENDED #/properties/prop1"}, true},
	{"plain to oneOf without it", prop(`{"type": "string"}`), prop(`{"oneOf": [{"type": "number"}, {"type": "boolean"}]}`),
		[]string{"TYPE_CHANGED #/properties/prop1"}, false},
	{"plain to a single allOf", prop(`{"type": "string"}`), prop(`{"allOf": [{"type": "string"}]}`), nil, true},
	{"plain to allOf", prop(`{"type": "string"}`), prop(`{"allOf": [{"type": "number"}, {"type": "string"}]}`),
		[]string{"TYPE_CHANGED #/properties/prop1"}, false},
	{"allOf to one of its members", prop(`{"allOf": [{"type": "string"}, {"maxLength": 5}]}`), prop(`{"type": "string"}`),
		[]string{"PRODUCT_TYPE_NARROWED #/properties/prop1"}, true},
	{"single anyOf to its member", prop(`{"anyOf": [{"type": "string"}]}`), prop(`{"type": "string"}`), nil, true},
	{"anyOf to one of its members", prop(`{"anyOf": [{"type": "number"}, {"type": "string"}]}`), prop(`{"type": "string"}`),
		[]string{"TYPE_CHANGED #/properties/prop1"}, false},
}

func prop(schema string) string {
	return `{"type": "object", "properties": {"prop1": ` + schema + `}}`
}

func TestDiffCombined(t *testing.T) {
	for _, c := range combinedCases {
		t.Run(c.name, func(t *testing.T) {
			changes := Diff(mustParse(t, c.original), mustParse(t, c.update))
			got := changeStrings(changes)
			want := c.want
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("changes\n got  %v\n want %v", got, want)
			}
			if Compatible(changes) != c.compatible {
				t.Errorf("Compatible = %v, want %v", !c.compatible, c.compatible)
			}
		})
	}
}
