package avro

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	hamba "github.com/hamba/avro/v2"
)

// Record is one validated record datum whose fields are decoded one at a
// time, when read. The validation hook's rules usually read a field or
// two: checking the payload and noting where each field starts, in one
// pass, then decoding only what a rule reads, costs less than building a
// map of every field (and far less than checking first and decoding
// after).
//
// A Record aliases the payload it was given, which must not change while
// the Record is used. The zero Record is empty; ValidateRecord fills one,
// reusing its storage.
type Record struct {
	s    *Schema
	n    *node // the record's definition
	buf  []byte
	offs []int // offs[i]: where field i starts; offs[len(n.fields)]: the end

	// h is hamba's view of n, found on first need: from the decoder's
	// root, or from parent's field index.
	h      *hamba.RecordSchema
	parent *Record
	index  int
	// api decodes with h when UseHamba set them (nil: the Schema's own).
	api hamba.API

	// The last name Index looked up, in record lastN: a rule reads the
	// same field of record after record, and comparing its name (the same
	// string each time) costs less than hashing it.
	lastN    *node
	lastName string
	lastIdx  int
}

// IsRecord reports whether the schema is a record, so that ValidateRecord
// applies.
func (s *Schema) IsRecord() bool { return deref(s.root).kind == kindRecord }

// ValidateRecord checks payload exactly as Validate does, with the same
// errors, and makes rec read the record it holds. The schema must be a
// record (IsRecord). It allocates nothing on success once rec's storage
// has grown to the number of fields.
func (s *Schema) ValidateRecord(payload []byte, rec *Record) error {
	n := deref(s.root)
	if n.kind != kindRecord {
		return fmt.Errorf("avro: ValidateRecord on a schema of type %s", describe(n))
	}
	v := validator{buf: payload}
	offs, err := v.fields(n, 0, rec.offs[:0])
	if err == nil && v.pos != len(payload) {
		err = &payloadError{pos: v.pos, msg: fmt.Sprintf("%d bytes left over after the datum", len(payload)-v.pos)}
	}
	if err != nil {
		rec.Reset()
		rec.offs = offs[:0]
		return err
	}
	*rec = Record{s: s, n: n, buf: payload, offs: offs, lastN: rec.lastN, lastName: rec.lastName, lastIdx: rec.lastIdx}
	return nil
}

// UseHamba makes r decode its fields, and those of its nested records,
// with h, a hamba schema of the record parsed by the caller, and api,
// rather than with the decoder Decode builds from the model. A caller
// that reads decoded values along its own hamba schema (union branches
// are keyed by the named types' full names as hamba reads them, which
// may differ from the model's) gets values that agree with it. Call it
// after ValidateRecord, which resets it.
func (r *Record) UseHamba(h *hamba.RecordSchema, api hamba.API) {
	r.h, r.api = h, api
}

// Reset empties r, dropping the payload but keeping its storage.
func (r *Record) Reset() {
	*r = Record{offs: r.offs[:0], lastN: r.lastN, lastName: r.lastName, lastIdx: r.lastIdx}
}

// fields validates the fields of record n, appending where each starts and
// then where the record ends to offs. Errors are located as value's.
func (v *validator) fields(n *node, depth int, offs []int) ([]int, error) {
	if depth >= maxDepth {
		return offs, v.fail("datum nests deeper than %d levels", maxDepth)
	}
	for i, f := range n.fields {
		offs = append(offs, v.pos)
		if err := v.value(f.typ, depth+1); err != nil {
			return offs, within(err, "/fields/"+strconv.Itoa(i)+"/type")
		}
	}
	return append(offs, v.pos), nil
}

// Len is the number of fields.
func (r *Record) Len() int {
	if r.n == nil {
		return 0
	}
	return len(r.n.fields)
}

// Name is field i's name.
func (r *Record) Name(i int) string { return r.n.fields[i].name }

// Index is the index of the field called name, -1 when there is none.
func (r *Record) Index(name string) int {
	if r.n == nil {
		return -1
	}
	if r.n == r.lastN && name == r.lastName {
		return r.lastIdx
	}
	i := -1
	if f, ok := r.n.byName[name]; ok {
		i = f.index
	}
	r.lastN, r.lastName, r.lastIdx = r.n, name, i
	return i
}

// Record returns field i as a Record when its type is a record.
func (r *Record) Record(i int) (*Record, bool) {
	n := deref(r.n.fields[i].typ)
	if n.kind != kindRecord {
		return nil, false
	}
	// The payload was validated: walking it again cannot fail, and costs
	// only this field's bytes.
	v := validator{buf: r.buf[:r.offs[i+1]], pos: r.offs[i]}
	offs, err := v.fields(n, 0, make([]int, 0, len(n.fields)+1))
	if err != nil {
		return nil, false
	}
	return &Record{s: r.s, n: n, buf: r.buf, offs: offs, parent: r, index: i, api: r.api}, true
}

// PrimitiveKind is the type of a Primitive.
type PrimitiveKind uint8

// The kinds of Primitive; NotPrimitive is a field of any other type, or
// with a logical type.
const (
	NotPrimitive PrimitiveKind = iota
	Null
	Boolean
	Int
	Long
	Float
	Double
	String
	Bytes
	Enum
)

