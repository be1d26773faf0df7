package compat

import "strings"

// Structured is implemented by schemas that can list their fields in a
// format-neutral way: the event-type lints read it, and impact analysis
// compares two listings to find fields removed, retyped or made optional.
// It is optional: callers type-assert a Schema to it.
type Structured interface {
	// Root is the full name of the schema's top-level type: the Avro named
	// type, the first Protobuf message (Confluent's default), or a JSON
	// Schema's title. It is "" when the schema has no name.
	Root() string
	// Fields lists every field reachable from the root, depth first in
	// declaration order. A named type used recursively is listed once, at
	// its outermost use; the inner use is marked Recursive and not expanded,
	// so the listing is always finite.
	Fields() []Field
}

// Field types: a format-neutral vocabulary. Formats map their own types onto
// these and keep their own spelling in Field.Native.
const (
	FieldString  = "string"
	FieldInt     = "int"  // 32-bit integers
	FieldLong    = "long" // 64-bit integers (and JSON Schema "integer")
	FieldFloat   = "float"
	FieldDouble  = "double" // and JSON Schema "number"
	FieldBoolean = "boolean"
	FieldBytes   = "bytes"
	FieldFixed   = "fixed"
	FieldNull    = "null"
	FieldRecord  = "record" // Avro record, Protobuf message, JSON object
	FieldEnum    = "enum"
	FieldArray   = "array"
	FieldMap     = "map"
	FieldUnion   = "union" // a union of several non-null types (Avro union, JSON anyOf/oneOf)
	FieldConst   = "const" // JSON Schema const
	FieldAny     = "any"   // unconstrained (JSON Schema {} or true)
)

// Field is one field of a structured schema.
type Field struct {
	// Path is the dotted path from the root, e.g. customer.address.city.
	// Array items and map values add no segment (lines.sku is the sku of
	// every line); the fields of a record branch of a union are under the
	// branch's short name (payment.Card.number).
	Path string `json:"path"`
	// Name is the last segment of Path.
	Name string `json:"name"`
	// Type is the format-neutral type (Field* constants). For a nullable
	// field it is the type of the non-null value; for arrays and maps it is
	// FieldArray or FieldMap and Items says what they hold.
	Type string `json:"type"`
	// Items is the format-neutral type of an array's items or a map's
	// values, "" otherwise.
	Items string `json:"items,omitempty"`
	// Native is the type as the format spells it (sint64, fixed32,
	// integer, record com.acme.Address, ...).
	Native string `json:"native"`
	// TypeName is the full name of the named type the field uses (record,
	// enum, fixed, message), for arrays and maps of their items; "" when
	// anonymous.
	TypeName string `json:"typeName,omitempty"`
	// Logical is the logical type or format annotation: an Avro
	// logicalType (timestamp-millis, uuid, ...), a JSON Schema format
	// (uri, date-time, ...), or a Protobuf well-known type's full name.
	Logical string `json:"logical,omitempty"`
	// Nullable: null is a valid value (an Avro union with null, a JSON
	// Schema type list with null, a Protobuf field with explicit presence).
	Nullable bool `json:"nullable,omitempty"`
	// Optional: a record may omit it and readers still decode it (an Avro
	// field with a default, a JSON Schema property not required, a
	// Protobuf field that is not proto2 required).
	Optional bool `json:"optional,omitempty"`
	// Repeated: an array (or Protobuf repeated field).
	Repeated bool `json:"repeated,omitempty"`
	// Oneof names the Protobuf oneof the field belongs to.
	Oneof string `json:"oneof,omitempty"`
	// EnumSymbols are the enum's symbols, for enums and arrays or maps of
	// enums (JSON Schema: the allowed values as JSON, strings unquoted).
	EnumSymbols []string `json:"enumSymbols,omitempty"`
	// Doc is the field's documentation (Avro doc, JSON Schema
	// description, Protobuf leading comment when kept).
	Doc string `json:"doc,omitempty"`
	// Location is where the field is declared, in the notation of the
	// format's compatibility differences: a JSON pointer (Avro, JSON
	// Schema) or a message full name plus field number (Protobuf,
	// acme.Order#2).
	Location string `json:"location"`
	// Recursive marks a use of a record type that encloses it; its fields
	// are not listed again.
	Recursive bool `json:"recursive,omitempty"`
}

// Depth is the number of segments of the field's path (1 for top-level
// fields).
func (f Field) Depth() int { return strings.Count(f.Path, ".") + 1 }

// JoinPath appends a segment to a dotted path.
func JoinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}
