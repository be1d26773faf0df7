package jsonschema

import (
	"slices"
	"strings"
	"testing"

	"github.com/accord/accord/compat"
)

const (
	s4    = `"$schema": "http://json-schema.org/draft-04/schema#", `
	s2019 = `"$schema": "https://json-schema.org/draft/2019-09/schema", `
	s2020 = `"$schema": "https://json-schema.org/draft/2020-12/schema", `
)

type diffCase struct {
	name             string
	original, update string
	want             []string // "TYPE location", in order
	compatible       bool
}

// diffCases has at least one row per change type Diff reports (see
// TestDiffCoversEveryChangeType), grouped as Confluent groups them.
var diffCases = []diffCase{
	// Annotations and types.
	{"id", `{"$id": "a"}`, `{"$id": "b"}`, []string{"ID_CHANGED #/"}, true},
	{"draft 4 id", `{` + s4 + `"id": "a"}`, `{` + s4 + `"id": "b"}`, []string{"ID_CHANGED #/"}, true},
	{"title", `{"title": "a"}`, `{"title": "b"}`, []string{"TITLE_CHANGED #/"}, true},
	{"description", `{"type": "string", "description": "a"}`, `{"type": "string"}`, []string{"DESCRIPTION_CHANGED #/"}, true},
	{"default", `{"type": "string", "default": "a"}`, `{"type": "string", "default": "b"}`, []string{"DEFAULT_CHANGED #/"}, true},
	{"default equal by value", `{"type": "number", "default": 1}`, `{"type": "number", "default": 1.0}`, nil, true},
	{"object default unchanged", `{"type": "object", "default": {"a": [1, 2]}}`, `{"default": {"a": [1, 2]}, "type": "object"}`, nil, true},
	{"schema added", `{"type": "array"}`, `{"type": "array", "items": {"type": "string"}}`, []string{"SCHEMA_ADDED #/items"}, false},
	{"schema removed", `{"type": "array", "items": {"type": "string"}}`, `{"type": "array"}`, []string{"SCHEMA_REMOVED #/items"}, true},
	{"type extended", `{"type": "integer"}`, `{"type": "number"}`, []string{"TYPE_EXTENDED #/"}, true},
	{"type narrowed", `{"type": "number"}`, `{"type": "integer"}`, []string{"TYPE_NARROWED #/"}, false},
	{"type changed", `{"type": "string"}`, `{"type": "boolean"}`, []string{"TYPE_CHANGED #/"}, false},
	{"anything may become {}", `{"type": "string", "maxLength": 3}`, `{}`, nil, true},
	{"anything may become true", `{"type": "string"}`, `true`, nil, true},
	{"false may become anything", `false`, `{"type": "string"}`, nil, true},
	{"true to false", `true`, `false`, []string{"TYPE_CHANGED #/"}, false},
	{"keywords imply the type", `{"maxLength": 3}`, `{"type": "string", "maxLength": 3}`, nil, true},
	{"formatting and key order do not matter", `{"type":"object","properties":{"a":{"type":"string"}}}`,
		"{\n  \"properties\": {\"a\": {\"type\": \"string\"}},\n  \"type\": \"object\"\n}", nil, true},

	// Strings.
	{"maxLength added", `{"type": "string"}`, `{"type": "string", "maxLength": 3}`, []string{"MAX_LENGTH_ADDED #/maxLength"}, false},
	{"maxLength removed", `{"type": "string", "maxLength": 3}`, `{"type": "string"}`, []string{"MAX_LENGTH_REMOVED #/maxLength"}, true},
	{"maxLength increased", `{"type": "string", "maxLength": 3}`, `{"type": "string", "maxLength": 4}`, []string{"MAX_LENGTH_INCREASED #/maxLength"}, true},
	{"maxLength decreased", `{"type": "string", "maxLength": 3}`, `{"type": "string", "maxLength": 2}`, []string{"MAX_LENGTH_DECREASED #/maxLength"}, false},
	{"maxLength same value", `{"type": "string", "maxLength": 3}`, `{"type": "string", "maxLength": 3.0}`, nil, true},
	{"minLength added", `{"type": "string"}`, `{"type": "string", "minLength": 3}`, []string{"MIN_LENGTH_ADDED #/minLength"}, false},
	{"minLength removed", `{"type": "string", "minLength": 3}`, `{"type": "string"}`, []string{"MIN_LENGTH_REMOVED #/minLength"}, true},
	{"minLength increased", `{"type": "string", "minLength": 3}`, `{"type": "string", "minLength": 4}`, []string{"MIN_LENGTH_INCREASED #/minLength"}, false},
	{"minLength decreased", `{"type": "string", "minLength": 3}`, `{"type": "string", "minLength": 2}`, []string{"MIN_LENGTH_DECREASED #/minLength"}, true},
	{"pattern added", `{"type": "string"}`, `{"type": "string", "pattern": "^a"}`, []string{"PATTERN_ADDED #/pattern"}, false},
	{"pattern removed", `{"type": "string", "pattern": "^a"}`, `{"type": "string"}`, []string{"PATTERN_REMOVED #/pattern"}, true},
	{"pattern changed", `{"type": "string", "pattern": "^a"}`, `{"type": "string", "pattern": "^b"}`, []string{"PATTERN_CHANGED #/pattern"}, false},

	// Numbers.
	{"maximum added", `{"type": "number"}`, `{"type": "number", "maximum": 5}`, []string{"MAXIMUM_ADDED #/maximum"}, false},
	{"maximum removed", `{"type": "number", "maximum": 5}`, `{"type": "number"}`, []string{"MAXIMUM_REMOVED #/maximum"}, true},
	{"maximum increased", `{"type": "number", "maximum": 5}`, `{"type": "number", "maximum": 5.5}`, []string{"MAXIMUM_INCREASED #/maximum"}, true},
	{"maximum decreased", `{"type": "number", "maximum": 5}`, `{"type": "number", "maximum": 4.99}`, []string{"MAXIMUM_DECREASED #/maximum"}, false},
	{"minimum added", `{"type": "number"}`, `{"type": "number", "minimum": 5}`, []string{"MINIMUM_ADDED #/minimum"}, false},
	{"minimum removed", `{"type": "number", "minimum": 5}`, `{"type": "number"}`, []string{"MINIMUM_REMOVED #/minimum"}, true},
	{"minimum increased", `{"type": "number", "minimum": 5}`, `{"type": "number", "minimum": 6}`, []string{"MINIMUM_INCREASED #/minimum"}, false},
	{"minimum decreased", `{"type": "number", "minimum": 5}`, `{"type": "number", "minimum": -1e3}`, []string{"MINIMUM_DECREASED #/minimum"}, true},
	{"exclusiveMaximum added", `{"type": "number"}`, `{"type": "number", "exclusiveMaximum": 5}`, []string{"EXCLUSIVE_MAXIMUM_ADDED #/exclusiveMaximum"}, false},
	{"exclusiveMaximum removed", `{"type": "number", "exclusiveMaximum": 5}`, `{"type": "number"}`, []string{"EXCLUSIVE_MAXIMUM_REMOVED #/exclusiveMaximum"}, true},
	{"exclusiveMaximum increased", `{"type": "number", "exclusiveMaximum": 5}`, `{"type": "number", "exclusiveMaximum": 6}`, []string{"EXCLUSIVE_MAXIMUM_INCREASED #/exclusiveMaximum"}, true},
	{"exclusiveMaximum decreased", `{"type": "number", "exclusiveMaximum": 5}`, `{"type": "number", "exclusiveMaximum": 4}`, []string{"EXCLUSIVE_MAXIMUM_DECREASED #/exclusiveMaximum"}, false},
	{"exclusiveMinimum added", `{"type": "number"}`, `{"type": "number", "exclusiveMinimum": 5}`, []string{"EXCLUSIVE_MINIMUM_ADDED #/exclusiveMinimum"}, false},
	{"exclusiveMinimum removed", `{"type": "number", "exclusiveMinimum": 5}`, `{"type": "number"}`, []string{"EXCLUSIVE_MINIMUM_REMOVED #/exclusiveMinimum"}, true},
	{"exclusiveMinimum increased", `{"type": "number", "exclusiveMinimum": 5}`, `{"type": "number", "exclusiveMinimum": 6}`, []string{"EXCLUSIVE_MINIMUM_INCREASED #/exclusiveMinimum"}, false},
	{"exclusiveMinimum decreased", `{"type": "number", "exclusiveMinimum": 5}`, `{"type": "number", "exclusiveMinimum": 4}`, []string{"EXCLUSIVE_MINIMUM_DECREASED #/exclusiveMinimum"}, true},
	{"draft 4 boolean exclusiveMaximum", `{` + s4 + `"type": "number", "maximum": 5}`, `{` + s4 + `"type": "number", "maximum": 5, "exclusiveMaximum": true}`,
		[]string{"MAXIMUM_REMOVED #/maximum", "EXCLUSIVE_MAXIMUM_ADDED #/exclusiveMaximum"}, false},
	{"multipleOf added", `{"type": "number"}`, `{"type": "number", "multipleOf": 2}`, []string{"MULTIPLE_OF_ADDED #/multipleOf"}, false},
	{"multipleOf removed", `{"type": "number", "multipleOf": 2}`, `{"type": "number"}`, []string{"MULTIPLE_OF_REMOVED #/multipleOf"}, true},
	{"multipleOf expanded", `{"type": "number", "multipleOf": 2}`, `{"type": "number", "multipleOf": 6}`, []string{"MULTIPLE_OF_EXPANDED #/multipleOf"}, false},
	{"multipleOf reduced", `{"type": "number", "multipleOf": 6}`, `{"type": "number", "multipleOf": 2}`, []string{"MULTIPLE_OF_REDUCED #/multipleOf"}, true},
	{"multipleOf reduced to a fraction", `{"type": "number", "multipleOf": 0.5}`, `{"type": "number", "multipleOf": 0.25}`, []string{"MULTIPLE_OF_REDUCED #/multipleOf"}, true},
	{"multipleOf changed", `{"type": "number", "multipleOf": 4}`, `{"type": "number", "multipleOf": 6}`, []string{"MULTIPLE_OF_CHANGED #/multipleOf"}, false},

	// Objects: required, sizes, additional properties, dependencies.
	{"required added", `{"properties": {"a": {"type": "string"}}}`, `{"properties": {"a": {"type": "string"}}, "required": ["a"]}`,
		[]string{"REQUIRED_ATTRIBUTE_ADDED #/required/a"}, false},
	{"required with default added", `{"properties": {"a": {"type": "string"}}}`, `{"properties": {"a": {"type": "string", "default": "x"}}, "required": ["a"]}`,
		[]string{"REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED #/required/a", "DEFAULT_CHANGED #/properties/a"}, true},
	{"required removed", `{"properties": {"a": {}}, "required": ["a"]}`, `{"properties": {"a": {}}}`, []string{"REQUIRED_ATTRIBUTE_REMOVED #/required/a"}, true},
	{"required order does not matter", `{"properties": {"a": {}, "b": {}}, "required": ["a", "b"]}`, `{"properties": {"a": {}, "b": {}}, "required": ["b", "a"]}`, nil, true},
	{"maxProperties added", `{"type": "object"}`, `{"type": "object", "maxProperties": 3}`, []string{"MAX_PROPERTIES_ADDED #/maxProperties"}, false},
	{"maxProperties removed", `{"maxProperties": 3}`, `{"type": "object"}`, []string{"MAX_PROPERTIES_REMOVED #/maxProperties"}, true},
	{"maxProperties increased", `{"maxProperties": 3}`, `{"maxProperties": 4}`, []string{"MAX_PROPERTIES_INCREASED #/maxProperties"}, true},
	{"maxProperties decreased", `{"maxProperties": 3}`, `{"maxProperties": 2}`, []string{"MAX_PROPERTIES_DECREASED #/maxProperties"}, false},
	{"minProperties added", `{"type": "object"}`, `{"type": "object", "minProperties": 1}`, []string{"MIN_PROPERTIES_ADDED #/minProperties"}, false},
	{"minProperties removed", `{"minProperties": 1}`, `{"type": "object"}`, []string{"MIN_PROPERTIES_REMOVED #/minProperties"}, true},
	{"minProperties increased", `{"minProperties": 1}`, `{"minProperties": 2}`, []string{"MIN_PROPERTIES_INCREASED #/minProperties"}, false},
	{"minProperties decreased", `{"minProperties": 2}`, `{"minProperties": 1}`, []string{"MIN_PROPERTIES_DECREASED #/minProperties"}, true},
	{"additionalProperties added", `{"additionalProperties": false}`, `{"additionalProperties": true}`, []string{"ADDITIONAL_PROPERTIES_ADDED #/additionalProperties"}, true},
	{"additionalProperties removed", `{"type": "object"}`, `{"additionalProperties": false}`, []string{"ADDITIONAL_PROPERTIES_REMOVED #/additionalProperties"}, false},
	{"additionalProperties extended", `{"additionalProperties": {"type": "string"}}`, `{"additionalProperties": true}`, []string{"ADDITIONAL_PROPERTIES_EXTENDED #/additionalProperties"}, true},
	{"additionalProperties narrowed", `{"type": "object"}`, `{"additionalProperties": {"type": "string"}}`, []string{"ADDITIONAL_PROPERTIES_NARROWED #/additionalProperties"}, false},
	{"additionalProperties {} is true", `{"additionalProperties": true}`, `{"additionalProperties": {}}`, nil, true},
	{"additionalProperties schema changed", `{"additionalProperties": {"type": "string", "maxLength": 3}}`, `{"additionalProperties": {"type": "string"}}`,
		[]string{"MAX_LENGTH_REMOVED #/additionalProperties/maxLength"}, true},
	{"dependency array added", `{"dependencies": {}}`, `{"dependencies": {"a": ["b"]}}`, []string{"DEPENDENCY_ARRAY_ADDED #/dependencies/a"}, false},
	{"dependency array removed", `{"dependencies": {"a": ["b"]}}`, `{"dependencies": {}}`, []string{"DEPENDENCY_ARRAY_REMOVED #/dependencies/a"}, true},
	{"dependency array extended", `{"dependencies": {"a": ["b"]}}`, `{"dependencies": {"a": ["b", "c"]}}`, []string{"DEPENDENCY_ARRAY_EXTENDED #/dependencies/a"}, false},
	{"dependency array narrowed", `{"dependencies": {"a": ["b", "c"]}}`, `{"dependencies": {"a": ["c"]}}`, []string{"DEPENDENCY_ARRAY_NARROWED #/dependencies/a"}, true},
	{"dependency array changed", `{"dependencies": {"a": ["b"]}}`, `{"dependencies": {"a": ["c"]}}`, []string{"DEPENDENCY_ARRAY_CHANGED #/dependencies/a"}, false},
	{"dependentRequired (2019-09)", `{` + s2019 + `"dependentRequired": {"a": ["b"]}}`, `{` + s2019 + `"dependentRequired": {"a": ["b", "c"]}}`,
		[]string{"DEPENDENCY_ARRAY_EXTENDED #/dependentRequired/a"}, false},
	{"dependency schema added", `{"dependencies": {}}`, `{"dependencies": {"a": {"required": ["b"]}}}`, []string{"DEPENDENCY_SCHEMA_ADDED #/dependencies/a"}, false},
	{"dependency schema removed", `{"dependencies": {"a": {"required": ["b"]}}}`, `{"dependencies": {}}`, []string{"DEPENDENCY_SCHEMA_REMOVED #/dependencies/a"}, true},
	{"dependentSchemas (2019-09)", `{` + s2019 + `"dependentSchemas": {"a": {"maxProperties": 3}}}`, `{` + s2019 + `"dependentSchemas": {"a": {"maxProperties": 2}}}`,
		[]string{"MAX_PROPERTIES_DECREASED #/dependentSchemas/a/maxProperties"}, false},

	// Objects: content models.
	{"optional property added to open model", `{"properties": {}}`, `{"properties": {"a": {"type": "string"}}}`,
		[]string{"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/a"}, false},
	{"required property added to open model", `{"properties": {}}`, `{"properties": {"a": {"type": "string"}}, "required": ["a"]}`,
		[]string{"REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/a"}, false},
	{"required property with default added to open model", `{"properties": {}}`, `{"properties": {"a": {"type": "string", "default": ""}}, "required": ["a"]}`,
		[]string{"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL #/properties/a"}, false},
	{"empty property added to open model", `{"properties": {}}`, `{"properties": {"a": {"description": "anything"}}}`,
		[]string{"PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL #/properties/a"}, true},
	{"optional property added to closed model", `{"additionalProperties": false}`, `{"additionalProperties": false, "properties": {"a": {}}}`,
		[]string{"OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/a"}, true},
	{"required property added to closed model", `{"additionalProperties": false}`, `{"additionalProperties": false, "properties": {"a": {}}, "required": ["a"]}`,
		[]string{"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/a"}, false},
	{"required property with default added to closed model", `{"additionalProperties": false}`,
		`{"additionalProperties": false, "properties": {"a": {"default": 1}}, "required": ["a"]}`,
		[]string{"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/a"}, true},
	{"property removed from open model", `{"properties": {"a": {"type": "string"}}}`, `{"properties": {}}`,
		[]string{"PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL #/properties/a"}, true},
	{"false property removed from closed model", `{"additionalProperties": false, "properties": {"a": false}}`, `{"additionalProperties": false}`,
		[]string{"PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/a"}, true},
	{"property removed from closed model", `{"additionalProperties": false, "properties": {"a": {}}}`, `{"additionalProperties": false}`,
		[]string{"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/a"}, false},
	{"property removed, covered by additionalProperties", `{"additionalProperties": {"type": "number"}, "properties": {"a": {"type": "integer"}}}`,
		`{"additionalProperties": {"type": "number"}}`,
		[]string{"TYPE_EXTENDED #/properties/a", "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/a"}, true},
	{"property removed, not covered by patternProperties", `{"additionalProperties": false, "properties": {"x_a": {"type": "string"}}}`,
		`{"additionalProperties": false, "patternProperties": {"^x_": {"type": "number"}}}`,
		[]string{"TYPE_CHANGED #/properties/x_a", "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/x_a"}, false},
	{"property added, covered by patternProperties", `{"additionalProperties": false, "patternProperties": {"^x_": {"type": "string"}}}`,
		`{"additionalProperties": false, "patternProperties": {"^x_": {"type": "string"}}, "properties": {"x_a": {"type": "string"}}}`,
		[]string{"PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/x_a", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/x_a"}, true},
	{"property added, not covered by additionalProperties", `{"additionalProperties": {"type": "string"}}`,
		`{"additionalProperties": {"type": "string"}, "properties": {"a": {"type": "string", "maxLength": 2}}}`,
		[]string{"MAX_LENGTH_ADDED #/properties/a/maxLength", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/a", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/a"}, false},
	// Where Accord departs from Confluent: names no pattern matches fall to
	// additionalProperties, which is absent here, so they are free.
	{"property added outside patternProperties of an open model", `{"patternProperties": {"^x_": {"type": "string"}}}`,
		`{"patternProperties": {"^x_": {"type": "string"}}, "properties": {"a": {"type": "string"}}}`,
		[]string{"TYPE_CHANGED #/properties/a", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/a", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/a"}, false},
	{"property removed outside patternProperties of an open model", `{"patternProperties": {"^x_": {"type": "string"}}, "properties": {"a": {"type": "string"}}}`,
		`{"patternProperties": {"^x_": {"type": "string"}}}`,
		[]string{"PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/a"}, true},
	{"property names are escaped", `{"properties": {"a/b~c": {"type": "string"}}}`, `{"properties": {"a/b~c": {"type": "number"}}}`,
		[]string{"TYPE_CHANGED #/properties/a~1b~0c"}, false},
	{"unevaluatedProperties added", `{` + s2019 + `"unevaluatedProperties": false}`, `{` + s2019 + `"unevaluatedProperties": true}`,
		[]string{"UNEVALUATED_PROPERTIES_ADDED #/unevaluatedProperties"}, true},
	{"unevaluatedProperties removed", `{` + s2019 + `"type": "object"}`, `{` + s2019 + `"unevaluatedProperties": false}`,
		[]string{"UNEVALUATED_PROPERTIES_REMOVED #/unevaluatedProperties"}, false},
	{"unevaluatedProperties extended", `{` + s2019 + `"unevaluatedProperties": {"type": "string"}}`, `{` + s2019 + `"type": "object"}`,
		[]string{"UNEVALUATED_PROPERTIES_EXTENDED #/unevaluatedProperties"}, true},
	{"unevaluatedProperties narrowed", `{` + s2019 + `"type": "object"}`, `{` + s2019 + `"unevaluatedProperties": {"type": "string"}}`,
		[]string{"UNEVALUATED_PROPERTIES_NARROWED #/unevaluatedProperties"}, false},
	{"unevaluatedProperties false closes the model", `{` + s2019 + `"unevaluatedProperties": false}`,
		`{` + s2019 + `"unevaluatedProperties": false, "properties": {"a": {}}}`,
		[]string{"OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/a"}, true},

	// Arrays.
	{"maxItems added", `{"type": "array"}`, `{"type": "array", "maxItems": 3}`, []string{"MAX_ITEMS_ADDED #/maxItems"}, false},
	{"maxItems removed", `{"type": "array", "maxItems": 3}`, `{"type": "array"}`, []string{"MAX_ITEMS_REMOVED #/maxItems"}, true},
	{"maxItems increased", `{"type": "array", "maxItems": 3}`, `{"type": "array", "maxItems": 4}`, []string{"MAX_ITEMS_INCREASED #/maxItems"}, true},
	{"maxItems decreased", `{"type": "array", "maxItems": 3}`, `{"type": "array", "maxItems": 2}`, []string{"MAX_ITEMS_DECREASED #/maxItems"}, false},
	{"minItems added", `{"type": "array"}`, `{"type": "array", "minItems": 1}`, []string{"MIN_ITEMS_ADDED #/minItems"}, false},
	{"minItems removed", `{"type": "array", "minItems": 1}`, `{"type": "array"}`, []string{"MIN_ITEMS_REMOVED #/minItems"}, true},
	{"minItems increased", `{"type": "array", "minItems": 1}`, `{"type": "array", "minItems": 2}`, []string{"MIN_ITEMS_INCREASED #/minItems"}, false},
	{"minItems decreased", `{"type": "array", "minItems": 2}`, `{"type": "array", "minItems": 1}`, []string{"MIN_ITEMS_DECREASED #/minItems"}, true},
	{"uniqueItems added", `{"type": "array"}`, `{"type": "array", "uniqueItems": true}`, []string{"UNIQUE_ITEMS_ADDED #/uniqueItems"}, false},
	{"uniqueItems removed", `{"type": "array", "uniqueItems": true}`, `{"type": "array", "uniqueItems": false}`, []string{"UNIQUE_ITEMS_REMOVED #/uniqueItems"}, true},
	{"maxContains added", `{` + s2019 + `"type": "array", "contains": {}}`, `{` + s2019 + `"type": "array", "contains": {}, "maxContains": 2}`,
		[]string{"MAX_CONTAINS_ADDED #/maxContains"}, false},
	{"maxContains removed", `{` + s2019 + `"type": "array", "maxContains": 2}`, `{` + s2019 + `"type": "array"}`, []string{"MAX_CONTAINS_REMOVED #/maxContains"}, true},
	{"maxContains increased", `{` + s2019 + `"type": "array", "maxContains": 2}`, `{` + s2019 + `"type": "array", "maxContains": 3}`, []string{"MAX_CONTAINS_INCREASED #/maxContains"}, true},
	{"maxContains decreased", `{` + s2019 + `"type": "array", "maxContains": 2}`, `{` + s2019 + `"type": "array", "maxContains": 1}`, []string{"MAX_CONTAINS_DECREASED #/maxContains"}, false},
	{"minContains added", `{` + s2019 + `"type": "array"}`, `{` + s2019 + `"type": "array", "minContains": 2}`, []string{"MIN_CONTAINS_ADDED #/minContains"}, false},
	{"minContains removed", `{` + s2019 + `"type": "array", "minContains": 2}`, `{` + s2019 + `"type": "array"}`, []string{"MIN_CONTAINS_REMOVED #/minContains"}, true},
	{"minContains increased", `{` + s2019 + `"type": "array", "minContains": 2}`, `{` + s2019 + `"type": "array", "minContains": 3}`, []string{"MIN_CONTAINS_INCREASED #/minContains"}, false},
	{"minContains decreased", `{` + s2019 + `"type": "array", "minContains": 2}`, `{` + s2019 + `"type": "array", "minContains": 1}`, []string{"MIN_CONTAINS_DECREASED #/minContains"}, true},
	{"additionalItems added", `{"additionalItems": false}`, `{"additionalItems": true}`, []string{"ADDITIONAL_ITEMS_ADDED #/additionalItems"}, true},
	{"additionalItems removed", `{"additionalItems": true}`, `{"additionalItems": false}`, []string{"ADDITIONAL_ITEMS_REMOVED #/additionalItems"}, false},
	{"additionalItems extended", `{"additionalItems": {"type": "string"}}`, `{"additionalItems": true}`, []string{"ADDITIONAL_ITEMS_EXTENDED #/additionalItems"}, true},
	{"additionalItems narrowed", `{"additionalItems": true}`, `{"additionalItems": {"type": "string"}}`, []string{"ADDITIONAL_ITEMS_NARROWED #/additionalItems"}, false},
	{"unevaluatedItems added", `{` + s2019 + `"unevaluatedItems": false}`, `{` + s2019 + `"unevaluatedItems": true}`, []string{"UNEVALUATED_ITEMS_ADDED #/unevaluatedItems"}, true},
	{"unevaluatedItems removed", `{` + s2019 + `"type": "array"}`, `{` + s2019 + `"unevaluatedItems": false}`, []string{"UNEVALUATED_ITEMS_REMOVED #/unevaluatedItems"}, false},
	{"unevaluatedItems extended", `{` + s2019 + `"unevaluatedItems": {"type": "string"}}`, `{` + s2019 + `"type": "array"}`, []string{"UNEVALUATED_ITEMS_EXTENDED #/unevaluatedItems"}, true},
	{"unevaluatedItems narrowed", `{` + s2019 + `"type": "array"}`, `{` + s2019 + `"unevaluatedItems": {"type": "string"}}`, []string{"UNEVALUATED_ITEMS_NARROWED #/unevaluatedItems"}, false},
	{"tuple item added to open model", `{"items": [{"type": "string"}]}`, `{"items": [{"type": "string"}, {"type": "number"}]}`,
		[]string{"ITEM_ADDED_TO_OPEN_CONTENT_MODEL #/items/1"}, false},
	{"empty tuple item added to open model", `{"items": [{"type": "string"}]}`, `{"items": [{"type": "string"}, {}]}`,
		[]string{"ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL #/items/1"}, true},
	{"tuple item added to closed model", `{"items": [{"type": "string"}], "additionalItems": false}`, `{"items": [{"type": "string"}, {}], "additionalItems": false}`,
		[]string{"ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/1"}, true},
	{"tuple item removed from open model", `{"items": [{"type": "string"}, {}]}`, `{"items": [{"type": "string"}]}`,
		[]string{"ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL #/items/1"}, true},
	{"false tuple item removed from closed model", `{"items": [{}, false], "additionalItems": false}`, `{"items": [{}], "additionalItems": false}`,
		[]string{"ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL #/items/1"}, true},
	{"tuple item removed from closed model", `{"items": [{}, {}], "additionalItems": false}`, `{"items": [{}], "additionalItems": false}`,
		[]string{"ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL #/items/1"}, false},
	{"tuple item removed, covered", `{"items": [{}, {"type": "string"}], "additionalItems": {"type": "string"}}`,
		`{"items": [{}], "additionalItems": {"type": "string"}}`, []string{"ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/1"}, true},
	{"tuple item removed, not covered", `{"items": [{}, {"type": "number"}], "additionalItems": {"type": "string"}}`,
		`{"items": [{}], "additionalItems": {"type": "string"}}`,
		[]string{"TYPE_CHANGED #/items/1", "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/1"}, false},
	{"tuple item added, covered", `{"items": [{}], "additionalItems": {"type": "number"}}`,
		`{"items": [{}, {"type": "number"}], "additionalItems": {"type": "number"}}`, []string{"ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/1"}, true},
	{"tuple item added, not covered", `{"items": [{}], "additionalItems": {"type": "number"}}`,
		`{"items": [{}, {"type": "integer"}], "additionalItems": {"type": "number"}}`,
		[]string{"TYPE_NARROWED #/items/1", "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/1"}, false},
	{"prefixItems (2020-12)", `{` + s2020 + `"prefixItems": [{"type": "string"}], "items": false}`,
		`{` + s2020 + `"prefixItems": [{"type": "string"}, {"type": "number"}], "items": true}`,
		[]string{"ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/prefixItems/1", "ADDITIONAL_ITEMS_ADDED #/items"}, true},
	{"items (2020-12) without prefixItems", `{` + s2020 + `"items": {"type": "string"}}`, `{` + s2020 + `"items": {"type": "number"}}`,
		[]string{"TYPE_CHANGED #/items"}, false},

	// Enums and const.
	{"enum extended", `{"enum": ["a"]}`, `{"enum": ["a", "b"]}`, []string{"ENUM_ARRAY_EXTENDED #/enum"}, true},
	{"enum narrowed", `{"enum": ["a", "b"]}`, `{"enum": ["b"]}`, []string{"ENUM_ARRAY_NARROWED #/enum"}, false},
	{"enum changed", `{"enum": ["a", "b"]}`, `{"enum": ["b", "c"]}`, []string{"ENUM_ARRAY_CHANGED #/enum"}, false},
	{"enum reordered", `{"enum": [1, "b", null]}`, `{"enum": [null, "b", 1.0]}`, nil, true},
	{"const changed", `{"const": {"a": 1}}`, `{"const": {"a": 2}}`, []string{"ENUM_ARRAY_CHANGED #/const"}, false},
	{"const ignored in draft 4", `{` + s4 + `"const": 1}`, `{` + s4 + `"const": 2}`, nil, true},
	{"enum added to a type", `{"type": "string"}`, `{"type": "string", "enum": ["a"]}`, []string{"TYPE_CHANGED #/"}, false},
	{"enum removed from a type", `{"type": "string", "enum": ["a"]}`, `{"type": "string"}`, []string{"PRODUCT_TYPE_NARROWED #/"}, true},
	{"change inside an implied allOf keeps its location", `{"type": "string", "enum": ["a", "b"], "maxLength": 3}`,
		`{"type": "string", "enum": ["a", "b"], "maxLength": 4}`, []string{"MAX_LENGTH_INCREASED #/maxLength"}, true},
	// As in Confluent, an allOf member with no compatible counterpart is
	// reported as such, not by what makes it incompatible.
	{"incompatible change inside an implied allOf", `{"type": "string", "enum": ["a", "b"], "maxLength": 3}`,
		`{"type": "string", "enum": ["a", "b"], "maxLength": 2}`, []string{"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"}, false},

	// Combined schemas.
	{"combined type extended", `{"oneOf": [{"type": "string"}, {"type": "number"}]}`, `{"anyOf": [{"type": "string"}, {"type": "number"}]}`,
		[]string{"COMBINED_TYPE_EXTENDED #/"}, true},
	{"combined type changed", `{"anyOf": [{"type": "string"}, {"type": "number"}]}`, `{"oneOf": [{"type": "string"}, {"type": "number"}]}`,
		[]string{"COMBINED_TYPE_CHANGED #/"}, false},
	{"product type extended", `{"allOf": [{"type": "string"}]}`, `{"allOf": [{"type": "string"}, {"maxLength": 3}]}`,
		[]string{"PRODUCT_TYPE_EXTENDED #/"}, false},
	{"product type narrowed", `{"allOf": [{"type": "string"}, {"maxLength": 3}]}`, `{"allOf": [{"type": "string"}]}`,
		[]string{"PRODUCT_TYPE_NARROWED #/"}, true},
	{"sum type extended", `{"anyOf": [{"type": "string"}]}`, `{"anyOf": [{"type": "string"}, {"type": "null"}]}`,
		[]string{"SUM_TYPE_EXTENDED #/"}, true},
	{"sum type narrowed", `{"anyOf": [{"type": "string"}, {"type": "null"}]}`, `{"anyOf": [{"type": "null"}]}`,
		[]string{"SUM_TYPE_NARROWED #/"}, false},
	{"subschemas changed", `{"oneOf": [{"type": "string"}, {"type": "null"}]}`, `{"oneOf": [{"type": "number"}, {"type": "null"}]}`,
		[]string{"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"}, false},
	{"subschemas matched out of order", `{"oneOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]}`,
		`{"oneOf": [{"type": "null"}, {"type": "string"}]}`, []string{"MAX_LENGTH_REMOVED #/oneOf/0/maxLength"}, true},
	{"duplicate subschemas collapse", `{"anyOf": [{"type": "string"}, {"type": "string"}]}`, `{"anyOf": [{"type": "string"}]}`, nil, true},
	{"type becomes a union", `{"type": "string"}`, `{"oneOf": [{"type": "null"}, {"type": "string"}]}`, []string{"SUM_TYPE_EXTENDED #/"}, true},
	{"type list extended", `{"type": ["string"]}`, `{"type": ["string", "null"]}`, []string{"SUM_TYPE_EXTENDED #/"}, true},
	{"change inside a type list keeps its location", `{"type": ["string", "null"], "maxLength": 3}`, `{"type": ["string", "null"], "maxLength": 4}`,
		[]string{"MAX_LENGTH_INCREASED #/maxLength"}, true},
	{"not narrowed", `{"not": {"type": "number"}}`, `{"not": {"type": "integer"}}`, []string{"NOT_TYPE_NARROWED #/not"}, true},
	{"not extended", `{"not": {"type": "integer"}}`, `{"not": {"type": "number"}}`, []string{"NOT_TYPE_EXTENDED #/not"}, false},

	// References are followed on both sides.
	{"inline to $ref", `{"properties": {"a": {"type": "string"}}}`,
		`{"definitions": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/definitions/s"}}}`, nil, true},
	{"change behind $ref", `{"definitions": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/definitions/s"}}}`,
		`{"$defs": {"s": {"type": "string", "maxLength": 1}}, "properties": {"a": {"$ref": "#/$defs/s"}}}`,
		[]string{"MAX_LENGTH_ADDED #/properties/a/maxLength"}, false},
	{"$ref siblings ignored before 2019-09", `{"$ref": "#/definitions/s", "maxLength": 1, "definitions": {"s": {"type": "string"}}}`,
		`{"type": "string"}`, nil, true},
	{"$ref siblings apply from 2019-09", `{` + s2019 + `"$ref": "#/$defs/s", "maxLength": 1, "$defs": {"s": {"type": "string"}}}`,
		`{` + s2019 + `"$ref": "#/$defs/s", "maxLength": 2, "$defs": {"s": {"type": "string"}}}`,
		[]string{"MAX_LENGTH_INCREASED #/maxLength"}, true},
	{"recursive schema, change below the recursion", `{"properties": {"next": {"$ref": "#"}, "v": {"type": "integer"}}}`,
		`{"properties": {"next": {"$ref": "#"}, "v": {"type": "number"}}}`, []string{"TYPE_EXTENDED #/properties/v"}, true},
	{"mutually recursive schemas", `{"definitions": {"a": {"properties": {"b": {"$ref": "#/definitions/b"}}}, "b": {"properties": {"a": {"$ref": "#/definitions/a"}, "n": {"type": "string"}}}}, "$ref": "#/definitions/a"}`,
		`{"definitions": {"a": {"properties": {"b": {"$ref": "#/definitions/b"}}}, "b": {"properties": {"a": {"$ref": "#/definitions/a"}, "n": {"type": "number"}}}}, "$ref": "#/definitions/a"}`,
		[]string{"TYPE_CHANGED #/properties/b/properties/n"}, false},
	{"anchor reference (2019-09)", `{` + s2019 + `"$defs": {"s": {"$anchor": "str", "type": "string"}}, "items": {"$ref": "#str"}}`,
		`{` + s2019 + `"items": {"type": "string", "minLength": 1}}`, []string{"MIN_LENGTH_ADDED #/items/minLength"}, false},
}

func mustParse(t testing.TB, text string, deps ...compat.Dependency) *Schema {
	t.Helper()
	s, err := Parse(text, deps)
	if err != nil {
		t.Fatalf("Parse(%s): %v", text, err)
	}
	return s
}

func changeStrings(changes []Change) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = c.String()
	}
	return out
}

