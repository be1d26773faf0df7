// Package jsonschema is Accord's JSON Schema format (Confluent schemaType
// "JSON"): parsing with references, canonical and normalized text,
// Confluent-compatible compatibility differences, and payload validation.
//
// # Parsing
//
// Drafts 4, 6, 7, 2019-09 and 2020-12 are accepted, chosen by "$schema"
// (draft 7 when absent). A schema is compiled with
// github.com/santhosh-tekuri/jsonschema/v5, which validates it against its
// meta-schema and resolves every "$ref": inside the document (definitions,
// $defs, anchors, embedded $id) and to the registered references passed as
// compat.Dependency values, each available under its Name resolved against
// the root's base URI (as Confluent registers them). Nothing is ever fetched:
// an unknown URL is an invalid schema.
//
// # Compatibility
//
// Diff reproduces Confluent's JsonSchemaDiff: each schema is classified the
// way Confluent's loader (everit) does it (an object with "type":"string"
// and "enum" is an allOf of a string schema and an enum schema, and so on),
// then the two trees are compared and every change is reported with
// Confluent's Difference.Type name and a JSON-pointer location. A change is
// backward compatible when its type is in Confluent's COMPATIBLE_CHANGES
// set. The few places where Accord deliberately differs are listed on Diff.
//
// Schema.CompatibleWith(writer) is Diff(writer, reader) restricted to the
// incompatible changes, as compat.Difference values.
//
// # Payloads
//
// Schema.Validate and Schema.Decode check a JSON document against the
// compiled schema (formats asserted in every draft) and report the failing
// location in the document and in the schema as a ValidationError.
//
// # Metadata
//
// Confluent schema metadata may reserve property names with the
// "confluent:reserved" property (comma-separated). Attach metadata with
// Schema.WithMetadata or ParseWithMetadata; Diff then reports reserved
// names that were dropped and properties that use a reserved name.
package jsonschema
