package avro

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// enc builds Avro binary payloads by hand, so the tests do not depend on
// the encoder of the library under test.
type enc struct{ bytes.Buffer }

func (e *enc) long(v int64) *enc {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		e.WriteByte(byte(u) | 0x80)
		u >>= 7
	}
	e.WriteByte(byte(u))
	return e
}

func (e *enc) str(s string) *enc {
	e.long(int64(len(s)))
	e.WriteString(s)
	return e
}

func (e *enc) raw(b ...byte) *enc {
	e.Write(b)
	return e
}

const paymentSchema = `{"type":"record","name":"Payment","namespace":"com.acme","fields":[
	{"name":"id","type":"long"},
	{"name":"ok","type":"boolean"},
	{"name":"note","type":["null","string"]},
	{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"]}},
	{"name":"hash","type":{"type":"fixed","name":"Hash","size":2}},
	{"name":"tags","type":{"type":"array","items":"string"}},
	{"name":"attrs","type":{"type":"map","values":"int"}},
	{"name":"ratio","type":"float"}
]}`

func paymentPayload() *enc {
	e := &enc{}
	e.long(42)                  // id
	e.raw(1)                    // ok
	e.long(1).str("hi")         // note: branch 1, "hi"
	e.long(1)                   // status PAID
	e.raw(0xAB, 0xCD)           // hash
	e.long(2).str("a").str("b") // tags: one block of two
	e.long(0)                   // end of tags
	e.long(-1).long(3).str("k").long(7)
	e.long(0)                     // attrs: one block of one, with its size
	e.raw(0x00, 0x00, 0x80, 0x3f) // ratio 1.0
	return e
}

func TestDecode(t *testing.T) {
	s := mustParse(t, paymentSchema)
	payload := paymentPayload().Bytes()
	if err := s.Validate(payload); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	got, err := s.Decode(payload)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := map[string]any{
		"id":     int64(42),
		"ok":     true,
		"note":   "hi",
		"status": "PAID",
		"hash":   [2]byte{0xAB, 0xCD},
		"tags":   []any{"a", "b"},
		"attrs":  map[string]any{"k": 7},
		"ratio":  float32(1),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode:\n got %#v\nwant %#v", got, want)
	}
}

