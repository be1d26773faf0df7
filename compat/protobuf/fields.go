package protobuf

import (
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/accord/accord/compat"
)

var _ compat.Structured = (*Schema)(nil)

// Root returns the full name of the file's first message, the one
// Confluent serializers use by default; "" when the file has none.
func (s *Schema) Root() string {
	if ms := s.file.Messages(); ms.Len() > 0 {
		return string(ms.Get(0).FullName())
	}
	return ""
}

// Fields lists the fields of the first message, depth first, with
// locations in the form CompatibleWith uses (acme.Order#2). Well-known
// types (google.protobuf.*) are leaves: their Logical is their full name.
func (s *Schema) Fields() []compat.Field {
	ms := s.file.Messages()
	if ms.Len() == 0 {
		return nil
	}
	w := protoWalker{open: map[protoreflect.FullName]bool{}, src: s.file.SourceLocations()}
	w.message(ms.Get(0), "")
	return w.out
}

type protoWalker struct {
	out  []compat.Field
	open map[protoreflect.FullName]bool // messages being expanded on the current path
	src  protoreflect.SourceLocations
}

func (w *protoWalker) message(m protoreflect.MessageDescriptor, path string) {
	if w.open[m.FullName()] || wellKnown(m) {
		return
	}
	w.open[m.FullName()] = true
	defer delete(w.open, m.FullName())
	fs := m.Fields()
	for i := range fs.Len() {
		w.field(fs.Get(i), path)
	}
}

func (w *protoWalker) field(fd protoreflect.FieldDescriptor, parent string) {
	f := compat.Field{
		Path:     compat.JoinPath(parent, string(fd.Name())),
		Name:     string(fd.Name()),
		Location: fieldLoc(fd.ContainingMessage(), fd.Number()),
		Nullable: fd.HasPresence(),
		Optional: fd.Cardinality() != protoreflect.Required,
		Doc:      strings.TrimSpace(w.src.ByDescriptor(fd).LeadingComments),
	}
	if o := fd.ContainingOneof(); o != nil && !o.IsSynthetic() {
		f.Oneof = string(o.Name())
	}
	val := fd
	switch {
	case fd.IsMap():
		val = fd.MapValue()
		f.Type, f.Items = compat.FieldMap, protoKind(val)
		f.Native = "map<" + nativeKind(fd.MapKey()) + "," + nativeKind(val) + ">"
	case fd.IsList():
		f.Type, f.Items, f.Repeated = compat.FieldArray, protoKind(fd), true
		f.Native = "repeated " + nativeKind(fd)
	default:
		f.Type, f.Native = protoKind(fd), nativeKind(fd)
	}
	var inner protoreflect.MessageDescriptor
	switch val.Kind() {
	case protoreflect.EnumKind:
		f.TypeName = string(val.Enum().FullName())
		vs := val.Enum().Values()
		for i := range vs.Len() {
			f.EnumSymbols = append(f.EnumSymbols, string(vs.Get(i).Name()))
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		inner = val.Message()
		f.TypeName = string(inner.FullName())
		if wellKnown(inner) {
			f.Logical = f.TypeName
		}
		f.Recursive = w.open[inner.FullName()]
	}
	w.out = append(w.out, f)
	if inner != nil && !f.Recursive {
		w.message(inner, f.Path)
	}
}

// wellKnown reports whether m is one of google/protobuf's types, which
// stand for values (a timestamp, a duration) rather than records.
func wellKnown(m protoreflect.MessageDescriptor) bool {
	return strings.HasPrefix(string(m.FullName()), "google.protobuf.")
}

func nativeKind(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.EnumKind:
		return string(fd.Enum().FullName())
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return string(fd.Message().FullName())
	}
	return fd.Kind().String()
}

func protoKind(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return compat.FieldBoolean
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return compat.FieldInt
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return compat.FieldLong
	case protoreflect.FloatKind:
		return compat.FieldFloat
	case protoreflect.DoubleKind:
		return compat.FieldDouble
	case protoreflect.StringKind:
		return compat.FieldString
	case protoreflect.BytesKind:
		return compat.FieldBytes
	case protoreflect.EnumKind:
		return compat.FieldEnum
	}
	return compat.FieldRecord
}
