package protobuf

import (
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// The printer turns a FileDescriptorProto back into .proto text. It serves
// both forms: Canonical prints the unlinked descriptor (names and options as
// written, in their order), Normalized prints the linked one (names fully
// qualified, options interpreted and sorted, imports sorted).
//
// It works from descriptors rather than the syntax tree so that one printer
// serves both forms; what a descriptor does not keep (comments, the
// interleaving of fields with nested types) carries no meaning. The order of
// messages is kept everywhere because message indexes depend on it.

const (
	maxFieldNumber = 536870911 // 2^29-1: "max" in message reserved and extension ranges
	maxEnumNumber  = 2147483647
)

type printer struct {
	b        strings.Builder
	depth    int
	opts     *optionFormatter // nil: print uninterpreted options as written
	editions bool
	proto2   bool
	proto3   bool
}

// option is one "name = value" pair, already rendered.
type option struct{ name, value string }

func printFile(fd *descriptorpb.FileDescriptorProto, of *optionFormatter) string {
	p := &printer{opts: of}
	switch fd.GetSyntax() {
	case "editions":
		p.editions = true
		p.line("edition = ", quote([]byte(strings.TrimPrefix(fd.GetEdition().String(), "EDITION_"))), ";")
	case "proto3":
		p.proto3 = true
		p.line(`syntax = "proto3";`)
	default:
		p.proto2 = true
		p.line(`syntax = "proto2";`)
	}
	if fd.Package != nil {
		p.line("package ", fd.GetPackage(), ";")
	}
	p.imports(fd)
	p.statementOptions(fd.GetOptions())
	p.body(nil, nil, fd.GetMessageType(), fd.GetEnumType(), fd.GetExtension())
	for _, s := range fd.GetService() {
		p.service(s)
	}
	return p.b.String()
}

func (p *printer) imports(fd *descriptorpb.FileDescriptorProto) {
	type imp struct{ path, kind string }
	deps := make([]imp, len(fd.GetDependency()))
	for i, d := range fd.GetDependency() {
		deps[i] = imp{path: d}
	}
	for _, i := range fd.GetPublicDependency() {
		if int(i) < len(deps) {
			deps[i].kind = "public "
		}
	}
	for _, i := range fd.GetWeakDependency() {
		if int(i) < len(deps) {
			deps[i].kind = "weak "
		}
	}
	if p.opts != nil {
		sort.SliceStable(deps, func(i, j int) bool { return deps[i].path < deps[j].path })
	}
	for _, d := range deps {
		p.line("import ", d.kind, quote([]byte(d.path)), ";")
	}
}

func (p *printer) line(parts ...string) {
	for i := 0; i < p.depth; i++ {
		p.b.WriteString("  ")
	}
	for _, s := range parts {
		p.b.WriteString(s)
	}
	p.b.WriteByte('\n')
}

func (p *printer) open(parts ...string) {
	if p.depth == 0 {
		p.b.WriteByte('\n') // a blank line between top-level declarations
	}
	p.line(append(parts, " {")...)
	p.depth++
}

func (p *printer) close() {
	p.depth--
	p.line("}")
}

// statementOptions prints "option name = value;" lines.
func (p *printer) statementOptions(opts proto.Message) {
	for _, o := range p.options(opts) {
		p.line("option ", o.name, " = ", o.value, ";")
	}
}

func (p *printer) options(opts proto.Message) []option {
	if p.opts == nil {
		return uninterpretedOptions(opts)
	}
	return p.opts.entries(opts)
}

func compact(opts []option) string {
	if len(opts) == 0 {
		return ""
	}
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = o.name + " = " + o.value
	}
	return " [" + strings.Join(parts, ", ") + "]"
}

