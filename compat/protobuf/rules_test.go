package protobuf

import (
	"sort"
	"strings"
	"testing"

	"github.com/accord/accord/compat"
)

func TestRules(t *testing.T) {
	const p3 = "syntax = \"proto3\";\npackage foo;\n"
	const p2 = "syntax = \"proto2\";\npackage foo;\n"
	cases := []struct {
		name       string
		old, new   string
		want       []string // "TYPE location"
		compatible bool
	}{
		{"package changed", p3 + "message M { int32 a = 1; }", "syntax = \"proto3\"; package bar; message M { int32 a = 1; }",
			[]string{"PACKAGE_CHANGED bar"}, false},
		{"syntax changed", p2 + "message M { optional int32 a = 1; }", p3 + "message M { optional int32 a = 1; }",
			[]string{"SYNTAX_CHANGED foo"}, true},
		{"message added", p3 + "message M {}", p3 + "message M {} message N {}",
			[]string{"MESSAGE_ADDED foo.N"}, true},
		{"message removed", p3 + "message M {} message N {}", p3 + "message M {}",
			[]string{"MESSAGE_REMOVED foo.N"}, false},
		{"message renamed", p3 + "message M {}", p3 + "message N {}",
			[]string{"MESSAGE_REMOVED foo.M", "MESSAGE_ADDED foo.N"}, false},
		{"message moved", p3 + "message M {} message N {}", p3 + "message N {} message M {}",
			[]string{"MESSAGE_MOVED foo.M", "MESSAGE_MOVED foo.N"}, true},
		{"enum added", p3 + "message M {}", p3 + "message M {} enum E { A = 0; }",
			[]string{"ENUM_ADDED foo.E"}, true},
		{"enum removed", p3 + "message M {} enum E { A = 0; }", p3 + "message M {}",
			[]string{"ENUM_REMOVED foo.E"}, true},
		{"enum value added", p3 + "enum E { A = 0; }", p3 + "enum E { A = 0; B = 1; }",
			[]string{"ENUM_CONST_ADDED foo.E#1"}, true},
		{"enum value removed", p3 + "enum E { A = 0; B = 1; }", p3 + "enum E { A = 0; }",
			[]string{"ENUM_CONST_REMOVED foo.E#1"}, true},
		{"enum value renamed", p3 + "enum E { A = 0; B = 1; }", p3 + "enum E { A = 0; C = 1; }",
			[]string{"ENUM_CONST_CHANGED foo.E#1"}, true},
		{"field added", p3 + "message M { int32 a = 1; }", p3 + "message M { int32 a = 1; int32 b = 2; }",
			[]string{"FIELD_ADDED foo.M#2"}, true},
		{"field removed", p3 + "message M { int32 a = 1; int32 b = 2; }", p3 + "message M { int32 a = 1; }",
			[]string{"FIELD_REMOVED foo.M#2"}, true},
		{"field renamed", p3 + "message M { int32 a = 1; }", p3 + "message M { int32 b = 1; }",
			[]string{"FIELD_NAME_CHANGED foo.M#1"}, true},
		{"field number reused with another type", p3 + "message M { int32 a = 1; }", p3 + "message M { string b = 1; }",
			[]string{"FIELD_NAME_CHANGED foo.M#1", "FIELD_SCALAR_KIND_CHANGED foo.M#1"}, false},
		{"scalar to message", p3 + "message M { int32 a = 1; } message N {}", p3 + "message M { N a = 1; } message N {}",
			[]string{"FIELD_KIND_CHANGED foo.M#1"}, false},
		{"scalar to map", p3 + "message M { int32 a = 1; }", p3 + "message M { map<string, int32> a = 1; }",
			[]string{"FIELD_KIND_CHANGED foo.M#1"}, false},
		{"group to message", p2 + "message M { optional group G = 1 { optional int32 x = 2; } }",
			p2 + "message M { optional G g = 1; message G { optional int32 x = 2; } }",
			[]string{"FIELD_KIND_CHANGED foo.M#1"}, false},
		{"wire-compatible varints", p3 + "message M { int32 a = 1; uint32 b = 2; int64 c = 3; bool d = 4; }",
			p3 + "message M { uint64 a = 1; int64 b = 2; bool c = 3; int32 d = 4; }", nil, true},
		{"wire-compatible zigzag and fixed", p3 + "message M { sint32 a = 1; fixed32 b = 2; fixed64 c = 3; string d = 4; }",
			p3 + "message M { sint64 a = 1; sfixed32 b = 2; sfixed64 c = 3; bytes d = 4; }", nil, true},
		{"varint to zigzag", p3 + "message M { int32 a = 1; }", p3 + "message M { sint32 a = 1; }",
			[]string{"FIELD_SCALAR_KIND_CHANGED foo.M#1"}, false},
		{"float to double", p3 + "message M { float a = 1; }", p3 + "message M { double a = 1; }",
			[]string{"FIELD_SCALAR_KIND_CHANGED foo.M#1"}, false},
		{"message type renamed", p3 + "message M { A a = 1; } message A {}", p3 + "message M { B a = 1; } message B {}",
			[]string{"FIELD_NAMED_TYPE_CHANGED foo.M#1", "MESSAGE_REMOVED foo.A", "MESSAGE_ADDED foo.B"}, false},
		{"numeric label", p3 + "message M { int32 a = 1; }", p3 + "message M { repeated int32 a = 1; }",
			[]string{"FIELD_NUMERIC_LABEL_CHANGED foo.M#1"}, false},
		{"string label", p3 + "message M { string a = 1; }", p3 + "message M { repeated string a = 1; }",
			[]string{"FIELD_STRING_OR_BYTES_LABEL_CHANGED foo.M#1"}, true},
		{"string made required", p2 + "message M { optional string a = 1; }", p2 + "message M { required string a = 1; }",
			[]string{"FIELD_REQUIRED_LABEL_CHANGED foo.M#1"}, false},
		{"message made optional", p2 + "message M { required N a = 1; } message N {}", p2 + "message M { optional N a = 1; } message N {}",
			[]string{"FIELD_REQUIRED_LABEL_CHANGED foo.M#1"}, false},
		{"proto3 optional added", p3 + "message M { int32 a = 1; }", p3 + "message M { optional int32 a = 1; }",
			[]string{"FIELD_PRESENCE_CHANGED foo.M#1"}, true},
		{"default changed", p2 + "message M { optional int32 a = 1 [default = 1]; }", p2 + "message M { optional int32 a = 1 [default = 2]; }",
			[]string{"FIELD_DEFAULT_CHANGED foo.M#1"}, true},
		{"required field added", p2 + "message M { optional int32 a = 1; }", p2 + "message M { optional int32 a = 1; required int32 b = 2; }",
			[]string{"REQUIRED_FIELD_ADDED foo.M#2"}, false},
		{"required field removed", p2 + "message M { optional int32 a = 1; required int32 b = 2; }", p2 + "message M { optional int32 a = 1; }",
			[]string{"REQUIRED_FIELD_REMOVED foo.M#2"}, false},
		{"oneof added around a field", p3 + "message M { int32 a = 1; }", p3 + "message M { oneof o { int32 a = 1; } }",
			[]string{"ONEOF_ADDED foo.M.o"}, true},
		{"oneof removed with its fields", p3 + "message M { int32 x = 3; oneof o { int32 a = 1; int32 b = 2; } }", p3 + "message M { int32 x = 3; }",
			[]string{"ONEOF_REMOVED foo.M.o"}, true},
		{"oneof field added", p3 + "message M { oneof o { int32 a = 1; } }", p3 + "message M { oneof o { int32 a = 1; int32 b = 2; } }",
			[]string{"ONEOF_FIELD_ADDED foo.M#2"}, true},
		{"oneof field removed", p3 + "message M { oneof o { int32 a = 1; int32 b = 2; } }", p3 + "message M { oneof o { int32 a = 1; } }",
			[]string{"ONEOF_FIELD_REMOVED foo.M#2"}, false},
		{"oneof field moved out", p3 + "message M { oneof o { int32 a = 1; int32 b = 2; } }", p3 + "message M { oneof o { int32 a = 1; } int32 b = 2; }",
			[]string{"ONEOF_FIELD_MOVED_TO_TOP_LEVEL foo.M#2"}, true},
		{"fields moved into a oneof", p3 + "message M { int32 a = 1; int32 b = 2; }", p3 + "message M { oneof o { int32 a = 1; int32 b = 2; } }",
			[]string{"MULTIPLE_FIELDS_MOVED_TO_ONEOF foo.M.o", "ONEOF_ADDED foo.M.o"}, false},
		{"field moved into existing oneof", p3 + "message M { int32 a = 1; oneof o { int32 b = 2; } }", p3 + "message M { oneof o { int32 a = 1; int32 b = 2; } }",
			[]string{"FIELD_MOVED_TO_EXISTING_ONEOF foo.M.o"}, false},
		{"map value changed", p3 + "message M { map<string, int32> m = 1; }", p3 + "message M { map<string, string> m = 1; }",
			[]string{"FIELD_SCALAR_KIND_CHANGED foo.M#1"}, false},
		{"map key changed", p3 + "message M { map<string, int32> m = 1; }", p3 + "message M { map<int32, int32> m = 1; }",
			[]string{"FIELD_SCALAR_KIND_CHANGED foo.M#1"}, false},
		{"map key widened", p3 + "message M { map<int32, int32> m = 1; }", p3 + "message M { map<int64, int32> m = 1; }",
			nil, true},
		{"nested message change", p3 + "message M { message N { int32 x = 1; } N n = 1; }", p3 + "message M { message N { string x = 1; } N n = 1; }",
			[]string{"FIELD_SCALAR_KIND_CHANGED foo.M.N#1"}, false},
		{"comments and layout only", p3 + "message M { int32 a = 1; }", "// c\n" + p3 + "message M {\n  int32 a = 1; // c\n}\n", nil, true},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, compatible := diffStrings(t, c.old, c.new, nil, nil)
			for _, g := range got {
				seen[strings.Fields(g)[0]] = true
			}
			want := append([]string(nil), c.want...)
			sort.Strings(want)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("changes\n got  %v\n want %v", got, want)
			}
			if compatible != c.compatible {
				t.Errorf("compatible = %v, want %v", compatible, c.compatible)
			}
		})
	}
	seenMetadata := testReservedMetadata(t)
	for id := range seenMetadata {
		seen[id] = true
	}
	for _, r := range Rules {
		if !seen[r.ID] {
			t.Errorf("rule %s has no case in this table", r.ID)
		}
	}
}

