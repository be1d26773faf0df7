package compat_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
)

// nested builds a schema of each format nesting n levels deep, the shape
// of the attack review's 37 KB JSON Schema (1,000 nested "properties",
// 25 s of CPU before the bound).
func nested(format string, n int) string {
	var b strings.Builder
	switch format {
	case compat.TypeJSON:
		b.WriteString(strings.Repeat(`{"type":"object","properties":{"a":`, n))
		b.WriteString(`{"type":"string"}`)
		b.WriteString(strings.Repeat(`}}`, n))
	case compat.TypeAvro:
		for i := range n {
			fmt.Fprintf(&b, `{"type":"record","name":"R%d","fields":[{"name":"a","type":`, i)
		}
		b.WriteString(`"string"`)
		b.WriteString(strings.Repeat(`}]}`, n))
	case compat.TypeProtobuf:
		b.WriteString("syntax = \"proto3\";\n")
		for i := range n {
			fmt.Fprintf(&b, "message M%d {\n", i)
		}
		b.WriteString("string a = 1;\n")
		b.WriteString(strings.Repeat("}\n", n))
	}
	return b.String()
}

var formats = map[string]compat.Format{
	compat.TypeJSON:     jsonschema.Format{},
	compat.TypeAvro:     avro.Format{},
	compat.TypeProtobuf: protobuf.Format{},
}

// TestNestingBound: every format refuses nesting past compat.MaxDepth
// before parsing (fast, naming the limit), and parses nesting within it.
func TestNestingBound(t *testing.T) {
	for typ, f := range formats {
		t.Run(typ, func(t *testing.T) {
			// Within the bound: a JSON Schema property is 2 levels, an Avro
			// record 3, a Protobuf message 1.
			within := map[string]int{compat.TypeJSON: 31, compat.TypeAvro: 20, compat.TypeProtobuf: 31}[typ]
			if _, err := f.Parse(nested(typ, within), nil); err != nil {
				t.Fatalf("%d levels: %v", within, err)
			}
			for _, n := range []int{65, 1000, 20_000} {
				start := time.Now()
				_, err := f.Parse(nested(typ, n), nil)
				took := time.Since(start)
				if !errors.Is(err, compat.ErrInvalidSchema) || !strings.Contains(err.Error(), "the limit is 64") && !strings.Contains(err.Error(), "the limit is 1048576 bytes") {
					t.Fatalf("%d levels: got %v, want an invalid schema naming the limit", n, err)
				}
				if took > 2*time.Second {
					t.Errorf("%d levels refused in %v: the pre-scan must be cheap", n, took)
				}
			}
		})
	}
}

// TestNestingInStringsAndComments: brackets inside strings and comments
// do not count.
func TestNestingInStringsAndComments(t *testing.T) {
	deep := strings.Repeat("{[(<", 100)
	js := `{"type":"object","description":"` + deep + `"}`
	if _, err := (jsonschema.Format{}).Parse(js, nil); err != nil {
		t.Errorf("brackets in a JSON string: %v", err)
	}
	proto := "syntax = \"proto3\";\n// " + deep + "\n/* " + deep + " */\nmessage M { string a = 1 [json_name = \"" + deep + "\"]; }\n"
	if _, err := (protobuf.Format{}).Parse(proto, nil); err != nil {
		t.Errorf("brackets in Protobuf comments and strings: %v", err)
	}
}

// TestSizeBound: a schema over MaxSchemaBytes, or with references over
// MaxTotalBytes together, is refused naming the limit.
func TestSizeBound(t *testing.T) {
	big := `{"type":"string","doc":"` + strings.Repeat("x", compat.MaxSchemaBytes) + `"}`
	for typ, f := range formats {
		text := big
		if typ == compat.TypeProtobuf {
			text = "syntax = \"proto3\";\n//" + strings.Repeat("x", compat.MaxSchemaBytes) + "\nmessage M {}\n"
		}
		if _, err := f.Parse(text, nil); !errors.Is(err, compat.ErrInvalidSchema) || !strings.Contains(err.Error(), fmt.Sprint(compat.MaxSchemaBytes)) {
			t.Errorf("%s: a schema over %d bytes: %v", typ, compat.MaxSchemaBytes, err)
		}
	}
	dep := `{"type":"record","name":"D","doc":"` + strings.Repeat("x", compat.MaxSchemaBytes-100) + `","fields":[]}`
	var deps []compat.Dependency
	for i := range 5 {
		deps = append(deps, compat.Dependency{Name: fmt.Sprintf("D%d", i), Type: compat.TypeAvro, Schema: strings.Replace(dep, `"D"`, fmt.Sprintf(`"D%d"`, i), 1)})
	}
	if _, err := (avro.Format{}).Parse(`"string"`, deps); err == nil || !strings.Contains(err.Error(), fmt.Sprint(compat.MaxTotalBytes)) {
		t.Errorf("references over %d bytes together: %v", compat.MaxTotalBytes, err)
	}
}

// TestParseContext: a parse does not start once its context ended, and a
// budget's end is reported as an invalid schema naming the budget.
func TestParseContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := compat.ParseContext(ctx, avro.Format{}, `"string"`, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	bctx, bcancel := compat.WithBudget(context.Background(), time.Nanosecond)
	defer bcancel()
	<-bctx.Done()
	_, err := compat.ParseContext(bctx, avro.Format{}, `"string"`, nil)
	if !errors.Is(err, compat.ErrBudget) || !errors.Is(err, compat.ErrInvalidSchema) || !strings.Contains(err.Error(), "1ns") {
		t.Errorf("budget: %v", err)
	}
	s, err := compat.ParseContext(context.Background(), avro.Format{}, `"string"`, nil)
	if err != nil || s == nil {
		t.Fatalf("a live context: %v", err)
	}
	if _, err := compat.CheckContext(bctx, compat.BackwardLevel, s, nil, []compat.Previous{{Version: 1, Schema: s}}); !errors.Is(err, compat.ErrBudget) {
		t.Errorf("a check past its budget: %v", err)
	}
}
