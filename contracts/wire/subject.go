package wire

import (
	"errors"
	"fmt"
)

// Strategy is a subject-name strategy, spelled as contracts.Strategy
// spells it.
type Strategy string

// The strategies of the Confluent serializers.
const (
	// TopicName: <topic>-key and <topic>-value.
	TopicName Strategy = "topic"
	// RecordName: the record's fully-qualified name.
	RecordName Strategy = "record"
	// TopicRecordName: <topic>-<record full name>.
	TopicRecordName Strategy = "topic_record"
)

// ErrNoRecordName is returned when a record-name strategy meets a schema
// without a name (an Avro primitive, a JSON Schema without a title).
var ErrNoRecordName = errors.New("schema has no record name")

// SubjectName returns the subject a key (key set) or value of topic is
// registered under. recordName is the fully-qualified name of the
// record's type (Avro named type, Protobuf message, JSON Schema title);
// only the record strategies read it. "" means TopicName.
func SubjectName(s Strategy, topic string, key bool, recordName string) (string, error) {
	switch s {
	case "", TopicName:
		if key {
			return topic + "-key", nil
		}
		return topic + "-value", nil
	case RecordName, TopicRecordName:
		if recordName == "" {
			return "", fmt.Errorf("%w: the %s strategy names subjects after the record type", ErrNoRecordName, s)
		}
		if s == RecordName {
			return recordName, nil
		}
		return topic + "-" + recordName, nil
	}
	return "", fmt.Errorf("unknown subject-name strategy %q (want topic, record or topic_record)", s)
}