func diffStrings(t *testing.T, old, new string, oldProps, newProps map[string]string) ([]string, bool) {
	t.Helper()
	o, n := mustParse(t, old), mustParse(t, new)
	var got []string
	compatible := true
	for _, ch := range DiffMetadata(o, oldProps, n, newProps) {
		got = append(got, ch.Type+" "+ch.Location)
		compatible = compatible && ch.Compatible
		if ch.Message == "" || ch.Path == "" {
			t.Errorf("change %+v lacks a message or path", ch)
		}
	}
	sort.Strings(got)
	return got, compatible
}

func testReservedMetadata(t *testing.T) map[string]bool {
	const schema = "syntax = \"proto3\";\npackage foo;\nmessage M { string id = 1; int32 cost = 2; }"
	const without = "syntax = \"proto3\";\npackage foo;\nmessage M { string id = 1; }"
	props := func(v string) map[string]string { return map[string]string{ReservedProperty: v} }
	cases := []struct {
		name               string
		oldText, newText   string
		oldProps, newProps map[string]string
		want               []string
		compatible         bool
	}{
		{"reserved name added", without, without, props("status"), props("status, cost"), []string{"RESERVED_FIELD_ADDED cost"}, true},
		{"reserved name removed", without, without, props("status,cost"), props("status"), []string{"RESERVED_FIELD_REMOVED cost"}, false},
		{"field conflicts with reserved name", without, schema, props("cost"), props("cost"),
			[]string{"FIELD_ADDED foo.M#2", "FIELD_CONFLICTS_WITH_RESERVED_FIELD foo.M#2"}, false},
		{"unrelated field added", without, schema, props("status"), props("status"), []string{"FIELD_ADDED foo.M#2"}, true},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, compatible := diffStrings(t, c.oldText, c.newText, c.oldProps, c.newProps)
			for _, g := range got {
				seen[strings.Fields(g)[0]] = true
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") || compatible != c.compatible {
				t.Errorf("got %v (compatible %v), want %v (compatible %v)", got, compatible, c.want, c.compatible)
			}
		})
	}
	return seen
}

