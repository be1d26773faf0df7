package jsonschema

import (
	"encoding/binary"
	"hash/fnv"
	"regexp"
	"sort"
	"strconv"

	sjs "github.com/santhosh-tekuri/jsonschema/v5"
)

// builder turns documents into the comparison model. References are not
// resolved here: the compiler already resolved them (with $id scoping,
// anchors and registered references), so a $ref node takes its target from
// the compiled schema at the same location.
type builder struct {
	docs     map[string]*document
	compiled map[string]*sjs.Schema // by document URL + "#" + pointer
	nodes    map[string]*node       // by document URL + "#" + pointer
	digests  map[*document]map[string]digestInfo
}

func newBuilder(l *loader, root *sjs.Schema) *builder {
	return &builder{docs: l.docs, compiled: indexCompiled(root), nodes: make(map[string]*node),
		digests: make(map[*document]map[string]digestInfo)}
}

// indexCompiled lists every compiled schema reachable from root by the
// location it was compiled from.
func indexCompiled(root *sjs.Schema) map[string]*sjs.Schema {
	out := make(map[string]*sjs.Schema)
	seen := make(map[*sjs.Schema]bool)
	var visit func(s *sjs.Schema)
	visitAny := func(v any) {
		switch v := v.(type) {
		case *sjs.Schema:
			visit(v)
		case []*sjs.Schema:
			for _, s := range v {
				visit(s)
			}
		}
	}
	visit = func(s *sjs.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		u, f := splitFragment(s.Location)
		if _, isMeta := draftByURL(u); isMeta {
			return
		}
		key := u + "#" + normalizePointer(f)
		if _, dup := out[key]; !dup {
			out[key] = s
		}
		for _, c := range []*sjs.Schema{s.Ref, s.RecursiveRef, s.DynamicRef, s.Not, s.If, s.Then, s.Else,
			s.PropertyNames, s.UnevaluatedProperties, s.Items2020, s.Contains, s.UnevaluatedItems, s.ContentSchema} {
			visit(c)
		}
		for _, list := range [][]*sjs.Schema{s.AllOf, s.AnyOf, s.OneOf, s.PrefixItems} {
			for _, c := range list {
				visit(c)
			}
		}
		for _, c := range s.Properties {
			visit(c)
		}
		for _, c := range s.PatternProperties {
			visit(c)
		}
		for _, c := range s.DependentSchemas {
			visit(c)
		}
		for _, c := range s.Dependencies {
			visitAny(c)
		}
		visitAny(s.AdditionalProperties)
		visitAny(s.Items)
		visitAny(s.AdditionalItems)
	}
	visit(root)
	return out
}

// build returns the node for the schema at ptr in d, building it once.
func (b *builder) build(d *document, ptr string) *node {
	key := d.url + "#" + ptr
	if n, ok := b.nodes[key]; ok {
		return n
	}
	n := &node{}
	// Registered before its children so that a reference back to it (a
	// recursive schema) finds it.
	b.nodes[key] = n
	raw, _ := lookup(d.raw, ptr)
	di := b.digest(d, ptr)
	n.digest, n.refFree = di.sum, di.refFree
	switch v := raw.(type) {
	case bool:
		if v {
			n.kind = kindEmpty
		} else {
			n.kind = kindFalse
		}
	case map[string]any:
		b.fill(n, d, ptr, v)
	default:
		n.kind = kindEmpty // not a schema; the meta-schema check has already refused it
	}
	return n
}

