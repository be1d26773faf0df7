package avro

import (
	"errors"
	"strings"
	"testing"

	"github.com/accord/accord/compat"
)

func mustParse(t testing.TB, text string, deps ...compat.Dependency) *Schema {
	t.Helper()
	s, err := Parse(text, deps)
	if err != nil {
		t.Fatalf("Parse(%s): %v", text, err)
	}
	return s
}

func TestFormat(t *testing.T) {
	var f compat.Format = New()
	if f.Type() != compat.TypeAvro {
		t.Fatalf("Type() = %q", f.Type())
	}
	s, err := f.Parse(`"string"`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Type() != compat.TypeAvro || s.Canonical() != `"string"` {
		t.Fatalf("got %s %s", s.Type(), s.Canonical())
	}
	if _, err := f.Parse(`{`, nil); !errors.Is(err, compat.ErrInvalidSchema) {
		t.Fatalf("want ErrInvalidSchema, got %v", err)
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct{ name, text string }{
		{"primitive string", `"string"`},
		{"every primitive", `["null","boolean","int","long","float","double","bytes","string"]`},
		{"primitive object", `{"type":"long","logicalType":"timestamp-millis"}`},
		{"record", `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`},
		{"error record", `{"type":"error","name":"E","fields":[]}`},
		{"enum with default", `{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}`},
		{"fixed", `{"type":"fixed","name":"F","size":16}`},
		{"fixed decimal", `{"type":"fixed","name":"F","size":8,"logicalType":"decimal","precision":10,"scale":2}`},
		{"array", `{"type":"array","items":"int"}`},
		{"map", `{"type":"map","values":{"type":"array","items":"string"}}`},
		{"recursive", `{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"],"default":null}]}`},
		{"reference in object form", `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["X"]}},{"name":"b","type":{"type":"E"}}]}`},
		{"named types in a union", `[{"type":"record","name":"A","fields":[]},{"type":"record","name":"B","fields":[]}]`},
		{"full name and namespace", `{"type":"record","name":"a.b.R","namespace":"ignored","fields":[]}`},
		{"null namespace fallback", `{"type":"record","name":"Outer","namespace":"ns","fields":[{"name":"i","type":{"type":"record","name":"Inner","namespace":"","fields":[]}},{"name":"j","type":"Inner"}]}`},
		{"custom properties", `{"type":"record","name":"R","x-owner":"team","fields":[{"name":"a","type":"int","x-pii":true}]}`},
		{"defaults of every type", `{"type":"record","name":"R","fields":[
			{"name":"n","type":"null","default":null},
			{"name":"b","type":"boolean","default":true},
			{"name":"i","type":"int","default":-2147483648},
			{"name":"l","type":"long","default":9223372036854775807},
			{"name":"f","type":"float","default":1.5},
			{"name":"d","type":"double","default":"NaN"},
			{"name":"by","type":"bytes","default":"\u00ff\u0000"},
			{"name":"s","type":"string","default":"x"},
			{"name":"e","type":{"type":"enum","name":"E","symbols":["A"]},"default":"A"},
			{"name":"fx","type":{"type":"fixed","name":"F","size":2},"default":"ab"},
			{"name":"a","type":{"type":"array","items":"int"},"default":[1,2]},
			{"name":"m","type":{"type":"map","values":"int"},"default":{"k":1}},
			{"name":"u","type":["string","null"],"default":"x"},
			{"name":"r","type":{"type":"record","name":"S","fields":[{"name":"x","type":"int"},{"name":"y","type":"int","default":0}]},"default":{"x":1}}
		]}`},
		{"field order", `{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"descending"}]}`},
		{"empty union", `[]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustParse(t, tc.text)
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"not json", `{"type":`, "not valid JSON"},
		{"syntax error located", "{\n \"type\": x}", "line 2"},
		{"trailing text", `"int" "long"`, "unexpected text after the schema"},
		{"empty", ``, "empty schema"},
		{"json null", `null`, "null is not a schema"},
		{"number", `42`, "expected a schema"},
		{"unknown type name", `{"type":"record","name":"R","namespace":"com.acme","fields":[{"name":"a","type":"com.acme.Address"}]}`, "/fields/0/type: unknown type name 'com.acme.Address'"},
		{"forward reference", `{"type":"record","name":"R","fields":[{"name":"a","type":"E"},{"name":"b","type":{"type":"enum","name":"E","symbols":["X"]}}]}`, "unknown type name 'E'"},
		{"bare complex type", `"record"`, `type "record" needs an object`},
		{"missing type", `{"name":"R"}`, `no "type"`},
		{"union as type attribute", `{"type":["null","int"]}`, "union is written as a bare JSON array"},
		{"record without name", `{"type":"record","fields":[]}`, `has no "name"`},
		{"record without fields", `{"type":"record","name":"R"}`, `no "fields"`},
		{"bad name", `{"type":"record","name":"1R","fields":[]}`, "invalid name '1R'"},
		{"bad namespace", `{"type":"record","name":"R","namespace":"a..b","fields":[]}`, "invalid name 'a..b.R'"},
		{"named after primitive", `{"type":"fixed","name":"int","size":1}`, "primitive type"},
		{"duplicate field", `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"long"}]}`, "/fields/1/name: record 'R' has more than one field named 'a'"},
		{"duplicate type", `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"R","symbols":["X"]}}]}`, "type 'R' is already defined"},
		{"field without type", `{"type":"record","name":"R","fields":[{"name":"a"}]}`, `field 'a' has no "type"`},
		{"field not object", `{"type":"record","name":"R","fields":["a"]}`, "a field must be an object"},
		{"bad field name", `{"type":"record","name":"R","fields":[{"name":"a-b","type":"int"}]}`, "invalid field name 'a-b'"},
		{"bad order", `{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"up"}]}`, "order"},
		{"bad doc", `{"type":"record","name":"R","doc":1,"fields":[]}`, `"doc" must be a string`},
		{"bad aliases", `{"type":"record","name":"R","aliases":"x","fields":[]}`, `"aliases" must be an array`},
		{"enum without symbols", `{"type":"enum","name":"E"}`, `no "symbols"`},
		{"enum empty symbols", `{"type":"enum","name":"E","symbols":[]}`, "has no symbols"},
		{"enum duplicate symbol", `{"type":"enum","name":"E","symbols":["A","A"]}`, "more than once"},
		{"enum bad symbol", `{"type":"enum","name":"E","symbols":["A B"]}`, "invalid symbol"},
		{"enum bad default", `{"type":"enum","name":"E","symbols":["A"],"default":"B"}`, "not one of its symbols"},
		{"fixed without size", `{"type":"fixed","name":"F"}`, `no "size"`},
		{"fixed negative size", `{"type":"fixed","name":"F","size":-1}`, "whole number"},
		{"fixed fractional size", `{"type":"fixed","name":"F","size":1.5}`, "whole number"},
		{"array without items", `{"type":"array"}`, `no "items"`},
		{"map without values", `{"type":"map"}`, `no "values"`},
		{"nested union", `["null",["int"]]`, "/1: a union cannot directly contain another union"},
		{"duplicate union branch", `["int","int"]`, "union contains int more than once"},
		{"duplicate union array", `[{"type":"array","items":"int"},{"type":"array","items":"long"}]`, "union contains array more than once"},
		{"int default fraction", `{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1.5}]}`, "/fields/0/default: field 'a' has an invalid default 1.5"},
		{"int default range", `{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":2147483648}]}`, "an int default"},
		{"string default number", `{"type":"record","name":"R","fields":[{"name":"a","type":"string","default":1}]}`, "a string default"},
		{"null default for string", `{"type":"record","name":"R","fields":[{"name":"a","type":"string","default":null}]}`, "a string default"},
		{"union default second branch", `{"type":"record","name":"R","fields":[{"name":"a","type":["null","string"],"default":"x"}]}`, "put string first"},
		{"bytes default wide char", `{"type":"record","name":"R","fields":[{"name":"a","type":"bytes","default":"\u0100"}]}`, "bytes default"},
		{"fixed default length", `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":2},"default":"a"}]}`, "2 bytes long"},
		{"enum default not symbol", `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["A"]},"default":"B"}]}`, "'B' is not a symbol of enum 'E'"},
		{"array default item", `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"int"},"default":[1,"x"]}]}`, "item 1"},
		{"record default missing field", `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"S","fields":[{"name":"x","type":"int"}]},"default":{}}]}`, "field 'x' of record 'S' is missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.text, nil)
			if err == nil {
				t.Fatalf("Parse accepted %s", tc.text)
			}
			if !errors.Is(err, compat.ErrInvalidSchema) {
				t.Errorf("error does not wrap ErrInvalidSchema: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

const addressSchema = `{"type":"record","name":"Address","namespace":"com.acme","fields":[
	{"name":"street","type":"string"},
	{"name":"country","type":"com.acme.Country"}]}`

const countrySchema = `{"type":"enum","name":"Country","namespace":"com.acme","symbols":["FR","DE","US"]}`

func addressDeps() []compat.Dependency {
	return []compat.Dependency{
		{Name: "com.acme.Country", Type: compat.TypeAvro, Schema: countrySchema},
		{Name: "com.acme.Address", Type: compat.TypeAvro, Schema: addressSchema},
	}
}

func TestReferences(t *testing.T) {
	const order = `{"type":"record","name":"Order","namespace":"com.acme","fields":[
		{"name":"billing","type":"com.acme.Address"},
		{"name":"shipping","type":["null","Address"],"default":null}]}`

	t.Run("uses named types of its references", func(t *testing.T) {
		s := mustParse(t, order, addressDeps()...)
		// References stay references in the stored text (by short name
		// in their own namespace, as Avro writes them)...
		want := `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"billing","type":"Address"},{"name":"shipping","type":["null","Address"],"default":null}]}`
		if s.Canonical() != want {
			t.Errorf("Canonical:\n got %s\nwant %s", s.Canonical(), want)
		}
		// ...and full names in the normalized one...
		if !strings.Contains(s.Normalized(), `["null","com.acme.Address"]`) {
			t.Errorf("Normalized does not resolve the reference: %s", s.Normalized())
		}
		// ...but the parsing canonical form spells them out, as a decoder needs.
		wantPCF := `{"name":"com.acme.Order","type":"record","fields":[{"name":"billing","type":{"name":"com.acme.Address","type":"record","fields":[{"name":"street","type":"string"},{"name":"country","type":{"name":"com.acme.Country","type":"enum","symbols":["FR","DE","US"]}}]}},{"name":"shipping","type":["null","com.acme.Address"]}]}`
		if s.ParsingCanonicalForm() != wantPCF {
			t.Errorf("PCF:\n got %s\nwant %s", s.ParsingCanonicalForm(), wantPCF)
		}
	})

	t.Run("missing reference", func(t *testing.T) {
		_, err := Parse(order, addressDeps()[:1])
		if !errors.Is(err, compat.ErrInvalidSchema) || !strings.Contains(err.Error(), "unknown type name 'com.acme.Address'") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("references out of order", func(t *testing.T) {
		deps := addressDeps()
		deps[0], deps[1] = deps[1], deps[0]
		_, err := Parse(order, deps)
		if !errors.Is(err, compat.ErrInvalidSchema) || !strings.Contains(err.Error(), "reference 'com.acme.Address'") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("invalid reference", func(t *testing.T) {
		_, err := Parse(order, []compat.Dependency{{Name: "com.acme.Address", Type: compat.TypeAvro, Schema: `{"type":"record"`}})
		if !errors.Is(err, compat.ErrInvalidSchema) || !strings.Contains(err.Error(), "reference 'com.acme.Address'") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("reference of another format", func(t *testing.T) {
		_, err := Parse(`"string"`, []compat.Dependency{{Name: "x.proto", Type: compat.TypeProtobuf, Schema: `syntax = "proto3";`}})
		if !errors.Is(err, compat.ErrInvalidSchema) || !strings.Contains(err.Error(), "PROTOBUF") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("redefining a referenced type", func(t *testing.T) {
		_, err := Parse(countrySchema, addressDeps()[:1])
		if !errors.Is(err, compat.ErrInvalidSchema) || !strings.Contains(err.Error(), "already defined by reference 'com.acme.Country'") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("a reference given twice is read once", func(t *testing.T) {
		deps := append(addressDeps(), addressDeps()...)
		mustParse(t, order, deps...)
	})

	t.Run("compatibility follows referenced types", func(t *testing.T) {
		v1 := mustParse(t, order, addressDeps()...)
		deps := addressDeps()
		deps[1].Schema = `{"type":"record","name":"Address","namespace":"com.acme","fields":[
			{"name":"street","type":"string"},
			{"name":"country","type":"com.acme.Country"},
			{"name":"zip","type":"string"}]}`
		v2 := mustParse(t, order, deps...)
		got := v2.CompatibleWith(v1)
		want := []compat.Difference{
			{ID: ReaderFieldMissingDefaultValue, Location: "/fields/0/type/fields/2", Message: "'zip': reader field has no default and is missing in writer"},
		}
		assertDiffs(t, got, want)
		if d := v1.CompatibleWith(v2); len(d) != 0 {
			t.Errorf("old reader should read new data: %v", d)
		}
	})
}
