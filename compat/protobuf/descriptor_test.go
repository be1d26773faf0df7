package protobuf

import (
	"encoding/base64"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"

	"github.com/accord/accord/compat"
)

// serialize returns what a Confluent JS or Python serializer sends for a
// schema: its FileDescriptorProto as compiled (names fully qualified,
// options interpreted), base64-encoded, under the name the client's build
// gave the file.
func serialize(t *testing.T, text string, deps []compat.Dependency, fileName string) string {
	t.Helper()
	s, err := Parse(text, deps)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	fd := protodesc.ToFileDescriptorProto(s.File())
	fd.Name = proto.String(fileName)
	b, err := proto.Marshal(fd)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestParseDescriptor(t *testing.T) {
	money := compat.Dependency{Name: "acme/money.proto", Type: compat.TypeProtobuf, Schema: `syntax = "proto3"; package acme; message Money { int64 units = 1; string currency = 2; }`}
	tests := []struct {
		name string
		text string
		deps []compat.Dependency
	}{
		{"proto3 with imports, options, nesting and optional", `syntax = "proto3";
package acme.orders;
import "acme/money.proto";
import "google/protobuf/timestamp.proto";
option java_package = "com.acme.orders";
option go_package = "acme/orders";
message Order {
  string id = 1 [deprecated = true];
  acme.Money total = 2;
  google.protobuf.Timestamp at = 3;
  optional string note = 4;
  map<string, Line> lines = 5;
  Status status = 6;
  oneof pay { string card = 7; string iban = 8; }
  message Line { int32 qty = 1; string sku = 2 [json_name = "SKU"]; }
  reserved 9, 10 to 12;
  reserved "old";
}
enum Status { STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1; }
`, []compat.Dependency{money}},
		{"proto2 with defaults and groups", `syntax = "proto2";
package p2;
message M {
  optional int32 a = 1 [default = 7];
  required string b = 2;
  repeated group G = 3 { optional int32 c = 4; }
  extensions 100 to 200;
}
extend M { optional string ext = 100; }
`, nil},
		{"no package, a service", `syntax = "proto3";
message Req { string q = 1; }
message Resp { repeated string hits = 1; }
service Search { rpc Find(Req) returns (Resp); }
`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fromText, err := Parse(tc.text, tc.deps)
			if err != nil {
				t.Fatalf("Parse(text): %v", err)
			}
			enc := serialize(t, tc.text, tc.deps, "client/order.proto")
			fromDesc, err := Parse(enc, tc.deps)
			if err != nil {
				t.Fatalf("Parse(descriptor): %v", err)
			}
			if got, want := fromDesc.Normalized(), fromText.Normalized(); got != want {
				t.Errorf("descriptor and text normalize differently:\n%s\n---\n%s", got, want)
			}
			// What is stored (Canonical) parses back as text to itself: the
			// registry re-parses stored schemas.
			again, err := Parse(fromDesc.Canonical(), tc.deps)
			if err != nil {
				t.Fatalf("stored text of a descriptor does not parse: %v\n%s", err, fromDesc.Canonical())
			}
			if again.Canonical() != fromDesc.Canonical() {
				t.Errorf("stored text is not a fixed point:\n%s\n---\n%s", again.Canonical(), fromDesc.Canonical())
			}
			if d := fromText.CompatibleWith(fromDesc); len(d) != 0 {
				t.Errorf("text and descriptor differ: %v", d)
			}
			// serialized round trip: the answer decodes to the same schema.
			ser, err := fromText.Serialized()
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse(ser, tc.deps)
			if err != nil {
				t.Fatalf("Parse(Serialized()): %v", err)
			}
			if back.Normalized() != fromText.Normalized() {
				t.Errorf("serialized form does not round-trip:\n%s\n---\n%s", back.Normalized(), fromText.Normalized())
			}
		})
	}
}

// Descriptors from some runtimes (Python's embedded ones) carry no
// json_name: they parse as the same schema.
func TestParseDescriptorWithoutJSONNames(t *testing.T) {
	const text = `syntax = "proto3"; package p; message M { int64 seconds = 1; int32 nanos = 2; message N { string a_b = 1; } }`
	s, err := Parse(text, nil)
	if err != nil {
		t.Fatal(err)
	}
	fd := protodesc.ToFileDescriptorProto(s.File())
	for _, m := range fd.GetMessageType() {
		for _, f := range m.GetField() {
			f.JsonName = nil
		}
		for _, f := range m.GetNestedType()[0].GetField() {
			f.JsonName = nil
		}
	}
	b, _ := proto.Marshal(fd)
	got, err := Parse(base64.StdEncoding.EncodeToString(b), nil)
	if err != nil {
		t.Fatalf("descriptor without json names: %v", err)
	}
	if got.Normalized() != s.Normalized() {
		t.Errorf("got\n%s\nwant\n%s", got.Normalized(), s.Normalized())
	}
}

func TestParseDescriptorErrors(t *testing.T) {
	// Not base64 and not .proto: the .proto error is reported.
	_, err := Parse(`message {`, nil)
	if !errors.Is(err, compat.ErrInvalidSchema) {
		t.Fatalf("err = %v", err)
	}
	// A descriptor whose import has no reference: named.
	enc := serialize(t, `syntax = "proto3"; import "x/y.proto"; message M { X f = 1; }`,
		[]compat.Dependency{{Name: "x/y.proto", Schema: `syntax = "proto3"; message X {}`}}, "m.proto")
	_, err = Parse(enc, nil)
	if !errors.Is(err, compat.ErrInvalidSchema) {
		t.Fatalf("err = %v", err)
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Reason == "" {
		t.Fatalf("err = %#v", err)
	}
	// Base64 of something that is not a descriptor: the text error.
	for _, s := range []string{"aGVsbG8=", "AAAA", "QUJD"} {
		if _, err := Parse(s, nil); !errors.Is(err, compat.ErrInvalidSchema) {
			t.Errorf("Parse(%q) = %v", s, err)
		}
	}
}
