package compat_test

import (
	"strings"
	"testing"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
)

// TestReserved: validateFields' checks of confluent:reserved report only
// the reservations (never a schema difference, the candidate being
// compared with itself), with each format's IDs.
func TestReserved(t *testing.T) {
	res := func(names string) map[string]string { return map[string]string{"confluent:reserved": names} }
	parse := func(f compat.Format, text string) compat.Schema {
		t.Helper()
		s, err := f.Parse(text, nil)
		if err != nil {
			t.Fatalf("parse %s: %v", text, err)
		}
		return s
	}
	avroRec := `{"type":"record","name":"R","fields":[{"name":"id","type":"long"},{"name":"cost","type":"double"},{"name":"self","type":["null","R"],"default":null}]}`
	proto := "syntax = \"proto3\";\nmessage R {\n  int64 id = 1;\n  double cost = 2;\n}\n"
	js := `{"type":"object","properties":{"id":{"type":"integer"},"cost":{"type":"number"}}}`
	cases := []struct {
		name          string
		s             compat.Schema
		props, latest map[string]string
		want          []string // IDs, in order
	}{
		{"avro none", parse(avro.Format{}, avroRec), nil, nil, nil},
		{"avro unrelated", parse(avro.Format{}, avroRec), res("tax"), res("tax"), nil},
		{"avro conflict", parse(avro.Format{}, avroRec), res("cost"), nil, []string{"FIELD_CONFLICTS_WITH_RESERVED_FIELD"}},
		{"avro removed", parse(avro.Format{}, avroRec), res("tax"), res("tax,vat"), []string{"RESERVED_FIELD_REMOVED"}},
		{"protobuf conflict and removed", parse(protobuf.Format{}, proto), res("cost"), res("vat"), []string{"RESERVED_FIELD_REMOVED", "FIELD_CONFLICTS_WITH_RESERVED_FIELD"}},
		{"protobuf added only", parse(protobuf.Format{}, proto), res("vat,tax"), res("vat"), nil},
		{"json conflict", parse(jsonschema.Format{}, js), res("cost"), nil, []string{"RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY"}},
		{"json removed", parse(jsonschema.Format{}, js), nil, res("vat"), []string{"RESERVED_PROPERTY_REMOVED"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, d := range compat.Reserved(c.s, c.props, c.latest) {
				got = append(got, d.ID)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("Reserved = %v, want %v", got, c.want)
			}
		})
	}
}

func TestReservedFieldNames(t *testing.T) {
	for _, c := range []struct {
		f    compat.Format
		text string
		want string
	}{
		{jsonschema.Format{}, `{"type":"object","properties":{"$$id":{"type":"string"},"ok":{"type":"object","properties":{"$$inner":{}}}}}`, "$$id"},
		{jsonschema.Format{}, `{"type":"object","properties":{"$id":{"type":"string"}}}`, ""},
		{avro.Format{}, `{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}`, ""},
	} {
		s, err := c.f.Parse(c.text, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(compat.ReservedFieldNames(s), ","); got != c.want {
			t.Errorf("ReservedFieldNames(%s) = %q, want %q", c.text, got, c.want)
		}
	}
}
