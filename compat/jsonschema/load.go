package jsonschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"

	sjs "github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/accord/accord/compat"
)

// draft is a JSON Schema specification version.
type draft int

const (
	draft4    draft = 4
	draft6    draft = 6
	draft7    draft = 7
	draft2019 draft = 2019
	draft2020 draft = 2020
)

// defaultDraft applies when a document has no $schema, as in Confluent.
const defaultDraft = draft7

func (d draft) String() string {
	switch d {
	case draft2019:
		return "2019-09"
	case draft2020:
		return "2020-12"
	}
	return fmt.Sprintf("draft-%02d", int(d))
}

func (d draft) compiler() *sjs.Draft {
	switch d {
	case draft4:
		return sjs.Draft4
	case draft6:
		return sjs.Draft6
	case draft2019:
		return sjs.Draft2019
	case draft2020:
		return sjs.Draft2020
	}
	return sjs.Draft7
}

// idKeyword is the keyword that changes the base URI.
func (d draft) idKeyword() string {
	if d == draft4 {
		return "id"
	}
	return "$id"
}

// draftByURL recognises the meta-schema URLs the compiler knows, with the
// same leniency (http or https, with or without an empty fragment).
func draftByURL(u string) (draft, bool) {
	if strings.HasPrefix(u, "http://") {
		u = "https://" + strings.TrimPrefix(u, "http://")
	}
	if strings.HasSuffix(u, "#") || strings.HasSuffix(u, "#/") {
		u = u[:strings.IndexByte(u, '#')]
	}
	switch u {
	case "https://json-schema.org/schema", "https://json-schema.org/draft/2020-12/schema":
		return draft2020, true
	case "https://json-schema.org/draft/2019-09/schema":
		return draft2019, true
	case "https://json-schema.org/draft-07/schema":
		return draft7, true
	case "https://json-schema.org/draft-06/schema":
		return draft6, true
	case "https://json-schema.org/draft-04/schema":
		return draft4, true
	}
	return 0, false
}

// rootURL is the base URI of a schema without an absolute $id. Its scheme
// cannot be fetched, and dependencies named relatively ("customer.json")
// resolve beside it, as they do beside Confluent's default base.
const rootURL = "accord:///__root__.json"

// document is one JSON text taking part in a parse: the schema itself or a
// referenced schema.
type document struct {
	name  string // the dependency's name; "" for the schema being parsed
	url   string // the URL the compiler reports locations under (its $id when it has one)
	raw   any
	draft draft
}

// where names a location in the document for messages, as an RFC 6901
// pointer without percent-encoding so that it reads like the document.
func (d *document) where(ptr string) string {
	loc := "#/"
	if ptr != "" {
		parts := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
		for i, p := range parts {
			parts[i] = escapePath(unescapeToken(p))
		}
		loc += strings.Join(parts, "/")
	}
	if d.name == "" {
		return loc
	}
	return fmt.Sprintf("%s in reference %q", loc, d.name)
}

// decodeJSON parses one JSON value, keeping numbers exact and refusing
// trailing content.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, describeJSONError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected content after the JSON value at offset %d", dec.InputOffset())
	}
	return v, nil
}

// describeJSONError turns a decoding error into one with a line and column.
func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset-1) // Offset counts the offending byte
		return fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: unexpected end of input")
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

