// Package avro implements compat.Format for Apache Avro schemas (Confluent
// schemaType "AVRO"): parsing with schema references, canonical and
// normalized text, Parsing Canonical Form and fingerprints, the
// specification's schema resolution rules as located differences, and
// payload validation and decoding for the validation hook.
//
// A schema is parsed into a small model of its own rather than into
// hamba/avro's types, for three reasons: the canonical text must keep what
// hamba drops or rewrites (names as written, docs, custom properties,
// default literals); a parse error must say where the problem is, as a
// JSON pointer; and compatibility must follow the resolution rules with
// every difference reported (hamba's SchemaCompatibility stops at the first
// and caches results without regard to defaults).
//
// hamba/avro decodes payloads. Each Schema builds, on first use, a hamba
// schema from its references and itself, parsed in order into one
// hamba.SchemaCache. A payload is first checked by a walker over the model
// that allocates nothing and bounds every length, count and depth, so a
// hostile payload never reaches hamba.
//
// Nothing is cached across schemas: every cache belongs to one Schema.
//
// Files, one concern each:
//
//	format.go      Format, Parse and the Schema type
//	model.go       the parsed schema model
//	parse.go       JSON text to model, with located errors
//	defaults.go    default values checked against their types
//	canonical.go   Canonical and Normalized text
//	fingerprint.go Parsing Canonical Form and fingerprints
//	compat.go      schema resolution: reader/writer compatibility
//	decode.go      payload validation and decoding
//	decode_record.go  one-pass validation that also notes where each
//	               top-level field starts, so rules read fields without a
//	               second decode (the validation hook's hot path)
package avro
