package validator

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"
	hamba "github.com/hamba/avro/v2"
)

// fieldCtx is one field as CEL_FIELD sees it, its variables made CEL
// values once per schema rather than once per record.
type fieldCtx struct {
	fullName                    string
	tagList                     []string
	name, full, typeName, tagsV ref.Val
}

func newFieldCtx(name, fullName, typeName string, tags []string) *fieldCtx {
	if tags == nil {
		tags = []string{}
	}
	return &fieldCtx{
		fullName: fullName, tagList: tags,
		name: types.String(name), full: types.String(fullName), typeName: types.String(typeName),
		tagsV: types.DefaultTypeAdapter.NativeToValue(tags),
	}
}

// msgActivation binds CEL's message without building a map per record.
type msgActivation struct{ msg any }

func (a *msgActivation) ResolveName(n string) (any, bool) {
	if n == "message" {
		return a.msg, true
	}
	return nil, false
}

func (a *msgActivation) Parent() interpreter.Activation { return nil }

// fieldActivation binds CEL_FIELD's variables; one serves every field of
// a record, its field and value swapped in place. Without a message
// (msgSet false) it is what guards are evaluated with at compile time.
type fieldActivation struct {
	msg    any
	msgSet bool
	f      *fieldCtx
	value  any
	valSet bool
}

func (a *fieldActivation) ResolveName(n string) (any, bool) {
	switch n {
	case "message":
		return a.msg, a.msgSet
	case "value":
		return a.value, a.valSet
	case "name":
		return a.f.name, true
	case "fullName":
		return a.f.full, true
	case "typeName":
		return a.f.typeName, true
	case "tags":
		return a.f.tagsV, true
	}
	return nil, false
}

func (a *fieldActivation) Parent() interpreter.Activation { return nil }

// fieldTags are the tags Confluent gives a field: the schema's own
// (Avro "confluent:tags") and those of metadata.tags whose path pattern
// matches its full name.
type fieldTags struct {
	patterns []*regexp.Regexp
	tags     [][]string
}

// metadataTags reads metadata.tags ({"pattern": ["TAG"]}); a document
// that is not one gives none.
func metadataTags(md json.RawMessage) *fieldTags {
	var doc struct {
		Tags map[string][]string `json:"tags"`
	}
	ft := &fieldTags{}
	if len(md) == 0 || json.Unmarshal(md, &doc) != nil {
		return ft
	}
	keys := make([]string, 0, len(doc.Tags))
	for k := range doc.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if re, err := regexp.Compile(globRegexp(k)); err == nil {
			ft.patterns = append(ft.patterns, re)
			ft.tags = append(ft.tags, doc.Tags[k])
		}
	}
	return ft
}