// fill classifies a schema object as Confluent's loader does: each keyword
// family yields a schema (enum, each of allOf/anyOf/oneOf, not, const, the
// declared type, then the types implied by keywords the type did not
// claim); one result is the schema, several are an allOf of them.
func (b *builder) fill(n *node, d *document, ptr string, m map[string]any) {
	dr := d.draft
	if dr <= draft7 {
		if _, ok := m["$ref"].(string); ok {
			// Before 2019-09 a $ref replaces the whole object.
			n.kind, n.ref = kindRef, b.target(d, ptr, "$ref")
			return
		}
	}
	consumed := make(map[string]bool)
	var parts []*node
	if dr >= draft2019 {
		// From 2019-09 a reference is one more constraint beside the
		// others. $recursiveRef and $dynamicRef are followed to the target
		// they have when the schema is used on its own.
		refs := []string{"$ref", "$recursiveRef"}
		if dr >= draft2020 {
			refs = append(refs, "$dynamicRef")
		}
		for _, kw := range refs {
			if _, ok := m[kw].(string); ok {
				parts = append(parts, &node{kind: kindRef, ref: b.target(d, ptr, kw)})
			}
		}
	}
	if e, ok := m["enum"].([]any); ok {
		consumed["enum"] = true
		en := &node{kind: kindEnum}
		for _, v := range e {
			en.values = append(en.values, valueKey(v))
		}
		parts = append(parts, en)
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		arr, ok := m[kw].([]any)
		if !ok {
			continue
		}
		consumed[kw] = true
		c := &node{kind: kindCombined, criterion: kw}
		for i, v := range arr {
			c.subs = append(c.subs, sub{n: b.build(d, ptr+"/"+kw+"/"+strconv.Itoa(i)), index: i, key: valueKey(v)})
		}
		parts = append(parts, c)
	}
	if _, ok := m["not"]; ok {
		consumed["not"] = true
		parts = append(parts, &node{kind: kindNot, not: b.build(d, ptr+"/not")})
	}
	if v, ok := m["const"]; ok && dr >= draft6 {
		consumed["const"] = true
		parts = append(parts, &node{kind: kindConst, values: []string{valueKey(v)}})
	}
	if t, ok := m["type"]; ok {
		consumed["type"] = true
		switch t := t.(type) {
		case string:
			if p := b.typed(d, ptr, m, t, consumed); p != nil {
				parts = append(parts, p)
			}
		case []any:
			// A list of types is an anyOf of one schema per type, each
			// built from the whole object.
			c := &node{kind: kindCombined, criterion: "anyOf", synthetic: true}
			for i, e := range t {
				if s, ok := e.(string); ok {
					if p := b.typed(d, ptr, m, s, consumed); p != nil {
						c.subs = append(c.subs, sub{n: p, index: i, key: s})
					}
				}
			}
			parts = append(parts, c)
		}
	}
	// Keywords no declared type claimed still imply a type.
	if hasAny(m, arrayKeywords(dr), consumed) {
		parts = append(parts, b.typed(d, ptr, m, "array", consumed))
	}
	if hasAny(m, objectKeywords(dr), consumed) {
		parts = append(parts, b.typed(d, ptr, m, "object", consumed))
	}
	if hasAny(m, numberKeywords, consumed) {
		parts = append(parts, b.typed(d, ptr, m, "number", consumed))
	}
	if hasAny(m, stringKeywords, consumed) {
		parts = append(parts, b.typed(d, ptr, m, "string", consumed))
	}
	if dr >= draft7 && hasAny(m, conditionalKeywords, consumed) {
		parts = append(parts, &node{kind: kindConditional})
	}

	switch len(parts) {
	case 0:
		n.kind = kindEmpty
	case 1:
		digest, refFree, shared := n.digest, n.refFree, n.shared
		*n = *parts[0]
		n.digest, n.refFree, n.shared = digest, refFree, shared
	default:
		n.kind, n.criterion, n.synthetic = kindCombined, "allOf", true
		for i, p := range parts {
			n.subs = append(n.subs, sub{n: p, index: i})
		}
	}

	// Annotations belong to the schema as a whole.
	if s, ok := m[dr.idKeyword()].(string); ok {
		n.id = &s
	}
	if s, ok := m["title"].(string); ok {
		n.title = &s
	}
	if s, ok := m["description"].(string); ok {
		n.description = &s
	}
	if v, ok := m["default"]; ok {
		n.hasDefault, n.defaultKey = true, valueKey(v)
	}
}

