package jsonschema

import (
	"bytes"
	"encoding/json"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/accord/accord/compat"
)

var _ compat.Structured = (*Schema)(nil)

// Root returns the root schema's title, "" when it has none: JSON Schema
// has no type names, and a title is what authors use as one.
func (s *Schema) Root() string {
	var m map[string]any
	if json.Unmarshal([]byte(s.canonical), &m) != nil {
		return ""
	}
	t, _ := m["title"].(string)
	return t
}

// Fields lists the properties of the root object and, depth first, of
// the objects inside it. Locations are JSON pointers from the root along
// the path taken ("#/properties/customer/properties/address"), as the
// compatibility differences are located; local $refs are followed
// ("#/$defs/...", "#/definitions/..."), references to other documents are
// leaves whose TypeName is the reference.
func (s *Schema) Fields() []compat.Field {
	dec := json.NewDecoder(bytes.NewReader([]byte(s.canonical)))
	dec.UseNumber()
	var root any
	if dec.Decode(&root) != nil {
		return nil
	}
	// "#" is open from the start: a $ref to the root is recursive.
	w := jsonWalker{root: root, open: map[string]bool{"#": true}}
	w.children(root, "", "#")
	return w.out
}

type jsonWalker struct {
	root any
	out  []compat.Field
	open map[string]bool // local $refs being expanded on the current path
}

// resolve follows local $refs from v. ref is the last reference followed
// ("" when none); external is set for a reference to another document.
func (w *jsonWalker) resolve(v any) (m map[string]any, ref string, external bool) {
	m, _ = v.(map[string]any)
	for range 32 {
		r, ok := m["$ref"].(string)
		if !ok {
			return m, ref, false
		}
		if !strings.HasPrefix(r, "#") {
			return m, r, true
		}
		ref = r
		target, ok := lookup(w.root, strings.TrimPrefix(r, "#"))
		if !ok {
			return nil, ref, false
		}
		m, _ = target.(map[string]any)
	}
	return nil, ref, false
}

// children lists the properties inside schema v, found at pointer ptr.
func (w *jsonWalker) children(v any, parent, ptr string) {
	m, ref, external := w.resolve(v)
	if m == nil || external {
		return
	}
	if ref != "" {
		if w.open[ref] {
			return
		}
		w.open[ref] = true
		defer delete(w.open, ref)
	}
	if inner, i, ok := nullableBranch(m); ok {
		w.children(inner, parent, ptr+"/"+i)
		return
	}
	if props, ok := m["properties"].(map[string]any); ok {
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		required := map[string]bool{}
		if rs, ok := m["required"].([]any); ok {
			for _, r := range rs {
				if s, ok := r.(string); ok {
					required[s] = true
				}
			}
		}
		for _, n := range names {
			w.field(props[n], n, parent, ptr+"/properties/"+escapePointer(n), !required[n])
		}
		return
	}
	if items, ok := m["items"]; ok {
		w.children(items, parent, ptr+"/items")
	} else if add, ok := m["additionalProperties"].(map[string]any); ok {
		w.children(add, parent, ptr+"/additionalProperties")
	}
}

func (w *jsonWalker) field(v any, name, parent, ptr string, optional bool) {
	f := compat.Field{Path: compat.JoinPath(parent, name), Name: name, Location: ptr, Optional: optional}
	m, ref, external := w.resolve(v)
	childPtr := ptr
	if inner, i, ok := nullableBranch(m); ok {
		f.Nullable = true
		childPtr = ptr + "/" + i
		m, ref, external = w.resolve(inner)
	}
	if ref != "" {
		f.TypeName = refName(ref)
	}
	if external {
		f.Type, f.Native = compat.FieldRecord, "$ref "+ref
		w.out = append(w.out, f)
		return
	}
	w.describe(&f, m)
	f.Recursive = ref != "" && w.open[ref]
	if !f.Recursive && (f.Repeated || f.Type == compat.FieldMap) {
		// An array's or map's item schema may itself be a reference.
		key := "items"
		if f.Type == compat.FieldMap {
			key = "additionalProperties"
		}
		if _, iref, _ := w.resolve(m[key]); iref != "" {
			f.TypeName = refName(iref)
			f.Recursive = w.open[iref]
		}
	}
	w.out = append(w.out, f)
	if f.Recursive {
		return
	}
	if ref != "" {
		w.open[ref] = true
		defer delete(w.open, ref)
	}
	w.children(m, f.Path, childPtr)
}

