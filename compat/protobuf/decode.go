package protobuf

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// ErrMalformed marks a payload that is not a valid encoding of its message:
// truncated or invalid wire data, invalid UTF-8 where the schema requires
// it, a missing required field.
var ErrMalformed = errors.New("malformed payload")

// ErrUnknownFields marks a payload that carries fields its schema does not
// declare. The message still decodes; UnknownFieldsError says which fields.
var ErrUnknownFields = errors.New("payload has unknown fields")

// UnknownField is a field present in a payload but not in its schema (or a
// number a closed enum does not declare), located as the message's full
// name plus the field number.
type UnknownField struct {
	Location string
	Number   int32
	// Path is the chain of field names from the root message, e.g. "items.price".
	Path string
}

// UnknownFieldsError lists the unknown fields of a payload; it wraps
// ErrUnknownFields.
type UnknownFieldsError struct {
	Fields []UnknownField
}

func (e *UnknownFieldsError) Error() string {
	locs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		locs[i] = f.Location
	}
	return fmt.Sprintf("%v: %s", ErrUnknownFields, strings.Join(locs, ", "))
}

func (e *UnknownFieldsError) Unwrap() error { return ErrUnknownFields }

// Decode decodes payload as the message at indexes. A malformed payload or
// unknown indexes yield an error and no message. Unknown fields yield the
// decoded message together with an *UnknownFieldsError, so that a caller
// may choose to accept them.
func (s *Schema) Decode(indexes []int, payload []byte) (*dynamicpb.Message, error) {
	md, err := s.MessageByIndexes(indexes)
	if err != nil {
		return nil, err
	}
	msg := dynamicpb.NewMessage(md)
	opts := proto.UnmarshalOptions{Resolver: s.types(), DiscardUnknown: false}
	if err := opts.Unmarshal(payload, msg); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, md.FullName(), err)
	}
	var unknown []UnknownField
	collectUnknown(msg, "", &unknown)
	if len(unknown) > 0 {
		return msg, &UnknownFieldsError{Fields: unknown}
	}
	return msg, nil
}

// Validate reports whether payload is exactly a message at indexes: it fails
// on malformed payloads and on unknown fields.
func (s *Schema) Validate(indexes []int, payload []byte) error {
	_, err := s.Decode(indexes, payload)
	return err
}

func collectUnknown(m protoreflect.Message, path string, out *[]UnknownField) {
	desc := m.Descriptor()
	for b := m.GetUnknown(); len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			break
		}
		vlen := protowire.ConsumeFieldValue(num, typ, b[n:])
		if vlen < 0 {
			break
		}
		b = b[n+vlen:]
		*out = append(*out, UnknownField{
			Location: fmt.Sprintf("%s#%d", desc.FullName(), num),
			Number:   int32(num),
			Path:     joinPath(path, fmt.Sprint(num)),
		})
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := joinPath(path, string(fd.Name()))
		switch {
		case fd.Enum() != nil && fd.Enum().IsClosed() && !fd.IsMap():
			// A closed enum does not admit unknown numbers; the reference
			// runtimes keep them as unknown fields.
			vals := []protoreflect.Value{v}
			if fd.IsList() {
				vals = vals[:0]
				for i := 0; i < v.List().Len(); i++ {
					vals = append(vals, v.List().Get(i))
				}
			}
			for _, ev := range vals {
				if fd.Enum().Values().ByNumber(ev.Enum()) == nil {
					*out = append(*out, UnknownField{
						Location: fmt.Sprintf("%s#%d", desc.FullName(), fd.Number()),
						Number:   int32(fd.Number()),
						Path:     p,
					})
				}
			}
		case fd.IsMap():
			if k := fd.MapValue().Kind(); k == protoreflect.MessageKind || k == protoreflect.GroupKind {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					collectUnknown(mv.Message(), p, out)
					return true
				})
			}
		case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
			if fd.IsList() {
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					collectUnknown(l.Get(i).Message(), p, out)
				}
			} else {
				collectUnknown(v.Message(), p, out)
			}
		}
		return true
	})
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}
