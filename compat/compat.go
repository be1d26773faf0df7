// Package compat defines what every schema format supports: parsing with
// references, a canonical form for de-duplication, and compatibility checks
// that report located, named differences.
//
// Each format lives in its own sub-package (avro, protobuf, jsonschema) and
// registers nothing globally: the registry is handed the formats it serves.
// This package depends on no other project package.
package compat

import (
	"errors"
	"fmt"
	"strings"
)

// Schema types as the Confluent API names them.
const (
	TypeAvro     = "AVRO"
	TypeProtobuf = "PROTOBUF"
	TypeJSON     = "JSON"
)

// Dependency is a referenced schema made available to a parser under the
// name the referring schema uses for it: an Avro full name, a Protobuf import
// path, or a JSON Schema $ref URL. The registry resolves references
// transitively and passes them in dependency order (a dependency before
// anything that refers to it).
type Dependency struct {
	Name   string
	Type   string
	Schema string
}

// Format parses schema text of one type.
type Format interface {
	// Type is the Confluent schemaType: AVRO, PROTOBUF or JSON.
	Type() string
	// Parse parses text with its resolved dependencies. A malformed schema
	// yields an error wrapping ErrInvalidSchema whose message names where the
	// problem is.
	Parse(text string, deps []Dependency) (Schema, error)
}

// Schema is a parsed schema. Implementations are immutable and safe for
// concurrent use, so a parsed schema can be cached for the life of the process.
type Schema interface {
	// Type is the Confluent schemaType.
	Type() string
	// Canonical is the text stored and served for this schema: insensitive to
	// formatting but keeping everything that has meaning (defaults, docs,
	// options). Two schemas with the same Canonical text are the same schema.
	Canonical() string
	// Normalized is the stronger form used when a client asks for
	// normalize=true: also insensitive to orderings and spellings that do not
	// change meaning (attribute order, import order, fully-qualified names).
	Normalized() string
	// CompatibleWith reports what prevents a consumer using this schema (the
	// reader) from reading data written with writer. An empty result means
	// compatible. writer is always a Schema of the same format.
	CompatibleWith(writer Schema) []Difference
}

// ErrInvalidSchema marks a schema that cannot be parsed or resolved.
var ErrInvalidSchema = errors.New("invalid schema")

// InvalidSchemaf returns an error wrapping ErrInvalidSchema.
func InvalidSchemaf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidSchema, fmt.Sprintf(format, args...))
}

// Direction says which compatibility directions a difference breaks.
type Direction uint8

const (
	// Backward: a consumer on the new schema cannot read data written with the old one.
	Backward Direction = 1 << iota
	// Forward: a consumer on the old schema cannot read data written with the new one.
	Forward
)

func (d Direction) String() string {
	switch d {
	case Backward:
		return "BACKWARD"
	case Forward:
		return "FORWARD"
	case Backward | Forward:
		return "BOTH"
	}
	return "NONE"
}

// Difference is one located reason why two schemas are not compatible.
// It is data: the API, CLI and UI render these values and never re-derive
// them from strings.
type Difference struct {
	// ID is a stable rule identifier, e.g. READER_FIELD_MISSING_DEFAULT,
	// TYPE_CHANGED, FIELD_REMOVED.
	ID string `json:"id"`
	// Location is a JSON pointer (Avro, JSON Schema) or a fully-qualified
	// name plus field number (Protobuf) in the reader schema, or in the writer
	// schema when the problem is there.
	Location string `json:"location"`
	// Message explains the problem to a person.
	Message string `json:"message"`
	// Breaks is filled by Check: the directions this difference breaks.
	Breaks Direction `json:"-"`
}

// String renders the difference the way the Confluent API's verbose
// messages do: location, then message, then the rule id.
func (d Difference) String() string {
	return fmt.Sprintf("%s: %s (%s)", d.Location, d.Message, d.ID)
}

// Level is a compatibility level.
type Level string

// The seven compatibility levels.
const (
	None               Level = "NONE"
	BackwardLevel      Level = "BACKWARD"
	BackwardTransitive Level = "BACKWARD_TRANSITIVE"
	ForwardLevel       Level = "FORWARD"
	ForwardTransitive  Level = "FORWARD_TRANSITIVE"
	Full               Level = "FULL"
	FullTransitive     Level = "FULL_TRANSITIVE"
)

