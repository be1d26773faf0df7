package wire

import (
	"encoding/binary"
	"math"
)

// Magic is the first byte of every frame.
const Magic byte = 0

// HeaderSize is the size of the magic byte and the schema id.
const HeaderSize = 5

// MaxIndexes bounds the message-index count a frame may claim: nesting
// deeper than this does not occur in real schemas, and the bound keeps a
// corrupt count from costing an allocation of its size.
const MaxIndexes = 100

// Frame is a parsed frame. Payload aliases the input; MessageIndexes is
// nil for non-Protobuf frames and [0] for the first message.
type Frame struct {
	SchemaID       int
	MessageIndexes []int
	Payload        []byte
}

// firstMessage is shared by every frame naming message [0], the common
// case, so parsing it allocates nothing. Callers must not modify it.
var firstMessage = []int{0}

// Parse reads a frame. With protobuf set it also reads the message-index
// array that Protobuf serializers write after the schema id. A malformed
// frame yields a *FrameError naming the offset and the problem.
func Parse(frame []byte, protobuf bool) (Frame, error) {
	if len(frame) == 0 {
		return Frame{}, frameErr(0, ReasonEmpty, "empty: a framed record has at least %d bytes", HeaderSize)
	}
	if frame[0] != Magic {
		return Frame{}, frameErr(0, ReasonBadMagic, "magic byte is 0x%02x, want 0x00: the record was not written by a schema registry serializer", frame[0])
	}
	if len(frame) < HeaderSize {
		return Frame{}, frameErr(len(frame), ReasonTruncatedID, "the schema id needs 4 bytes after the magic byte, only %d follow", len(frame)-1)
	}
	id := int32(binary.BigEndian.Uint32(frame[1:HeaderSize]))
	if id <= 0 {
		return Frame{}, frameErr(1, ReasonBadID, "schema id %d is not positive", id)
	}
	f := Frame{SchemaID: int(id), Payload: frame[HeaderSize:]}
	if !protobuf {
		return f, nil
	}
	idx, n, err := readIndexes(frame, HeaderSize)
	if err != nil {
		return Frame{}, err
	}
	f.MessageIndexes, f.Payload = idx, frame[HeaderSize+n:]
	return f, nil
}

// readIndexes reads the message-index array at frame[off:] and returns it
// with the number of bytes it took.
func readIndexes(frame []byte, off int) ([]int, int, error) {
	count, n, err := varint(frame, off, "message-index count")
	if err != nil {
		return nil, 0, err
	}
	switch {
	case count == 0:
		// Confluent's shorthand for [0].
		return firstMessage, n, nil
	case count < 0 || count > MaxIndexes:
		return nil, 0, frameErr(off, ReasonBadIndexCount, "message-index count %d is not between 1 and %d", count, MaxIndexes)
	}
	out := make([]int, count)
	pos := off + n
	for i := range out {
		v, m, err := varint(frame, pos, "message index")
		if err != nil {
			return nil, 0, err
		}
		if v < 0 || v > math.MaxInt32 {
			return nil, 0, frameErr(pos, ReasonBadIndex, "message index %d (number %d of %d) is not between 0 and 2^31-1", v, i+1, count)
		}
		out[i] = int(v)
		pos += m
	}
	return out, pos - off, nil
}

// varint reads a zig-zag varint at frame[off:].
func varint(frame []byte, off int, what string) (int64, int, error) {
	v, n := binary.Varint(frame[off:])
	switch {
	case n == 0 && len(frame)-off >= binary.MaxVarintLen64:
		// Ten bytes that all continue: no 64-bit varint is that long.
		return 0, 0, frameErr(off, ReasonBadVarint, "the %s varint is longer than %d bytes", what, binary.MaxVarintLen64)
	case n == 0:
		if off >= len(frame) {
			return 0, 0, frameErr(off, ReasonTruncatedIndexes, "the frame ends where the %s should be", what)
		}
		return 0, 0, frameErr(len(frame), ReasonTruncatedIndexes, "the frame ends inside the %s varint", what)
	case n < 0:
		return 0, 0, frameErr(off, ReasonBadVarint, "the %s varint overflows 64 bits", what)
	}
	return v, n, nil
}

// AppendHeader appends the magic byte and the schema id.
func AppendHeader(b []byte, schemaID int) []byte {
	return binary.BigEndian.AppendUint32(append(b, Magic), uint32(schemaID))
}

// AppendIndexes appends the message-index array as Protobuf serializers
// write it: [0] (or no indexes) as a single 0 byte, otherwise the count
// and each index as zig-zag varints.
func AppendIndexes(b []byte, indexes []int) []byte {
	if len(indexes) == 0 || len(indexes) == 1 && indexes[0] == 0 {
		return append(b, 0)
	}
	b = binary.AppendVarint(b, int64(len(indexes)))
	for _, i := range indexes {
		b = binary.AppendVarint(b, int64(i))
	}
	return b
}

// Append appends the frame of f to b: the header, the message indexes
// when protobuf is set, then the payload.
func Append(b []byte, f Frame, protobuf bool) []byte {
	b = AppendHeader(b, f.SchemaID)
	if protobuf {
		b = AppendIndexes(b, f.MessageIndexes)
	}
	return append(b, f.Payload...)
}

// Encode returns the frame of f.
func Encode(f Frame, protobuf bool) []byte {
	return Append(make([]byte, 0, HeaderSize+len(f.MessageIndexes)*2+1+len(f.Payload)), f, protobuf)
}
