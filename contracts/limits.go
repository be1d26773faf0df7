package contracts

import (
	"fmt"
	"unicode"
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

// validStreamName reports whether name can name a stream: 1 to 249 bytes
// of UTF-8 (Kafka's bound on topic names) without control characters,
// whitespace, '/' or ':', and not "." or "..". The stream's subjects are
// derived from its name, so a control character would make subjects no
// client can address; '/' and ':' would be read as paths and contexts.
func validStreamName(name string) bool {
	if name == "" || len(name) > 249 || name == "." || name == ".." || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.IsSpace(r) || r == '/' || r == ':' {
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
