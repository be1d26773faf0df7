package lineage

import (
	"slices"
	"strings"

	"github.com/accord/accord/compat"
)

// Field changes impact analysis reports.
const (
	Removed      = "removed"
	Retyped      = "retyped"
	MadeOptional = "made_optional"
)

// FieldChange is a field of the registered schema that a proposed one
// removes, retypes or makes optional.
type FieldChange struct {
	Path   string `json:"path"`
	Change string `json:"change"`
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
}

// DiffFields compares the fields of the registered schema (old) with a
// proposed one. A field is retyped when its format-neutral type, item
// type, native spelling or logical type changes; made optional when it
// becomes nullable, or (outside Avro, where a default changes nothing on
// the wire) when records may omit it. Added fields break no reader that
// declared what it reads, so they are not reported. The result is sorted
// by path.
func DiffFields(old, proposed []compat.Field, schemaType string) []FieldChange {
	next := make(map[string]*compat.Field, len(proposed))
	for i := range proposed {
		next[proposed[i].Path] = &proposed[i]
	}
	var out []FieldChange
	for i := range old {
		o := &old[i]
		n, ok := next[o.Path]
		if !ok {
			out = append(out, FieldChange{Path: o.Path, Change: Removed, From: describe(o)})
			continue
		}
		if o.Type != n.Type || o.Items != n.Items || o.Native != n.Native || o.Logical != n.Logical {
			out = append(out, FieldChange{Path: o.Path, Change: Retyped, From: describe(o), To: describe(n)})
		}
		optional := n.Optional && !o.Optional && schemaType != compat.TypeAvro
		if (n.Nullable && !o.Nullable) || optional {
			out = append(out, FieldChange{Path: o.Path, Change: MadeOptional, From: presence(o), To: presence(n)})
		}
	}
	slices.SortStableFunc(out, func(a, b FieldChange) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func describe(f *compat.Field) string {
	s := f.Native
	if f.Logical != "" && !strings.Contains(s, f.Logical) {
		s += " (" + f.Logical + ")"
	}
	return s
}

func presence(f *compat.Field) string {
	switch {
	case f.Nullable:
		return "nullable"
	case f.Optional:
		return "optional"
	}
	return "required"
}

// affects returns the changes that touch a reader of declared paths: the
// field itself, what it contains (a reader of customer reads
// customer.email) and what contains it (removing customer removes
// customer.email). Both lists are sorted by path.
func affects(declared []string, changes []FieldChange) []FieldChange {
	return appendAffects(nil, declared, changes)
}

// appendAffects appends affects' answer to out.
func appendAffects(out []FieldChange, declared []string, changes []FieldChange) []FieldChange {
	for _, c := range changes {
		if touches(declared, c.Path) {
			out = append(out, c)
		}
	}
	return out
}

// touches: a reader of the declared paths reads path, what it contains
// or what contains it.
func touches(declared []string, path string) bool {
	for _, d := range declared {
		if path == d || under(path, d) || under(d, path) {
			return true
		}
	}
	return false
}

// under reports whether path lies inside parent (parent + "." + ...),
// without building the string: impact matches every consumer's paths.
func under(path, parent string) bool {
	return len(path) > len(parent) && path[len(parent)] == '.' && strings.HasPrefix(path, parent)
}
