package avro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseError is a problem at a JSON pointer in one document.
type parseError struct {
	ptr string
	msg string
}

func (e *parseError) Error() string { return pointer(e.ptr) + ": " + e.msg }

// pointer renders a JSON pointer; the whole document is shown as "/", as
// Confluent does, so that messages never start with a bare colon.
func pointer(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func errAt(ptr, format string, args ...any) error {
	return &parseError{ptr: ptr, msg: fmt.Sprintf(format, args...)}
}

// parser turns documents into nodes. named is shared by every document of
// one Parse call, so a schema can use the named types of its references.
type parser struct {
	named map[string]*node
	// owner says which document defined a name, for redefinition messages.
	owner map[string]string
	doc   string // the document being parsed, as named in messages
}

func newParser() *parser {
	return &parser{named: map[string]*node{}, owner: map[string]string{}}
}

// decodeJSON decodes one JSON value, keeping numbers as written.
func decodeJSON(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty schema")
		}
		return nil, jsonError(text, err)
	}
	// Anything after the value is a mistake (two schemas pasted together,
	// a stray bracket), not something to ignore silently.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		off := dec.InputOffset()
		line, col := lineCol(text, off)
		return nil, fmt.Errorf("unexpected text after the schema at line %d, column %d", line, col)
	}
	return v, nil
}

func jsonError(text string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(text, se.Offset)
		return fmt.Errorf("not valid JSON at line %d, column %d: %s", line, col, se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("not valid JSON: the text ends before the schema is complete")
	}
	return fmt.Errorf("not valid JSON: %s", err.Error())
}

func lineCol(text string, off int64) (line, col int) {
	if off > int64(len(text)) {
		off = int64(len(text))
	}
	before := text[:off]
	line = strings.Count(before, "\n") + 1
	col = int(off) - strings.LastIndexByte(before, '\n')
	return line, col
}

// parseDocument parses one schema document. Named types it defines are
// added to p.named.
func (p *parser) parseDocument(text string) (*node, error) {
	v, err := decodeJSON(text)
	if err != nil {
		return nil, err
	}
	return p.parse(v, "", "")
}

// parse parses the schema v found at ptr, inside namespace space.
func (p *parser) parse(v any, space, ptr string) (*node, error) {
	switch t := v.(type) {
	case string:
		return p.parseName(t, space, ptr)
	case map[string]any:
		return p.parseObject(t, space, ptr)
	case []any:
		return p.parseUnion(t, space, ptr)
	case nil:
		return nil, errAt(ptr, `null is not a schema; the null type is written "null"`)
	}
	return nil, errAt(ptr, "expected a schema (a type name, an object or an array) but found %s", jsonKind(v))
}

// parseName parses a type written as a string: a primitive or a reference
// to a named type defined earlier.
func (p *parser) parseName(s, space, ptr string) (*node, error) {
	if k, ok := primitiveKinds[s]; ok {
		return &node{kind: k}, nil
	}
	switch s {
	case "record", "error", "enum", "fixed", "array", "map":
		return nil, errAt(ptr, `type %q needs an object with its attributes, e.g. {"type":%q, ...}`, s, s)
	}
	if t := p.lookup(s, space); t != nil {
		return &node{kind: kindRef, target: t, refText: s}, nil
	}
	return nil, errAt(ptr, "unknown type name '%s': define it before it is used, or add a schema reference to the schema that defines it", s)
}

// lookup resolves a name reference. A name without a dot is tried in the
// enclosing namespace first and then in the null namespace, as the Java
// implementation does.
func (p *parser) lookup(s, space string) *node {
	if strings.Contains(s, ".") || space == "" {
		return p.named[s]
	}
	if t := p.named[space+"."+s]; t != nil {
		return t
	}
	return p.named[s]
}