func lineCol(data []byte, off int64) (int, int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// loadDocument decodes one schema text and finds its draft.
func loadDocument(name, text string) (*document, error) {
	prefix := ""
	if name != "" {
		prefix = fmt.Sprintf("reference %q: ", name)
	}
	raw, err := decodeJSON([]byte(text))
	if err != nil {
		return nil, compat.InvalidSchemaf("%s%v", prefix, err)
	}
	d := &document{name: name, raw: raw, draft: defaultDraft}
	switch v := raw.(type) {
	case bool:
	case map[string]any:
		if s, ok := v["$schema"]; ok {
			str, ok := s.(string)
			if !ok {
				return nil, compat.InvalidSchemaf("at %s: $schema must be a string", d.where("/$schema"))
			}
			dr, ok := draftByURL(str)
			if !ok {
				return nil, compat.InvalidSchemaf("at %s: unsupported $schema %q (Accord supports drafts 4, 6, 7, 2019-09 and 2020-12)", d.where("/$schema"), str)
			}
			d.draft = dr
		}
	default:
		return nil, compat.InvalidSchemaf("at %s: a schema must be a JSON object or a boolean, not %s", d.where(""), jsonType(raw))
	}
	return d, nil
}

// idURL is the URL the compiler gives a document registered at base: its
// $id resolved against base, when it has one.
func idURL(base string, d *document) string {
	m, ok := d.raw.(map[string]any)
	if !ok {
		return base
	}
	if _, ok := m["$ref"]; ok && d.draft <= draft7 {
		return base // $ref hides a sibling id before 2019-09
	}
	id, ok := m[d.draft.idKeyword()].(string)
	if !ok {
		return base
	}
	id, _ = splitFragment(id)
	if id == "" {
		return base
	}
	u, err := resolveURL(base, id)
	if err != nil {
		return base
	}
	u, _ = splitFragment(u)
	return u
}

// resolveURL resolves ref against base exactly as the compiler does, so
// that the URLs Accord registers are the ones it looks up.
func resolveURL(base, ref string) (string, error) {
	if ref == "" {
		return base, nil
	}
	if strings.HasPrefix(ref, "urn:") {
		return ref, nil
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	if r.IsAbs() {
		return ref, nil
	}
	if strings.HasPrefix(base, "urn:") {
		b, _ := splitFragment(base)
		return b + ref, nil
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	return b.ResolveReference(r).String(), nil
}

// splitFragment splits a URL at '#', returning the fragment with its '#'.
func splitFragment(u string) (string, string) {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i], u[i:]
	}
	return u, ""
}

// loader holds everything one Parse needs.
type loader struct {
	root    *document
	docs    map[string]*document // by every URL a document is known under
	order   []*document          // root first, then references in the order given
	refused []string             // URLs the compiler asked for and did not get
}

// dependencyURLs lists the URLs a $ref may use for a dependency: its name
// resolved against the root's base URI (as Confluent registers references)
// and against the default base.
func (l *loader) dependencyURLs(name string) []string {
	name, _ = splitFragment(name)
	var out []string
	for _, base := range []string{l.root.url, rootURL} {
		u, err := resolveURL(base, name)
		if err != nil || u == "" {
			continue
		}
		if !contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// compile loads every document into a compiler and compiles the root. The
// compiler checks each document against its meta-schema and resolves every
// reference; anything it would have to fetch is refused.
func (l *loader) compile(rootText string, deps []compat.Dependency) (*sjs.Schema, error) {
	c := sjs.NewCompiler()
	c.Draft = defaultDraft.compiler()
	// Formats are asserted in every draft, as Confluent's validators do for
	// the drafts that make it optional.
	c.AssertFormat = true
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		l.refused = append(l.refused, u)
		return nil, fmt.Errorf("%q is not one of the schema's references (Accord never fetches schemas)", u)
	}
	if err := c.AddResource(rootURL, strings.NewReader(rootText)); err != nil {
		return nil, compat.InvalidSchemaf("%v", err)
	}
	for _, dep := range deps {
		if dep.Type != "" && dep.Type != compat.TypeJSON {
			return nil, compat.InvalidSchemaf("reference %q is a %s schema; a JSON Schema can only reference JSON schemas", dep.Name, dep.Type)
		}
		if dep.Name == "" {
			return nil, compat.InvalidSchemaf("a reference has no name; its $ref URL is its name")
		}
		d, err := loadDocument(dep.Name, dep.Schema)
		if err != nil {
			return nil, err
		}
		urls := l.dependencyURLs(dep.Name)
		if len(urls) == 0 {
			return nil, compat.InvalidSchemaf("reference name %q is not a valid URI reference", dep.Name)
		}
		for _, u := range urls {
			if _, taken := l.docs[u]; taken {
				continue // the first reference under a URL wins
			}
			if err := c.AddResource(u, strings.NewReader(dep.Schema)); err != nil {
				return nil, compat.InvalidSchemaf("reference %q: %v", dep.Name, err)
			}
			dd := *d
			dd.url = idURL(u, d)
			l.add(&dd, u)
		}
	}
	s, err := compileSafely(c)
	if err != nil {
		return nil, l.describeCompileError(err)
	}
	return s, nil
}

// add registers d under u and under its own URL.
func (l *loader) add(d *document, u string) {
	l.order = append(l.order, d)
	for _, k := range []string{u, d.url} {
		if _, taken := l.docs[k]; !taken {
			l.docs[k] = d
		}
	}
}

// compileSafely turns a compiler panic (it panics on some regular
// expressions the meta-schema does not catch) into an error.
func compileSafely(c *sjs.Compiler) (s *sjs.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return c.Compile(rootURL)
}

// describeCompileError says where the problem is, as a JSON pointer into
// the document that has it.
func (l *loader) describeCompileError(err error) error {
	var ve *sjs.ValidationError
	if errors.As(err, &ve) {
		// The compiler does not say which document failed its meta-schema:
		// find it by checking each one.
		for _, d := range l.order {
			if verr := metaValidate(d); verr != nil {
				leaf := deepestCause(verr)
				return compat.InvalidSchemaf("at %s: %s", d.where(leaf.InstanceLocation), leaf.Message)
			}
		}
		leaf := deepestCause(ve)
		return compat.InvalidSchemaf("at %s: %s", l.root.where(leaf.InstanceLocation), leaf.Message)
	}
	if len(l.refused) > 0 {
		target := l.refused[len(l.refused)-1]
		if d, ptr, ref, ok := l.findRef(func(resolved string) bool {
			u, _ := splitFragment(resolved)
			return u == target
		}); ok {
			return compat.InvalidSchemaf("at %s: $ref %q cannot be resolved: it is neither in this schema nor one of its references (Accord never fetches schemas)", d.where(ptr), ref)
		}
		if _, ok := draftByURL(target); !ok {
			return compat.InvalidSchemaf("%q cannot be resolved: it is neither in this schema nor one of its references (Accord never fetches schemas)", target)
		}
	}
	msg := strings.TrimPrefix(err.Error(), "jsonschema "+rootURL+" compilation failed: ")
	if strings.HasSuffix(msg, " not found") {
		target := strings.TrimSuffix(strings.TrimPrefix(msg, "jsonschema: "), " not found")
		if d, ptr, ref, ok := l.findRef(func(resolved string) bool { return resolved == target }); ok {
			return compat.InvalidSchemaf("at %s: $ref %q cannot be resolved: no such location", d.where(ptr), ref)
		}
	}
	var loop sjs.InfiniteLoopError
	if errors.As(err, &loop) {
		return compat.InvalidSchemaf("$ref cycle that never reaches a schema: %s", strings.TrimPrefix(string(loop), rootURL))
	}
	return compat.InvalidSchemaf("%s", msg)
}

// findRef finds a reference whose resolved URL satisfies match, for error
// messages.
func (l *loader) findRef(match func(string) bool) (d *document, ptr, ref string, ok bool) {
	for _, doc := range l.order {
		base := doc.url
		walkSchemas(doc.raw, doc.draft, "", base, func(p, b string, m map[string]any) bool {
			for _, kw := range []string{"$ref", "$recursiveRef", "$dynamicRef"} {
				s, isString := m[kw].(string)
				if !isString {
					continue
				}
				if u, err := resolveURL(b, s); err == nil && match(u) {
					d, ptr, ref, ok = doc, p+"/"+kw, s, true
					return false
				}
			}
			return true
		})
		if ok {
			return
		}
	}
	return
}

// walkSchemas calls fn for every schema object in v (found through the
// subschema keywords, as the compiler finds them) with its JSON pointer and
// base URI, until fn returns false.
func walkSchemas(v any, dr draft, ptr, base string, fn func(ptr, base string, m map[string]any) bool) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return true
	}
	if id, ok := m[dr.idKeyword()].(string); ok {
		if _, hasRef := m["$ref"]; !hasRef || dr > draft7 {
			if u, err := resolveURL(base, id); err == nil {
				base, _ = splitFragment(u)
			}
		}
	}
	if !fn(ptr, base, m) {
		return false
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		child := m[k]
		p := ptr + "/" + escapeToken(k)
		switch subschemaPosition(k) {
		case posSelf:
			if !walkSchemas(child, dr, p, base, fn) {
				return false
			}
		case posItems:
			if arr, ok := child.([]any); ok {
				for i, e := range arr {
					if !walkSchemas(e, dr, p+"/"+strconv.Itoa(i), base, fn) {
						return false
					}
				}
			} else if !walkSchemas(child, dr, p, base, fn) {
				return false
			}
		case posProps:
			if mm, ok := child.(map[string]any); ok {
				names := make([]string, 0, len(mm))
				for n := range mm {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					if !walkSchemas(mm[n], dr, p+"/"+escapeToken(n), base, fn) {
						return false
					}
				}
			}
		}
	}
	return true
}

