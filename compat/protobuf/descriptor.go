package protobuf

import (
	"encoding/base64"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/accord/accord/compat"
)

// Confluent's JS and Python serializers send a schema as a base64-encoded
// FileDescriptorProto rather than .proto text, and their deserializers ask
// for that form back (?format=serialized). This file is the descriptor side
// of the format: reading one, and printing a schema as one.

// FormatSerialized is the ?format= value asking for the base64 descriptor.
const FormatSerialized = "serialized"

// maxDescriptorBytes bounds what a descriptor may decode to. The registry's
// request-body limit already bounds the text; this only keeps a decode from
// allocating for something that cannot be a schema of sensible size.
const maxDescriptorBytes = 16 << 20

// decodeDescriptor reads text as a base64 FileDescriptorProto (standard
// alphabet, padded or not). ok is false when text is not one, so the caller
// reports the .proto parse error instead.
func decodeDescriptor(text string) (*descriptorpb.FileDescriptorProto, bool) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > maxDescriptorBytes*4/3+4 {
		return nil, false
	}
	enc := base64.StdEncoding
	if !strings.HasSuffix(text, "=") && len(text)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(text)
	if err != nil || len(b) == 0 {
		return nil, false
	}
	fd := &descriptorpb.FileDescriptorProto{}
	if err := (proto.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, fd); err != nil {
		return nil, false
	}
	// A few random bytes may happen to decode; a real descriptor declares
	// something.
	if len(fd.GetMessageType())+len(fd.GetEnumType())+len(fd.GetService())+len(fd.GetExtension()) == 0 && fd.Package == nil && fd.Syntax == nil {
		return nil, false
	}
	return fd, true
}

// parseDescriptor links a FileDescriptorProto with its references. Its
// Canonical text is its Normalized one: a descriptor has its options
// interpreted and, from protoc or a runtime, its type names fully
// qualified, so the normalized printing is the only faithful one. The file
// name it carries is replaced (as Confluent ignores it too): only its
// imports name references.
func parseDescriptor(fd *descriptorpb.FileDescriptorProto, deps []compat.Dependency) (*Schema, error) {
	fd = proto.CloneOf(fd)
	name := mainFileName(deps)
	fd.Name = proto.String(name)
	fd.SourceCodeInfo = nil
	defaultJSONNames(fd.GetExtension())
	for _, m := range fd.GetMessageType() {
		defaultMessageJSONNames(m)
	}
	s, err := link(&resolver{main: name, mainDesc: fd}, deps)
	if err != nil {
		return nil, err
	}
	s.canonical = s.Normalized()
	return s, nil
}

// Descriptor returns the schema as a linked FileDescriptorProto (type names
// fully qualified, options interpreted), named as Confluent names it.
func (s *Schema) Descriptor() *descriptorpb.FileDescriptorProto {
	fd := proto.CloneOf(s.linkedProto())
	fd.Name = proto.String("default")
	fd.SourceCodeInfo = nil
	return fd
}

// Serialized is the schema as Confluent's ?format=serialized answers it:
// the base64 (standard, padded) encoding of Descriptor.
func (s *Schema) Serialized() (string, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(s.Descriptor())
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Formatted renders the schema as Confluent's ?format= asks: "serialized"
// is the base64 descriptor; "default", "" and formats this version does not
// know are the stored text (Confluent answers unknown formats with the
// canonical text too, for forward compatibility). ok is false when the
// stored text is the answer.
func (s *Schema) Formatted(format string) (string, bool, error) {
	if format != FormatSerialized {
		return "", false, nil
	}
	out, err := s.Serialized()
	return out, err == nil, err
}

// EquivalenceKey is what a schema shares with every other spelling of it,
// .proto text or descriptor: its Normalized text. The registry uses it to
// find a version registered in one spelling when looked up in the other.
func (s *Schema) EquivalenceKey() string { return s.Normalized() }

// defaultJSONNames gives fields without a json_name their default one, as
// the compiler does for parsed text: descriptors from some runtimes (Python's
// embedded ones) leave it out, and the linker would then see every field
// with the same empty JSON name.
func defaultJSONNames(fields []*descriptorpb.FieldDescriptorProto) {
	for _, f := range fields {
		if f.JsonName == nil {
			f.JsonName = proto.String(jsonName(f.GetName()))
		}
	}
}

func defaultMessageJSONNames(m *descriptorpb.DescriptorProto) {
	defaultJSONNames(m.GetField())
	defaultJSONNames(m.GetExtension())
	for _, n := range m.GetNestedType() {
		defaultMessageJSONNames(n)
	}
}