func TestDiff(t *testing.T) {
	for _, c := range diffCases {
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

// TestDiffCoversEveryChangeType keeps the table honest: every change type
// Diff can report has a row (the metadata types are in TestReserved).
func TestDiffCoversEveryChangeType(t *testing.T) {
	seen := map[ChangeType]bool{
		PropertyAddedToOpenContentModel:       true, // 7.x name, never reported
		ReservedPropertyRemoved:               true,
		ReservedPropertyConflictsWithProperty: true,
	}
	for _, c := range diffCases {
		for _, w := range c.want {
			seen[ChangeType(strings.Fields(w)[0])] = true
		}
	}
	for _, ct := range ChangeTypes() {
		if !seen[ct] {
			t.Errorf("no diff case reports %s", ct)
		}
	}
}

func TestDiffAgainstItself(t *testing.T) {
	for _, c := range diffCases {
		s := mustParse(t, c.update)
		if got := Diff(s, s); len(got) != 0 {
			t.Errorf("%s: Diff(s, s) = %v", c.name, got)
		}
		again := mustParse(t, c.update)
		if got := Diff(s, again); len(got) != 0 {
			t.Errorf("%s: Diff with a second parse = %v", c.name, got)
		}
	}
}

func TestDiffThroughReferences(t *testing.T) {
	address := func(street string) compat.Dependency {
		return compat.Dependency{Name: "address.json", Type: compat.TypeJSON,
			Schema: `{"type": "object", "properties": {"street": ` + street + `}}`}
	}
	root := `{"properties": {"home": {"$ref": "address.json"}}}`
	v1 := mustParse(t, root, address(`{"type": "string"}`))
	v2 := mustParse(t, root, address(`{"type": "string", "maxLength": 10}`))
	got := changeStrings(Diff(v1, v2))
	want := []string{"MAX_LENGTH_ADDED #/properties/home/properties/street/maxLength"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// The same shape inline compares equal to the referenced one.
	inline := mustParse(t, `{"properties": {"home": {"type": "object", "properties": {"street": {"type": "string"}}}}}`)
	if got := Diff(v1, inline); len(got) != 0 {
		t.Errorf("inline vs referenced: %v", got)
	}
}

func TestCompatibleWith(t *testing.T) {
	writer := mustParse(t, `{"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "number"}}, "additionalProperties": false}`)
	reader := mustParse(t, `{"type": "object", "properties": {"a": {"type": "string", "maxLength": 5}, "c": {"type": "string"}}, "additionalProperties": false}`)
	got := reader.CompatibleWith(writer)
	var ids []string
	for _, d := range got {
		ids = append(ids, d.ID+" "+d.Location)
		if d.Message == "" || d.Message == d.ID {
			t.Errorf("%s has no message", d.ID)
		}
	}
	// Every incompatible change of Diff(writer, reader), and nothing else.
	want := []string{"MAX_LENGTH_ADDED #/properties/a/maxLength", "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/b"}
	if !slices.Equal(ids, want) {
		t.Errorf("CompatibleWith = %v, want %v", ids, want)
	}
	if d := got[0].String(); !strings.Contains(d, "#/properties/a/maxLength") || !strings.Contains(d, "MAX_LENGTH_ADDED") {
		t.Errorf("String() = %q", d)
	}
	if got := writer.CompatibleWith(writer); len(got) != 0 {
		t.Errorf("a schema is incompatible with itself: %v", got)
	}
}

type otherSchema struct{ compat.Schema }

func (otherSchema) Type() string { return compat.TypeAvro }

func TestCompatibleWithOtherFormat(t *testing.T) {
	s := mustParse(t, `{}`)
	got := s.CompatibleWith(otherSchema{})
	if len(got) != 1 || got[0].ID != string(TypeChanged) || !strings.Contains(got[0].Message, "AVRO") {
		t.Errorf("got %v", got)
	}
}

func TestCheckLevels(t *testing.T) {
	v1 := mustParse(t, `{"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}`)
	v2 := mustParse(t, `{"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "number"}}, "additionalProperties": false}`)
	prev := []compat.Previous{{Version: 1, Schema: v1}}
	// Adding an optional property to a closed model: readers of v2 read v1
	// data, but readers of v1 reject v2's b.
	if vs := compat.Check(compat.BackwardLevel, v2, prev); len(vs) != 0 {
		t.Errorf("BACKWARD: %v", compat.Messages(vs))
	}
	vs := compat.Check(compat.ForwardLevel, v2, prev)
	if len(vs) != 1 || vs[0].ID != string(PropertyRemovedFromClosedContentModel) || vs[0].Direction != "FORWARD" || vs[0].Version != 1 {
		t.Errorf("FORWARD: %v", compat.Messages(vs))
	}
	if vs := compat.Check(compat.Full, v2, prev); len(vs) != 1 {
		t.Errorf("FULL: %v", compat.Messages(vs))
	}
}

func dep(name, schema string) compat.Dependency {
	return compat.Dependency{Name: name, Type: compat.TypeJSON, Schema: schema}
}

// TestRecursionGuards checks that recursive schemas reached through unions
// and through references on both sides terminate with located changes.
func TestRecursionGuards(t *testing.T) {
	list := func(v string) string {
		return `{"oneOf": [{"type": "null"}, {"type": "object", "properties": {"next": {"$ref": "#"}, "v": ` + v + `}}]}`
	}
	got := changeStrings(Diff(mustParse(t, list(`{"type": "string"}`)), mustParse(t, list(`{"type": "string", "maxLength": 9}`))))
	want := []string{"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	got = changeStrings(Diff(mustParse(t, list(`{"type": "string", "maxLength": 9}`)), mustParse(t, list(`{"type": "string"}`))))
	want = []string{"MAX_LENGTH_REMOVED #/oneOf/1/properties/v/maxLength"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// A recursive schema against a differently shaped recursive schema.
	a := mustParse(t, `{"definitions": {"t": {"properties": {"l": {"$ref": "#/definitions/t"}, "r": {"$ref": "#/definitions/t"}}}}, "$ref": "#/definitions/t"}`)
	b := mustParse(t, `{"properties": {"l": {"$ref": "#"}, "r": {"properties": {"l": {"$ref": "#"}}}}}`)
	if got := changeStrings(Diff(a, b)); !slices.Equal(got, []string{"PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL #/properties/r/properties/r"}) {
		t.Errorf("got %v", got)
	}
}

// TestConcurrentUse runs checks and validation on shared schemas at once
// (meaningful under -race).
func TestConcurrentUse(t *testing.T) {
	v1 := mustParse(t, diffCases[0].original)
	schemas := []*Schema{v1}
	for _, c := range diffCases[:40] {
		schemas = append(schemas, mustParse(t, c.update))
	}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- true }()
			for i, s := range schemas {
				s.CompatibleWith(schemas[(i+1)%len(schemas)])
				_ = s.Validate([]byte(`{"a": [1, "x"]}`))
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestKeywordsByDraft(t *testing.T) {
	if got := objectKeywords(draft4); slices.Contains(got, "propertyNames") || !slices.Contains(got, "additionalProperties") {
		t.Errorf("draft 4 object keywords: %v", got)
	}
	if got := objectKeywords(draft2020); !slices.Contains(got, "unevaluatedProperties") || !slices.Contains(got, "propertyNames") {
		t.Errorf("2020-12 object keywords: %v", got)
	}
	if got := arrayKeywords(draft4); slices.Contains(got, "contains") || !slices.Contains(got, "uniqueItems") {
		t.Errorf("draft 4 array keywords: %v", got)
	}
	if got := arrayKeywords(draft7); !slices.Contains(got, "contains") || slices.Contains(got, "minContains") {
		t.Errorf("draft 7 array keywords: %v", got)
	}
	if got := arrayKeywords(draft2019); !slices.Contains(got, "unevaluatedItems") || slices.Contains(got, "prefixItems") {
		t.Errorf("2019-09 array keywords: %v", got)
	}
	if got := arrayKeywords(draft2020); !slices.Contains(got, "prefixItems") {
		t.Errorf("2020-12 array keywords: %v", got)
	}
}
