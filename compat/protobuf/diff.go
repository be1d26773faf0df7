package protobuf

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/accord/accord/compat"
)

// Change is one difference between two versions.
type Change struct {
	// Type is the rule ID (a Confluent difference type where one exists).
	Type string `json:"type"`
	// Path is where Confluent reports it: "#/" then message names, oneof
	// names and field numbers, e.g. "#/TestMessage/new_oneof/3".
	Path string `json:"path"`
	// Location is Accord's: a fully-qualified name plus, for fields and enum
	// values, "#" and the number, e.g. "foo.TestMessage#3".
	Location string `json:"location"`
	Message  string `json:"message"`
	// Compatible is Confluent's verdict for the change: a consumer on the
	// update can read data written with the original.
	Compatible bool             `json:"compatible"`
	Breaks     compat.Direction `json:"breaks"`
}

// Difference converts the change to the value the API, CLI and UI render.
func (c Change) Difference() compat.Difference {
	return compat.Difference{ID: c.Type, Location: c.Location, Message: c.Message, Breaks: c.Breaks}
}

// Diff returns every change from original to update, compatible or not.
func Diff(original, update *Schema) []Change {
	return newDiffer(original, update, false).diff()
}

func newDiffer(original, update *Schema, onlyBreaking bool) *differ {
	return &differ{orig: original, upd: update, onlyBreaking: onlyBreaking,
		active: map[protoreflect.MessageDescriptor]bool{}, memo: map[[2]protoreflect.MessageDescriptor][]Change{}}
}

func (d *differ) diff() []Change {
	of, uf := d.orig.file, d.upd.file
	if of.Package() != uf.Package() {
		d.add(PackageChanged, nil, string(uf.Package()), "package changed from %q to %q", of.Package(), uf.Package())
	}
	if of.Syntax() != uf.Syntax() {
		d.add(SyntaxChanged, nil, string(uf.Package()), "syntax changed from %s to %s", of.Syntax(), uf.Syntax())
	}
	d.types(of.Messages(), of.Enums(), uf.Messages(), uf.Enums(), nil)
	return d.out
}

// differ compares two versions the way Confluent's SchemaDiff does (messages
// and enums by name, fields by number across oneofs), on linked descriptors.
type differ struct {
	orig, upd *Schema
	out       []Change
	// onlyBreaking drops compatible changes as they are found: compatibility
	// checks against many versions need only the others.
	onlyBreaking bool
	// active guards recursion through message types compared structurally.
	active map[protoreflect.MessageDescriptor]bool
	// memo keeps the changes of structural comparisons already made, so a
	// type referenced many times is compared once.
	memo map[[2]protoreflect.MessageDescriptor][]Change
}

func (d *differ) add(typ string, path []string, loc, format string, args ...any) {
	r := rulesByID[typ]
	if d.onlyBreaking && r.Compatible {
		return
	}
	d.out = append(d.out, Change{
		Type:       typ,
		Path:       "#/" + strings.Join(path, "/"),
		Location:   loc,
		Message:    fmt.Sprintf(format, args...),
		Compatible: r.Compatible,
		Breaks:     r.Breaks,
	})
}

// site is where a field-level change is reported; it is rendered only when
// a change is found, as comparisons mostly find none.
type site struct {
	path  []string // Confluent path of the message
	oneof string   // the field's oneof in the update, shown in the path
	owner protoreflect.MessageDescriptor
	num   protoreflect.FieldNumber
}

func (d *differ) addAt(typ string, s site, format string, args ...any) {
	p := s.path
	if s.oneof != "" {
		p = with(p, s.oneof)
	}
	d.add(typ, with(p, strconv.Itoa(int(s.num))), fieldLoc(s.owner, s.num), format, args...)
}

func with(path []string, more ...string) []string {
	return append(append(make([]string, 0, len(path)+len(more)), path...), more...)
}

func fieldLoc(m protoreflect.MessageDescriptor, num protoreflect.FieldNumber) string {
	return string(m.FullName()) + "#" + strconv.Itoa(int(num))
}

