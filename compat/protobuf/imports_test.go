package protobuf

import (
	"errors"
	"strings"
	"testing"

	"github.com/accord/accord/compat"
)

func TestCommonImportsNeedNoReference(t *testing.T) {
	paths := CommonImports()
	if len(paths) != 19 {
		t.Errorf("CommonImports() has %d files: %v", len(paths), paths)
	}
	for _, p := range append(paths, "google/protobuf/timestamp.proto", "google/protobuf/any.proto", "google/protobuf/struct.proto") {
		t.Run(p, func(t *testing.T) {
			mustParse(t, "syntax = \"proto3\";\nimport \""+p+"\";\nmessage M {}\n")
		})
	}
	s := mustParse(t, `syntax = "proto3";
import "google/type/money.proto";
import "confluent/type/decimal.proto";
import "confluent/meta.proto";
message Price {
  option (confluent.message_meta) = { doc: "a price" };
  google.type.Money amount = 1;
  confluent.type.Decimal exact = 2 [(confluent.field_meta).params = { key: "precision" value: "10" }];
}`)
	if !strings.Contains(s.Normalized(), `(confluent.message_meta) = { doc: "a price" }`) {
		t.Errorf("custom option lost:\n%s", s.Normalized())
	}
}

func TestReferences(t *testing.T) {
	dep := compat.Dependency{Name: "acme/common.proto", Type: compat.TypeProtobuf,
		Schema: "syntax = \"proto3\"; package acme; message Money { int64 cents = 1; }"}
	user := compat.Dependency{Name: "acme/user.proto", Type: compat.TypeProtobuf,
		Schema: "syntax = \"proto3\"; package acme; import \"acme/common.proto\"; message User { Money balance = 1; }"}
	s := mustParse(t, `syntax = "proto3"; import "acme/user.proto"; message Event { acme.User user = 1; }`, dep, user)
	if _, err := s.MessageByName("acme.Money"); err != nil {
		t.Errorf("transitive reference not linked: %v", err)
	}
	// A reference may stand in for a built-in import.
	own := compat.Dependency{Name: "google/type/date.proto", Schema: "syntax = \"proto3\"; package google.type; message Date { string iso = 1; }"}
	s = mustParse(t, `syntax = "proto3"; import "google/type/date.proto"; message M { google.type.Date d = 1; }`, own)
	if md, _ := s.MessageByName("google.type.Date"); md == nil || md.Fields().ByName("iso") == nil {
		t.Error("the reference did not win over the embedded import")
	}
	// The schema's own file name never collides with a reference.
	clash := compat.Dependency{Name: "schema.proto", Schema: "syntax = \"proto3\"; message Dep {}"}
	mustParse(t, `syntax = "proto3"; import "schema.proto"; message M { Dep d = 1; }`, clash)
}

func TestParseErrors(t *testing.T) {
	dep := compat.Dependency{Name: "bad.proto", Schema: "syntax = \"proto3\";\nmessage Bad {\n  int32 = 1;\n}\n"}
	cases := []struct {
		name, text string
		deps       []compat.Dependency
		file       string
		line, col  int
		reason     string
	}{
		{"syntax error", "syntax = \"proto3\";\nmessage M {\n  int32 a = ;\n}\n", nil, "schema.proto", 3, 13, "syntax error"},
		{"unknown type", "syntax = \"proto3\";\nmessage M {\n  Nope a = 1;\n}\n", nil, "schema.proto", 3, 3, "Nope"},
		{"missing import", "syntax = \"proto3\";\nimport \"missing.proto\";\n", nil, "schema.proto", 2, 8, "missing.proto"},
		{"duplicate number", "syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n  int32 b = 1;\n}\n", nil, "schema.proto", 4, 13, "same tag"},
		{"error in a reference", "syntax = \"proto3\";\nimport \"bad.proto\";\n", []compat.Dependency{dep}, "bad.proto", 3, 9, "syntax error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.text, c.deps)
			if !errors.Is(err, compat.ErrInvalidSchema) {
				t.Fatalf("error %v does not wrap ErrInvalidSchema", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			if pe.File != c.file || pe.Line != c.line || pe.Column != c.col || !strings.Contains(pe.Reason, c.reason) {
				t.Errorf("got %s:%d:%d %q, want %s:%d:%d containing %q", pe.File, pe.Line, pe.Column, pe.Reason, c.file, c.line, c.col, c.reason)
			}
			if !strings.Contains(err.Error(), c.file) {
				t.Errorf("message %q does not name the file", err)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	var f compat.Format = Format{}
	if f.Type() != compat.TypeProtobuf {
		t.Errorf("Type() = %s", f.Type())
	}
	s, err := f.Parse("syntax = \"proto3\"; message M {}", nil)
	if err != nil || s.Type() != compat.TypeProtobuf {
		t.Fatalf("Parse: %v, %v", s, err)
	}
	if _, err := f.Parse("message {", nil); !errors.Is(err, compat.ErrInvalidSchema) {
		t.Errorf("invalid text: %v", err)
	}
}
