package protobuf

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

const decodeSchema = `syntax = "proto3";
package dec;
message Order {
  string id = 1;
  int32 qty = 2;
  repeated Line lines = 3;
  map<string, Line> by_sku = 4;
  message Line { string sku = 1; }
}
`

const decodeSchema2 = `syntax = "proto2";
package dec2;
message R { required int32 a = 1; optional E e = 2; enum E { X = 0; } }
`

func field(num protowire.Number, typ protowire.Type, v []byte) []byte {
	b := protowire.AppendTag(nil, num, typ)
	switch typ {
	case protowire.BytesType:
		return protowire.AppendBytes(b, v)
	case protowire.VarintType:
		return protowire.AppendVarint(b, uint64(v[0]))
	}
	return append(b, v...)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestDecode(t *testing.T) {
	s := mustParse(t, decodeSchema)
	line := field(1, protowire.BytesType, []byte("sku-1"))
	valid := cat(field(1, protowire.BytesType, []byte("o-1")), field(2, protowire.VarintType, []byte{3}),
		field(3, protowire.BytesType, line))
	msg, err := s.Decode([]int{0}, valid)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got := msg.Get(msg.Descriptor().Fields().ByName("qty")).Int(); got != 3 {
		t.Errorf("qty = %d", got)
	}
	if err := s.Validate([]int{0, 0}, line); err != nil {
		t.Errorf("nested message by indexes: %v", err)
	}

	unknownTop := cat(valid, field(9, protowire.VarintType, []byte{1}))
	_, err = s.Decode([]int{0}, unknownTop)
	var ue *UnknownFieldsError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnknownFields) || len(ue.Fields) != 1 || ue.Fields[0].Location != "dec.Order#9" {
		t.Errorf("unknown top-level field: %v", err)
	}
	nestedUnknown := cat(field(3, protowire.BytesType, cat(line, field(7, protowire.VarintType, []byte{1}))))
	_, err = s.Decode(nil, nestedUnknown)
	if !errors.As(err, &ue) || ue.Fields[0].Location != "dec.Order.Line#7" || ue.Fields[0].Path != "lines.7" {
		t.Errorf("unknown nested field: %v", err)
	}
	wrongWireType := field(2, protowire.BytesType, []byte("x"))
	if err := s.Validate(nil, wrongWireType); !errors.Is(err, ErrUnknownFields) {
		t.Errorf("a known number with the wrong wire type is unknown: %v", err)
	}

	for name, bad := range map[string][]byte{
		"truncated":        valid[:len(valid)-1],
		"bad tag":          {0x00},
		"invalid utf-8":    field(1, protowire.BytesType, []byte{0xff, 0xfe}),
		"bad length":       {0x0a, 0x10, 'a'},
		"group end alone":  protowire.AppendTag(nil, 5, protowire.EndGroupType),
		"truncated varint": {0x10, 0x80},
	} {
		if _, err := s.Decode(nil, bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: error = %v, want ErrMalformed", name, err)
		}
	}
	if _, err := s.Decode([]int{5}, valid); !errors.Is(err, ErrUnknownMessage) {
		t.Errorf("unknown indexes: %v", err)
	}

	s2 := mustParse(t, decodeSchema2)
	if err := s2.Validate(nil, nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("missing required field: %v", err)
	}
	closed := cat(field(1, protowire.VarintType, []byte{1}), field(2, protowire.VarintType, []byte{5}))
	if err := s2.Validate(nil, closed); !errors.Is(err, ErrUnknownFields) {
		t.Errorf("unknown value of a closed enum: %v", err)
	}
}