// types compares the messages and enums of one scope, matched by name.
func (d *differ) types(om protoreflect.MessageDescriptors, oe protoreflect.EnumDescriptors,
	um protoreflect.MessageDescriptors, ue protoreflect.EnumDescriptors, path []string) {
	oMsgs, oIdx, oNames := messagesByName(om)
	uMsgs, uIdx, uNames := messagesByName(um)
	for _, name := range union(oNames, uNames) {
		p := with(path, name)
		o, u := oMsgs[name], uMsgs[name]
		switch {
		case u == nil:
			d.add(MessageRemoved, p, string(o.FullName()), "message %s was removed", o.FullName())
		case o == nil:
			d.add(MessageAdded, p, string(u.FullName()), "message %s was added", u.FullName())
		default:
			d.message(o, u, p)
			if oIdx[name] != uIdx[name] {
				d.add(MessageMoved, p, string(u.FullName()), "message %s moved from index %d to %d", u.FullName(), oIdx[name], uIdx[name])
			}
		}
	}
	oEnums, oEnumNames := enumsByName(oe)
	uEnums, uEnumNames := enumsByName(ue)
	for _, name := range union(oEnumNames, uEnumNames) {
		p := with(path, name)
		o, u := oEnums[name], uEnums[name]
		switch {
		case u == nil:
			d.add(EnumRemoved, p, string(o.FullName()), "enum %s was removed", o.FullName())
		case o == nil:
			d.add(EnumAdded, p, string(u.FullName()), "enum %s was added", u.FullName())
		default:
			d.enum(o, u, p)
		}
	}
}

// messagesByName indexes messages by name with their position among the
// messages of the scope; map entries are no messages of their own.
func messagesByName(ms protoreflect.MessageDescriptors) (map[string]protoreflect.MessageDescriptor, map[string]int, []string) {
	byName := make(map[string]protoreflect.MessageDescriptor, ms.Len())
	idx := make(map[string]int, ms.Len())
	names := make([]string, 0, ms.Len())
	for i := 0; i < ms.Len(); i++ {
		m := ms.Get(i)
		if m.IsMapEntry() {
			continue
		}
		n := string(m.Name())
		idx[n] = len(names)
		byName[n] = m
		names = append(names, n)
	}
	return byName, idx, names
}

func enumsByName(es protoreflect.EnumDescriptors) (map[string]protoreflect.EnumDescriptor, []string) {
	byName := make(map[string]protoreflect.EnumDescriptor, es.Len())
	names := make([]string, es.Len())
	for i := 0; i < es.Len(); i++ {
		names[i] = string(es.Get(i).Name())
		byName[names[i]] = es.Get(i)
	}
	return byName, names
}

