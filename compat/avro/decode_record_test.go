package avro

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"testing"
)

// checkRecord checks that ValidateRecord agrees with Validate on payload
// (the same error, or none) and, when it passes, that every field reads as
// Decode decodes it.
func checkRecord(t *testing.T, s *Schema, payload []byte, rec *Record) {
	t.Helper()
	verr := s.Validate(payload)
	rerr := s.ValidateRecord(payload, rec)
	if (verr == nil) != (rerr == nil) || (verr != nil && verr.Error() != rerr.Error()) {
		t.Fatalf("Validate and ValidateRecord disagree:\n%v\n%v", verr, rerr)
	}
	if rerr != nil {
		if !errors.Is(rerr, ErrInvalidPayload) {
			t.Fatalf("error does not wrap ErrInvalidPayload: %v", rerr)
		}
		if rec.Len() != 0 {
			t.Fatalf("a rejected payload left %d fields readable", rec.Len())
		}
		return
	}
	whole, err := s.Decode(payload)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	m, ok := whole.(map[string]any)
	if !ok {
		// hamba gives up without an error on some payloads Validate
		// accepts (overlong varints): Decode returns nil, and there is
		// nothing to compare with.
		return
	}
	if rec.Len() != len(m) {
		t.Fatalf("%d fields, Decode has %d", rec.Len(), len(m))
	}
	for i := range rec.Len() {
		name := rec.Name(i)
		if rec.Index(name) != i {
			t.Fatalf("Index(%q) = %d, want %d", name, rec.Index(name), i)
		}
		got, err := rec.Field(i)
		if err != nil {
			t.Fatalf("Field(%s): %v", name, err)
		}
		if !same(got, m[name]) {
			t.Fatalf("Field(%s) = %#v, Decode has %#v", name, got, m[name])
		}
		if sub, ok := rec.Record(i); ok {
			if v, err := sub.Decode(); err != nil || !same(v, m[name]) {
				t.Fatalf("Record(%s).Decode() = %#v, %v; Decode has %#v", name, v, err, m[name])
			}
		}
	}
	if got, err := rec.Decode(); err != nil || !same(got, whole) {
		t.Fatalf("Record.Decode() = %#v, %v; Decode gives %#v", got, err, whole)
	}
	if rec.Index("no such field") != -1 {
		t.Fatal("Index of a missing field is not -1")
	}
}

// same compares decoded values as DeepEqual does, but NaN equals NaN and
// decimals compare by value.
func same(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !same(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !same(x[i], y[i]) {
				return false
			}
		}
		return true
	case *big.Rat:
		y, ok := b.(*big.Rat)
		return ok && x.Cmp(y) == 0
	case float32:
		y, ok := b.(float32)
		return ok && (x == y || x != x && y != y)
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.IsNaN(x) && math.IsNaN(y))
	}
	return reflect.DeepEqual(a, b)
}

func TestValidateRecord(t *testing.T) {
	s := mustParse(t, paymentSchema)
	payload := paymentPayload().Bytes()
	var rec Record
	checkRecord(t, s, payload, &rec)
	want := []Primitive{
		{Kind: Long, Int: 42},
		{Kind: Boolean, Int: 1},
		{}, // a union
		{Kind: Enum, Int: 1, Symbol: "PAID"},
		{}, {}, {}, // fixed, array, map
		{Kind: Float, Float: 1},
	}
	for i, w := range want {
		if got := rec.Primitive(i); !reflect.DeepEqual(got, w) {
			t.Errorf("Primitive(%s) = %+v, want %+v", rec.Name(i), got, w)
		}
	}
	// Every truncation, and every extra byte, is refused as Validate
	// refuses it: with the offset and the reason.
	for n := range len(payload) {
		checkRecord(t, s, payload[:n], &rec)
	}
	checkRecord(t, s, append(payload[:len(payload):len(payload)], 0), &rec)
	if err := s.ValidateRecord(append(payload[:len(payload):len(payload)], 7, 7), &rec); err == nil || err.Error() != "invalid avro payload: at byte 25 (schema /): 2 bytes left over after the datum" {
		t.Errorf("trailing bytes: %v", err)
	}
	if err := s.ValidateRecord(payload[:len(payload)-1], &rec); err == nil || err.Error() != "invalid avro payload: at byte 21 (schema /fields/7/type): float needs 4 bytes but 3 remain" {
		t.Errorf("truncated: %v", err)
	}
}

func TestValidateRecordNested(t *testing.T) {
	s := mustParse(t, `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"to","type":"Address"},{"name":"n","type":"int"}]}`, addressDeps()...)
	payload := (&enc{}).str("Main St").long(2).long(-3).Bytes()
	var rec Record
	checkRecord(t, s, payload, &rec)
	to, ok := rec.Record(0)
	if !ok {
		t.Fatal("field to is not a record")
	}
	if v, err := to.Field(to.Index("street")); err != nil || v != "Main St" {
		t.Errorf("to.street = %v, %v", v, err)
	}
	if v, err := to.Field(to.Index("country")); err != nil || v != "US" {
		t.Errorf("to.country = %v, %v", v, err)
	}
	if p := rec.Primitive(1); p.Kind != Int || p.Int != -3 {
		t.Errorf("n = %+v", p)
	}
	if _, ok := rec.Record(1); ok {
		t.Error("an int field reads as a record")
	}
}

func TestValidateRecordNotARecord(t *testing.T) {
	s := mustParse(t, `"string"`)
	if s.IsRecord() {
		t.Fatal("a string schema is a record")
	}
	var rec Record
	if err := s.ValidateRecord((&enc{}).str("x").Bytes(), &rec); err == nil {
		t.Fatal("ValidateRecord accepted a schema that is not a record")
	}
}

func TestValidateRecordAllocatesNothing(t *testing.T) {
	s := mustParse(t, paymentSchema)
	payload := paymentPayload().Bytes()
	var rec Record
	if err := s.ValidateRecord(payload, &rec); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if err := s.ValidateRecord(payload, &rec); err != nil {
			t.Fatal(err)
		}
		rec.Primitive(0)
		rec.Index("status")
	}); n != 0 {
		t.Errorf("%v allocations per record", n)
	}
}

// FuzzValidateRecord: on every record schema of the corpus, ValidateRecord
// agrees with Validate, and the fields read as Decode decodes them.
func FuzzValidateRecord(f *testing.F) {
	var schemas []*Schema
	for _, text := range fuzzSchemas {
		if s := mustParse(f, text); s.IsRecord() {
			schemas = append(schemas, s)
		}
	}
	f.Add(uint8(2), paymentPayload().Bytes())
	f.Add(uint8(0), []byte{2, 2, 4, 0, 6})
	f.Add(uint8(2), []byte("0\x01\x02\x0400\x0200\x00\x0000\xff\xff")) // a NaN float
	f.Add(uint8(0), []byte("0\x80\x80\x80\x80\x80\x00"))               // an overlong varint
	f.Add(uint8(1), (&enc{}).long(3).long(-4).str("0123456789abcdef0123456789abcdef01234567").Bytes())
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		var rec Record
		checkRecord(t, schemas[int(which)%len(schemas)], payload, &rec)
	})
}
