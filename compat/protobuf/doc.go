// Package protobuf is Accord's Protobuf format: it parses .proto schemas
// (proto2, proto3 and edition 2023) with their references, prints the
// canonical and normalized texts the registry stores, maps Confluent message
// indexes to message descriptors, decodes and validates payloads, and checks
// compatibility between versions the way Confluent Schema Registry does,
// reporting every located difference as data.
//
// Imports resolve, in order, to the schema's references (compat.Dependency,
// Name = import path), to the common imports embedded here (google/type/*,
// confluent/meta.proto, confluent/type/decimal.proto) and to the
// well-known types (google/protobuf/*), so those never need registering.
//
// Files by concern: format.go (Format and Schema), imports.go (import
// resolution), errors.go (parse errors), canonical.go and options.go (the
// printed forms), wire.go (message indexes), decode.go (payloads), rules.go
// (the difference types as data), diff.go (the comparison), compat.go
// (CompatibleWith and metadata-aware checks).
package protobuf