// Primitive is the value of a field of a primitive type (or an enum)
// without a logical type, read without building a Go value for it.
type Primitive struct {
	Kind PrimitiveKind
	// Int is a Boolean (0 or 1), an Int, a Long or an Enum's index.
	Int int64
	// Float is a Float or a Double.
	Float float64
	// Bytes is a String's or Bytes' content, aliasing the payload.
	Bytes []byte
	// Symbol is an Enum's symbol.
	Symbol string
}

// Primitive reads field i when it is a primitive (Kind NotPrimitive
// otherwise).
func (r *Record) Primitive(i int) Primitive {
	n := deref(r.n.fields[i].typ)
	if n.prop("logicalType") != nil {
		return Primitive{}
	}
	// Validated bytes: read without checks.
	b := r.buf[r.offs[i]:r.offs[i+1]]
	switch n.kind {
	case kindNull:
		return Primitive{Kind: Null}
	case kindBoolean:
		return Primitive{Kind: Boolean, Int: int64(b[0])}
	case kindInt:
		x, _ := zigzag(b)
		return Primitive{Kind: Int, Int: int64(int32(x))}
	case kindLong:
		x, _ := zigzag(b)
		return Primitive{Kind: Long, Int: x}
	case kindFloat:
		return Primitive{Kind: Float, Float: float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))}
	case kindDouble:
		return Primitive{Kind: Double, Float: math.Float64frombits(binary.LittleEndian.Uint64(b))}
	case kindString:
		_, k := zigzag(b)
		return Primitive{Kind: String, Bytes: b[k:]}
	case kindBytes:
		_, k := zigzag(b)
		return Primitive{Kind: Bytes, Bytes: b[k:]}
	case kindEnum:
		x, _ := zigzag(b)
		return Primitive{Kind: Enum, Int: x, Symbol: n.symbols[x]}
	}
	return Primitive{}
}

// Field decodes field i into the Go value Decode gives it in the record's
// map: nil, bool, int (Avro int), int64, float32, float64, string, []byte,
// the symbol of an enum; other types and logical types as hamba/avro
// decodes them (records as map[string]any, unions, fixed as arrays, …).
func (r *Record) Field(i int) (any, error) {
	switch p := r.Primitive(i); p.Kind {
	case Null:
		return nil, nil
	case Boolean:
		return p.Int == 1, nil
	case Int:
		return int(p.Int), nil
	case Long:
		return p.Int, nil
	case Float:
		return float32(p.Float), nil
	case Double:
		return p.Float, nil
	case String:
		return string(p.Bytes), nil
	case Bytes:
		return bytes.Clone(p.Bytes), nil
	case Enum:
		return p.Symbol, nil
	}
	h, err := r.hamba()
	if err != nil {
		return nil, err
	}
	return r.s.decodeHamba(r.api, h.Fields()[i].Type(), r.buf[r.offs[i]:r.offs[i+1]])
}

// Decode decodes the whole record as Decode does.
func (r *Record) Decode() (any, error) {
	h, err := r.hamba()
	if err != nil {
		return nil, err
	}
	return r.s.decodeHamba(r.api, h, r.buf[r.offs[0]:r.offs[len(r.offs)-1]])
}

// hamba returns hamba's schema of the record.
func (r *Record) hamba() (*hamba.RecordSchema, error) {
	if r.h != nil {
		return r.h, nil
	}
	var s hamba.Schema
	if r.parent == nil {
		dec, err := r.s.decoder()
		if err != nil {
			return nil, err
		}
		s = dec.schema
	} else {
		ph, err := r.parent.hamba()
		if err != nil {
			return nil, err
		}
		s = ph.Fields()[r.index].Type()
	}
	if ref, ok := s.(*hamba.RefSchema); ok {
		s = ref.Schema()
	}
	rs, ok := s.(*hamba.RecordSchema)
	if !ok {
		return nil, fmt.Errorf("avro: hamba's view of record %s is a %s", r.n.full, s.Type())
	}
	r.h = rs
	return rs, nil
}

// decodeHamba decodes b, one validated datum of sch, with hamba: with api
// when set, else the Schema's decoder's.
func (s *Schema) decodeHamba(api hamba.API, sch hamba.Schema, b []byte) (any, error) {
	if api == nil {
		dec, err := s.decoder()
		if err != nil {
			return nil, err
		}
		api = dec.api
	}
	rd := hamba.NewReader(nil, 0, hamba.WithReaderConfig(api))
	rd.Reset(b)
	var v any
	rd.ReadVal(sch, &v)
	if rd.Error != nil && !errors.Is(rd.Error, io.EOF) {
		return nil, fmt.Errorf("%w: %s", ErrInvalidPayload, rd.Error)
	}
	return v, nil
}

// zigzag reads a validated zig-zag varint and the bytes it took.
func zigzag(b []byte) (int64, int) {
	var u uint64
	for i, c := range b {
		u |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return int64(u>>1) ^ -int64(u&1), i + 1
		}
	}
	return 0, len(b)
}
