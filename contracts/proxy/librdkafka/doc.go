// Package librdkafka holds only tests: librdkafka (through
// confluent-kafka-go, the client most non-Java producers embed) producing
// through the validating proxy. It needs cgo; without it the tests are
// not built.
package librdkafka
