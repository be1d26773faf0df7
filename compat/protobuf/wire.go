package protobuf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Confluent's wire format names the message a payload holds by its index
// path: [0] is the first top-level message, [1, 0] the first message nested
// in the second. Indexes count messages only (not enums) and, as in the Java
// reference implementation, not the entry messages that map fields imply.

// ErrUnknownMessage is returned when an index path or a name matches no
// message of the schema.
var ErrUnknownMessage = errors.New("no such message")

// MessagePath is a message with its Confluent index path.
type MessagePath struct {
	FullName string
	Indexes  []int
}

type message struct {
	desc    protoreflect.MessageDescriptor
	indexes []int
}

func indexMessages(f protoreflect.FileDescriptor) []message {
	var out []message
	var walk func(ms protoreflect.MessageDescriptors, prefix []int)
	walk = func(ms protoreflect.MessageDescriptors, prefix []int) {
		n := 0
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			if m.IsMapEntry() {
				continue
			}
			idx := append(append([]int(nil), prefix...), n)
			n++
			out = append(out, message{desc: m, indexes: idx})
			walk(m.Messages(), idx)
		}
	}
	walk(f.Messages(), nil)
	return out
}

// Messages lists every message of the schema (nested ones included, map
// entries excluded) in declaration order, depth first, with its indexes.
func (s *Schema) Messages() []MessagePath {
	out := make([]MessagePath, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = MessagePath{FullName: string(m.desc.FullName()), Indexes: append([]int(nil), m.indexes...)}
	}
	return out
}

// MessageIndexes returns the index path of the message named fullName
// (with or without a leading dot).
func (s *Schema) MessageIndexes(fullName string) ([]int, error) {
	fullName = strings.TrimPrefix(fullName, ".")
	for _, m := range s.msgs {
		if string(m.desc.FullName()) == fullName {
			return append([]int(nil), m.indexes...), nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownMessage, fullName)
}

// MessageByIndexes returns the message an index path designates. An empty
// path means [0], the first message, as on the wire.
func (s *Schema) MessageByIndexes(indexes []int) (protoreflect.MessageDescriptor, error) {
	if len(indexes) == 0 {
		indexes = []int{0}
	}
	for _, m := range s.msgs {
		if equalInts(m.indexes, indexes) {
			return m.desc, nil
		}
	}
	return nil, fmt.Errorf("%w: indexes %v", ErrUnknownMessage, indexes)
}

// MessageByName returns the message named fullName (with or without a
// leading dot), including messages of imported files.
func (s *Schema) MessageByName(fullName string) (protoreflect.MessageDescriptor, error) {
	name := protoreflect.FullName(strings.TrimPrefix(fullName, "."))
	for _, m := range s.msgs {
		if m.desc.FullName() == name {
			return m.desc, nil
		}
	}
	if md := findMessage(s.file, name, map[string]bool{}); md != nil {
		return md, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownMessage, fullName)
}

// findMessage looks for a message in f and the files it imports.
func findMessage(f protoreflect.FileDescriptor, name protoreflect.FullName, seen map[string]bool) protoreflect.MessageDescriptor {
	if seen[f.Path()] {
		return nil
	}
	seen[f.Path()] = true
	if d := findIn(f.Messages(), name); d != nil {
		return d
	}
	for i := 0; i < f.Imports().Len(); i++ {
		if d := findMessage(f.Imports().Get(i).FileDescriptor, name, seen); d != nil {
			return d
		}
	}
	return nil
}

func findIn(ms protoreflect.MessageDescriptors, name protoreflect.FullName) protoreflect.MessageDescriptor {
	for i := 0; i < ms.Len(); i++ {
		m := ms.Get(i)
		if m.FullName() == name {
			return m
		}
		if strings.HasPrefix(string(name), string(m.FullName())+".") {
			if d := findIn(m.Messages(), name); d != nil {
				return d
			}
		}
	}
	return nil
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// AppendIndexes appends the wire encoding of an index path: the count, then
// each index, as zig-zag varints; [0] is written as a single 0 byte.
func AppendIndexes(b []byte, indexes []int) []byte {
	if len(indexes) == 1 && indexes[0] == 0 {
		return append(b, 0)
	}
	b = binary.AppendVarint(b, int64(len(indexes)))
	for _, i := range indexes {
		b = binary.AppendVarint(b, int64(i))
	}
	return b
}

// maxIndexDepth bounds the count a payload may claim, so a corrupt header
// cannot make the reader allocate without limit.
const maxIndexDepth = 100

// ReadIndexes reads an index path written by AppendIndexes and returns it
// with the number of bytes read. A count of 0 means [0].
func ReadIndexes(b []byte) ([]int, int, error) {
	count, n := binary.Varint(b)
	if n <= 0 {
		return nil, 0, errors.New("protobuf: malformed message indexes")
	}
	if count == 0 {
		return []int{0}, n, nil
	}
	if count < 0 || count > maxIndexDepth {
		return nil, 0, fmt.Errorf("protobuf: invalid message index count %d", count)
	}
	out := make([]int, count)
	read := n
	for i := range out {
		v, m := binary.Varint(b[read:])
		if m <= 0 || v < 0 || v > 1<<31-1 {
			return nil, 0, errors.New("protobuf: malformed message indexes")
		}
		out[i] = int(v)
		read += m
	}
	return out, read, nil
}