// body prints the declarations of a file (fields == nil) or a message.
// Nested messages that a group field or a map field owns are printed inline
// with that field; the others are printed after the fields, but never after
// a later group body, so that reparsing keeps every message's index.
func (p *printer) body(m *descriptorpb.DescriptorProto, fields []*descriptorpb.FieldDescriptorProto,
	msgs []*descriptorpb.DescriptorProto, enums []*descriptorpb.EnumDescriptorProto,
	exts []*descriptorpb.FieldDescriptorProto) {
	owned := make([]bool, len(msgs))
	for i, nm := range msgs {
		owned[i] = nm.GetOptions().GetMapEntry()
	}
	for _, f := range append(append([]*descriptorpb.FieldDescriptorProto(nil), fields...), exts...) {
		if k := p.groupBody(f, msgs); k >= 0 {
			owned[k] = true
		}
	}
	next := 0
	flush := func(upTo int) {
		for ; next < upTo && next < len(msgs); next++ {
			if !owned[next] {
				p.message(msgs[next])
			}
		}
	}

	printedOneof := map[int32]bool{}
	for i, f := range fields {
		if !p.inOneof(f) {
			p.field(f, msgs, flush, false)
			continue
		}
		idx := f.GetOneofIndex()
		if printedOneof[idx] {
			continue
		}
		printedOneof[idx] = true
		od := m.GetOneofDecl()[idx]
		var members []*descriptorpb.FieldDescriptorProto
		for _, g := range fields[i:] {
			if p.inOneof(g) && g.GetOneofIndex() == idx {
				members = append(members, g)
			}
		}
		for _, g := range members {
			if k := p.groupBody(g, msgs); k >= 0 {
				flush(k)
			}
		}
		p.open("oneof ", od.GetName())
		p.statementOptions(od.GetOptions())
		for _, g := range members {
			p.field(g, msgs, flush, true)
		}
		p.close()
	}
	if m != nil {
		p.reserved(m)
		for _, r := range m.GetExtensionRange() {
			p.line("extensions ", rangeText(r.GetStart(), r.GetEnd()-1, maxFieldNumber), compact(p.options(r.GetOptions())), ";")
		}
	}
	// Extensions, grouped by extendee as consecutive declarations.
	for i := 0; i < len(exts); {
		j := i
		for j < len(exts) && exts[j].GetExtendee() == exts[i].GetExtendee() {
			if k := p.groupBody(exts[j], msgs); k >= 0 {
				flush(k)
			}
			j++
		}
		p.open("extend ", exts[i].GetExtendee())
		for _, f := range exts[i:j] {
			p.field(f, msgs, flush, false)
		}
		p.close()
		i = j
	}
	flush(len(msgs))
	for _, e := range enums {
		p.enum(e)
	}
}

// inOneof reports membership of a real oneof; proto3 optional fields sit in
// synthetic oneofs that the syntax does not show.
func (p *printer) inOneof(f *descriptorpb.FieldDescriptorProto) bool {
	return f.OneofIndex != nil && !f.GetProto3Optional()
}

// groupBody returns the index in msgs of the message a group field owns,
// or -1. Editions have no group syntax: delimited fields name their type.
func (p *printer) groupBody(f *descriptorpb.FieldDescriptorProto, msgs []*descriptorpb.DescriptorProto) int {
	if p.editions || f.GetType() != descriptorpb.FieldDescriptorProto_TYPE_GROUP {
		return -1
	}
	return findNested(f.GetTypeName(), msgs)
}

// findNested finds the message a field's type name designates among the
// messages of the field's own scope (map entries and group bodies always
// live there); it compares the last name component, which works both for
// names as written and fully-qualified ones.
func findNested(typeName string, msgs []*descriptorpb.DescriptorProto) int {
	last := typeName[strings.LastIndexByte(typeName, '.')+1:]
	for i, m := range msgs {
		if m.GetName() == last {
			return i
		}
	}
	return -1
}

func (p *printer) message(m *descriptorpb.DescriptorProto) {
	p.open("message ", m.GetName())
	p.messageBody(m)
	p.close()
}

func (p *printer) messageBody(m *descriptorpb.DescriptorProto) {
	p.statementOptions(m.GetOptions())
	p.body(m, m.GetField(), m.GetNestedType(), m.GetEnumType(), m.GetExtension())
}