func TestDecodePrimitive(t *testing.T) {
	s := mustParse(t, `"string"`)
	got, err := s.Decode((&enc{}).str("héllo").Bytes())
	if err != nil || got != "héllo" {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestDecodeWithReferences(t *testing.T) {
	s := mustParse(t, `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"to","type":"Address"}]}`, addressDeps()...)
	got, err := s.Decode((&enc{}).str("Main St").long(2).Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"to": map[string]any{"street": "Main St", "country": "US"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
}

func TestDecodeRejects(t *testing.T) {
	big := func(n int) []byte { return make([]byte, n) }
	list := `{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]}`
	tests := []struct {
		name, schema string
		payload      []byte
		want         string
	}{
		{"empty payload", `"long"`, nil, "ends inside a number"},
		{"left over bytes", `"int"`, []byte{2, 0}, "1 bytes left over"},
		{"truncated record", paymentSchema, paymentPayload().Bytes()[:10], "ends inside a number"},
		{"int overflow", `"int"`, []byte{0xff, 0xff, 0xff, 0xff, 0x1f}, "does not fit in 32 bits"},
		{"varint too long", `"long"`, bytes.Repeat([]byte{0xff}, 11), "does not fit in 64 bits"},
		{"bad boolean", `"boolean"`, []byte{2}, "not 0 or 1"},
		{"bad union index", `["null","int"]`, []byte{4}, "index 2 is out of range"},
		{"negative union index", `["null","int"]`, []byte{1}, "index -1 is out of range"},
		{"bad enum index", `{"type":"enum","name":"E","symbols":["A"]}`, []byte{2}, "no symbol at index 1"},
		{"negative length", `"bytes"`, []byte{1}, "length -1 is out of range"},
		{"length past the end", `"string"`, []byte{10, 'a'}, "length 5 is out of range"},
		{"invalid utf-8", `"string"`, []byte{2, 0xff}, "not valid UTF-8"},
		{"short fixed", `{"type":"fixed","name":"F","size":16}`, big(4), "needs 16 bytes but 4 remain"},
		{"huge fixed", `{"type":"fixed","name":"F","size":2147483647}`, big(4), "needs 2147483647 bytes"},
		{"short double", `"double"`, big(7), "needs 8 bytes"},
		{"block size mismatch", `{"type":"array","items":"int"}`, (&enc{}).long(-1).long(1).long(300).long(0).Bytes(), "size says"},
		{"block size past the end", `{"type":"array","items":"int"}`, (&enc{}).long(-1).long(100).Bytes(), "block size 100 is out of range"},
		{"min block count", `{"type":"array","items":"int"}`, (&enc{}).long(math.MinInt64).Bytes(), "block count out of range"},
		{"endless empty items", `{"type":"array","items":"null"}`, (&enc{}).long(math.MaxInt64).Bytes(), "items that take no bytes"},
		{"unterminated array", `{"type":"array","items":"int"}`, (&enc{}).long(1).long(5).Bytes(), "ends inside a number"},
		{"too deep", list, append(bytes.Repeat([]byte{2}, maxDepth+1), 0), "nests deeper than"},
		{"error names the place", paymentSchema, (&enc{}).long(1).raw(1).long(4).Bytes(), "schema /fields/2/type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustParse(t, tc.schema)
			err := s.Validate(tc.payload)
			if err == nil {
				t.Fatal("Validate accepted the payload")
			}
			if !errors.Is(err, ErrInvalidPayload) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if _, err := s.Decode(tc.payload); !errors.Is(err, ErrInvalidPayload) {
				t.Fatalf("Decode: got %v", err)
			}
		})
	}
}

func TestDecodeDeepButAllowed(t *testing.T) {
	s := mustParse(t, `{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]}`)
	payload := append(bytes.Repeat([]byte{2}, maxDepth-1), 0)
	if _, err := s.Decode(payload); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeHostileDecimal: hamba computes 10^scale per value; a schema
// with a huge scale must not make decoding crawl.
func TestDecodeHostileDecimal(t *testing.T) {
	s := mustParse(t, `{"type":"bytes","logicalType":"decimal","precision":2000000000,"scale":1000000000}`)
	got, err := s.Decode([]byte{2, 7})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []byte{7}) {
		t.Fatalf("got %#v", got)
	}
	dec := mustParse(t, `{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`)
	v, err := dec.Decode([]byte{2, 100})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := v.(interface{ FloatString(int) string }); !ok || r.FloatString(2) != "1.00" {
		t.Fatalf("got %#v", v)
	}
}

func TestValidateAllocatesNothing(t *testing.T) {
	s := mustParse(t, paymentSchema)
	payload := paymentPayload().Bytes()
	allocs := testing.AllocsPerRun(100, func() {
		if err := s.Validate(payload); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("Validate allocated %.0f times per run", allocs)
	}
}

// TestDecodeNullNamespace: a type in the null namespace nested in a
// namespaced one keeps its own name in decoded union values.
func TestDecodeNullNamespace(t *testing.T) {
	// "r" inside namespace A finds A.r first, then the null namespace's r.
	s := mustParse(t, `{"type":"record","name":"Outer","namespace":"A","fields":[
		{"name":"i","type":["null",{"type":"record","name":"r","namespace":"","fields":[{"name":"x","type":"int"}]}]},
		{"name":"j","type":["null","r"]},
		{"name":"k","type":["null","A.Outer"]}]}`)
	got, err := s.Decode((&enc{}).long(1).long(5).long(1).long(6).long(0).Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"i": map[string]any{"r": map[string]any{"x": 5}},
		"j": map[string]any{"r": map[string]any{"x": 6}},
		"k": nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
}
