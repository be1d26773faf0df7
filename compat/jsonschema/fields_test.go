package jsonschema

import (
	"reflect"
	"testing"

	"github.com/accord/accord/compat"
)

func TestFields(t *testing.T) {
	s, err := Parse(`{
	  "title": "Order",
	  "type": "object",
	  "required": ["id", "lines"],
	  "properties": {
	    "id": {"type": "string", "description": "the order id"},
	    "placed": {"type": "string", "format": "date-time"},
	    "status": {"enum": ["OPEN", "SHIPPED"]},
	    "customer": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/Customer"}]},
	    "lines": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}}}},
	    "attrs": {"type": "object", "additionalProperties": {"type": "string"}},
	    "total": {"type": ["number", "null"]}
	  },
	  "$defs": {
	    "Customer": {"type": "object", "properties": {
	      "email": {"type": "string"},
	      "referrer": {"$ref": "#/$defs/Customer"}
	    }}
	  }
	}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Root(); got != "Order" {
		t.Errorf("Root() = %q", got)
	}
	want := []compat.Field{
		{Path: "attrs", Name: "attrs", Type: "map", Items: "string", Native: "object", Optional: true, Location: "#/properties/attrs"},
		{Path: "customer", Name: "customer", Type: "record", Native: "object", TypeName: "Customer", Nullable: true, Optional: true, Location: "#/properties/customer"},
		{Path: "customer.email", Name: "email", Type: "string", Native: "string", Optional: true, Location: "#/properties/customer/anyOf/1/properties/email"},
		{Path: "customer.referrer", Name: "referrer", Type: "record", Native: "object", TypeName: "Customer", Optional: true, Recursive: true, Location: "#/properties/customer/anyOf/1/properties/referrer"},
		{Path: "id", Name: "id", Type: "string", Native: "string", Doc: "the order id", Location: "#/properties/id"},
		{Path: "lines", Name: "lines", Type: "array", Items: "record", Native: "array", Repeated: true, Location: "#/properties/lines"},
		{Path: "lines.sku", Name: "sku", Type: "string", Native: "string", Optional: true, Location: "#/properties/lines/items/properties/sku"},
		{Path: "placed", Name: "placed", Type: "string", Native: "string", Logical: "date-time", Optional: true, Location: "#/properties/placed"},
		{Path: "status", Name: "status", Type: "enum", Native: "enum", EnumSymbols: []string{"OPEN", "SHIPPED"}, Optional: true, Location: "#/properties/status"},
		{Path: "total", Name: "total", Type: "double", Native: "number", Nullable: true, Optional: true, Location: "#/properties/total"},
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

func TestFieldsRootRecursionAndExternalRef(t *testing.T) {
	s, err := Parse(`{"type":"object","properties":{"parent":{"$ref":"#"},"address":{"$ref":"address.json"}}}`,
		[]compat.Dependency{{Name: "address.json", Type: compat.TypeJSON, Schema: `{"type":"object","properties":{"street":{"type":"string"}}}`}})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Fields()
	if len(got) != 2 || !got[1].Recursive || got[0].Native != "$ref address.json" || got[0].TypeName != "address" {
		t.Errorf("Fields() = %+v", got)
	}
}
