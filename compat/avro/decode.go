package avro

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	hamba "github.com/hamba/avro/v2"
)

// ErrInvalidPayload marks a payload that is not one well-formed datum of
// the schema.
var ErrInvalidPayload = errors.New("invalid avro payload")

// Limits that keep a hostile payload from costing more than its size.
const (
	// maxDepth bounds nesting (records in records, arrays in arrays), so a
	// deep recursive datum cannot exhaust the stack of either decoder.
	maxDepth = 1000
	// maxEmptyItems bounds array items that take no bytes (null, empty
	// records): a block count is otherwise free to claim billions, and
	// decoding each one still costs an allocation. Real data has no use
	// for thousands of them.
	maxEmptyItems = 1 << 14
	// maxDecimalScale bounds the scale hamba computes 10^scale for.
	maxDecimalScale = 1000
)

// Validate checks that payload is exactly one datum of the schema in Avro
// binary encoding: well-formed varints, lengths and indexes within range,
// booleans 0 or 1, strings valid UTF-8, block sizes that match their
// contents, and no bytes left over. It allocates nothing on success.
func (s *Schema) Validate(payload []byte) error {
	v := validator{buf: payload}
	if err := v.value(s.root, 0); err != nil {
		return err
	}
	if v.pos != len(payload) {
		return &payloadError{pos: v.pos, msg: fmt.Sprintf("%d bytes left over after the datum", len(payload)-v.pos)}
	}
	return nil
}

// Decode decodes payload, one datum in Avro binary encoding, into generic
// Go values as hamba/avro decodes into an any: map[string]any for records
// and maps, []any for arrays, time.Time, time.Duration and *big.Rat for
// logical types; a union's value is the branch's value, or for a named
// branch map[string]any{fullName: value}. The payload is validated first,
// so a malformed or hostile one is rejected before hamba sees it. Callers
// should still bound payload size: decoded values take more memory than
// their encoding.
func (s *Schema) Decode(payload []byte) (any, error) {
	if err := s.Validate(payload); err != nil {
		return nil, err
	}
	dec, err := s.decoder()
	if err != nil {
		return nil, err
	}
	r := hamba.NewReader(nil, 0, hamba.WithReaderConfig(dec.api))
	r.Reset(payload)
	var v any
	r.ReadVal(dec.schema, &v)
	// io.EOF only says the reader looked past the end, as Unmarshal allows.
	if r.Error != nil && !errors.Is(r.Error, io.EOF) {
		return nil, fmt.Errorf("%w: %s", ErrInvalidPayload, r.Error)
	}
	// Validate checked this already; checking hamba's view too means the
	// two can never silently disagree about where the datum ends.
	if r.Peek(); r.Error == nil {
		return nil, fmt.Errorf("%w: bytes left over after the datum", ErrInvalidPayload)
	}
	return v, nil
}

// hambaDecoder is what Decode needs from hamba: the schema and the API
// whose decoder cache belongs to this Schema alone.
type hambaDecoder struct {
	schema hamba.Schema
	api    hamba.API
}

// decoder builds the hamba schema on first use. The references and then
// the schema are parsed, in order, into one hamba.SchemaCache, so each can
// use the named types of those before it. hamba is given a form written
// from the model (full names; only what decoding needs), so its reading of
// namespaces and defaults cannot differ from ours. Building it lazily keeps
// registration independent of hamba's parser: a schema the specification
// allows is accepted even if hamba could not decode it.
func (s *Schema) decoder() (*hambaDecoder, error) {
	s.decOnce.Do(func() {
		cache := &hamba.SchemaCache{}
		var b bytes.Buffer
		for _, d := range s.deps {
			b.Reset()
			writeDecoding(&b, d, "")
			if _, err := hamba.ParseWithCache(b.String(), "", cache); err != nil {
				s.decErr = fmt.Errorf("avro: cannot build a decoder for a reference: %w", err)
				return
			}
		}
		b.Reset()
		writeDecoding(&b, s.root, "")
		sch, err := hamba.ParseWithCache(b.String(), "", cache)
		if err != nil {
			s.decErr = fmt.Errorf("avro: cannot build a decoder: %w", err)
			return
		}
		// Validate bounds every length by the payload's size, so hamba's
		// 1 MiB cap on strings and bytes is lifted.
		s.dec = &hambaDecoder{schema: sch, api: hamba.Config{MaxByteSliceSize: -1}.Freeze()}
	})
	return s.dec, s.decErr
}

// nullAlias is the alias under which hamba finds a type of the null
// namespace from inside a namespace: hamba resolves an undotted reference
// only in the enclosing namespace, so such a type needs a dotted spelling.
func nullAlias(name string) string { return "accord_null_namespace." + name }

