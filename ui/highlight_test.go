package ui

import (
	"strings"
	"testing"

	"github.com/accord/accord/compat"
)

func joinSpans(spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Text)
	}
	return b.String()
}

func classesOf(spans []Span) string {
	var out []string
	for _, s := range spans {
		if s.Class != "" {
			out = append(out, s.Class+":"+s.Text)
		}
	}
	return strings.Join(out, " ")
}

func TestTokenizeJSON(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a": 1}`, `p:{ k:"a" p:: n:1 p:}`},
		{`["x", true, null, -2.5e3]`, `p:[ s:"x" p:, b:true p:, b:null p:, n:-2.5e3 p:]`},
		{`{"k\"q" :"v"}`, `p:{ k:"k\"q" p:: s:"v" p:}`},
		{`"unterminated`, `s:"unterminated`},
		{`trueish`, ``}, // not a literal: plain
		{`<script>`, ``},
	} {
		spans := tokenizeJSON(c.in)
		if got := classesOf(spans); got != c.want {
			t.Errorf("tokenizeJSON(%q) = %q, want %q", c.in, got, c.want)
		}
		if joinSpans(spans) != c.in {
			t.Errorf("tokenizeJSON(%q) lost text: %q", c.in, joinSpans(spans))
		}
	}
}

func TestTokenizeProto(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`syntax = "proto3";`, `kw:syntax p:= s:"proto3" p:;`},
		{"message A { // note\n  int64 id = 1; }", `kw:message p:{ c:// note t:int64 p:= n:1 p:; p:}`},
		{`/* block */ repeated string x = 2 [deprecated = true];`, `c:/* block */ kw:repeated t:string p:= n:2 p:[ p:= kw:true p:] p:;`},
		{`map<string, Money> m = 3;`, `kw:map p:< t:string p:, p:> p:= n:3 p:;`},
		{"/* open", `c:/* open`},
	} {
		spans := tokenizeProto(c.in)
		if got := classesOf(spans); got != c.want {
			t.Errorf("tokenizeProto(%q) = %q, want %q", c.in, got, c.want)
		}
		if joinSpans(spans) != c.in {
			t.Errorf("tokenizeProto(%q) lost text", c.in)
		}
	}
}

