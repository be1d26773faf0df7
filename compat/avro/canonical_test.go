package avro

import (
	"encoding/hex"
	"testing"
)

const orderSchema = `{
  "namespace": "com.acme",
  "type": "record",
  "name": "Order",
  "doc": "An order as placed.",
  "aliases": ["Purchase"],
  "x-owner": {"team": "checkout", "since": 2021},
  "fields": [
    {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "total", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2},
     "doc": "In the order's currency."},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"], "default": "NEW"},
     "default": "NEW", "order": "ignore"},
    {"name": "customer", "aliases": ["client"], "type": ["null", "string"], "default": null, "x-pii": true},
    {"name": "weight", "type": "double", "default": 1.0}
  ]
}`

func TestCanonical(t *testing.T) {
	want := `{"type":"record","name":"Order","namespace":"com.acme","doc":"An order as placed.","aliases":["Purchase"],"fields":[` +
		`{"name":"id","type":{"type":"string","logicalType":"uuid"}},` +
		`{"name":"total","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2},"doc":"In the order's currency."},` +
		`{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"],"default":"NEW"},"default":"NEW","order":"ignore"},` +
		`{"name":"customer","type":["null","string"],"aliases":["client"],"default":null,"x-pii":true},` +
		`{"name":"weight","type":"double","default":1.0}` +
		`],"x-owner":{"since":2021,"team":"checkout"}}`
	s := mustParse(t, orderSchema)
	if s.Canonical() != want {
		t.Fatalf("Canonical:\n got %s\nwant %s", s.Canonical(), want)
	}
	// The canonical text is a fixed point.
	if again := mustParse(t, s.Canonical()).Canonical(); again != want {
		t.Fatalf("Canonical of Canonical differs:\n got %s", again)
	}
}

// TestCanonicalDedupe: texts that differ only in whitespace, attribute
// order or escapes have one canonical text; texts that differ in meaning
// do not.
func TestCanonicalDedupe(t *testing.T) {
	same := []struct{ name, a, b string }{
		{"whitespace", `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`,
			"{ \"type\" : \"record\",\n\t\"name\" : \"R\" , \"fields\" : [ { \"name\":\"a\", \"type\":\"int\" } ] }"},
		{"attribute order", `{"type":"record","name":"R","doc":"d","fields":[{"name":"a","type":"int","default":1,"doc":"x"}]}`,
			`{"fields":[{"doc":"x","default":1,"type":"int","name":"a"}],"doc":"d","name":"R","type":"record"}`},
		{"property order", `{"type":"int","b":1,"a":{"y":1,"x":2}}`, `{"a":{"x":2,"y":1},"type":"int","b":1}`},
		{"string escapes", `{"type":"enum","name":"E","doc":"caf\u00e9 \"q\"","symbols":["A"]}`, `{"type":"enum","name":"E","doc":"café \"q\"","symbols":["A"]}`},
		{"primitive object", `{"type":"string"}`, `"string"`},
		{"reference object", `[{"type":"fixed","name":"F","size":1},{"type":"array","items":{"type":"F"}}]`, `[{"type":"fixed","name":"F","size":1},{"type":"array","items":"F"}]`},
		// Names as Avro's Schema.toString writes them, which Confluent
		// stores and keys ids on (issue 13: one schema, one id).
		{"namespace restated in a nested type",
			`{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":{"type":"enum","name":"E","namespace":"ns","symbols":["A"]}}]}`,
			`{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["A"]}}]}`},
		{"dotted name or namespace attribute",
			`{"type":"record","name":"ns.R","fields":[]}`,
			`{"type":"record","name":"R","namespace":"ns","fields":[]}`},
		{"dotted nested name in the enclosing namespace",
			`{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":{"type":"fixed","name":"ns.F","size":1}},{"name":"b","type":"ns.F"}]}`,
			`{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":1}},{"name":"b","type":"F"}]}`},
		{"ascending order is the default", rec(`{"name":"a","type":"int","order":"ascending"}`), rec(`{"name":"a","type":"int"}`)},
		{"aliases relative to the namespace",
			`{"type":"fixed","name":"F","namespace":"ns","size":1,"aliases":["ns.G"]}`,
			`{"type":"fixed","name":"F","namespace":"ns","size":1,"aliases":["G"]}`},
	}
	for _, tc := range same {
		t.Run("same/"+tc.name, func(t *testing.T) {
			a, b := mustParse(t, tc.a), mustParse(t, tc.b)
			if a.Canonical() != b.Canonical() {
				t.Errorf("canonical texts differ:\n%s\n%s", a.Canonical(), b.Canonical())
			}
		})
	}
	different := []struct{ name, a, b string }{
		{"default", rec(`{"name":"a","type":"int","default":1}`), rec(`{"name":"a","type":"int","default":2}`)},
		{"doc", rec(`{"name":"a","type":"int","doc":"x"}`), rec(`{"name":"a","type":"int"}`)},
		{"custom property", rec(`{"name":"a","type":"int","x-pii":true}`), rec(`{"name":"a","type":"int"}`)},
		{"logical type", `{"type":"long","logicalType":"timestamp-millis"}`, `"long"`},
		{"field order", rec(`{"name":"a","type":"int"}`, `{"name":"b","type":"int"}`), rec(`{"name":"b","type":"int"}`, `{"name":"a","type":"int"}`)},
		{"symbol order", `{"type":"enum","name":"E","symbols":["A","B"]}`, `{"type":"enum","name":"E","symbols":["B","A"]}`},
		{"aliases", `{"type":"fixed","name":"F","size":1,"aliases":["G"]}`, `{"type":"fixed","name":"F","size":1}`},
		{"namespace", `{"type":"fixed","name":"F","namespace":"a","size":1}`, `{"type":"fixed","name":"F","namespace":"b","size":1}`},
		{"null namespace inside another",
			`{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":{"type":"fixed","name":"F","namespace":"","size":1}}]}`,
			`{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":1}}]}`},
	}
	for _, tc := range different {
		t.Run("different/"+tc.name, func(t *testing.T) {
			a, b := mustParse(t, tc.a), mustParse(t, tc.b)
			if a.Canonical() == b.Canonical() {
				t.Errorf("canonical texts should differ: %s", a.Canonical())
			}
			if a.Normalized() == b.Normalized() {
				t.Errorf("normalized texts should differ: %s", a.Normalized())
			}
		})
	}
}

