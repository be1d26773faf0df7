package jsonschema

import "testing"

func TestCanonical(t *testing.T) {
	a := mustParse(t, "{\n  \"type\": \"object\",\n  \"properties\": {\"b\": {\"type\": \"string\"}, \"a\": {\"maximum\": 1.50}}\n}")
	b := mustParse(t, `{"properties":{"a":{"maximum":1.50},"b":{"type":"string"}},"type":"object"}`)
	want := `{"properties":{"a":{"maximum":1.50},"b":{"type":"string"}},"type":"object"}`
	if a.Canonical() != want || b.Canonical() != want {
		t.Errorf("Canonical:\n %s\n %s\nwant %s", a.Canonical(), b.Canonical(), want)
	}
	// Numbers are kept as written: 1.50 is not rewritten, and big numbers
	// keep every digit.
	big := mustParse(t, `{"maximum": 123456789012345678901234567890, "description": "<a & b>"}`)
	if got := big.Canonical(); got != `{"description":"<a & b>","maximum":123456789012345678901234567890}` {
		t.Errorf("Canonical = %s", got)
	}
	if got := mustParse(t, ` true `).Canonical(); got != `true` {
		t.Errorf("Canonical(true) = %s", got)
	}
}

func TestNormalized(t *testing.T) {
	s := mustParse(t, `{
		"type": ["string", "null"],
		"required": ["b", "a"],
		"enum": ["z", "a"],
		"const": {"required": ["y", "x"]},
		"dependencies": {"a": ["c", "b"], "d": {"required": ["f", "e"]}},
		"properties": {"p": {"required": ["k", "j"], "default": {"type": ["b", "a"]}}},
		"allOf": [{"required": ["n", "m"]}, {"type": "object"}],
		"x-extension": {"required": ["q", "p"]}
	}`)
	want := `{"allOf":[{"required":["m","n"]},{"type":"object"}],"const":{"required":["y","x"]},` +
		`"dependencies":{"a":["b","c"],"d":{"required":["e","f"]}},"enum":["z","a"],` +
		`"properties":{"p":{"default":{"type":["b","a"]},"required":["j","k"]}},"required":["a","b"],` +
		`"type":["null","string"],"x-extension":{"required":["q","p"]}}`
	if got := s.Normalized(); got != want {
		t.Errorf("Normalized:\n got  %s\n want %s", got, want)
	}
	// Canonical keeps every list as written.
	if c := s.Canonical(); c == want {
		t.Errorf("Canonical normalized lists")
	}
	d := mustParse(t, `{`+s2019+`"dependentRequired": {"a": ["c", "b"]}}`)
	if got := d.Normalized(); got != `{"$schema":"https://json-schema.org/draft/2019-09/schema","dependentRequired":{"a":["b","c"]}}` {
		t.Errorf("Normalized = %s", got)
	}
	// Normalizing never changes what the schema accepts or its comparison.
	n := mustParse(t, s.Normalized())
	if got := Diff(s, n); len(got) != 0 {
		t.Errorf("Diff(schema, normalized) = %v", got)
	}
}