func (p *parser) parseObject(m map[string]any, space, ptr string) (*node, error) {
	tv, ok := m["type"]
	if !ok {
		return nil, errAt(ptr, `schema object has no "type" attribute`)
	}
	t, ok := tv.(string)
	if !ok {
		if _, isUnion := tv.([]any); isUnion {
			return nil, errAt(ptr+"/type", `"type" of a schema object must be a string; a union is written as a bare JSON array`)
		}
		return nil, errAt(ptr+"/type", `"type" of a schema object must be a string, found %s`, jsonKind(tv))
	}
	if k, ok := primitiveKinds[t]; ok {
		return &node{kind: k, props: props(m, "type")}, nil
	}
	switch t {
	case "record", "error":
		return p.parseRecord(m, t, space, ptr)
	case "enum":
		return p.parseEnum(m, space, ptr)
	case "fixed":
		return p.parseFixed(m, space, ptr)
	case "array":
		items, err := p.child(m, "items", space, ptr)
		if err != nil {
			return nil, err
		}
		return &node{kind: kindArray, items: items, props: props(m, "type", "items")}, nil
	case "map":
		values, err := p.child(m, "values", space, ptr)
		if err != nil {
			return nil, err
		}
		return &node{kind: kindMap, items: values, props: props(m, "type", "values")}, nil
	}
	// {"type":"com.acme.Address"} is a reference; Java ignores any other
	// attribute on it, and so do we: they cannot change the named type.
	n, err := p.parseName(t, space, ptr+"/type")
	if err != nil {
		return nil, err
	}
	return n, nil
}

func (p *parser) child(m map[string]any, key, space, ptr string) (*node, error) {
	v, ok := m[key]
	if !ok {
		return nil, errAt(ptr, "%s schema has no %q attribute", m["type"], key)
	}
	return p.parse(v, space, ptr+"/"+key)
}

func (p *parser) parseUnion(vs []any, space, ptr string) (*node, error) {
	n := &node{kind: kindUnion, branches: make([]*node, 0, len(vs))}
	seen := make(map[string]bool, len(vs))
	for i, v := range vs {
		bptr := ptr + "/" + strconv.Itoa(i)
		b, err := p.parse(v, space, bptr)
		if err != nil {
			return nil, err
		}
		if b.kind == kindUnion {
			return nil, errAt(bptr, "a union cannot directly contain another union")
		}
		key := unionKey(b)
		if seen[key] {
			return nil, errAt(bptr, "union contains %s more than once", describe(b))
		}
		seen[key] = true
		n.branches = append(n.branches, b)
	}
	return n, nil
}

// defineName reads name, namespace, aliases and doc of a named type and
// registers it, so that its own fields may refer to it.
func (p *parser) defineName(n *node, m map[string]any, space, ptr string) error {
	nv, ok := m["name"]
	if !ok {
		return errAt(ptr, "%s has no \"name\"", n.kind)
	}
	name, ok := nv.(string)
	if !ok {
		return errAt(ptr+"/name", `"name" must be a string, found %s`, jsonKind(nv))
	}
	n.name = name
	if nsv, ok := m["namespace"]; ok {
		ns, ok := nsv.(string)
		if !ok {
			return errAt(ptr+"/namespace", `"namespace" must be a string, found %s`, jsonKind(nsv))
		}
		n.namespace, n.hasNamespace = ns, true
		space = ns
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		n.full, n.space = name, name[:i]
	} else if space != "" {
		n.full, n.space = space+"."+name, space
	} else {
		n.full = name
	}
	if err := checkFullName(n.full); err != nil {
		return errAt(ptr+"/name", "invalid name '%s': %s", n.full, err)
	}
	n.short = n.full[len(n.space):]
	if n.space != "" {
		n.short = n.short[1:]
	}
	if _, ok := primitiveKinds[n.full]; ok {
		return errAt(ptr+"/name", "a %s cannot be named '%s', which is a primitive type", n.kind, n.full)
	}
	if prev, ok := p.owner[n.full]; ok {
		where := "earlier in this schema"
		if prev != p.doc {
			where = "by " + prev
		}
		return errAt(ptr+"/name", "type '%s' is already defined %s", n.full, where)
	}
	if err := p.readAliases(n, m, ptr); err != nil {
		return err
	}
	if err := readDoc(m, ptr, &n.doc, &n.hasDoc); err != nil {
		return err
	}
	p.named[n.full] = n
	p.owner[n.full] = p.doc
	return nil
}

