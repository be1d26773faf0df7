package avro

import (
	"reflect"
	"testing"

	"github.com/accord/accord/compat"
)

func TestFields(t *testing.T) {
	s, err := Parse(`{"type":"record","name":"Order","namespace":"com.acme","fields":[
		{"name":"id","type":"string","doc":"the order id"},
		{"name":"placed","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"status","type":{"type":"enum","name":"Status","symbols":["OPEN","SHIPPED"]},"default":"OPEN"},
		{"name":"customer","type":["null",{"type":"record","name":"Customer","fields":[
			{"name":"email","type":"string"},
			{"name":"referrer","type":["null","Customer"],"default":null}]}],"default":null},
		{"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[{"name":"sku","type":"string"}]}}},
		{"name":"attrs","type":{"type":"map","values":"string"}},
		{"name":"payment","type":[{"type":"record","name":"Card","fields":[{"name":"number","type":"string"}]},{"type":"record","name":"Cash","fields":[]}]}
	]}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Root(); got != "com.acme.Order" {
		t.Errorf("Root() = %q", got)
	}
	want := []compat.Field{
		{Path: "id", Name: "id", Type: "string", Native: "string", Doc: "the order id", Location: "/fields/0"},
		{Path: "placed", Name: "placed", Type: "long", Native: "long", Logical: "timestamp-millis", Location: "/fields/1"},
		{Path: "status", Name: "status", Type: "enum", Native: "enum com.acme.Status", TypeName: "com.acme.Status", EnumSymbols: []string{"OPEN", "SHIPPED"}, Optional: true, Location: "/fields/2"},
		{Path: "customer", Name: "customer", Type: "record", Native: "record com.acme.Customer", TypeName: "com.acme.Customer", Nullable: true, Optional: true, Location: "/fields/3"},
		{Path: "customer.email", Name: "email", Type: "string", Native: "string", Location: "/fields/3/type/1/fields/0"},
		{Path: "customer.referrer", Name: "referrer", Type: "record", Native: "record com.acme.Customer", TypeName: "com.acme.Customer", Nullable: true, Optional: true, Recursive: true, Location: "/fields/3/type/1/fields/1"},
		{Path: "lines", Name: "lines", Type: "array", Items: "record", Native: "array<record com.acme.Line>", TypeName: "com.acme.Line", Repeated: true, Location: "/fields/4"},
		{Path: "lines.sku", Name: "sku", Type: "string", Native: "string", Location: "/fields/4/type/items/fields/0"},
		{Path: "attrs", Name: "attrs", Type: "map", Items: "string", Native: "map<string>", Location: "/fields/5"},
		{Path: "payment", Name: "payment", Type: "union", Native: "union[record com.acme.Card,record com.acme.Cash]", Location: "/fields/6"},
		{Path: "payment.Card.number", Name: "number", Type: "string", Native: "string", Location: "/fields/6/type/0/fields/0"},
	}
	assertFields(t, s.Fields(), want)
}

func TestRootOfUnnamedSchema(t *testing.T) {
	s, err := Parse(`"string"`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Root() != "" || len(s.Fields()) != 0 {
		t.Errorf("Root %q, Fields %v: want none", s.Root(), s.Fields())
	}
}

func assertFields(t *testing.T, got, want []compat.Field) {
	t.Helper()
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