var (
	numberKeywords      = []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
	stringKeywords      = []string{"minLength", "maxLength", "pattern", "format"}
	conditionalKeywords = []string{"if", "then", "else"}
)

// objectKeywords and arrayKeywords are the keywords that make an object or
// array schema in each draft.
func objectKeywords(dr draft) []string {
	switch {
	case dr >= draft2019:
		return objectKeywords2019
	case dr >= draft6:
		return objectKeywords6
	}
	return objectKeywords6[:len(objectKeywords6)-1]
}

func arrayKeywords(dr draft) []string {
	switch {
	case dr >= draft2020:
		return arrayKeywords2020
	case dr >= draft2019:
		return arrayKeywords2020[:len(arrayKeywords2020)-1]
	case dr >= draft6:
		return arrayKeywords2020[:6]
	}
	return arrayKeywords2020[:5]
}

var (
	objectKeywords6 = []string{"properties", "required", "minProperties", "maxProperties", "dependencies",
		"patternProperties", "additionalProperties", "propertyNames"}
	objectKeywords2019 = append(objectKeywords6[:len(objectKeywords6):len(objectKeywords6)],
		"dependentRequired", "dependentSchemas", "unevaluatedProperties")
	arrayKeywords2020 = []string{"items", "additionalItems", "minItems", "maxItems", "uniqueItems",
		"contains", "minContains", "maxContains", "unevaluatedItems", "prefixItems"}
)

func hasAny(m map[string]any, kws []string, consumed map[string]bool) bool {
	for _, k := range kws {
		if _, ok := m[k]; ok && !consumed[k] {
			return true
		}
	}
	return false
}

func consume(consumed map[string]bool, kws []string) {
	for _, k := range kws {
		consumed[k] = true
	}
}

// typed builds the schema for one JSON type from the object's keywords and
// marks those keywords as claimed. nil for an unknown type name.
func (b *builder) typed(d *document, ptr string, m map[string]any, t string, consumed map[string]bool) *node {
	switch t {
	case "string":
		consume(consumed, stringKeywords)
		n := &node{kind: kindString, minLength: ratOf(m["minLength"]), maxLength: ratOf(m["maxLength"])}
		if p, ok := m["pattern"].(string); ok {
			n.pattern = &p
		}
		return n
	case "number", "integer":
		consume(consumed, numberKeywords)
		return numberNode(m, d.draft, t == "integer")
	case "boolean":
		return &node{kind: kindBoolean}
	case "null":
		return &node{kind: kindNull}
	case "array":
		consume(consumed, arrayKeywords(d.draft))
		return b.array(d, ptr, m)
	case "object":
		consume(consumed, objectKeywords(d.draft))
		return b.object(d, ptr, m)
	}
	return nil
}

func numberNode(m map[string]any, dr draft, integer bool) *node {
	n := &node{kind: kindNumber, integer: integer,
		minimum: ratOf(m["minimum"]), maximum: ratOf(m["maximum"]), multipleOf: ratOf(m["multipleOf"])}
	// Draft 4 spells exclusivity as a boolean beside the limit; read it as
	// the exclusive limit later drafts write, so that both spellings compare.
	if excl, ok := m["exclusiveMinimum"].(bool); ok {
		if excl {
			n.exclusiveMinimum, n.minimum = n.minimum, nil
		}
	} else {
		n.exclusiveMinimum = ratOf(m["exclusiveMinimum"])
	}
	if excl, ok := m["exclusiveMaximum"].(bool); ok {
		if excl {
			n.exclusiveMaximum, n.maximum = n.maximum, nil
		}
	} else {
		n.exclusiveMaximum = ratOf(m["exclusiveMaximum"])
	}
	return n
}