// describe fills the type fields of f from schema m.
func (w *jsonWalker) describe(f *compat.Field, m map[string]any) {
	f.Doc, _ = m["description"].(string)
	f.Logical, _ = m["format"].(string)
	typ, null := schemaType(m)
	f.Nullable = f.Nullable || null
	f.Native = typ
	switch {
	case m["enum"] != nil:
		f.Type, f.Native = compat.FieldEnum, "enum"
		f.EnumSymbols = enumSymbols(m["enum"])
	case m["const"] != nil:
		f.Type, f.Native = compat.FieldConst, "const"
	case typ == "array":
		f.Type, f.Repeated = compat.FieldArray, true
		im, _, ext := w.resolve(m["items"])
		if ext {
			f.Items = compat.FieldRecord
		} else if im != nil {
			var item compat.Field
			w.describe(&item, im)
			f.Items, f.EnumSymbols = item.Type, item.EnumSymbols
		}
	case typ == "object":
		f.Type = compat.FieldRecord
		if _, ok := m["properties"]; !ok {
			if am, ok := m["additionalProperties"].(map[string]any); ok {
				f.Type = compat.FieldMap
				var item compat.Field
				w.describe(&item, am)
				f.Items = item.Type
			}
		}
	case typ == "":
		f.Type, f.Native = compat.FieldAny, "any"
		for _, k := range []string{"anyOf", "oneOf"} {
			if _, ok := m[k]; ok {
				f.Type, f.Native = compat.FieldUnion, k
			}
		}
	default:
		f.Type = jsonTypes[typ]
	}
}

var jsonTypes = map[string]string{
	"string":  compat.FieldString,
	"integer": compat.FieldLong,
	"number":  compat.FieldDouble,
	"boolean": compat.FieldBoolean,
	"null":    compat.FieldNull,
	"union":   compat.FieldUnion,
}

// schemaType returns the schema's single non-null type ("union" for
// several, "" for none; object and array are implied by their keywords)
// and whether null is allowed.
func schemaType(m map[string]any) (typ string, null bool) {
	var types []string
	switch t := m["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				types = append(types, s)
			}
		}
	}
	var nonNull []string
	for _, t := range types {
		if t == "null" {
			null = true
		} else {
			nonNull = append(nonNull, t)
		}
	}
	switch {
	case len(nonNull) == 1:
		return nonNull[0], null
	case len(nonNull) > 1:
		return "union", null
	case len(types) > 0:
		return "null", null
	}
	if _, ok := m["properties"]; ok {
		return "object", false
	}
	if _, ok := m["items"]; ok {
		return "array", false
	}
	return "", false
}

// nullableBranch recognises {"anyOf"|"oneOf": [{"type":"null"}, X]} and
// returns X and its pointer segments.
func nullableBranch(m map[string]any) (inner any, ptr string, ok bool) {
	for _, k := range []string{"anyOf", "oneOf"} {
		subs, _ := m[k].([]any)
		if len(subs) != 2 {
			continue
		}
		for i, s := range subs {
			sm, _ := s.(map[string]any)
			if t, _ := sm["type"].(string); t == "null" && len(sm) == 1 {
				j := 1 - i
				return subs[j], k + "/" + string(rune('0'+j)), true
			}
		}
	}
	return nil, "", false
}

func enumSymbols(v any) []string {
	vals, _ := v.([]any)
	out := make([]string, 0, len(vals))
	for _, x := range vals {
		if s, ok := x.(string); ok {
			out = append(out, s)
			continue
		}
		b, _ := json.Marshal(x)
		out = append(out, string(b))
	}
	return out
}

// refName names the type a $ref points at: its last pointer segment or
// file name without extension.
func refName(ref string) string {
	if u, err := url.Parse(ref); err == nil && u.Fragment != "" {
		return path.Base(u.Fragment)
	}
	return strings.TrimSuffix(path.Base(ref), path.Ext(ref))
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