// writeDecoding writes the document of n for hamba: full names, structure,
// and the logical types that change the decoded Go value. Docs, aliases,
// defaults and custom properties play no part in decoding a datum. space
// is the enclosing namespace as hamba tracks it.
func writeDecoding(b *bytes.Buffer, n *node, space string) {
	switch n.kind {
	case kindRef:
		t := n.target
		if t.space == "" && space != "" {
			writeString(b, nullAlias(t.name))
		} else {
			writeString(b, t.full)
		}
		return
	case kindUnion:
		b.WriteByte('[')
		for i, br := range n.branches {
			if i > 0 {
				b.WriteByte(',')
			}
			writeDecoding(b, br, space)
		}
		b.WriteByte(']')
		return
	}
	b.WriteString(`{"type":`)
	if n.kind == kindRecord {
		writeString(b, n.word)
	} else {
		writeString(b, n.kind.String())
	}
	if n.kind.named() {
		b.WriteString(`,"name":`)
		if n.space == "" {
			// hamba reads an empty namespace as "inherit"; a leading dot is
			// how it spells the null namespace.
			short := n.short
			if space != "" {
				short = "." + short
			}
			writeString(b, short)
			b.WriteString(`,"aliases":[`)
			writeString(b, nullAlias(n.short))
			b.WriteString(`]`)
		} else {
			writeString(b, n.full)
		}
		space = n.space
	}
	switch n.kind {
	case kindRecord:
		b.WriteString(`,"fields":[`)
		for i, f := range n.fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"name":`)
			writeString(b, f.name)
			b.WriteString(`,"type":`)
			writeDecoding(b, f.typ, space)
			b.WriteByte('}')
		}
		b.WriteByte(']')
	case kindEnum:
		b.WriteString(`,"symbols":`)
		writeStrings(b, n.symbols)
	case kindFixed:
		b.WriteString(`,"size":` + strconv.Itoa(n.size))
	case kindArray:
		b.WriteString(`,"items":`)
		writeDecoding(b, n.items, space)
	case kindMap:
		b.WriteString(`,"values":`)
		writeDecoding(b, n.items, space)
	}
	if lt, ok := n.prop("logicalType").(string); ok && decodableLogical(n) {
		b.WriteString(`,"logicalType":`)
		writeString(b, lt)
		for _, k := range []string{"precision", "scale"} {
			if v := n.prop(k); v != nil {
				b.WriteString(`,"` + k + `":`)
				writeJSON(b, v, true)
			}
		}
	}
	b.WriteByte('}')
}

// decodableLogical reports whether n's logical type may be handed to hamba.
// A decimal whose precision or scale is not a small whole number is left
// out: hamba computes 10^scale for every value it decodes.
func decodableLogical(n *node) bool {
	if n.prop("logicalType") != "decimal" {
		return true
	}
	for _, k := range []string{"precision", "scale"} {
		v := n.prop(k)
		if v == nil {
			continue
		}
		i, err := strconv.Atoi(jsonText(v))
		if err != nil || i < 0 || i > maxDecimalScale {
			return false
		}
	}
	return true
}

// validator walks one datum against the model.
type validator struct {
	buf   []byte
	pos   int
	empty int // array items that took no bytes so far
}

// payloadError is a problem found at a byte offset. The schema location is
// collected while unwinding, so a valid payload costs no allocation.
type payloadError struct {
	pos  int
	msg  string
	segs []string // JSON pointer segments, innermost first
}

func (e *payloadError) Error() string {
	var b strings.Builder
	for i := len(e.segs) - 1; i >= 0; i-- {
		b.WriteString(e.segs[i])
	}
	return fmt.Sprintf("%s: at byte %d (schema %s): %s", ErrInvalidPayload, e.pos, pointer(b.String()), e.msg)
}

func (e *payloadError) Unwrap() error { return ErrInvalidPayload }

func (v *validator) fail(format string, args ...any) error {
	return &payloadError{pos: v.pos, msg: fmt.Sprintf(format, args...)}
}

// within adds a location segment to an error on its way out.
func within(err error, seg string) error {
	if e, ok := err.(*payloadError); ok {
		e.segs = append(e.segs, seg)
	}
	return err
}

func (v *validator) value(n *node, depth int) error {
	n = deref(n)
	switch n.kind {
	case kindNull:
		return nil
	case kindBoolean:
		if v.pos >= len(v.buf) {
			return v.fail("boolean: payload ends early")
		}
		if v.buf[v.pos] > 1 {
			return v.fail("boolean byte is %d, not 0 or 1", v.buf[v.pos])
		}
		v.pos++
		return nil
	case kindInt:
		_, err := v.varint(5)
		return err
	case kindLong:
		_, err := v.varint(10)
		return err
	case kindFloat:
		return v.skip(4, "float")
	case kindDouble:
		return v.skip(8, "double")
	case kindBytes:
		_, err := v.bytes("bytes")
		return err
	case kindString:
		return v.str()
	case kindFixed:
		if n.size > len(v.buf)-v.pos {
			return v.fail("fixed %s needs %d bytes but %d remain", n.full, n.size, len(v.buf)-v.pos)
		}
		v.pos += n.size
		return nil
	case kindEnum:
		start := v.pos
		i, err := v.varint(5)
		if err != nil {
			return err
		}
		if i < 0 || i >= int64(len(n.symbols)) {
			v.pos = start
			return v.fail("enum %s has no symbol at index %d", n.full, i)
		}
		return nil
	case kindUnion:
		start := v.pos
		i, err := v.varint(10)
		if err != nil {
			return err
		}
		if i < 0 || i >= int64(len(n.branches)) {
			v.pos = start
			return v.fail("union has %d branches; index %d is out of range", len(n.branches), i)
		}
		if err := v.value(n.branches[i], depth); err != nil {
			return within(err, "/"+strconv.Itoa(int(i)))
		}
		return nil
	}
	if depth >= maxDepth {
		return v.fail("datum nests deeper than %d levels", maxDepth)
	}
	switch n.kind {
	case kindRecord:
		for i, f := range n.fields {
			if err := v.value(f.typ, depth+1); err != nil {
				return within(err, "/fields/"+strconv.Itoa(i)+"/type")
			}
		}
		return nil
	case kindArray:
		return within(v.blocks(n.items, false, depth), "/items")
	case kindMap:
		return within(v.blocks(n.items, true, depth), "/values")
	}
	return v.fail("unexpected schema type %s", n.kind)
}

// blocks reads the blocks of an array or map: a count, then (if the count
// is negative) the block's size in bytes, then the items; a zero count ends.
func (v *validator) blocks(items *node, isMap bool, depth int) error {
	for {
		count, err := v.varint(10)
		if err != nil {
			return err
		}
		if count == 0 {
			return nil
		}
		end := -1
		if count < 0 {
			if count == math.MinInt64 {
				return v.fail("block count out of range")
			}
			count = -count
			size, err := v.varint(10)
			if err != nil {
				return err
			}
			if size < 0 || size > int64(len(v.buf)-v.pos) {
				return v.fail("block size %d is out of range", size)
			}
			end = v.pos + int(size)
		}
		for ; count > 0; count-- {
			start := v.pos
			if isMap {
				if err := v.str(); err != nil {
					return err
				}
			}
			if err := v.value(items, depth+1); err != nil {
				return err
			}
			if v.pos == start {
				// Items that take no bytes are legal but free to claim in
				// any number; cap them rather than loop for ever.
				if v.empty++; v.empty > maxEmptyItems {
					return v.fail("more than %d items that take no bytes", maxEmptyItems)
				}
			}
		}
		if end >= 0 && v.pos != end {
			return v.fail("block contents end at byte %d but its size says %d", v.pos, end)
		}
	}
}

// varint reads a zig-zag varint of at most maxBytes bytes (5 for int, 10
// for long) and rejects encodings that overflow the type.
func (v *validator) varint(maxBytes int) (int64, error) {
	start := v.pos
	var u uint64
	for i := 0; i < maxBytes; i++ {
		if v.pos >= len(v.buf) {
			v.pos = start
			return 0, v.fail("payload ends inside a number")
		}
		c := v.buf[v.pos]
		v.pos++
		if i == maxBytes-1 && c > lastByteMax(maxBytes) {
			v.pos = start
			return 0, v.fail("number does not fit in %d bits", bitsOf(maxBytes))
		}
		u |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return int64(u>>1) ^ -int64(u&1), nil
		}
	}
	v.pos = start
	return 0, v.fail("number does not fit in %d bits", bitsOf(maxBytes))
}

// lastByteMax is the largest last byte of a varint that still fits: 4 bits
// remain for an int's fifth byte, 1 bit for a long's tenth.
func lastByteMax(maxBytes int) byte {
	if maxBytes == 5 {
		return 0x0f
	}
	return 0x01
}

func bitsOf(maxBytes int) int {
	if maxBytes == 5 {
		return 32
	}
	return 64
}

func (v *validator) skip(n int, what string) error {
	if n > len(v.buf)-v.pos {
		return v.fail("%s needs %d bytes but %d remain", what, n, len(v.buf)-v.pos)
	}
	v.pos += n
	return nil
}

func (v *validator) bytes(what string) ([]byte, error) {
	start := v.pos
	n, err := v.varint(10)
	if err != nil {
		return nil, err
	}
	if n < 0 || n > int64(len(v.buf)-v.pos) {
		// Counted after the length, which is what the length must fit.
		remain := len(v.buf) - v.pos
		v.pos = start
		return nil, v.fail("%s length %d is out of range (%d bytes remain)", what, n, remain)
	}
	b := v.buf[v.pos : v.pos+int(n)]
	v.pos += int(n)
	return b, nil
}

func (v *validator) str() error {
	start := v.pos
	b, err := v.bytes("string")
	if err != nil {
		return err
	}
	if !utf8.Valid(b) {
		v.pos = start
		return v.fail("string is not valid UTF-8")
	}
	return nil
}
