package avro

import (
	"errors"
	"testing"

	"github.com/accord/accord/compat"
)

var fuzzSchemas = []string{
	`"null"`, `"int"`, `"string"`, `["null","long","string"]`,
	`{"type":"array","items":"int"}`,
	`{"type":"map","values":["null","double"]}`,
	`{"type":"fixed","name":"F","size":3}`,
	`{"type":"enum","name":"E","symbols":["A","B","C"],"default":"A"}`,
	`{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"],"default":null}]}`,
	`{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}`,
	`{"type":"record","name":"T","fields":[{"name":"d","type":{"type":"int","logicalType":"date"}},{"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}},{"name":"u","type":{"type":"string","logicalType":"uuid"}}]}`,
	`{"type":"array","items":{"type":"record","name":"Empty","fields":[]}}`,
	paymentSchema,
	orderSchema,
	`{"type":"record","name":"Nulls","fields":[{"name":"n","type":"null"},{"name":"a","type":{"type":"array","items":"null"}},{"name":"m","type":{"type":"map","values":"null"}}]}`,
	`["null",{"type":"enum","name":"E","symbols":["A","B"]},{"type":"fixed","name":"F","size":2},{"type":"record","name":"R","fields":[{"name":"x","type":"int"}]},{"type":"array","items":"int"},{"type":"map","values":"string"},"boolean","bytes","float","double"]`,
	`{"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":6,"scale":3}`,
	`{"type":"record","name":"Outer","namespace":"ns","fields":[{"name":"i","type":["null",{"type":"record","name":"r","namespace":"","fields":[{"name":"next","type":["null","r"]}]}]},{"name":"j","type":["null","r"]}]}`,
}

// FuzzParse: Parse never panics; what it accepts has canonical and
// normalized forms that are fixed points, reads itself, and can be decoded
// by hamba.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSchemas {
		f.Add(s)
	}
	f.Add(`{"type":"record","name":"Outer","namespace":"ns","fields":[{"name":"i","type":{"type":"record","name":"Inner","namespace":"","fields":[]}},{"name":"j","type":"Inner"}]}`)
	f.Add(`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"S","fields":[{"name":"x","type":"int"}]},"default":{"x":1}}]}`)
	f.Add(`{"type":"enum","name":"a.b.E","aliases":["c.F","G"],"symbols":["X"]}`)
	f.Add(`[{"type":"record","name":"A","fields":[]},{"type":"record","name":"B","aliases":["A2"],"fields":[]}]`)
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse(text, nil)
		if err != nil {
			if !errors.Is(err, compat.ErrInvalidSchema) {
				t.Fatalf("error does not wrap ErrInvalidSchema: %v", err)
			}
			return
		}
		checkForms(t, s)
	})
}

// checkForms checks what must hold of every schema Parse accepts: the
// canonical and normalized texts parse back to themselves, normalizing
// keeps the schema's meaning, the schema reads itself, and hamba can build
// a decoder for it.
func checkForms(t *testing.T, s *Schema) {
	t.Helper()
	c := s.Canonical()
	s2, err := Parse(c, nil)
	if err != nil {
		t.Fatalf("canonical text does not parse: %v\n%s", err, c)
	}
	if s2.Canonical() != c {
		t.Fatalf("canonical is not a fixed point:\n%s\n%s", c, s2.Canonical())
	}
	n := s.Normalized()
	s3, err := Parse(n, nil)
	if err != nil {
		t.Fatalf("normalized text does not parse: %v\n%s", err, n)
	}
	if s3.Normalized() != n {
		t.Fatalf("normalized is not a fixed point:\n%s\n%s", n, s3.Normalized())
	}
	if s3.ParsingCanonicalForm() != s.ParsingCanonicalForm() {
		t.Fatalf("normalizing changed the schema:\n%s\n%s", s.ParsingCanonicalForm(), s3.ParsingCanonicalForm())
	}
	if d := s.CompatibleWith(s2); len(d) != 0 {
		t.Fatalf("schema cannot read itself: %v\n%s", d, c)
	}
	if _, err := s.decoder(); err != nil {
		t.Fatalf("hamba rejects an accepted schema: %v\n%s", err, c)
	}
}

// FuzzDecode: Validate and Decode never panic and agree.
func FuzzDecode(f *testing.F) {
	schemas := make([]*Schema, len(fuzzSchemas))
	for i, text := range fuzzSchemas {
		schemas[i] = mustParse(f, text)
	}
	f.Add(uint8(12), paymentPayload().Bytes())
	f.Add(uint8(8), []byte{2, 2, 4, 0, 6})
	f.Add(uint8(5), (&enc{}).long(-2).long(10).str("a").long(0).str("b").long(2).raw(0, 0, 0, 0, 0, 0, 0, 0).long(0).Bytes())
	f.Add(uint8(11), []byte{0xfe, 0xff, 0xff, 0xff, 0x0f})
	f.Add(uint8(9), []byte{4, 0x01, 0x2c})
	f.Add(uint8(10), (&enc{}).long(3).long(-4).str("0123456789abcdef0123456789abcdef01234567").Bytes())
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		s := schemas[int(which)%len(schemas)]
		verr := s.Validate(payload)
		_, derr := s.Decode(payload)
		if (verr == nil) != (derr == nil) {
			t.Fatalf("Validate and Decode disagree: %v / %v", verr, derr)
		}
		if verr != nil && !errors.Is(verr, ErrInvalidPayload) {
			t.Fatalf("error does not wrap ErrInvalidPayload: %v", verr)
		}
	})
}