// Levels lists every valid level.
var Levels = []Level{None, BackwardLevel, BackwardTransitive, ForwardLevel, ForwardTransitive, Full, FullTransitive}

// ParseLevel parses a level name, case-insensitively.
func ParseLevel(s string) (Level, bool) {
	l := Level(strings.ToUpper(strings.TrimSpace(s)))
	for _, v := range Levels {
		if v == l {
			return l, true
		}
	}
	return "", false
}

// Transitive reports whether the level checks against every earlier version
// rather than only the latest.
func (l Level) Transitive() bool { return strings.HasSuffix(string(l), "_TRANSITIVE") }

// Directions reports which directions the level requires.
func (l Level) Directions() Direction {
	switch l {
	case BackwardLevel, BackwardTransitive:
		return Backward
	case ForwardLevel, ForwardTransitive:
		return Forward
	case Full, FullTransitive:
		return Backward | Forward
	}
	return 0
}

// Violation is a difference found against one earlier version.
type Violation struct {
	Difference
	// Version is the earlier version the candidate was checked against
	// (0 when the caller did not give versions).
	Version int `json:"version"`
	// Direction is BACKWARD or FORWARD: which requirement this breaks; or
	// DirectionMetadata for the validateFields checks (see Reserved).
	Direction string `json:"direction"`
}

// Previous is an earlier version to check a candidate against.
type Previous struct {
	Version int
	Schema  Schema
	// Properties are the version's metadata properties (see MetadataChecker).
	Properties map[string]string
}

// MetadataChecker is implemented by schemas whose compatibility also
// depends on each version's metadata properties: Confluent's
// "confluent:reserved" lists field names that no version may use and no
// later version may stop reserving.
type MetadataChecker interface {
	// CompatibleWithMetadata is CompatibleWith where the reader's
	// properties are props and the writer's writerProps.
	CompatibleWithMetadata(props map[string]string, writer Schema, writerProps map[string]string) []Difference
}

// compatibleWith checks reader against writer, with their properties when
// the format reads them.
func compatibleWith(reader Schema, props map[string]string, writer Schema, writerProps map[string]string) []Difference {
	if mc, ok := reader.(MetadataChecker); ok && (len(props) > 0 || len(writerProps) > 0) {
		return mc.CompatibleWithMetadata(props, writer, writerProps)
	}
	return reader.CompatibleWith(writer)
}

// Check checks candidate against earlier versions (oldest first) under
// level and returns every violation; none means compatible. Non-transitive
// levels look only at the latest earlier version.
func Check(level Level, candidate Schema, previous []Previous) []Violation {
	return CheckWithMetadata(level, candidate, nil, previous)
}

// CheckWithMetadata is Check where the candidate's metadata properties are
// props and each previous version's are its Properties.
func CheckWithMetadata(level Level, candidate Schema, props map[string]string, previous []Previous) []Violation {
	dirs := level.Directions()
	if dirs == 0 || len(previous) == 0 {
		return nil
	}
	if !level.Transitive() {
		previous = previous[len(previous)-1:]
	}
	var out []Violation
	// Newest first: the most relevant violations come first in reports.
	for i := len(previous) - 1; i >= 0; i-- {
		p := previous[i]
		if dirs&Backward != 0 {
			for _, d := range compatibleWith(candidate, props, p.Schema, p.Properties) {
				d.Breaks = Backward
				out = append(out, Violation{Difference: d, Version: p.Version, Direction: "BACKWARD"})
			}
		}
		if dirs&Forward != 0 {
			for _, d := range compatibleWith(p.Schema, p.Properties, candidate, props) {
				d.Breaks = Forward
				out = append(out, Violation{Difference: d, Version: p.Version, Direction: "FORWARD"})
			}
		}
	}
	return out
}

// Messages renders violations as the Confluent API's verbose messages.
func Messages(vs []Violation) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		prefix := v.Direction
		if v.Version > 0 {
			prefix = fmt.Sprintf("%s (version %d)", v.Direction, v.Version)
		}
		out = append(out, fmt.Sprintf("%s: %s", prefix, v.Difference.String()))
	}
	return out
}
