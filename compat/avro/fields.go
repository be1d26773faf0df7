package avro

import (
	"strconv"
	"strings"

	"github.com/accord/accord/compat"
)

var _ compat.Structured = (*Schema)(nil)

// Root returns the full name of the top-level named type, "" when the
// schema is a primitive, an array, a map or a union.
func (s *Schema) Root() string {
	if r := deref(s.root); r.kind.named() {
		return r.full
	}
	return ""
}

// Fields lists the fields of the schema's records, depth first. Locations
// are JSON pointers that follow named types as if they were written out
// where they are used, as CompatibleWith reports them.
func (s *Schema) Fields() []compat.Field {
	w := fieldWalker{open: map[string]bool{}}
	w.children(s.root, "", "")
	return w.out
}

type fieldWalker struct {
	out  []compat.Field
	open map[string]bool // records being expanded on the current path
}

// children lists the fields inside type n, which is at pointer ptr and
// dotted path path.
func (w *fieldWalker) children(n *node, path, ptr string) {
	d := deref(n)
	switch d.kind {
	case kindRecord:
		if w.open[d.full] {
			return
		}
		w.open[d.full] = true
		for i, f := range d.fields {
			w.field(f, path, ptr+"/fields/"+strconv.Itoa(i))
		}
		delete(w.open, d.full)
	case kindArray:
		w.children(d.items, path, ptr+"/items")
	case kindMap:
		w.children(d.items, path, ptr+"/values")
	case kindUnion:
		t, i, _ := nonNull(d)
		if t != nil {
			w.children(t, path, ptr+"/"+strconv.Itoa(i))
			return
		}
		for i, b := range d.branches {
			if bd := deref(b); bd.kind == kindRecord {
				w.children(b, compat.JoinPath(path, bd.short), ptr+"/"+strconv.Itoa(i))
			}
		}
	}
}

func (w *fieldWalker) field(f *field, parent, ptr string) {
	t, tptr := f.typ, ptr+"/type"
	nullable := false
	if u := deref(t); u.kind == kindUnion {
		nullable = hasNull(u)
		if nn, i, ok := nonNull(u); ok {
			t, tptr = nn, tptr+"/"+strconv.Itoa(i)
		}
	}
	cf := compat.Field{
		Path:     compat.JoinPath(parent, f.name),
		Name:     f.name,
		Doc:      f.doc,
		Location: ptr,
		Optional: f.hasDefault,
		Nullable: nullable,
	}
	describeField(&cf, t)
	// A record (or a collection of records) already being expanded above
	// this field is a recursive use: list the field, not its fields again.
	if inner := deref(elem(t)); inner.kind == kindRecord && w.open[inner.full] {
		cf.Recursive = true
	}
	w.out = append(w.out, cf)
	if !cf.Recursive {
		w.children(t, cf.Path, tptr)
	}
}

// elem is the item type of an array or map (unwrapping a nullable union),
// n itself otherwise.
func elem(n *node) *node {
	d := deref(n)
	if d.kind == kindArray || d.kind == kindMap {
		d = deref(d.items)
	}
	if d.kind == kindUnion {
		if nn, _, ok := nonNull(d); ok {
			return nn
		}
	}
	return d
}

// describeField fills the type fields of f from t.
func describeField(f *compat.Field, t *node) {
	d := deref(t)
	f.Type = neutralKind(d)
	f.Native = describe(d)
	if lt, ok := d.prop("logicalType").(string); ok {
		f.Logical = lt
	}
	switch d.kind {
	case kindArray, kindMap:
		f.Repeated = d.kind == kindArray
		it := elem(d)
		f.Items = neutralKind(it)
		f.Native = d.kind.String() + "<" + describe(it) + ">"
		if it.kind.named() {
			f.TypeName = it.full
		}
		if it.kind == kindEnum {
			f.EnumSymbols = append([]string(nil), it.symbols...)
		}
	case kindUnion:
		names := make([]string, len(d.branches))
		for i, b := range d.branches {
			names[i] = describe(b)
		}
		f.Native = "union[" + strings.Join(names, ",") + "]"
	case kindEnum:
		f.EnumSymbols = append([]string(nil), d.symbols...)
	}
	if d.kind.named() {
		f.TypeName = d.full
	}
}

func neutralKind(d *node) string {
	switch deref(d).kind {
	case kindNull:
		return compat.FieldNull
	case kindBoolean:
		return compat.FieldBoolean
	case kindInt:
		return compat.FieldInt
	case kindLong:
		return compat.FieldLong
	case kindFloat:
		return compat.FieldFloat
	case kindDouble:
		return compat.FieldDouble
	case kindBytes:
		return compat.FieldBytes
	case kindString:
		return compat.FieldString
	case kindRecord:
		return compat.FieldRecord
	case kindEnum:
		return compat.FieldEnum
	case kindFixed:
		return compat.FieldFixed
	case kindArray:
		return compat.FieldArray
	case kindMap:
		return compat.FieldMap
	}
	return compat.FieldUnion
}

func hasNull(u *node) bool {
	for _, b := range u.branches {
		if deref(b).kind == kindNull {
			return true
		}
	}
	return false
}

// nonNull returns the only non-null branch of a union and its index; ok
// is false when the union has several.
func nonNull(u *node) (n *node, index int, ok bool) {
	for i, b := range u.branches {
		if deref(b).kind == kindNull {
			continue
		}
		if n != nil {
			return nil, 0, false
		}
		n, index = b, i
	}
	return n, index, n != nil
}