func (p *printer) field(f *descriptorpb.FieldDescriptorProto, scope []*descriptorpb.DescriptorProto, flush func(int), inOneof bool) {
	opts := p.fieldOptions(f)
	name := f.GetName()
	num := strconv.Itoa(int(f.GetNumber()))
	if k := p.groupBody(f, scope); k >= 0 {
		flush(k)
		body := scope[k]
		p.open(p.label(f, inOneof), "group ", body.GetName(), " = ", num, compact(opts))
		p.messageBody(body)
		p.close()
		return
	}
	if f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REPEATED && f.GetType() != descriptorpb.FieldDescriptorProto_TYPE_GROUP {
		if k := findNested(f.GetTypeName(), scope); f.TypeName != nil && k >= 0 && scope[k].GetOptions().GetMapEntry() {
			entry := scope[k]
			var key, val string
			for _, ef := range entry.GetField() {
				switch ef.GetNumber() {
				case 1:
					key = typeName(ef)
				case 2:
					val = typeName(ef)
				}
			}
			p.line("map<", key, ", ", val, "> ", name, " = ", num, compact(opts), ";")
			return
		}
	}
	p.line(p.label(f, inOneof), typeName(f), " ", name, " = ", num, compact(opts), ";")
}

func (p *printer) label(f *descriptorpb.FieldDescriptorProto, inOneof bool) string {
	switch {
	case f.Label == nil:
		return ""
	case f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REPEATED:
		return "repeated "
	case p.editions || inOneof:
		// Editions express presence with features; oneof members take no label.
		return ""
	case f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REQUIRED:
		return "required "
	case p.proto2 || f.GetProto3Optional():
		return "optional "
	}
	return ""
}

var scalarNames = map[descriptorpb.FieldDescriptorProto_Type]string{
	descriptorpb.FieldDescriptorProto_TYPE_DOUBLE:   "double",
	descriptorpb.FieldDescriptorProto_TYPE_FLOAT:    "float",
	descriptorpb.FieldDescriptorProto_TYPE_INT64:    "int64",
	descriptorpb.FieldDescriptorProto_TYPE_UINT64:   "uint64",
	descriptorpb.FieldDescriptorProto_TYPE_INT32:    "int32",
	descriptorpb.FieldDescriptorProto_TYPE_FIXED64:  "fixed64",
	descriptorpb.FieldDescriptorProto_TYPE_FIXED32:  "fixed32",
	descriptorpb.FieldDescriptorProto_TYPE_BOOL:     "bool",
	descriptorpb.FieldDescriptorProto_TYPE_STRING:   "string",
	descriptorpb.FieldDescriptorProto_TYPE_BYTES:    "bytes",
	descriptorpb.FieldDescriptorProto_TYPE_UINT32:   "uint32",
	descriptorpb.FieldDescriptorProto_TYPE_SFIXED32: "sfixed32",
	descriptorpb.FieldDescriptorProto_TYPE_SFIXED64: "sfixed64",
	descriptorpb.FieldDescriptorProto_TYPE_SINT32:   "sint32",
	descriptorpb.FieldDescriptorProto_TYPE_SINT64:   "sint64",
}

func typeName(f *descriptorpb.FieldDescriptorProto) string {
	if n, ok := scalarNames[f.GetType()]; ok && f.Type != nil {
		return n
	}
	return f.GetTypeName()
}

// fieldOptions adds, in the normalized form, the pseudo-options that linking
// moved into the descriptor (default, json_name); the canonical form still
// has them among the options as written.
func (p *printer) fieldOptions(f *descriptorpb.FieldDescriptorProto) []option {
	opts := p.options(f.GetOptions())
	if p.opts == nil {
		return opts
	}
	if f.JsonName != nil && f.GetJsonName() != jsonName(f.GetName()) && f.Extendee == nil {
		opts = append(opts, option{"json_name", quote([]byte(f.GetJsonName()))})
	}
	if f.DefaultValue != nil {
		v := f.GetDefaultValue()
		switch f.GetType() {
		case descriptorpb.FieldDescriptorProto_TYPE_STRING:
			v = quote([]byte(v))
		case descriptorpb.FieldDescriptorProto_TYPE_BYTES:
			v = `"` + v + `"` // already C-escaped in descriptors
		}
		opts = append(opts, option{"default", v})
	}
	sort.SliceStable(opts, func(i, j int) bool { return opts[i].name < opts[j].name })
	return opts
}

