package protobuf

import (
	"reflect"
	"testing"

	"github.com/accord/accord/compat"
)

func TestFields(t *testing.T) {
	s, err := Parse(`syntax = "proto3";
package acme;

import "google/protobuf/timestamp.proto";

message Order {
  // the order id (comments are not kept by the parser: Doc stays empty)
  string id = 1;
  google.protobuf.Timestamp placed = 2;
  Status status = 3;
  Customer customer = 4;
  repeated Line lines = 5;
  map<string, string> attrs = 6;
  oneof payment {
    Card card = 7;
    string voucher = 8;
  }
  optional sint64 total = 9;
}
enum Status { OPEN = 0; SHIPPED = 1; }
message Customer {
  string email = 1;
  Customer referrer = 2;
}
message Line { string sku = 1; }
message Card { string number = 1; }
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Root(); got != "acme.Order" {
		t.Errorf("Root() = %q", got)
	}
	want := []compat.Field{
		{Path: "id", Name: "id", Type: "string", Native: "string", Optional: true, Location: "acme.Order#1"},
		{Path: "placed", Name: "placed", Type: "record", Native: "google.protobuf.Timestamp", TypeName: "google.protobuf.Timestamp", Logical: "google.protobuf.Timestamp", Nullable: true, Optional: true, Location: "acme.Order#2"},
		{Path: "status", Name: "status", Type: "enum", Native: "acme.Status", TypeName: "acme.Status", EnumSymbols: []string{"OPEN", "SHIPPED"}, Optional: true, Location: "acme.Order#3"},
		{Path: "customer", Name: "customer", Type: "record", Native: "acme.Customer", TypeName: "acme.Customer", Nullable: true, Optional: true, Location: "acme.Order#4"},
		{Path: "customer.email", Name: "email", Type: "string", Native: "string", Optional: true, Location: "acme.Customer#1"},
		{Path: "customer.referrer", Name: "referrer", Type: "record", Native: "acme.Customer", TypeName: "acme.Customer", Nullable: true, Optional: true, Recursive: true, Location: "acme.Customer#2"},
		{Path: "lines", Name: "lines", Type: "array", Items: "record", Native: "repeated acme.Line", TypeName: "acme.Line", Repeated: true, Optional: true, Location: "acme.Order#5"},
		{Path: "lines.sku", Name: "sku", Type: "string", Native: "string", Optional: true, Location: "acme.Line#1"},
		{Path: "attrs", Name: "attrs", Type: "map", Items: "string", Native: "map<string,string>", Optional: true, Location: "acme.Order#6"},
		{Path: "card", Name: "card", Type: "record", Native: "acme.Card", TypeName: "acme.Card", Oneof: "payment", Nullable: true, Optional: true, Location: "acme.Order#7"},
		{Path: "card.number", Name: "number", Type: "string", Native: "string", Optional: true, Location: "acme.Card#1"},
		{Path: "voucher", Name: "voucher", Type: "string", Native: "string", Oneof: "payment", Nullable: true, Optional: true, Location: "acme.Order#8"},
		{Path: "total", Name: "total", Type: "long", Native: "sint64", Nullable: true, Optional: true, Location: "acme.Order#9"},
	}
	got := s.Fields()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("missing field %+v", want[i])
		case i >= len(want):
			t.Errorf("unexpected field %+v", got[i])
		case !reflect.DeepEqual(got[i], want[i]):
			t.Errorf("field %d:\n got  %+v\n want %+v", i, got[i], want[i])
		}
	}
}
