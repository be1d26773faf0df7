package avro

import (
	"fmt"
	"strings"
	"testing"

	"github.com/accord/accord/compat"
)

// benchField returns field i of the benchmark record. Fields from 100 on
// were added one per version, each with a default; types vary so that the
// checker meets every kind.
func benchField(i int) string {
	var typ, def string
	switch i % 8 {
	case 0:
		typ, def = `"int"`, `0`
	case 1:
		typ, def = `"long"`, `0`
	case 2:
		typ, def = `"string"`, `""`
	case 3:
		typ, def = `["null","string"]`, `null`
	case 4:
		typ, def = fmt.Sprintf(`{"type":"enum","name":"E%d","symbols":["A","B","C"]}`, i), `"A"`
	case 5:
		typ, def = fmt.Sprintf(`{"type":"record","name":"N%d","fields":[{"name":"x","type":"double"},{"name":"y","type":{"type":"array","items":"string"}}]}`, i), `{"x":0,"y":[]}`
	case 6:
		typ, def = `{"type":"map","values":"long"}`, `{}`
	case 7:
		typ, def = `{"type":"long","logicalType":"timestamp-millis"}`, `0`
	}
	f := fmt.Sprintf(`{"name":"f%d","type":%s,"doc":"field %d"`, i, typ, i)
	if i >= 100 {
		f += `,"default":` + def
	}
	return f + "}"
}

// benchVersion returns the schema with the first n fields.
func benchVersion(n int) string {
	fields := make([]string, n)
	for i := range fields {
		fields[i] = benchField(i)
	}
	return `{"type":"record","name":"Event","namespace":"com.acme.bench","fields":[` + strings.Join(fields, ",") + `]}`
}

func benchHistory(b *testing.B) []compat.Previous {
	prev := make([]compat.Previous, 100)
	for v := range prev {
		prev[v] = compat.Previous{Version: v + 1, Schema: mustParse(b, benchVersion(100+v))}
	}
	return prev
}

// BenchmarkTransitiveCheck: parse and canonicalize a 200-field candidate,
// then check it under FULL_TRANSITIVE against 100 earlier versions (parsed
// once, as the registry caches parsed schemas). Target: under 100 ms.
func BenchmarkTransitiveCheck(b *testing.B) {
	prev := benchHistory(b)
	text := benchVersion(200)
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(text, nil)
		if err != nil {
			b.Fatal(err)
		}
		_ = s.Canonical()
		if vs := compat.Check(compat.FullTransitive, s, prev); len(vs) != 0 {
			b.Fatalf("unexpected violations: %v", compat.Messages(vs[:1]))
		}
	}
}

// BenchmarkTransitiveCheckParseAll is the same check with every version
// parsed in each iteration, as on a cold registry.
func BenchmarkTransitiveCheckParseAll(b *testing.B) {
	texts := make([]string, 100)
	for v := range texts {
		texts[v] = benchVersion(100 + v)
	}
	text := benchVersion(200)
	b.ReportAllocs()
	for b.Loop() {
		prev := make([]compat.Previous, len(texts))
		for v, t := range texts {
			s, err := Parse(t, nil)
			if err != nil {
				b.Fatal(err)
			}
			prev[v] = compat.Previous{Version: v + 1, Schema: s}
		}
		s, err := Parse(text, nil)
		if err != nil {
			b.Fatal(err)
		}
		_ = s.Canonical()
		if vs := compat.Check(compat.FullTransitive, s, prev); len(vs) != 0 {
			b.Fatalf("unexpected violations: %v", compat.Messages(vs[:1]))
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	s := mustParse(b, paymentSchema)
	payload := paymentPayload().Bytes()
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if err := s.Validate(payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	s := mustParse(b, paymentSchema)
	payload := paymentPayload().Bytes()
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := s.Decode(payload); err != nil {
			b.Fatal(err)
		}
	}
}