type position uint8

const (
	posNone  position = iota
	posSelf           // the value is a schema
	posItems          // the value is a schema or an array of schemas
	posProps          // the value maps names to schemas
)

// subschemaPosition says where a keyword keeps its subschemas.
func subschemaPosition(kw string) position {
	switch kw {
	case "not", "additionalProperties", "additionalItems", "propertyNames", "contains",
		"if", "then", "else", "unevaluatedProperties", "unevaluatedItems", "contentSchema":
		return posSelf
	case "allOf", "anyOf", "oneOf", "items", "prefixItems":
		return posItems
	case "properties", "patternProperties", "definitions", "$defs", "dependencies", "dependentSchemas":
		return posProps
	}
	return posNone
}

// metaValidate checks one document against its draft's meta-schema.
func metaValidate(d *document) *sjs.ValidationError {
	meta, err := sjs.NewCompiler().Compile(d.draft.compiler().URL())
	if err != nil {
		return nil
	}
	var ve *sjs.ValidationError
	if err := meta.Validate(d.raw); errors.As(err, &ve) {
		return ve
	}
	return nil
}

// deepestCause picks the most specific cause of a validation error.
func deepestCause(ve *sjs.ValidationError) *sjs.ValidationError {
	best := ve
	var visit func(v *sjs.ValidationError)
	visit = func(v *sjs.ValidationError) {
		if len(v.Causes) == 0 {
			if len(v.InstanceLocation) > len(best.InstanceLocation) || best == ve {
				best = v
			}
			return
		}
		for _, c := range v.Causes {
			visit(c)
		}
	}
	visit(ve)
	return best
}

// escapeToken escapes one JSON pointer token as the compiler does in the
// locations it reports, so that locations can be used as keys.
func escapeToken(t string) string {
	t = strings.ReplaceAll(t, "~", "~0")
	t = strings.ReplaceAll(t, "/", "~1")
	return url.PathEscape(t)
}

// unescapeToken reverses escapeToken (and plain RFC 6901 escaping).
func unescapeToken(t string) string {
	if u, err := url.PathUnescape(t); err == nil {
		t = u
	}
	t = strings.ReplaceAll(t, "~1", "/")
	return strings.ReplaceAll(t, "~0", "~")
}

// normalizePointer rewrites a fragment pointer in escapeToken's spelling.
func normalizePointer(frag string) string {
	frag = strings.TrimPrefix(frag, "#")
	if frag == "" || frag == "/" {
		return ""
	}
	parts := strings.Split(strings.TrimPrefix(frag, "/"), "/")
	var b strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(escapeToken(unescapeToken(p)))
	}
	return b.String()
}

// lookup finds the value at a pointer in escapeToken's spelling.
func lookup(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	for _, p := range strings.Split(ptr[1:], "/") {
		tok := unescapeToken(p)
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
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
	}
	return "an object"
}
