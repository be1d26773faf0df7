// Package csfle holds only tests: Confluent's client-side field-level
// encryption (confluent-kafka-go's serdes, its encryption rule executor
// and its local KMS) against a running Accord, through the DEK registry.
//
// confluent-kafka-go's serde package links its Kafka client, which needs
// cgo; the tests build only with cgo (gcc), so a machine without it skips
// them and the rest of the module still builds and tests.
package csfle