// jsonName is protoc's default JSON name: lowerCamelCase of the field name.
func jsonName(name string) string {
	var b strings.Builder
	up := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_':
			up = true
		case up && 'a' <= c && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
			up = false
		default:
			b.WriteByte(c)
			up = false
		}
	}
	return b.String()
}

func (p *printer) reserved(m *descriptorpb.DescriptorProto) {
	ranges := make([][2]int32, 0, len(m.GetReservedRange()))
	for _, r := range m.GetReservedRange() {
		ranges = append(ranges, [2]int32{r.GetStart(), r.GetEnd() - 1})
	}
	p.reservedLines(ranges, m.GetReservedName(), maxFieldNumber)
}

func (p *printer) reservedLines(ranges [][2]int32, names []string, max int32) {
	if len(ranges) > 0 {
		if p.opts != nil {
			sort.Slice(ranges, func(i, j int) bool { return ranges[i][0] < ranges[j][0] })
		}
		parts := make([]string, len(ranges))
		for i, r := range ranges {
			parts[i] = rangeText(r[0], r[1], max)
		}
		p.line("reserved ", strings.Join(parts, ", "), ";")
	}
	if len(names) > 0 {
		names = append([]string(nil), names...)
		if p.opts != nil {
			sort.Strings(names)
		}
		for i, n := range names {
			if !p.editions {
				names[i] = quote([]byte(n))
			}
		}
		p.line("reserved ", strings.Join(names, ", "), ";")
	}
}

// rangeText renders an inclusive range.
func rangeText(start, end, max int32) string {
	s := strconv.Itoa(int(start))
	switch {
	case end == start:
		return s
	case end == max:
		return s + " to max"
	}
	return s + " to " + strconv.Itoa(int(end))
}

func (p *printer) enum(e *descriptorpb.EnumDescriptorProto) {
	p.open("enum ", e.GetName())
	p.statementOptions(e.GetOptions())
	for _, v := range e.GetValue() {
		p.line(v.GetName(), " = ", strconv.Itoa(int(v.GetNumber())), compact(p.options(v.GetOptions())), ";")
	}
	ranges := make([][2]int32, 0, len(e.GetReservedRange()))
	for _, r := range e.GetReservedRange() {
		ranges = append(ranges, [2]int32{r.GetStart(), r.GetEnd()})
	}
	p.reservedLines(ranges, e.GetReservedName(), maxEnumNumber)
	p.close()
}

func (p *printer) service(s *descriptorpb.ServiceDescriptorProto) {
	p.open("service ", s.GetName())
	p.statementOptions(s.GetOptions())
	for _, m := range s.GetMethod() {
		in, out := m.GetInputType(), m.GetOutputType()
		if m.GetClientStreaming() {
			in = "stream " + in
		}
		if m.GetServerStreaming() {
			out = "stream " + out
		}
		sig := []string{"rpc ", m.GetName(), "(", in, ") returns (", out, ")"}
		opts := p.options(m.GetOptions())
		if len(opts) == 0 {
			p.line(append(sig, ";")...)
			continue
		}
		p.open(sig...)
		for _, o := range opts {
			p.line("option ", o.name, " = ", o.value, ";")
		}
		p.close()
	}
	p.close()
}

// quote renders bytes as a .proto string literal that reads back to the
// same bytes.
func quote(b []byte) string {
	var s strings.Builder
	s.WriteByte('"')
	for _, c := range b {
		switch c {
		case '"':
			s.WriteString(`\"`)
		case '\\':
			s.WriteString(`\\`)
		case '\n':
			s.WriteString(`\n`)
		case '\r':
			s.WriteString(`\r`)
		case '\t':
			s.WriteString(`\t`)
		default:
			if c < 0x20 || c >= 0x7f {
				s.WriteByte('\\')
				s.WriteByte('0' + c>>6)
				s.WriteByte('0' + (c>>3)&7)
				s.WriteByte('0' + c&7)
			} else {
				s.WriteByte(c)
			}
		}
	}
	s.WriteByte('"')
	return s.String()
}
