package protobuf

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// uninterpretedOptions renders options as the parser recorded them: names
// and values as written, in source order.
func uninterpretedOptions(opts proto.Message) []option {
	if opts == nil {
		return nil
	}
	m := opts.ProtoReflect()
	if !m.IsValid() {
		return nil
	}
	fd := m.Descriptor().Fields().ByName("uninterpreted_option")
	if fd == nil || !m.Has(fd) {
		return nil
	}
	list := m.Get(fd).List()
	out := make([]option, 0, list.Len())
	for i := 0; i < list.Len(); i++ {
		u, ok := list.Get(i).Message().Interface().(*descriptorpb.UninterpretedOption)
		if !ok {
			continue
		}
		parts := make([]string, len(u.GetName()))
		for j, n := range u.GetName() {
			parts[j] = n.GetNamePart()
			if n.GetIsExtension() {
				parts[j] = "(" + parts[j] + ")"
			}
		}
		var v string
		switch {
		case u.IdentifierValue != nil:
			v = u.GetIdentifierValue()
		case u.PositiveIntValue != nil:
			v = strconv.FormatUint(u.GetPositiveIntValue(), 10)
		case u.NegativeIntValue != nil:
			v = strconv.FormatInt(u.GetNegativeIntValue(), 10)
		case u.DoubleValue != nil:
			v = formatFloat(u.GetDoubleValue(), 64)
		case u.StringValue != nil:
			v = quote(u.GetStringValue())
		case u.AggregateValue != nil:
			v = "{ " + u.GetAggregateValue() + " }"
			if u.GetAggregateValue() == "" {
				v = "{}"
			}
		}
		out = append(out, option{name: strings.Join(parts, "."), value: v})
	}
	return out
}

// optionFormatter renders interpreted options, custom ones included, in a
// fixed order so that equal options print equally however they were written
// (one aggregate or several dotted assignments, any order).
type optionFormatter struct {
	types *protoregistry.Types
}

func newOptionFormatter(f protoreflect.FileDescriptor) *optionFormatter {
	return &optionFormatter{types: extensionTypes(f)}
}

func (o *optionFormatter) entries(opts proto.Message) []option {
	if opts == nil || !opts.ProtoReflect().IsValid() {
		return nil
	}
	// Custom options arrive as unknown fields of the standard options
	// message; re-reading them with the file's extensions names them.
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(opts)
	if err != nil || len(b) == 0 {
		return nil
	}
	m := dynamicpb.NewMessage(opts.ProtoReflect().Descriptor())
	if err := (proto.UnmarshalOptions{Resolver: o.types}).Unmarshal(b, m); err != nil {
		return nil
	}
	var out []option
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Name() == "uninterpreted_option" {
			return true
		}
		name := string(fd.Name())
		if fd.IsExtension() {
			name = "(" + string(fd.FullName()) + ")"
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				out = append(out, option{name, formatValue(fd, l.Get(i))})
			}
			return true
		}
		out = append(out, option{name, formatValue(fd, v)})
		return true
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// formatValue renders a value in the text format that option values use.
func formatValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return strconv.FormatBool(v.Bool())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.FormatInt(v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.FormatUint(v.Uint(), 10)
	case protoreflect.FloatKind:
		return formatFloat(v.Float(), 32)
	case protoreflect.DoubleKind:
		return formatFloat(v.Float(), 64)
	case protoreflect.StringKind:
		return quote([]byte(v.String()))
	case protoreflect.BytesKind:
		return quote(v.Bytes())
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return strconv.Itoa(int(v.Enum()))
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return formatMessage(v.Message())
	}
	return ""
}

// formatMessage renders a message literal with fields in number order.
func formatMessage(m protoreflect.Message) string {
	type entry struct {
		fd protoreflect.FieldDescriptor
		v  protoreflect.Value
	}
	var fields []entry
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		fields = append(fields, entry{fd, v})
		return true
	})
	if len(fields) == 0 {
		return "{}"
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].fd.Number() < fields[j].fd.Number() })
	parts := make([]string, 0, len(fields))
	for _, e := range fields {
		name := string(e.fd.Name())
		switch {
		case e.fd.IsExtension():
			name = "[" + string(e.fd.FullName()) + "]"
		case e.fd.Kind() == protoreflect.GroupKind && e.fd.Message() != nil:
			name = string(e.fd.Message().Name())
		}
		switch {
		case e.fd.IsMap():
			mp := e.v.Map()
			keys := make([]protoreflect.MapKey, 0, mp.Len())
			mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
				keys = append(keys, k)
				return true
			})
			sort.Slice(keys, func(i, j int) bool {
				return formatValue(e.fd.MapKey(), keys[i].Value()) < formatValue(e.fd.MapKey(), keys[j].Value())
			})
			items := make([]string, len(keys))
			for i, k := range keys {
				items[i] = "{ key: " + formatValue(e.fd.MapKey(), k.Value()) + " value: " + formatValue(e.fd.MapValue(), mp.Get(k)) + " }"
			}
			parts = append(parts, name+": ["+strings.Join(items, ", ")+"]")
		case e.fd.IsList():
			l := e.v.List()
			items := make([]string, l.Len())
			for i := range items {
				items[i] = formatValue(e.fd, l.Get(i))
			}
			parts = append(parts, name+": ["+strings.Join(items, ", ")+"]")
		default:
			parts = append(parts, name+": "+formatValue(e.fd, e.v))
		}
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

// formatFloat renders a float so that it reads back as a float literal.
func formatFloat(f float64, bits int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, bits)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// extensionTypes collects the extensions visible from f (its own and its
// imports'), to read custom options and extension fields of payloads.
func extensionTypes(f protoreflect.FileDescriptor) *protoregistry.Types {
	types := &protoregistry.Types{}
	seen := map[string]bool{}
	var walkFile func(protoreflect.FileDescriptor)
	var walkExts func(protoreflect.ExtensionDescriptors)
	var walkMsgs func(protoreflect.MessageDescriptors)
	walkExts = func(xs protoreflect.ExtensionDescriptors) {
		for i := 0; i < xs.Len(); i++ {
			_ = types.RegisterExtension(dynamicpb.NewExtensionType(xs.Get(i)))
		}
	}
	walkMsgs = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			walkExts(ms.Get(i).Extensions())
			walkMsgs(ms.Get(i).Messages())
		}
	}
	walkFile = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		walkExts(fd.Extensions())
		walkMsgs(fd.Messages())
		imps := fd.Imports()
		for i := 0; i < imps.Len(); i++ {
			walkFile(imps.Get(i).FileDescriptor)
		}
	}
	walkFile(f)
	return types
}