// union keeps a's order, then b's names that a lacks.
func union(a, b []string) []string {
	seen := make(map[string]bool, len(a))
	out := append(make([]string, 0, len(a)+len(b)), a...)
	for _, n := range a {
		seen[n] = true
	}
	for _, n := range b {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return out
}

func (d *differ) enum(o, u protoreflect.EnumDescriptor, path []string) {
	ov, uv := valuesByNumber(o), valuesByNumber(u)
	nums := make([]int, 0, len(ov)+len(uv))
	for n := range ov {
		nums = append(nums, int(n))
	}
	for n := range uv {
		if _, ok := ov[n]; !ok {
			nums = append(nums, int(n))
		}
	}
	sort.Ints(nums)
	for _, n := range nums {
		num := protoreflect.EnumNumber(n)
		p := with(path, strconv.Itoa(n))
		loc := string(u.FullName()) + "#" + strconv.Itoa(n)
		ovName, inO := ov[num]
		uvName, inU := uv[num]
		switch {
		case !inU:
			d.add(EnumConstRemoved, p, string(o.FullName())+"#"+strconv.Itoa(n), "enum value %s = %d was removed", ovName, n)
		case !inO:
			d.add(EnumConstAdded, p, loc, "enum value %s = %d was added", uvName, n)
		case ovName != uvName:
			d.add(EnumConstChanged, p, loc, "enum value %d was renamed from %s to %s", n, ovName, uvName)
		}
	}
}

// valuesByNumber maps numbers to names; with aliases the last name wins,
// as in Confluent.
func valuesByNumber(e protoreflect.EnumDescriptor) map[protoreflect.EnumNumber]string {
	vs := e.Values()
	out := make(map[protoreflect.EnumNumber]string, vs.Len())
	for i := 0; i < vs.Len(); i++ {
		out[vs.Get(i).Number()] = string(vs.Get(i).Name())
	}
	return out
}

func (d *differ) message(o, u protoreflect.MessageDescriptor, path []string) {
	if !d.active[o] {
		d.active[o] = true
		d.fields(o, u, path)
		delete(d.active, o)
	}
	d.types(o.Messages(), o.Enums(), u.Messages(), u.Enums(), path)
}

// realOneof is the oneof a field belongs to, ignoring the synthetic oneofs
// of proto3 optional fields.
func realOneof(f protoreflect.FieldDescriptor) string {
	if od := f.ContainingOneof(); od != nil && !od.IsSynthetic() {
		return string(od.Name())
	}
	return ""
}

func oneofs(m protoreflect.MessageDescriptor) []protoreflect.OneofDescriptor {
	var out []protoreflect.OneofDescriptor
	for i := 0; i < m.Oneofs().Len(); i++ {
		if od := m.Oneofs().Get(i); !od.IsSynthetic() {
			out = append(out, od)
		}
	}
	return out
}

// fields compares fields by number across the whole message, so that
// changes of oneof membership (renames, moves in and out, merges) cannot
// hide a change of the field itself.
func (d *differ) fields(o, u protoreflect.MessageDescriptor, path []string) {
	ofs, ufs := d.orig.fieldsByNumber(o), d.upd.fieldsByNumber(u)
	oOneofs, uOneofs := oneofs(o), oneofs(u)
	uOneofNames := map[string]bool{}
	for _, od := range uOneofs {
		uOneofNames[string(od.Name())] = true
	}
	oOneofNames := map[string]bool{}
	for _, od := range oOneofs {
		oOneofNames[string(od.Name())] = true
	}

	// A oneof gone by name none of whose members survive anywhere was
	// deleted as a whole: its members' removal is not reported one by one.
	deleted := map[string]bool{}
	for _, od := range oOneofs {
		if uOneofNames[string(od.Name())] {
			continue
		}
		survives := false
		for i := 0; i < od.Fields().Len(); i++ {
			if ufs[od.Fields().Get(i).Number()] != nil {
				survives = true
				break
			}
		}
		if !survives {
			deleted[string(od.Name())] = true
		}
	}

	// New mutual exclusion: a oneof of the update whose pre-existing members
	// come from more than one origin (an original oneof, or each original
	// top-level field on its own).
	for _, od := range uOneofs {
		groups := map[string]bool{}
		movedIn := 0
		for i := 0; i < od.Fields().Len(); i++ {
			of := ofs[od.Fields().Get(i).Number()]
			switch {
			case of == nil:
			case realOneof(of) != "":
				groups["oneof:"+realOneof(of)] = true
			default:
				groups["field:"+strconv.Itoa(int(of.Number()))] = true
				movedIn++
			}
		}
		if len(groups) > 1 {
			p := with(path, string(od.Name()))
			if movedIn > 1 {
				d.add(MultipleFieldsMovedToOneof, p, string(od.FullName()), "%d fields that could be set together moved into oneof %s", movedIn, od.FullName())
			} else {
				d.add(FieldMovedToExistingOneof, p, string(od.FullName()), "oneof %s now holds fields that could be set together", od.FullName())
			}
		}
	}

	var names []string
	for n := range oOneofNames {
		names = append(names, n)
	}
	for n := range uOneofNames {
		if !oOneofNames[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		p := with(path, n)
		switch {
		case !uOneofNames[n]:
			d.add(OneofRemoved, p, string(o.FullName())+"."+n, "oneof %s.%s was removed", o.FullName(), n)
		case !oOneofNames[n]:
			d.add(OneofAdded, p, string(u.FullName())+"."+n, "oneof %s.%s was added", u.FullName(), n)
		}
	}

	nums := make([]int, 0, len(ofs)+len(ufs))
	for n := range ofs {
		nums = append(nums, int(n))
	}
	for n := range ufs {
		if ofs[n] == nil {
			nums = append(nums, int(n))
		}
	}
	sort.Ints(nums)
	for _, n := range nums {
		num := protoreflect.FieldNumber(n)
		of, uf := ofs[num], ufs[num]
		switch {
		case uf == nil:
			at := site{path: path, owner: o, num: num}
			if oo := realOneof(of); oo != "" {
				if !deleted[oo] {
					at.oneof = oo
					d.addAt(OneofFieldRemoved, at, "field %s = %d was removed from oneof %s", of.Name(), n, oo)
				}
				continue
			}
			if of.Cardinality() == protoreflect.Required {
				d.addAt(RequiredFieldRemoved, at, "required field %s = %d was removed", of.Name(), n)
				continue
			}
			note := ""
			if !u.ReservedRanges().Has(num) {
				note = "; reserve its number so it is never reused"
			}
			d.addAt(FieldRemoved, at, "field %s = %d was removed%s", of.Name(), n, note)
		case of == nil:
			at := site{path: path, owner: u, num: num}
			if uo := realOneof(uf); uo != "" {
				at.oneof = uo
				d.addAt(OneofFieldAdded, at, "field %s = %d was added to oneof %s", uf.Name(), n, uo)
			} else if uf.Cardinality() == protoreflect.Required {
				d.addAt(RequiredFieldAdded, at, "required field %s = %d was added", uf.Name(), n)
			} else {
				d.addAt(FieldAdded, at, "field %s = %d was added", uf.Name(), n)
			}
		default:
			oo, uo := realOneof(of), realOneof(uf)
			if oo != "" && uo == "" {
				d.addAt(OneofFieldMovedToTopLevel, site{path: path, owner: u, num: num}, "field %s = %d moved out of oneof %s", uf.Name(), n, oo)
			}
			d.field(of, uf, site{path: path, oneof: uo, owner: u, num: num})
		}
	}
}

// fieldsByNumber indexes a message's fields by number, once per schema:
// Fields.ByNumber is a linear search in protocompile's descriptors, and a
// schema is compared against many versions.
func (s *Schema) fieldsByNumber(m protoreflect.MessageDescriptor) map[protoreflect.FieldNumber]protoreflect.FieldDescriptor {
	if v, ok := s.fieldIndex.Load(m); ok {
		return v.(map[protoreflect.FieldNumber]protoreflect.FieldDescriptor)
	}
	fs := m.Fields()
	idx := make(map[protoreflect.FieldNumber]protoreflect.FieldDescriptor, fs.Len())
	for i := 0; i < fs.Len(); i++ {
		idx[fs.Get(i).Number()] = fs.Get(i)
	}
	s.fieldIndex.Store(m, idx)
	return idx
}

type label int

const (
	noLabel label = iota // map keys and values: labels are not compared
	singular
	repeated
	required
)

func labelOf(f protoreflect.FieldDescriptor) label {
	switch {
	case f.IsList():
		return repeated
	case f.Cardinality() == protoreflect.Required:
		return required
	}
	return singular
}

func (d *differ) field(of, uf protoreflect.FieldDescriptor, at site) {
	if of.Name() != uf.Name() {
		d.addAt(FieldNameChanged, at, "field %d was renamed from %s to %s", of.Number(), of.Name(), uf.Name())
	}
	d.labelsAndTypes(labelOf(of), labelOf(uf), of, uf, at)
	if !of.IsList() && !uf.IsList() && kindOf(of) == scalarKind && kindOf(uf) == scalarKind &&
		scalarGroup(of) == scalarGroup(uf) {
		if realOneof(of) == "" && realOneof(uf) == "" && of.HasPresence() != uf.HasPresence() &&
			labelOf(of) != required && labelOf(uf) != required {
			d.addAt(FieldPresenceChanged, at, "field %s = %d %s explicit presence", uf.Name(), uf.Number(), gainedOrLost(uf.HasPresence()))
		}
		// Implicit defaults are the zero value of each type, equal in meaning
		// across a compatible type change; only closed enums take their first
		// value, which reordering can change.
		if of.HasDefault() || uf.HasDefault() || (of.Enum() != nil && uf.Enum() != nil) {
			if od, ud := defaultText(of), defaultText(uf); od != ud {
				d.addAt(FieldDefaultChanged, at, "default of field %s = %d changed from %s to %s", uf.Name(), uf.Number(), od, ud)
			}
		}
	}
}

func gainedOrLost(b bool) string {
	if b {
		return "gained"
	}
	return "lost"
}

// defaultText is the value an absent field reads as.
func defaultText(f protoreflect.FieldDescriptor) string {
	v := f.Default()
	switch f.Kind() {
	case protoreflect.BytesKind:
		return strconv.Quote(string(v.Bytes()))
	case protoreflect.StringKind:
		return strconv.Quote(v.String())
	case protoreflect.EnumKind:
		return strconv.Itoa(int(v.Enum()))
	}
	return fmt.Sprint(v.Interface())
}

type fieldKind int

const (
	scalarKind fieldKind = iota // enums are scalars: they travel as varints
	messageKind
	mapKind
)

func kindOf(f protoreflect.FieldDescriptor) fieldKind {
	switch {
	case f.IsMap():
		return mapKind
	case f.Kind() == protoreflect.MessageKind || f.Kind() == protoreflect.GroupKind:
		return messageKind
	}
	return scalarKind
}

// scalarGroup groups the scalar types whose encodings read as each other.
func scalarGroup(f protoreflect.FieldDescriptor) string {
	switch f.Kind() {
	case protoreflect.EnumKind, protoreflect.Int32Kind, protoreflect.Int64Kind,
		protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.BoolKind:
		return "varint"
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return "zigzag"
	case protoreflect.StringKind, protoreflect.BytesKind:
		return "string or bytes"
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return "fixed32"
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return "fixed64"
	case protoreflect.FloatKind:
		return "float"
	case protoreflect.DoubleKind:
		return "double"
	}
	return f.Kind().String()
}

func typeText(f protoreflect.FieldDescriptor) string {
	switch {
	case f.IsMap():
		return "map<" + typeText(f.MapKey()) + ", " + typeText(f.MapValue()) + ">"
	case f.Enum() != nil:
		return string(f.Enum().FullName())
	case f.Message() != nil:
		return string(f.Message().FullName())
	}
	return f.Kind().String()
}

func (d *differ) labelsAndTypes(ol, ul label, of, uf protoreflect.FieldDescriptor, at site) {
	ok, uk := kindOf(of), kindOf(uf)
	if ok != uk {
		d.addAt(FieldKindChanged, at, "type changed from %s to %s", typeText(of), typeText(uf))
		return
	}
	switch ok {
	case scalarKind:
		if scalarGroup(of) != scalarGroup(uf) {
			d.addAt(FieldScalarKindChanged, at, "type changed from %s to %s, which reads its encoding differently", typeText(of), typeText(uf))
			return
		}
		if ol == noLabel || ul == noLabel || ol == ul {
			return
		}
		switch {
		case scalarGroup(of) != "string or bytes":
			d.addAt(FieldNumericLabelChanged, at, "numeric field changed from %s to %s", ol, ul)
		case ol == required || ul == required:
			d.addAt(FieldRequiredLabelChanged, at, "field changed from %s to %s", ol, ul)
		default:
			d.addAt(FieldStringOrBytesLabelChanged, at, "field changed from %s to %s", ol, ul)
		}
	case messageKind:
		if (of.Kind() == protoreflect.GroupKind) != (uf.Kind() == protoreflect.GroupKind) {
			d.addAt(FieldKindChanged, at, "encoding changed between group (delimited) and message (length-prefixed)")
			return
		}
		if ol != noLabel && ul != noLabel && ol != ul && (ol == required || ul == required) {
			d.addAt(FieldRequiredLabelChanged, at, "field changed from %s to %s", ol, ul)
		}
		d.messageTypes(of.Message(), uf.Message(), at)
	case mapKind:
		d.labelsAndTypes(noLabel, noLabel, of.MapKey(), uf.MapKey(), at)
		d.labelsAndTypes(noLabel, noLabel, of.MapValue(), uf.MapValue(), at)
	}
}

func (l label) String() string {
	switch l {
	case repeated:
		return "repeated"
	case required:
		return "required"
	}
	return "singular"
}

// localName is a message's name within its package.
func localName(m protoreflect.MessageDescriptor) string {
	pkg := string(m.ParentFile().Package())
	name := string(m.FullName())
	if pkg != "" && strings.HasPrefix(name, pkg+".") {
		return name[len(pkg)+1:]
	}
	return name
}

// messageTypes compares the types of a message field as Confluent does: by
// name within the package first; a type of the same name defined elsewhere
// than before (another import, or moved between the schema and an import)
// is then compared structurally, reported under its own local name.
func (d *differ) messageTypes(om, um protoreflect.MessageDescriptor, at site) {
	ol, ul := localName(om), localName(um)
	if ol != ul {
		d.addAt(FieldNamedTypeChanged, at, "type changed from %s to %s", om.FullName(), um.FullName())
		return
	}
	if d.orig.origin(om.ParentFile()) == d.upd.origin(um.ParentFile()) {
		return
	}
	key := [2]protoreflect.MessageDescriptor{om, um}
	sub, done := d.memo[key]
	if !done {
		start := len(d.out)
		d.message(om, um, strings.Split(ol, "."))
		sub = append([]Change(nil), d.out[start:]...)
		d.out = d.out[:start]
		d.memo[key] = sub
	}
	d.out = append(d.out, sub...)
	for _, c := range sub {
		if !c.Compatible {
			d.addAt(FieldNamedTypeChanged, at, "message %s has incompatible changes", um.FullName())
			return
		}
	}
}
