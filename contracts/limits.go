package contracts

import (
	"fmt"
	"unicode/utf8"
)

// Bounds on what a stream document may hold. A contract is read on every
// page of the UI, every lint and every validation-hook refresh, so its size
// is a cost every caller pays; these keep one caller from making it large.
// docs/limits.md lists them with every other bound.
const (
	// MaxDescriptionBytes bounds a stream's description.
	MaxDescriptionBytes = 64 << 10
	// MaxTagBytes bounds each tag value (domain, entity, a PII field path, a
	// label) and each consumer field path.
	MaxTagBytes = 1024
	// MaxTagEntries bounds the PII and label lists, and each consumer's
	// field list.
	MaxTagEntries = 1000
	// MaxConsumers bounds the consumers a stream declares.
	MaxConsumers = 1000
	// MaxValueSubjects bounds the value subjects of a record-name stream.
	MaxValueSubjects = 1000
)

// validTopicName reports whether name is a Kafka topic name: 1 to 249
// characters of [a-zA-Z0-9._-]. A stream is a topic, and its subjects are
// derived from the name, so anything else (control characters, spaces,
// '/', ':') would make subjects no client can address.
func validTopicName(name string) bool {
	if name == "" || len(name) > 249 || name == "." || name == ".." {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// checkSizes refuses a stream whose free-text fields exceed the bounds,
// naming the field.
func (s *Stream) checkSizes() error {
	if len(s.Description) > MaxDescriptionBytes {
		return errorf(ErrInvalidStream, "description is %d bytes: the limit is %d bytes", len(s.Description), MaxDescriptionBytes)
	}
	if !utf8.ValidString(s.Description) {
		return errorf(ErrInvalidStream, "description is not valid UTF-8")
	}
	if err := checkText("tags.domain", s.Tags.Domain); err != nil {
		return err
	}
	if err := checkText("tags.entity", s.Tags.Entity); err != nil {
		return err
	}
	if err := checkList("tags.pii", s.Tags.PII); err != nil {
		return err
	}
	if err := checkList("tags.labels", s.Tags.Labels); err != nil {
		return err
	}
	if len(s.ValueSubjects) > MaxValueSubjects {
		return errorf(ErrInvalidStream, "valueSubjects lists %d subjects: the limit is %d", len(s.ValueSubjects), MaxValueSubjects)
	}
	if len(s.Consumers) > MaxConsumers {
		return errorf(ErrInvalidStream, "consumers lists %d consumers: the limit is %d", len(s.Consumers), MaxConsumers)
	}
	for i, c := range s.Consumers {
		if err := checkText(fmt.Sprintf("consumers[%d].principal", i), c.Principal); err != nil {
			return err
		}
		if err := checkList(fmt.Sprintf("consumers[%d].fields", i), c.Fields); err != nil {
			return err
		}
	}
	return nil
}

func checkList(field string, list []string) error {
	if len(list) > MaxTagEntries {
		return errorf(ErrInvalidStream, "%s lists %d entries: the limit is %d", field, len(list), MaxTagEntries)
	}
	for i, v := range list {
		if err := checkText(fmt.Sprintf("%s[%d]", field, i), v); err != nil {
			return err
		}
	}
	return nil
}

// checkText bounds one short text field and refuses control characters,
// which no field path, label or principal name has.
func checkText(field, v string) error {
	if len(v) > MaxTagBytes {
		return errorf(ErrInvalidStream, "%s is %d bytes: the limit is %d bytes", field, len(v), MaxTagBytes)
	}
	if !utf8.ValidString(v) {
		return errorf(ErrInvalidStream, "%s is not valid UTF-8", field)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return errorf(ErrInvalidStream, "%s contains the control character %U", field, r)
		}
	}
	return nil
}
