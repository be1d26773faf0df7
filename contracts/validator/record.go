package validator

import "fmt"

// Record is one Kafka record as a producer sent it. Key or Value nil means
// absent (a null key, a tombstone): its checks are skipped.
type Record struct {
	Topic string
	// Partition and Offset place the record for the caller's reports; -1
	// (or any negative value) when unknown.
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Headers   []Header
	// Producer is the authenticated principal that produced the record.
	Producer string
}

// Header is a Kafka record header.
type Header struct {
	Key   string
	Value []byte
}

// Check names a check, as verdicts report it.
type Check string

// Checks a record can fail.
const (
	// CheckStream: the topic has no stream (no contract to check against).
	CheckStream Check = "stream"
	// CheckFrame: the key or value is not a well-formed Confluent frame.
	CheckFrame Check = "frame"
	// CheckSchemaID: the schema id is unknown, or is not a (live, latest)
	// version of the subject the stream's strategy names.
	CheckSchemaID Check = "schema_id"
	// CheckPayload: the payload does not decode fully against its schema.
	CheckPayload Check = "payload"
	// CheckRules: a data-quality rule (CEL, CEL_FIELD) failed.
	CheckRules Check = "rules"
	// CheckProducer: the producer is not the stream's owner.
	CheckProducer Check = "producer"
	// CheckUnavailable: the check could not run (the source failed); the
	// record is rejected, since it was not shown to be valid.
	CheckUnavailable Check = "unavailable"
)

// Part says which part of a record a failure is about.
type Part string

// Record parts.
const (
	PartRecord Part = "record"
	PartKey    Part = "key"
	PartValue  Part = "value"
)

// Failure is one reason a record is rejected.
type Failure struct {
	Part   Part   `json:"part"`
	Check  Check  `json:"check"`
	Reason string `json:"reason"`
	// Rule names the failing rule (CheckRules only).
	Rule string `json:"rule,omitempty"`
	// SchemaID is the schema the part named, when the frame was read.
	SchemaID int `json:"schemaId,omitempty"`
}

func (f Failure) String() string {
	return fmt.Sprintf("%s: %s: %s", f.Part, f.Check, f.Reason)
}

// Verdict is the result of validating one record. Failures is nil when
// the record is valid.
type Verdict struct {
	Valid    bool
	Failures []Failure
}

func (v *Verdict) fail(f Failure) {
	v.Valid = false
	v.Failures = append(v.Failures, f)
}