func (p *parser) readAliases(n *node, m map[string]any, ptr string) error {
	as, err := stringList(m, "aliases", ptr)
	if err != nil {
		return err
	}
	for i, a := range as {
		full := a
		if !strings.Contains(a, ".") && n.space != "" {
			full = n.space + "." + a
		}
		if err := checkFullName(full); err != nil {
			return errAt(ptr+"/aliases/"+strconv.Itoa(i), "invalid alias '%s': %s", a, err)
		}
		n.fullAliases = append(n.fullAliases, full)
	}
	n.aliases = as
	return nil
}

func (p *parser) parseRecord(m map[string]any, word, space, ptr string) (*node, error) {
	n := &node{kind: kindRecord, word: word}
	if err := p.defineName(n, m, space, ptr); err != nil {
		return nil, err
	}
	fv, ok := m["fields"]
	if !ok {
		return nil, errAt(ptr, "record '%s' has no \"fields\" array", n.full)
	}
	fs, ok := fv.([]any)
	if !ok {
		return nil, errAt(ptr+"/fields", `"fields" must be an array, found %s`, jsonKind(fv))
	}
	n.fields = make([]*field, 0, len(fs))
	n.byName = make(map[string]*field, len(fs))
	for i, v := range fs {
		f, err := p.parseField(v, n, ptr+"/fields/"+strconv.Itoa(i))
		if err != nil {
			return nil, err
		}
		f.index = i
		n.fields = append(n.fields, f)
		n.byName[f.name] = f
	}
	n.props = props(m, "type", "name", "namespace", "aliases", "doc", "fields")
	return n, nil
}

func (p *parser) parseField(v any, rec *node, ptr string) (*field, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errAt(ptr, "a field must be an object, found %s", jsonKind(v))
	}
	nv, ok := m["name"]
	if !ok {
		return nil, errAt(ptr, `field has no "name"`)
	}
	name, ok := nv.(string)
	if !ok {
		return nil, errAt(ptr+"/name", `"name" must be a string, found %s`, jsonKind(nv))
	}
	if err := checkName(name); err != nil {
		return nil, errAt(ptr+"/name", "invalid field name '%s': %s", name, err)
	}
	if _, dup := rec.byName[name]; dup {
		return nil, errAt(ptr+"/name", "record '%s' has more than one field named '%s'", rec.full, name)
	}
	f := &field{name: name}
	tv, ok := m["type"]
	if !ok {
		return nil, errAt(ptr, "field '%s' has no \"type\"", name)
	}
	typ, err := p.parse(tv, rec.space, ptr+"/type")
	if err != nil {
		return nil, err
	}
	f.typ = typ
	if f.aliases, err = stringList(m, "aliases", ptr); err != nil {
		return nil, err
	}
	for i, a := range f.aliases {
		if err := checkName(a); err != nil {
			return nil, errAt(ptr+"/aliases/"+strconv.Itoa(i), "invalid alias '%s' of field '%s': %s", a, name, err)
		}
	}
	if err := readDoc(m, ptr, &f.doc, &f.hasDoc); err != nil {
		return nil, err
	}
	if ov, ok := m["order"]; ok {
		o, _ := ov.(string)
		if o != "ascending" && o != "descending" && o != "ignore" {
			return nil, errAt(ptr+"/order", `field '%s' has order %s; it must be "ascending", "descending" or "ignore"`, name, jsonText(ov))
		}
		f.order, f.hasOrder = o, true
	}
	if dv, ok := m["default"]; ok {
		if why := checkDefault(typ, dv); why != "" {
			return nil, errAt(ptr+"/default", "field '%s' has an invalid default %s: %s", name, truncate(jsonText(dv), 60), why)
		}
		f.def, f.hasDefault = dv, true
	}
	f.props = props(m, "name", "type", "aliases", "doc", "order", "default")
	return f, nil
}

