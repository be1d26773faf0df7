package jsonschema

import (
	"errors"
	"fmt"
	"strings"

	sjs "github.com/santhosh-tekuri/jsonschema/v5"
)

// ErrInvalidPayload marks a payload that is not JSON or does not match its
// schema.
var ErrInvalidPayload = errors.New("payload does not match its schema")

// ValidationError says why a payload does not match its schema. It wraps
// ErrInvalidPayload.
type ValidationError struct {
	// Location is a JSON pointer fragment into the payload of the most
	// specific failure ("#/" for the whole document).
	Location string
	// Keyword is where in the schema the failing keyword is, e.g.
	// "#/properties/age/minimum" (prefixed with the reference's URL when it
	// is in a referenced schema).
	Keyword string
	// Message describes the failure.
	Message string
	// Failures lists every failing keyword, most specific first.
	Failures []Failure
}

// Failure is one failing keyword.
type Failure struct {
	Location string
	Keyword  string
	Message  string
}

func (e *ValidationError) Error() string {
	msg := fmt.Sprintf("%v at %s: %s", ErrInvalidPayload, e.Location, e.Message)
	if n := len(e.Failures) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	return msg
}

func (e *ValidationError) Unwrap() error { return ErrInvalidPayload }

// Validate checks that doc is one JSON value that matches the schema.
func (s *Schema) Validate(doc []byte) error {
	_, err := s.Decode(doc)
	return err
}

// Decode parses a JSON payload (numbers as json.Number, so that none loses
// precision), checks it against the schema and returns it.
func (s *Schema) Decode(payload []byte) (any, error) {
	v, err := decodeJSON(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPayload, err)
	}
	if err := s.validateValue(v); err != nil {
		return nil, err
	}
	return v, nil
}

// ValidateValue checks an already decoded value (as Decode returns it, or
// as encoding/json decodes with UseNumber).
func (s *Schema) ValidateValue(v any) error { return s.validateValue(v) }

func (s *Schema) validateValue(v any) error {
	err := s.compiled.Validate(v)
	if err == nil {
		return nil
	}
	var ve *sjs.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("%w: %v", ErrInvalidPayload, err)
	}
	var failures []Failure
	var walk func(e *sjs.ValidationError)
	walk = func(e *sjs.ValidationError) {
		if len(e.Causes) == 0 {
			failures = append(failures, Failure{
				Location: fragment(e.InstanceLocation),
				Keyword:  s.keywordLocation(e.AbsoluteKeywordLocation),
				Message:  e.Message,
			})
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	if len(failures) == 0 {
		failures = []Failure{{Location: "#/", Message: ve.Message}}
	}
	// Most specific first: the deepest payload location, then document order.
	best := 0
	for i, f := range failures {
		if len(f.Location) > len(failures[best].Location) {
			best = i
		}
	}
	failures[0], failures[best] = failures[best], failures[0]
	f := failures[0]
	return &ValidationError{Location: f.Location, Keyword: f.Keyword, Message: f.Message, Failures: failures}
}

// fragment turns a JSON pointer into the "#/..." form used for locations.
func fragment(ptr string) string {
	return "#/" + strings.TrimPrefix(ptr, "/")
}

// keywordLocation shows a compiled keyword location relative to the schema
// being validated (or with its reference's URL).
func (s *Schema) keywordLocation(abs string) string {
	u, f := splitFragment(abs)
	f = "#/" + strings.TrimPrefix(strings.TrimPrefix(f, "#"), "/")
	if u == rootURL || u == s.baseURL {
		return f
	}
	return u + f
}