func TestPrettyJSONLocations(t *testing.T) {
	src := `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"a/b~","type":{"type":"array","items":"long"}}],"empty":{},"none":[]}`
	pretty, _, err := prettyJSON(src)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "type": "record",
  "name": "Order",
  "fields": [
    {
      "name": "id",
      "type": "string"
    },
    {
      "name": "a/b~",
      "type": {
        "type": "array",
        "items": "long"
      }
    }
  ],
  "empty": {},
  "none": []
}`
	if pretty != want {
		t.Fatalf("pretty:\n%s\nwant:\n%s", pretty, want)
	}
	code := render("AVRO", src)
	for _, c := range []struct {
		loc  string
		line int
	}{
		{"", 1}, {"/", 1}, {"#/", 1},
		{"/fields", 4},
		{"/fields/0", 5},
		{"/fields/1", 9},
		{"/fields/1/name", 10},
		{"/fields/1/type/items", 13},
		{"#/fields/1/type", 11},
		{"/fields/7", 4},         // missing index: its parent
		{"/fields/1/default", 9}, // missing key: its parent
		{"/empty", 17},
		{"/nope/deeper", 1},
	} {
		if got := code.LineOf(c.loc); got != c.line {
			t.Errorf("LineOf(%q) = %d, want %d", c.loc, got, c.line)
		}
	}
	if _, _, err := prettyJSON(`{"a":1} trailing`); err == nil {
		t.Errorf("trailing data accepted")
	}
	if c := render("JSON", `{"broken": `); len(c.Lines) != 1 || joinSpans(c.Lines[0].Spans) != `{"broken": ` {
		t.Errorf("a malformed document is not shown as it is: %+v", c.Lines)
	}
}

func TestProtoLocations(t *testing.T) {
	src := `syntax = "proto3";
package acme.pay;

message Payment {
  string id = 1;
  Money amount = 2 [deprecated = true];
  message Money {
    int64 units = 1;
  }
  oneof via {
    string card = 3;
    string iban = 4;
  }
  option deprecated = true;
  enum Kind { KIND_UNSPECIFIED = 0; CARD = 1; }
}
message Other { reserved 5; }
`
	code := render("PROTOBUF", src)
	for _, c := range []struct {
		loc  string
		line int
	}{
		{"acme.pay.Payment", 4},
		{"acme.pay.Payment#1", 5},
		{"acme.pay.Payment#2", 6},
		{"acme.pay.Payment.Money", 7},
		{"acme.pay.Payment.Money#1", 8},
		{"acme.pay.Payment#3", 11},
		{"acme.pay.Payment#4", 12},
		{"acme.pay.Payment.Kind", 15},
		{"acme.pay.Payment.Kind#1", 15},
		{"acme.pay.Payment#9", 4}, // unknown field: its message
		{"acme.pay.Other", 17},
		{"acme.pay.Missing", 0},
	} {
		if got := code.LineOf(c.loc); got != c.line {
			t.Errorf("LineOf(%q) = %d, want %d", c.loc, got, c.line)
		}
	}
}

func TestLineOps(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want string // e=equal d=deleted a=added
	}{
		{"x y z", "x y z", "eee"},
		{"x y z", "x z", "ede"},
		{"x z", "x y z", "eae"},
		{"a b c", "a B c", "edae"},
		{"", "a b", "aa"},
		{"a b", "", "dd"},
		{"a b c d", "b c d a", "deeea"},
	} {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Fields(s)
		}
		var got strings.Builder
		for _, o := range lineOps(split(c.a), split(c.b)) {
			got.WriteByte("eda"[o.kind])
		}
		if got.String() != c.want {
			t.Errorf("lineOps(%q, %q) = %s, want %s", c.a, c.b, got.String(), c.want)
		}
	}
}

func TestBuildDiffPlacesDifferences(t *testing.T) {
	older := render("AVRO", `{"type":"record","name":"R","fields":[{"name":"id","type":"string"}]}`)
	newer := render("AVRO", `{"type":"record","name":"R","fields":[{"name":"id","type":"string"},{"name":"c","type":"string"}]}`)
	vs := []compat.Violation{
		{Difference: compat.Difference{ID: "READER_FIELD_MISSING_DEFAULT_VALUE", Location: "/fields/1", Message: "no default"}, Direction: "BACKWARD", Version: 1},
		{Difference: compat.Difference{ID: "X", Location: "acme.Nowhere#3", Message: "elsewhere"}, Direction: "FORWARD", Version: 1},
	}
	d := buildDiff(older, newer, vs)
	if !d.Changed {
		t.Fatal("no change found")
	}
	if len(d.Unplaced) != 1 || d.Unplaced[0].ID != "X" {
		t.Errorf("unplaced %+v", d.Unplaced)
	}
	placed := false
	for _, r := range d.Side {
		if r.New != nil && len(r.New.Notes) > 0 {
			placed = true
			if r.New.No != 9 || r.Kind == "eq" {
				t.Errorf("note on line %d (%s), want the added line 9", r.New.No, r.Kind)
			}
		}
	}
	if !placed {
		t.Errorf("the located difference is on no line: %+v", d.Side)
	}
	inlineNotes := 0
	for _, r := range d.Inline {
		inlineNotes += len(r.Notes)
	}
	if inlineNotes != 1 {
		t.Errorf("inline view has %d notes, want 1", inlineNotes)
	}
	// FORWARD differences look in the older schema first.
	d = buildDiff(older, newer, []compat.Violation{{Difference: compat.Difference{ID: "Y", Location: "/fields/0"}, Direction: "FORWARD"}})
	for _, r := range d.Side {
		if r.Old != nil && len(r.Old.Notes) > 0 && r.Old.No != 5 {
			t.Errorf("forward note on old line %d, want 5", r.Old.No)
		}
	}
}

// FuzzTokenizers: any input comes back whole, in lines, without a panic.
func FuzzTokenizers(f *testing.F) {
	for _, s := range []string{`{"a":[1,true,null,"x\"y"]}`, "syntax = \"proto3\";\nmessage A { int32 a = 1; }", "/* x", `"\`, "\xff\xfe", "a\n\nb\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := joinSpans(tokenizeJSON(s)); got != s {
			t.Fatalf("tokenizeJSON lost text: %q → %q", s, got)
		}
		if got := joinSpans(tokenizeProto(s)); got != s {
			t.Fatalf("tokenizeProto lost text: %q → %q", s, got)
		}
		for _, typ := range []string{"AVRO", "JSON", "PROTOBUF"} {
			c := render(typ, s)
			for i, l := range c.Lines {
				if l.No != i+1 {
					t.Fatalf("%s: line %d numbered %d", typ, i+1, l.No)
				}
				for _, sp := range l.Spans {
					if strings.Contains(sp.Text, "\n") {
						t.Fatalf("%s: a span crosses a line", typ)
					}
				}
			}
			_ = c.LineOf("/a/0")
			_ = c.LineOf("x.Y#1")
		}
		protoLocations(s)
	})
}

// A field named like a keyword or a type is a field name, not a keyword.
func TestProtoKeywordAsFieldName(t *testing.T) {
	spans := tokenizeProto("message M {\n  string reserved = 1;\n  int64 max = 2;\n  reserved 3;\n}\n")
	var kw []string
	for _, s := range spans {
		if s.Class == clsKeyword {
			kw = append(kw, s.Text)
		}
	}
	if strings.Join(kw, ",") != "message,reserved" {
		t.Errorf("keywords %v, want message and the reserved statement only", kw)
	}
}