// globRegexp translates Confluent's path wildcards: ** any characters,
// * any but a dot, ? one character.
func globRegexp(p string) string {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch {
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case p[i] == '*':
			b.WriteString(`[^.]*`)
		case p[i] == '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString("$")
	return b.String()
}

func (ft *fieldTags) of(fullName string, inline []string) []string {
	out := slices.Clone(inline)
	for i, re := range ft.patterns {
		if re.MatchString(fullName) {
			out = append(out, ft.tags[i]...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// avroNode is the part of an Avro schema a CEL_FIELD rule visits, built
// once per (schema, rule): fields the rule cannot apply to (tags, a guard
// that is false whatever the value) are pruned, so a record visits only
// what the rule reads.
type avroNode struct {
	kind     byte // 'r' record, 'a' array, 'm' map, 'u' union of records, 'l' leaf
	fields   []avroField
	items    *avroNode            // array items, map values
	branches map[string]*avroNode // union: a named branch's full name
	leaf     *avroNode            // union: the other branches
}

type avroField struct {
	key  string
	ctx  *fieldCtx
	node *avroNode
	// guard: the rule's guard must run on the value (it reads value or
	// message); false when it held at compile time or there is none.
	guard bool
}

var leafNode = &avroNode{kind: 'l'}

// avroPlan builds the rule's plan of the schema; nil when hamba cannot
// parse it (the generic walk is used then).
func (r *rule) avroPlan(doc SchemaDoc, ft *fieldTags) *avroNode {
	s := parseHamba(doc)
	if s == nil {
		return nil
	}
	rs, ok := deref(s).(*hamba.RecordSchema)
	if !ok {
		return nil
	}
	b := planBuilder{r: r, ft: ft, open: map[string]bool{}}
	n := b.record(rs, rs.FullName())
	if n == nil {
		n = &avroNode{kind: 'r'}
	}
	return n
}

// parseHamba parses the schema with hamba, references first; nil when
// hamba cannot (the validator then uses compat/avro alone).
func parseHamba(doc SchemaDoc) hamba.Schema {
	cache := &hamba.SchemaCache{}
	for _, d := range doc.Deps {
		if _, err := hamba.ParseWithCache(d.Schema, "", cache); err != nil {
			return nil
		}
	}
	s, err := hamba.ParseWithCache(doc.Schema, "", cache)
	if err != nil {
		return nil
	}
	return s
}

type planBuilder struct {
	r    *rule
	ft   *fieldTags
	open map[string]bool // records on the current path (recursive types)
}

func deref(s hamba.Schema) hamba.Schema {
	if rs, ok := s.(*hamba.RefSchema); ok {
		return rs.Schema()
	}
	return s
}

// record returns nil when no field of it is visited.
func (b *planBuilder) record(rs *hamba.RecordSchema, path string) *avroNode {
	if b.open[rs.FullName()] {
		return nil
	}
	b.open[rs.FullName()] = true
	defer delete(b.open, rs.FullName())
	n := &avroNode{kind: 'r'}
	for _, f := range rs.Fields() {
		full := path + "." + f.Name()
		var inline []string
		if ts, ok := f.Prop("confluent:tags").([]any); ok {
			for _, t := range ts {
				if s, ok := t.(string); ok {
					inline = append(inline, s)
				}
			}
		}
		ctx := newFieldCtx(f.Name(), full, avroTypeName(f.Type()), b.ft.of(full, inline))
		child, guard := b.value(f.Type(), full, ctx)
		if child != nil {
			n.fields = append(n.fields, avroField{key: f.Name(), ctx: ctx, node: child, guard: guard})
		}
	}
	if len(n.fields) == 0 {
		return nil
	}
	return n
}

// value plans a field's value of schema s; nil when nothing in it is
// visited. Arrays and maps apply the field's context to each item, as
// Confluent's executors do.
func (b *planBuilder) value(s hamba.Schema, path string, ctx *fieldCtx) (*avroNode, bool) {
	switch t := deref(s).(type) {
	case *hamba.RecordSchema:
		return b.record(t, path), false
	case *hamba.ArraySchema:
		items, g := b.value(t.Items(), path, ctx)
		if items == nil {
			return nil, false
		}
		return &avroNode{kind: 'a', items: items}, g
	case *hamba.MapSchema:
		items, g := b.value(t.Values(), path, ctx)
		if items == nil {
			return nil, false
		}
		return &avroNode{kind: 'm', items: items}, g
	case *hamba.UnionSchema:
		n := &avroNode{kind: 'u', branches: map[string]*avroNode{}}
		guard := false
		for _, br := range t.Types() {
			if rs, ok := deref(br).(*hamba.RecordSchema); ok {
				if c := b.record(rs, path); c != nil {
					n.branches[rs.FullName()] = c
				}
				continue
			}
			if n.leaf == nil {
				n.leaf, guard = b.leaf(ctx)
			}
		}
		if len(n.branches) == 0 {
			return n.leaf, guard
		}
		return n, guard
	}
	return b.leaf(ctx)
}

// leaf decides at compile time whether the rule applies to a field: its
// tags must meet the rule's, and its guard, evaluated without message and
// value, must not be false. A guard that needs them runs per record.
func (b *planBuilder) leaf(ctx *fieldCtx) (*avroNode, bool) {
	if !b.r.appliesToTags(ctx.tagList) {
		return nil, false
	}
	if b.r.guard == nil {
		return leafNode, false
	}
	out, _, err := b.r.guard.Eval(&fieldActivation{f: ctx})
	switch {
	case err != nil:
		return leafNode, true
	case out == types.True:
		return leafNode, false
	}
	return nil, false
}

// appliesToTags: a rule with tags applies only to fields with one of them.
func (r *rule) appliesToTags(fieldTags []string) bool {
	if len(r.tags) == 0 {
		return true
	}
	for _, t := range fieldTags {
		if slices.Contains(r.tags, t) {
			return true
		}
	}
	return false
}

// avroTypeName names a field's type as Confluent's executors do; a
// nullable union is named by its other branch.
func avroTypeName(s hamba.Schema) string {
	s = deref(s)
	if u, ok := s.(*hamba.UnionSchema); ok {
		if _, typ := u.Indices(); u.Nullable() && typ >= 0 {
			return avroTypeName(u.Types()[typ])
		}
		return "COMBINED"
	}
	switch s.Type() {
	case hamba.Record, hamba.Error:
		return "RECORD"
	case hamba.Enum:
		return "ENUM"
	case hamba.Array:
		return "ARRAY"
	case hamba.Map:
		return "MAP"
	case hamba.Fixed:
		return "FIXED"
	case hamba.String:
		return "STRING"
	case hamba.Bytes:
		return "BYTES"
	case hamba.Int:
		return "INT"
	case hamba.Long:
		return "LONG"
	case hamba.Float:
		return "FLOAT"
	case hamba.Double:
		return "DOUBLE"
	case hamba.Boolean:
		return "BOOLEAN"
	}
	return "NULL"
}

// avroWalk runs a CEL_FIELD rule along its plan over a decoded Avro value
// (map[string]any from hamba, or an avroMsg read from the payload).
type avroWalk struct {
	ctx    context.Context
	r      *rule
	act    *fieldActivation
	failed error
}

// visit runs the rule on one field's value; false stops the walk.
func (w *avroWalk) visit(f *avroField, v any) bool {
	w.act.f, w.act.value = f.ctx, celScalar(v)
	if f.guard {
		out, _, err := w.r.guard.ContextEval(w.ctx, w.act)
		if err != nil || out != types.True {
			return true
		}
	}
	if err := check(w.ctx, w.r.prog, w.act); err != nil {
		w.failed = fmt.Errorf("field %s: %w", f.ctx.fullName, err)
		return false
	}
	return true
}

// walk visits the fields of v along the plan n until a visit fails.
func (w *avroWalk) walk(n *avroNode, v any, f *avroField) bool {
	switch n.kind {
	case 'l':
		return w.visit(f, v)
	case 'r':
		if am, ok := v.(*avroMsg); ok {
			for i := range n.fields {
				fi := &n.fields[i]
				var fv any
				if j := am.rec.Index(fi.key); j >= 0 {
					fv = am.native(j)
				}
				if !w.walk(fi.node, fv, fi) {
					return false
				}
			}
			return true
		}
		m, ok := v.(map[string]any)
		if !ok {
			return true
		}
		for i := range n.fields {
			fi := &n.fields[i]
			if !w.walk(fi.node, m[fi.key], fi) {
				return false
			}
		}
	case 'a':
		l, _ := v.([]any)
		for _, e := range l {
			if !w.walk(n.items, e, f) {
				return false
			}
		}
	case 'm':
		m, _ := v.(map[string]any)
		for _, e := range m {
			if !w.walk(n.items, e, f) {
				return false
			}
		}
	case 'u':
		// hamba decodes a named branch as {fullName: value}.
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			for name, e := range m {
				if br := n.branches[name]; br != nil {
					return w.walk(br, e, f)
				}
			}
		}
		if n.leaf != nil {
			return w.visit(f, v)
		}
	}
	return true
}
