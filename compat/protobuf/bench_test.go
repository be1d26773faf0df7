package protobuf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/accord/accord/compat"
)

// benchSchema is version v of a message that gains one field per version:
// version v has 100+v fields (v = 100 gives 200), of rotating types.
func benchSchema(v int) string {
	types := []string{"string", "int64", "bool", "double", "bytes", "Status", "Line", "sint32", "fixed64", "map<string, int32>"}
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\npackage bench.v1;\n\nmessage Event {\n")
	for i := 1; i <= 100+v; i++ {
		fmt.Fprintf(&b, "  %s f%d = %d;\n", types[i%len(types)], i, i)
	}
	b.WriteString("  message Line {\n    string sku = 1;\n    int32 qty = 2;\n  }\n}\n\nenum Status {\n  STATUS_UNSPECIFIED = 0;\n  STATUS_ON = 1;\n}\n")
	return b.String()
}

// BenchmarkTransitiveCheck registers a 200-field message against 100 earlier
// versions under FULL_TRANSITIVE: parse, canonicalise, then check both
// directions against every version.
func BenchmarkTransitiveCheck(b *testing.B) {
	previous := make([]compat.Previous, 100)
	for v := range previous {
		previous[v] = compat.Previous{Version: v + 1, Schema: mustParse(b, benchSchema(v))}
	}
	text := benchSchema(100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := Parse(text, nil)
		if err != nil {
			b.Fatal(err)
		}
		if s.Canonical() == "" {
			b.Fatal("empty canonical form")
		}
		if vs := compat.Check(compat.FullTransitive, s, previous); len(vs) != 0 {
			b.Fatalf("unexpected violations: %v", compat.Messages(vs[:1]))
		}
	}
}

// BenchmarkParse is the parse-and-canonicalise share of the above, the
// baseline the check is measured against.
func BenchmarkParse(b *testing.B) {
	text := benchSchema(100)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(text, nil); err != nil {
			b.Fatal(err)
		}
	}
}