// TestNormalized: spellings with the same meaning normalize alike.
func TestNormalized(t *testing.T) {
	same := []struct{ name, a, b string }{
		{"namespace attribute or dotted name",
			`{"type":"record","name":"Order","namespace":"com.acme","fields":[]}`,
			`{"type":"record","name":"com.acme.Order","fields":[]}`},
		{"short or full reference",
			`{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":1}},{"name":"b","type":"F"}]}`,
			`{"type":"record","name":"ns.R","fields":[{"name":"a","type":{"type":"fixed","name":"ns.F","size":1}},{"name":"b","type":"ns.F"}]}`},
		{"inherited namespace",
			`{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["A"]}}]}`,
			`{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":{"type":"enum","name":"E","namespace":"ns","symbols":["A"]}}]}`},
		{"alias order and spelling",
			`{"type":"record","name":"R","namespace":"ns","aliases":["B","A"],"fields":[{"name":"f","type":"int","aliases":["y","x"]}]}`,
			`{"type":"record","name":"R","namespace":"ns","aliases":["ns.A","ns.B"],"fields":[{"name":"f","type":"int","aliases":["x","y"]}]}`},
		{"default order", rec(`{"name":"a","type":"int","order":"ascending"}`), rec(`{"name":"a","type":"int"}`)},
		{"number spelling", rec(`{"name":"a","type":"double","default":1.0}`), rec(`{"name":"a","type":"double","default":1}`)},
		{"exponent", rec(`{"name":"a","type":"double","default":1.5e3}`), rec(`{"name":"a","type":"double","default":1500}`)},
		{"empty doc", rec(`{"name":"a","type":"int","doc":""}`), rec(`{"name":"a","type":"int"}`)},
	}
	for _, tc := range same {
		t.Run(tc.name, func(t *testing.T) {
			a, b := mustParse(t, tc.a), mustParse(t, tc.b)
			if a.Normalized() != b.Normalized() {
				t.Errorf("normalized texts differ:\n%s\n%s", a.Normalized(), b.Normalized())
			}
			// Normalizing is idempotent.
			if again := mustParse(t, a.Normalized()).Normalized(); again != a.Normalized() {
				t.Errorf("Normalized of Normalized differs:\n%s\n%s", a.Normalized(), again)
			}
		})
	}

	t.Run("long defaults keep every digit", func(t *testing.T) {
		s := mustParse(t, rec(`{"name":"a","type":"long","default":9007199254740993}`))
		want := `{"type":"record","name":"ns.R","fields":[{"name":"a","type":"long","default":9007199254740993}]}`
		if s.Normalized() != want {
			t.Errorf("got %s", s.Normalized())
		}
	})

	t.Run("a nested type in the null namespace stays there", func(t *testing.T) {
		s := mustParse(t, `{"type":"record","name":"Outer","namespace":"ns","fields":[{"name":"i","type":{"type":"record","name":"Inner","namespace":"","fields":[]}},{"name":"j","type":"Inner"}]}`)
		want := `{"type":"record","name":"ns.Outer","fields":[{"name":"i","type":{"type":"record","name":"Inner","namespace":"","fields":[]}},{"name":"j","type":"Inner"}]}`
		if s.Normalized() != want {
			t.Fatalf("got %s", s.Normalized())
		}
		back := mustParse(t, s.Normalized())
		if back.ParsingCanonicalForm() != s.ParsingCanonicalForm() {
			t.Errorf("round trip changed the schema:\n%s\n%s", back.ParsingCanonicalForm(), s.ParsingCanonicalForm())
		}
	})
}