func (p *parser) parseEnum(m map[string]any, space, ptr string) (*node, error) {
	n := &node{kind: kindEnum}
	if err := p.defineName(n, m, space, ptr); err != nil {
		return nil, err
	}
	if _, ok := m["symbols"]; !ok {
		return nil, errAt(ptr, "enum '%s' has no \"symbols\" array", n.full)
	}
	syms, err := stringList(m, "symbols", ptr)
	if err != nil {
		return nil, err
	}
	if len(syms) == 0 {
		return nil, errAt(ptr+"/symbols", "enum '%s' has no symbols", n.full)
	}
	seen := make(map[string]bool, len(syms))
	for i, s := range syms {
		if err := checkName(s); err != nil {
			return nil, errAt(ptr+"/symbols/"+strconv.Itoa(i), "invalid symbol '%s' in enum '%s': %s", s, n.full, err)
		}
		if seen[s] {
			return nil, errAt(ptr+"/symbols/"+strconv.Itoa(i), "enum '%s' lists symbol '%s' more than once", n.full, s)
		}
		seen[s] = true
	}
	n.symbols = syms
	if dv, ok := m["default"]; ok {
		d, ok := dv.(string)
		if !ok || !seen[d] {
			return nil, errAt(ptr+"/default", "enum '%s' has default %s, which is not one of its symbols", n.full, truncate(jsonText(dv), 60))
		}
		n.enumDefault, n.hasEnumDefault = d, true
	}
	n.props = props(m, "type", "name", "namespace", "aliases", "doc", "symbols", "default")
	return n, nil
}

func (p *parser) parseFixed(m map[string]any, space, ptr string) (*node, error) {
	n := &node{kind: kindFixed}
	if err := p.defineName(n, m, space, ptr); err != nil {
		return nil, err
	}
	sv, ok := m["size"]
	if !ok {
		return nil, errAt(ptr, "fixed '%s' has no \"size\"", n.full)
	}
	num, _ := sv.(json.Number)
	size, err := strconv.ParseInt(string(num), 10, 32)
	if err != nil || size < 0 {
		return nil, errAt(ptr+"/size", "fixed '%s' has size %s; it must be a whole number from 0 to %d", n.full, truncate(jsonText(sv), 30), math.MaxInt32)
	}
	n.size = int(size)
	n.props = props(m, "type", "name", "namespace", "aliases", "doc", "size")
	return n, nil
}

// props collects the attributes of m not in reserved, sorted by key.
func props(m map[string]any, reserved ...string) []prop {
	var out []prop
next:
	for k, v := range m {
		for _, r := range reserved {
			if k == r {
				continue next
			}
		}
		out = append(out, prop{key: k, val: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

func readDoc(m map[string]any, ptr string, doc *string, has *bool) error {
	v, ok := m["doc"]
	if !ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return errAt(ptr+"/doc", `"doc" must be a string, found %s`, jsonKind(v))
	}
	*doc, *has = s, true
	return nil
}

// stringList reads an optional array of strings.
func stringList(m map[string]any, key, ptr string) ([]string, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, errAt(ptr+"/"+key, "%q must be an array of strings, found %s", key, jsonKind(v))
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, errAt(ptr+"/"+key+"/"+strconv.Itoa(i), "%q must contain only strings, found %s", key, jsonKind(e))
		}
		out[i] = s
	}
	return out, nil
}

// checkName validates a simple name: [A-Za-z_][A-Za-z0-9_]*.
func checkName(s string) error {
	if s == "" {
		return errors.New("a name cannot be empty")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return fmt.Errorf("names must start with a letter or '_' and contain only letters, digits and '_' (found %q at position %d)", rune(c), i+1)
		}
	}
	return nil
}

// checkFullName validates a dotted name; every part must be a simple name.
func checkFullName(s string) error {
	for part := range strings.SplitSeq(s, ".") {
		if err := checkName(part); err != nil {
			if part == "" {
				return errors.New("a dotted name cannot have an empty part")
			}
			return err
		}
	}
	return nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// jsonText renders a decoded JSON value compactly, for messages.
func jsonText(v any) string {
	var b bytes.Buffer
	writeJSON(&b, v, false)
	return b.String()
}

// truncate shortens s to about n bytes for a message, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
