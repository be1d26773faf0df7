package jsonschema

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/accord/accord/compat"
)

// objectSchema is an object schema with n properties whose additional
// properties must be strings: the first 100 properties have assorted types
// and limits, later ones are strings, so that each version adding one is
// FULL compatible with every earlier one.
func objectSchema(n int) string {
	props := make(map[string]any, n)
	for i := 0; i < n; i++ {
		var p map[string]any
		switch {
		case i >= 100:
			p = map[string]any{"type": "string", "description": fmt.Sprintf("field %d", i)}
		case i%4 == 0:
			p = map[string]any{"type": "string", "maxLength": 64, "pattern": "^[a-z]+$"}
		case i%4 == 1:
			p = map[string]any{"type": "integer", "minimum": 0, "maximum": 1000}
		case i%4 == 2:
			p = map[string]any{"type": "array", "items": map[string]any{"type": "number"}, "maxItems": 10}
		default:
			p = map[string]any{"type": "object", "properties": map[string]any{"x": map[string]any{"type": "boolean"}}}
		}
		props[fmt.Sprintf("p%03d", i)] = p
	}
	b, _ := json.MarshalIndent(map[string]any{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"title":                "Order",
		"type":                 "object",
		"properties":           props,
		"required":             []string{"p000", "p001"},
		"additionalProperties": map[string]any{"type": "string"},
	}, "", "  ")
	return string(b)
}

// history is 100 versions, the k-th with 99+k properties.
func history(b *testing.B) []compat.Previous {
	var previous []compat.Previous
	for v := 1; v <= 100; v++ {
		s, err := Parse(objectSchema(99+v), nil)
		if err != nil {
			b.Fatal(err)
		}
		previous = append(previous, compat.Previous{Version: v, Schema: s})
	}
	return previous
}

// BenchmarkTransitiveCheck measures what registering a version costs: parse
// and canonicalise a 200-property schema, then check it against 100 earlier
// versions under FULL_TRANSITIVE. cpu-ns/op is the CPU time per operation,
// which other load on the machine does not inflate.
func BenchmarkTransitiveCheck(b *testing.B) {
	previous := history(b)
	text := objectSchema(200)
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }()
	for i := 0; i < b.N; i++ {
		s, err := Format{}.Parse(text, nil)
		if err != nil {
			b.Fatal(err)
		}
		_ = s.Canonical()
		if vs := compat.Check(compat.FullTransitive, s, previous); len(vs) != 0 {
			b.Fatalf("unexpected violations: %v", compat.Messages(vs)[:1])
		}
	}
}

func BenchmarkParse(b *testing.B) {
	text := objectSchema(200)
	b.ReportAllocs()
	start := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(text, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck is the compatibility part of BenchmarkTransitiveCheck.
func BenchmarkCheck(b *testing.B) {
	previous := history(b)
	s, err := Parse(objectSchema(200), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }()
	for i := 0; i < b.N; i++ {
		if vs := compat.Check(compat.FullTransitive, s, previous); len(vs) != 0 {
			b.Fatal(compat.Messages(vs)[0])
		}
	}
}