// TestParsingCanonicalForm uses examples and fingerprints from the Avro
// specification's test data.
func TestParsingCanonicalForm(t *testing.T) {
	tests := []struct {
		text, pcf string
		rabin     int64 // as Java prints it
	}{
		{`"null"`, `"null"`, 7195948357588979594},
		{`{"type":"null"}`, `"null"`, 7195948357588979594},
		{`"boolean"`, `"boolean"`, -6970731678124411036},
		{`"int"`, `"int"`, 8247732601305521295},
		{`"long"`, `"long"`, -3434872931120570953},
		{`"float"`, `"float"`, 5583340709985441680},
		{`"double"`, `"double"`, -8181574048448539266},
		{`"bytes"`, `"bytes"`, 5746618253357095269},
		{`"string"`, `"string"`, -8142146995180207161},
		{`{"type":"fixed","name":"foo","size":15}`, `{"name":"foo","type":"fixed","size":15}`, 0},
		{`{"namespace":"x.y.z","type":"enum","name":"foo","doc":"foo bar","symbols":["A1","A2"]}`, `{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}`, 0},
		{`{"type":"array","items":{"type":"enum","name":"Test","symbols":["A","B"]}}`, `{"type":"array","items":{"name":"Test","type":"enum","symbols":["A","B"]}}`, 0},
		{`{"type":"record","name":"Test","doc":"x","fields":[{"name":"f","type":"long","default":1,"order":"descending"}]}`, `{"name":"Test","type":"record","fields":[{"name":"f","type":"long"}]}`, 0},
		{`{"type":"error","name":"Test","fields":[]}`, `{"name":"Test","type":"record","fields":[]}`, 0},
		{`{"type":"record","name":"Node","namespace":"a","fields":[{"name":"next","type":["null","Node"]}]}`, `{"name":"a.Node","type":"record","fields":[{"name":"next","type":["null","a.Node"]}]}`, 0},
		{`{"type":"long","logicalType":"timestamp-millis"}`, `"long"`, 0},
	}
	for _, tc := range tests {
		s := mustParse(t, tc.text)
		if got := s.ParsingCanonicalForm(); got != tc.pcf {
			t.Errorf("PCF(%s):\n got %s\nwant %s", tc.text, got, tc.pcf)
		}
		if tc.rabin != 0 && int64(s.Fingerprint64()) != tc.rabin {
			t.Errorf("Fingerprint64(%s) = %d, want %d", tc.text, int64(s.Fingerprint64()), tc.rabin)
		}
	}
	// SHA-256 of "int", as computed by the Java implementation.
	sum := mustParse(t, `"int"`).FingerprintSHA256()
	if got := hex.EncodeToString(sum[:]); got != "3f2b87a9fe7cc9b13835598c3981cd45e3e355309e5090aa0933d7becb6fba45" {
		t.Errorf("FingerprintSHA256(int) = %s", got)
	}
}