func (b *builder) array(d *document, ptr string, m map[string]any) *node {
	n := &node{kind: kindArray, tupleKW: "items", addItemsKW: "additionalItems",
		minItems: ratOf(m["minItems"]), maxItems: ratOf(m["maxItems"])}
	n.unique, _ = m["uniqueItems"].(bool)
	if d.draft >= draft2020 {
		// 2020-12 renamed the tuple form to prefixItems, and items after
		// it plays the part of additionalItems.
		prefix, hasPrefix := m["prefixItems"].([]any)
		for i := range prefix {
			n.tuple = append(n.tuple, b.build(d, ptr+"/prefixItems/"+strconv.Itoa(i)))
		}
		n.tupleKW = "prefixItems"
		if v, ok := m["items"]; ok {
			if hasPrefix {
				n.addItems, n.addItemsKW = b.openness(d, ptr+"/items", v), "items"
			} else {
				n.allItems = b.build(d, ptr+"/items")
			}
		}
	} else {
		switch v := m["items"].(type) {
		case []any:
			for i := range v {
				n.tuple = append(n.tuple, b.build(d, ptr+"/items/"+strconv.Itoa(i)))
			}
		case map[string]any, bool:
			n.allItems = b.build(d, ptr+"/items")
		}
		if v, ok := m["additionalItems"]; ok {
			n.addItems = b.openness(d, ptr+"/additionalItems", v)
		}
	}
	if d.draft >= draft2019 {
		if _, ok := m["unevaluatedItems"]; ok {
			n.unevalItems = b.build(d, ptr+"/unevaluatedItems")
		}
		n.minContains, n.maxContains = ratOf(m["minContains"]), ratOf(m["maxContains"])
	}
	return n
}

func (b *builder) object(d *document, ptr string, m map[string]any) *node {
	n := &node{kind: kindObject, minProperties: ratOf(m["minProperties"]), maxProperties: ratOf(m["maxProperties"])}
	if props, ok := m["properties"].(map[string]any); ok {
		for _, name := range sortedKeys(props) {
			n.properties = append(n.properties, namedNode{name, b.build(d, ptr+"/properties/"+escapeToken(name))})
		}
	}
	if req, ok := m["required"].([]any); ok {
		n.required = make(map[string]bool, len(req))
		for _, r := range req {
			if s, ok := r.(string); ok {
				n.required[s] = true
			}
		}
	}
	if pp, ok := m["patternProperties"].(map[string]any); ok {
		for _, p := range sortedKeys(pp) {
			re, err := regexp.Compile(p)
			if err != nil {
				re = nil
			}
			n.patternProps = append(n.patternProps, patternNode{p, re, b.build(d, ptr+"/patternProperties/"+escapeToken(p))})
		}
	}
	if v, ok := m["additionalProperties"]; ok {
		n.additional = b.openness(d, ptr+"/additionalProperties", v)
	}
	addPropDeps := func(kw string, deps map[string]any, arraysOnly bool) {
		for _, name := range sortedKeys(deps) {
			switch v := deps[name].(type) {
			case []any:
				req := make(map[string]bool, len(v))
				for _, r := range v {
					if s, ok := r.(string); ok {
						req[s] = true
					}
				}
				n.propDeps = append(n.propDeps, propDep{name, kw, req})
			default:
				if !arraysOnly {
					n.schemaDeps = append(n.schemaDeps, schemaDep{name, kw, b.build(d, ptr+"/"+kw+"/"+escapeToken(name))})
				}
			}
		}
	}
	if deps, ok := m["dependencies"].(map[string]any); ok {
		addPropDeps("dependencies", deps, false)
	}
	if d.draft >= draft2019 {
		if deps, ok := m["dependentRequired"].(map[string]any); ok {
			addPropDeps("dependentRequired", deps, true)
		}
		if deps, ok := m["dependentSchemas"].(map[string]any); ok {
			for _, name := range sortedKeys(deps) {
				n.schemaDeps = append(n.schemaDeps, schemaDep{name, "dependentSchemas", b.build(d, ptr+"/dependentSchemas/"+escapeToken(name))})
			}
		}
		if _, ok := m["unevaluatedProperties"]; ok {
			n.unevalProps = b.build(d, ptr+"/unevaluatedProperties")
		}
	}
	sort.SliceStable(n.propDeps, func(i, j int) bool { return n.propDeps[i].name < n.propDeps[j].name })
	sort.SliceStable(n.schemaDeps, func(i, j int) bool { return n.schemaDeps[i].name < n.schemaDeps[j].name })
	return n
}

