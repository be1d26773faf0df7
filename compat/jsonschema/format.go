package jsonschema

import (
	"maps"

	sjs "github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/accord/accord/compat"
)

// Format is the JSON Schema format. The zero value is ready to use.
type Format struct{}

var _ compat.Format = Format{}

// Type is compat.TypeJSON.
func (Format) Type() string { return compat.TypeJSON }

// Parse parses a JSON Schema with its resolved references. Errors wrap
// compat.ErrInvalidSchema.
func (Format) Parse(text string, deps []compat.Dependency) (compat.Schema, error) {
	s, err := Parse(text, deps)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Schema is a parsed JSON Schema. It is immutable and safe for concurrent
// use.
type Schema struct {
	canonical  string
	normalized string
	draft      draft
	baseURL    string      // the root's URL in compiled locations
	compiled   *sjs.Schema // for payload validation
	root       *node       // for compatibility
	metadata   map[string]string
}

var _ compat.Schema = (*Schema)(nil)

// Parse parses a JSON Schema. deps are the schemas it references, each
// under the name its $ref uses (resolved against the schema's base URI).
// A malformed document, a document that is not a valid schema of its
// draft, or a $ref that resolves to neither the document nor a dependency
// is an error wrapping compat.ErrInvalidSchema that says where the problem
// is.
func Parse(text string, deps []compat.Dependency) (*Schema, error) {
	// Size and nesting are bounded before any parsing (compat.CheckText).
	if err := compat.CheckText(compat.JSONSyntax, text, deps); err != nil {
		return nil, err
	}
	root, err := loadDocument("", text)
	if err != nil {
		return nil, err
	}
	root.url = idURL(rootURL, root)
	l := &loader{root: root, docs: make(map[string]*document)}
	l.add(root, rootURL)
	compiled, err := l.compile(text, deps)
	if err != nil {
		return nil, err
	}
	b := newBuilder(l, compiled)
	return &Schema{
		canonical:  canonicalText(root.raw),
		normalized: canonicalText(normalizeValue(root.raw)),
		draft:      root.draft,
		baseURL:    root.url,
		compiled:   compiled,
		root:       b.build(root, ""),
	}, nil
}

// ParseWithMetadata parses a schema and attaches its metadata properties
// (see WithMetadata).
func ParseWithMetadata(text string, deps []compat.Dependency, metadata map[string]string) (*Schema, error) {
	s, err := Parse(text, deps)
	if err != nil {
		return nil, err
	}
	return s.WithMetadata(metadata), nil
}

// WithMetadata returns the schema with the given metadata properties (a
// Confluent schema's metadata.properties). Compatibility checks read the
// ReservedProperty entry. The schema itself is shared, not copied.
func (s *Schema) WithMetadata(metadata map[string]string) *Schema {
	c := *s
	c.metadata = maps.Clone(metadata)
	return &c
}

// Metadata returns a copy of the metadata properties attached to the schema.
func (s *Schema) Metadata() map[string]string { return maps.Clone(s.metadata) }

// Type is compat.TypeJSON.
func (s *Schema) Type() string { return compat.TypeJSON }

// Canonical is the schema as compact JSON with object keys sorted.
func (s *Schema) Canonical() string { return s.canonical }

// Normalized is Canonical with set-valued keywords (required, type lists,
// dependency lists) sorted and de-duplicated.
func (s *Schema) Normalized() string { return s.normalized }

// Draft names the specification version the schema was read with:
// "draft-04", "draft-06", "draft-07", "2019-09" or "2020-12".
func (s *Schema) Draft() string { return s.draft.String() }
