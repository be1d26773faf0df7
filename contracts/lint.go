package contracts

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/accord/accord/compat"
)

// Severity says what a lint does to a registration.
type Severity string

// Severities.
const (
	// SeverityError blocks the registration when the stream's LintErrors
	// is LintBlock.
	SeverityError Severity = "error"
	// SeverityWarning is reported and never blocks.
	SeverityWarning Severity = "warning"
)

// Lint is one finding: a rule that a schema (or its stream) breaks.
type Lint struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	// Subject is the subject whose schema was linted.
	Subject string `json:"subject,omitempty"`
	// Location is a JSON pointer (Avro, JSON Schema) or a message name
	// plus field number (Protobuf), "/" for the whole schema or stream.
	Location string `json:"location"`
	// Message says what was found and, in one sentence, why it matters.
	Message string `json:"message"`
}

// String renders the lint on one line.
func (l Lint) String() string {
	return fmt.Sprintf("%s %s at %s: %s", l.Severity, l.ID, l.Location, l.Message)
}

// LintInput is what the rules see.
type LintInput struct {
	Stream  Stream
	Subject string
	Role    Role
	// Schema is the schema linted; rules that read fields need it to be
	// compat.Structured (every built-in format is).
	Schema compat.Schema
	// KeyRegistered reports whether the stream's key subject has a schema.
	KeyRegistered bool
	// Others are the other streams, for rules about the set of streams
	// (nil when no rule of the stream's event type needs them).
	Others []Stream
}

// Run applies every rule of the stream's event type to in.
func Run(in LintInput) []Lint {
	var out []Lint
	fields := fieldsOf(in.Schema)
	for i := range Rules {
		r := &Rules[i]
		if r.EventType != in.Stream.EventType || (r.Role != "" && r.Role != in.Role) {
			continue
		}
		r.check(&in, fields, func(location, format string, args ...any) {
			if location == "" {
				location = "/"
			}
			out = append(out, Lint{
				ID: r.ID, Severity: r.Severity, Subject: in.Subject, Location: location,
				Message: fmt.Sprintf(format, args...) + ": " + r.Why,
			})
		})
	}
	return out
}

// needsOthers reports whether linting a stream of type t reads the other
// streams.
func needsOthers(t EventType) bool {
	for _, r := range Rules {
		if r.EventType == t && r.UsesOthers {
			return true
		}
	}
	return false
}

func fieldsOf(s compat.Schema) []compat.Field {
	if st, ok := s.(compat.Structured); ok {
		return st.Fields()
	}
	return nil
}

func rootOf(s compat.Schema) string {
	if st, ok := s.(compat.Structured); ok {
		return st.Root()
	}
	return ""
}

// words splits an identifier into lower-case words: camelCase,
// PascalCase, snake_case, kebab-case and dotted names.
func words(name string) []string {
	var (
		out []string
		cur []rune
	)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && len(cur) > 0 &&
			(!unicode.IsUpper(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))):
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// shortName drops a full name's namespace or package.
func shortName(full string) string {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[i+1:]
	}
	return full
}