// openness reads additionalProperties / additionalItems. An empty schema
// ({} or one with only annotations) reads as true: Confluent would treat it
// as a constraining schema and report changes that do not exist.
func (b *builder) openness(d *document, ptr string, v any) openness {
	switch v := v.(type) {
	case bool:
		return openness{forbidden: !v}
	case map[string]any:
		n := b.build(d, ptr)
		if n.kind == kindEmpty {
			return openness{}
		}
		return openness{schema: n}
	}
	return openness{}
}

// target resolves the reference keyword kw of the schema at ptr through the
// compiled schema. nil when the target is outside the model (a meta-schema).
func (b *builder) target(d *document, ptr, kw string) *node {
	cs := b.compiled[d.url+"#"+ptr]
	if cs == nil {
		return nil
	}
	var t *sjs.Schema
	switch kw {
	case "$ref":
		t = cs.Ref
	case "$recursiveRef":
		t = cs.RecursiveRef
	case "$dynamicRef":
		t = cs.DynamicRef
	}
	if t == nil {
		return nil
	}
	u, f := splitFragment(t.Location)
	td := b.docs[u]
	if td == nil {
		return nil
	}
	p := normalizePointer(f)
	if _, ok := lookup(td.raw, p); !ok {
		return nil
	}
	n := b.build(td, p)
	n.shared = true
	return n
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// digestInfo identifies a schema's JSON text (numbers compared by value)
// in a draft, and says whether a reference occurs in it.
type digestInfo struct {
	sum     [16]byte
	refFree bool
}

// digest returns the digest of the schema at ptr in d. All digests of a
// document are computed in one bottom-up pass: a schema's digest covers its
// subschemas through their digests, so each byte is hashed once.
func (b *builder) digest(d *document, ptr string) digestInfo {
	m, ok := b.digests[d]
	if !ok {
		m = make(map[string]digestInfo)
		digestTree(d.raw, d.draft, "", m)
		b.digests[d] = m
	}
	return m[ptr]
}

// digestTree digests v (found at ptr) and every schema below it into out.
// The encoding tags each part so that different trees cannot write the same
// bytes.
func digestTree(v any, dr draft, ptr string, out map[string]digestInfo) digestInfo {
	h := fnv.New128a()
	h.Write([]byte{'D', byte(dr), byte(dr >> 8)})
	info := digestInfo{refFree: true}
	sub := func(child any, p string) {
		ci := digestTree(child, dr, p, out)
		h.Write([]byte{'S'})
		h.Write(ci.sum[:])
		info.refFree = info.refFree && ci.refFree
	}
	str := func(tag byte, s string) {
		var n [9]byte
		n[0] = tag
		binary.LittleEndian.PutUint64(n[1:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	m, isObject := v.(map[string]any)
	if !isObject {
		str('V', valueKey(v))
	}
	for _, k := range sortedKeys(m) {
		str('K', k)
		if k == "$ref" || k == "$recursiveRef" || k == "$dynamicRef" {
			info.refFree = false
		}
		child, p := m[k], ptr+"/"+escapeToken(k)
		switch subschemaPosition(k) {
		case posSelf:
			sub(child, p)
		case posItems:
			if arr, ok := child.([]any); ok {
				str('A', strconv.Itoa(len(arr)))
				for i, e := range arr {
					sub(e, p+"/"+strconv.Itoa(i))
				}
			} else {
				sub(child, p)
			}
		case posProps:
			if mm, ok := child.(map[string]any); ok {
				str('P', strconv.Itoa(len(mm)))
				for _, name := range sortedKeys(mm) {
					str('N', name)
					sub(mm[name], p+"/"+escapeToken(name))
				}
			} else {
				str('V', valueKey(child))
			}
		default:
			str('V', valueKey(child))
		}
	}
	h.Sum(info.sum[:0])
	out[ptr] = info
	return info
}
