package avro

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/accord/accord/compat"
)

// Format is the Avro compat.Format. The zero value is ready to use and
// holds no state: each Parse is independent.
type Format struct{}

var _ compat.Format = Format{}

// New returns the Avro format.
func New() Format { return Format{} }

// Type returns compat.TypeAvro.
func (Format) Type() string { return compat.TypeAvro }

// Parse parses an Avro schema with its references; see Parse.
func (Format) Parse(text string, deps []compat.Dependency) (compat.Schema, error) {
	s, err := Parse(text, deps)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Parse parses an Avro schema. deps are its schema references in
// dependency order; the named types they define can be used by name in text
// (a Confluent reference's name is the full name of such a type). Errors
// wrap compat.ErrInvalidSchema and say where the problem is, as a JSON
// pointer into the schema that has it.
func Parse(text string, deps []compat.Dependency) (*Schema, error) {
	// Size and nesting are bounded before any parsing (compat.CheckText).
	if err := compat.CheckText(compat.JSONSyntax, text, deps); err != nil {
		return nil, err
	}
	p := newParser()
	s := &Schema{deps: make([]*node, 0, len(deps))}
	seen := make(map[string]bool, len(deps))
	for _, d := range deps {
		// A reference reached along two paths may be handed over twice.
		if seen[d.Name] {
			continue
		}
		seen[d.Name] = true
		if d.Type != "" && d.Type != compat.TypeAvro {
			return nil, compat.InvalidSchemaf("reference '%s' is a %s schema; an Avro schema can only reference Avro schemas", d.Name, d.Type)
		}
		p.doc = fmt.Sprintf("reference '%s'", d.Name)
		root, err := p.parseDocument(d.Schema)
		if err != nil {
			return nil, compat.InvalidSchemaf("%s: %s", p.doc, err)
		}
		s.deps = append(s.deps, root)
	}
	p.doc = "this schema"
	root, err := p.parseDocument(text)
	if err != nil {
		return nil, compat.InvalidSchemaf("%s", err)
	}
	s.root = root
	var b bytes.Buffer
	writeSchema(&b, root, formCanonical, "")
	s.canonical = b.String()
	return s, nil
}

// Schema is a parsed Avro schema. It is immutable and safe for concurrent
// use; derived forms are computed on first use.
type Schema struct {
	root      *node
	deps      []*node // roots of the references, in order
	canonical string

	normOnce   sync.Once
	normalized string

	pcfOnce sync.Once
	pcf     string

	decOnce sync.Once
	dec     *hambaDecoder
	decErr  error
}

var _ compat.Schema = (*Schema)(nil)

// Type returns compat.TypeAvro.
func (s *Schema) Type() string { return compat.TypeAvro }

// Canonical returns the text stored and served for this schema: compact
// JSON in a fixed attribute order, keeping every attribute (docs, defaults,
// aliases, logical types, custom properties), with names written as Avro's
// Schema.toString writes them (what Confluent stores): an explicit
// namespace equal to the inherited one, or a dotted name, is the same
// text as the inherited or separate namespace. Named types from references
// stay references.
func (s *Schema) Canonical() string { return s.canonical }

// EquivalenceKey is the text a schema shares with every spelling of it
// the registry treats as one: its canonical text as this version of the
// format writes it. Versions stored before the canonical form wrote names
// as Avro does (short names, namespaces only where they change) re-parse
// to the same key, so a lookup or re-registration still finds them.
func (s *Schema) EquivalenceKey() string { return s.canonical }

// Normalized returns the form used for normalize=true: like Canonical, but
// names are full names, aliases are sorted full names, numbers are written
// by value and attributes that restate a default ("order":"ascending", an
// empty doc) are dropped.
func (s *Schema) Normalized() string {
	s.normOnce.Do(func() {
		var b bytes.Buffer
		writeSchema(&b, s.root, formNormalized, "")
		s.normalized = b.String()
	})
	return s.normalized
}

// String returns the canonical text.
func (s *Schema) String() string { return s.canonical }
