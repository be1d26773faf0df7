package validator

import (
	"bytes"
	"reflect"
	"sync"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"

	"github.com/accord/accord/compat/avro"
)

// avroMsg is an Avro record as CEL reads it: a map from field names to
// values, each decoded from the payload when an expression reads it. A
// rule such as message.amount > 0 then costs one field's decoding rather
// than a map of every field. What is not a field lookup (iteration,
// equality, conversion) decodes the whole record once, as hamba would,
// and is answered by CEL's own map, so the semantics are those of the
// decoded map[string]any.
type avroMsg struct {
	rec  *avro.Record
	full traits.Mapper // the whole record, decoded on first need
}

var (
	_ traits.Mapper = (*avroMsg)(nil)
	_ ref.Val       = (*avroMsg)(nil)
)

// native returns field i as avroWalk reads it: a nested record as an
// avroMsg, any other value as the Go value decoding gives it, or a CEL
// error when it does not decode.
func (m *avroMsg) native(i int) any {
	if sub, ok := m.rec.Record(i); ok {
		return &avroMsg{rec: sub}
	}
	v, err := m.rec.Field(i)
	if err != nil {
		return types.NewErr("field %s: %v", m.rec.Name(i), err)
	}
	return v
}

// Find implements traits.Mapper: a string key is a field, decoded now.
func (m *avroMsg) Find(key ref.Val) (ref.Val, bool) {
	if s, ok := key.(types.String); ok {
		i := m.rec.Index(string(s))
		if i < 0 {
			return nil, false
		}
		if v := celPrimitive(m.rec.Primitive(i)); v != nil {
			return v, true
		}
		switch v := m.native(i).(type) {
		case ref.Val:
			return v, true
		default:
			return types.DefaultTypeAdapter.NativeToValue(celValue(v)), true
		}
	}
	full, err := m.decoded()
	if err != nil {
		return err, false
	}
	return full.Find(key)
}

// celPrimitive is a primitive field's CEL value, as the adapter makes
// it of the Go value decoding gives (float32 widened as celValue does);
// nil for other fields.
func celPrimitive(p avro.Primitive) ref.Val {
	switch p.Kind {
	case avro.Null:
		return types.NullValue
	case avro.Boolean:
		return types.Bool(p.Int == 1)
	case avro.Int, avro.Long:
		return types.Int(p.Int)
	case avro.Float, avro.Double:
		return types.Double(p.Float)
	case avro.String:
		return types.String(p.Bytes)
	case avro.Bytes:
		return types.Bytes(bytes.Clone(p.Bytes))
	case avro.Enum:
		return types.String(p.Symbol)
	}
	return nil
}

// decoded returns the whole record as CEL's map of the decoded value.
func (m *avroMsg) decoded() (traits.Mapper, *types.Err) {
	if m.full == nil {
		v, err := m.rec.Decode()
		if err != nil {
			return nil, types.NewErr("decoding the record: %v", err).(*types.Err)
		}
		mp, ok := types.DefaultTypeAdapter.NativeToValue(celValue(v)).(traits.Mapper)
		if !ok {
			return nil, types.NewErr("the record does not decode to a map").(*types.Err)
		}
		m.full = mp
	}
	return m.full, nil
}

func (m *avroMsg) Get(key ref.Val) ref.Val {
	v, found := m.Find(key)
	if !found {
		return types.ValOrErr(v, "no such key: %v", key)
	}
	return v
}

func (m *avroMsg) Contains(key ref.Val) ref.Val {
	_, found := m.Find(key)
	return types.Bool(found)
}

func (m *avroMsg) Size() ref.Val { return types.Int(m.rec.Len()) }

func (m *avroMsg) Iterator() traits.Iterator {
	full, err := m.decoded()
	if err != nil {
		return errIterator{err}
	}
	return full.Iterator()
}

func (m *avroMsg) ConvertToNative(typeDesc reflect.Type) (any, error) {
	full, err := m.decoded()
	if err != nil {
		return nil, err
	}
	return full.ConvertToNative(typeDesc)
}

func (m *avroMsg) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.MapType:
		return m
	case types.TypeType:
		return types.MapType
	}
	full, err := m.decoded()
	if err != nil {
		return err
	}
	return full.ConvertToType(t)
}

func (m *avroMsg) Equal(other ref.Val) ref.Val {
	full, err := m.decoded()
	if err != nil {
		return err
	}
	return full.Equal(other)
}

func (m *avroMsg) Type() ref.Type { return types.MapType }

func (m *avroMsg) Value() any {
	full, err := m.decoded()
	if err != nil {
		return err
	}
	return full.Value()
}

// errIterator is an iterator over a record that does not decode: CEL
// sees the error as the first element.
type errIterator struct{ err *types.Err }

func (it errIterator) HasNext() ref.Val { return it.err }
func (it errIterator) Next() ref.Val    { return it.err }

func (it errIterator) ConvertToNative(reflect.Type) (any, error) { return nil, it.err }
func (it errIterator) ConvertToType(ref.Type) ref.Val            { return it.err }
func (it errIterator) Equal(ref.Val) ref.Val                     { return it.err }
func (it errIterator) Type() ref.Type                            { return types.IteratorType }
func (it errIterator) Value() any                                { return it.err }

// avroScratch is what evaluating the rules on one record needs (the Avro
// index and view, the activations), pooled so that a record costs no
// allocation beyond the fields its rules read.
type avroScratch struct {
	rec avro.Record
	msg avroMsg
	evalState
}

var avroScratchPool = sync.Pool{New: func() any { return new(avroScratch) }}

// release returns sc to the pool, dropping what points into the payload.
func (sc *avroScratch) release() {
	sc.rec.Reset()
	*sc = avroScratch{rec: sc.rec}
	avroScratchPool.Put(sc)
}

// avroScratch returns the pass's scratch, taken from the pool on first
// need and released by the pass's end; the records of a pass use it one
// after the other.
func (ps *pass) avroScratch() *avroScratch {
	if ps.sc == nil {
		ps.sc = avroScratchPool.Get().(*avroScratch)
	}
	return ps.sc
}

// end releases what the pass took.
func (ps *pass) end() {
	if ps.sc != nil {
		ps.sc.release()
		ps.sc = nil
	}
}