func TestRuleDirections(t *testing.T) {
	both := compat.Backward | compat.Forward
	for id, want := range map[string]compat.Direction{
		FieldAdded:                 0,
		FieldRemoved:               0,
		MessageAdded:               compat.Forward,
		MessageRemoved:             compat.Backward,
		FieldScalarKindChanged:     both,
		RequiredFieldAdded:         both,
		OneofFieldAdded:            compat.Forward,
		MultipleFieldsMovedToOneof: compat.Backward,
		OneofFieldMovedToTopLevel:  compat.Forward,
		ReservedFieldRemoved:       compat.Backward,
		ReservedFieldAdded:         compat.Forward,
	} {
		r, ok := RuleByID(id)
		if !ok || r.Breaks != want {
			t.Errorf("%s breaks %v, want %v", id, r.Breaks, want)
		}
	}
	for _, r := range Rules {
		if r.Purpose == "" {
			t.Errorf("%s has no purpose", r.ID)
		}
	}
}

// compat.Check must see the same verdicts through the Schema interface, in
// both directions.
func TestCheckDirections(t *testing.T) {
	v1 := mustParse(t, "syntax = \"proto3\"; message M { int32 a = 1; }")
	v2 := mustParse(t, "syntax = \"proto3\"; message M { int32 a = 1; } message N {}")
	prev := []compat.Previous{{Version: 1, Schema: v1}}
	if vs := compat.Check(compat.BackwardLevel, v2, prev); len(vs) != 0 {
		t.Errorf("adding a message is backward compatible: %v", vs)
	}
	vs := compat.Check(compat.ForwardLevel, v2, prev)
	if len(vs) != 1 || vs[0].ID != MessageRemoved || vs[0].Location != "N" || vs[0].Direction != "FORWARD" {
		t.Errorf("forward check: %+v", vs)
	}
}
