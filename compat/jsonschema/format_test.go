package jsonschema

import (
	"errors"
	"strings"
	"testing"

	"github.com/accord/accord/compat"
)

func TestFormat(t *testing.T) {
	var f compat.Format = Format{}
	if f.Type() != compat.TypeJSON {
		t.Errorf("Type = %q", f.Type())
	}
	s, err := f.Parse(`{"type": "string"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Type() != compat.TypeJSON || s.Canonical() != `{"type":"string"}` {
		t.Errorf("got %s %s", s.Type(), s.Canonical())
	}
	if _, err := f.Parse(`{`, nil); !errors.Is(err, compat.ErrInvalidSchema) {
		t.Errorf("Parse of bad JSON: %v", err)
	}
}

func TestParseInvalid(t *testing.T) {
	cases := []struct {
		name string
		text string
		deps []compat.Dependency
		want string // a part of the message, usually the location
	}{
		{"empty", ``, nil, "invalid JSON"},
		{"syntax", "{\n  \"type\": }", nil, "line 2, column 11"},
		{"trailing content", `{} {}`, nil, "after the JSON value"},
		{"array", `[{"type": "string"}]`, nil, "at #/: a schema must be a JSON object or a boolean, not an array"},
		{"string", `"string"`, nil, "not a string"},
		{"null", `null`, nil, "not null"},
		{"bad type", `{"properties": {"a": {"type": "strin"}}}`, nil, "at #/properties/a/type:"},
		{"bad keyword value", `{"items": [{"minLength": -1}]}`, nil, "at #/items/0/minLength:"},
		{"bad regex", `{"properties": {"a": {"pattern": "(?=x)"}}}`, nil, "at #/properties/a/pattern:"},
		{"bad pattern property", `{"patternProperties": {"a(": {}}}`, nil, "at #/patternProperties"},
		{"$schema not a string", `{"$schema": 7}`, nil, "at #/$schema: $schema must be a string"},
		{"unknown $schema", `{"$schema": "https://example.com/meta"}`, nil, `unsupported $schema "https://example.com/meta"`},
		{"unresolvable local $ref", `{"properties": {"a": {"$ref": "#/definitions/missing"}}}`, nil, `at #/properties/a/$ref: $ref "#/definitions/missing" cannot be resolved`},
		{"unregistered reference", `{"items": {"$ref": "other.json"}}`, nil, `at #/items/$ref: $ref "other.json" cannot be resolved: it is neither in this schema nor one of its references`},
		{"never fetched", `{"$ref": "https://example.com/schema.json"}`, nil, "Accord never fetches"},
		{"$ref loop", `{"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}, "$ref": "#/definitions/a"}`, nil, "$ref cycle"},
		{"invalid dependency", `{"$ref": "a.json"}`, []compat.Dependency{{Name: "a.json", Schema: `{"type": 1}`}}, `at #/type in reference "a.json"`},
		{"dependency not JSON", `{"$ref": "a.json"}`, []compat.Dependency{{Name: "a.json", Schema: `{`}}, `reference "a.json": invalid JSON`},
		{"dependency without a name", `{}`, []compat.Dependency{{Schema: `{}`}}, "has no name"},
		{"dependency of another format", `{}`, []compat.Dependency{{Name: "a.avsc", Type: compat.TypeAvro, Schema: `{}`}}, "is a AVRO schema"},
		{"missing location in dependency", `{"$ref": "a.json#/definitions/x"}`, []compat.Dependency{{Name: "a.json", Schema: `{}`}}, `$ref "a.json#/definitions/x" cannot be resolved`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.text, c.deps)
			if !errors.Is(err, compat.ErrInvalidSchema) {
				t.Fatalf("err = %v, want ErrInvalidSchema", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %q, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestParseDrafts(t *testing.T) {
	cases := map[string]string{
		``: "draft-07",
		`"$schema": "http://json-schema.org/draft-04/schema#"`:       "draft-04",
		`"$schema": "http://json-schema.org/draft-06/schema#"`:       "draft-06",
		`"$schema": "http://json-schema.org/draft-07/schema"`:        "draft-07",
		`"$schema": "https://json-schema.org/draft/2019-09/schema"`:  "2019-09",
		`"$schema": "https://json-schema.org/draft/2020-12/schema#"`: "2020-12",
		`"$schema": "http://json-schema.org/draft/2020-12/schema#/"`: "2020-12",
	}
	for decl, want := range cases {
		s := mustParse(t, `{`+decl+`}`)
		if s.Draft() != want {
			t.Errorf("%s: Draft = %s, want %s", decl, s.Draft(), want)
		}
	}
	if s := mustParse(t, `true`); s.Draft() != "draft-07" {
		t.Errorf("true: Draft = %s", s.Draft())
	}
}

func TestParseReferences(t *testing.T) {
	address := compat.Dependency{Name: "address.json", Type: compat.TypeJSON,
		Schema: `{"type": "object", "properties": {"street": {"type": "string"}, "country": {"$ref": "country.json"}}}`}
	country := compat.Dependency{Name: "country.json", Type: compat.TypeJSON, Schema: `{"type": "string", "maxLength": 2}`}
	absolute := compat.Dependency{Name: "https://example.com/schemas/money.json", Schema: `{"$id": "https://example.com/schemas/money.json", "type": "object", "properties": {"amount": {"$ref": "#/definitions/amount"}}, "definitions": {"amount": {"type": "number"}}}`}
	cases := []struct {
		name string
		text string
		deps []compat.Dependency
		ok   string
		bad  string
	}{
		{"relative name, transitive", `{"properties": {"home": {"$ref": "address.json"}}}`, []compat.Dependency{country, address},
			`{"home": {"street": "x", "country": "FR"}}`, `{"home": {"country": "FRA"}}`},
		{"relative name beside the root's $id", `{"$id": "https://example.com/order.json", "properties": {"home": {"$ref": "address.json"}}}`,
			[]compat.Dependency{country, address}, `{"home": {"country": "FR"}}`, `{"home": {"street": 1}}`},
		{"absolute name", `{"properties": {"price": {"$ref": "https://example.com/schemas/money.json"}}}`, []compat.Dependency{absolute},
			`{"price": {"amount": 1.5}}`, `{"price": {"amount": "1.5"}}`},
		{"relative to $id, absolute name", `{"$id": "https://example.com/schemas/order.json", "properties": {"price": {"$ref": "money.json"}}}`, []compat.Dependency{absolute},
			`{"price": {"amount": 1}}`, `{"price": {"amount": null}}`},
		{"fragment into a dependency", `{"properties": {"n": {"$ref": "https://example.com/schemas/money.json#/definitions/amount"}}}`, []compat.Dependency{absolute},
			`{"n": 1}`, `{"n": "1"}`},
		{"embedded $id", `{"definitions": {"x": {"$id": "item.json", "type": "integer"}}, "items": {"$ref": "item.json"}}`, nil, `[1, 2]`, `[1.5]`},
		{"draft 7 anchor", `{"definitions": {"x": {"$id": "#item", "type": "integer"}}, "items": {"$ref": "#item"}}`, nil, `[1]`, `["a"]`},
		{"2020-12 $defs and anchor", `{` + s2020 + `"$defs": {"x": {"$anchor": "item", "type": "integer"}}, "prefixItems": [{"$ref": "#item"}]}`, nil, `[1, "x"]`, `["x"]`},
		{"recursive", `{"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}}, "name": {"type": "string"}}}`, nil,
			`{"children": [{"children": [{"name": "x"}]}]}`, `{"children": [{"children": [{"name": 1}]}]}`},
		{"2019-09 $recursiveRef", `{` + s2019 + `"$recursiveAnchor": true, "type": "object", "properties": {"next": {"$recursiveRef": "#"}, "v": {"type": "integer"}}}`, nil,
			`{"next": {"v": 1}}`, `{"next": {"v": "1"}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mustParse(t, c.text, c.deps...)
			if err := s.Validate([]byte(c.ok)); err != nil {
				t.Errorf("Validate(%s): %v", c.ok, err)
			}
			if err := s.Validate([]byte(c.bad)); !errors.Is(err, ErrInvalidPayload) {
				t.Errorf("Validate(%s) = %v, want ErrInvalidPayload", c.bad, err)
			}
			// The comparison model resolves the same references.
			if got := Diff(s, mustParse(t, c.text, c.deps...)); len(got) != 0 {
				t.Errorf("Diff with itself: %v", got)
			}
		})
	}
}

// TestModelFollowsReferences checks that a reference into a dependency is
// compared through, not as an opaque $ref.
func TestModelFollowsReferences(t *testing.T) {
	dep := compat.Dependency{Name: "n.json", Schema: `{"definitions": {"a": {"type": "integer"}, "b": {"type": "string"}}}`}
	a := mustParse(t, `{"items": {"$ref": "n.json#/definitions/a"}}`, dep)
	b := mustParse(t, `{"items": {"$ref": "n.json#/definitions/b"}}`, dep)
	if got := changeStrings(Diff(a, b)); len(got) != 1 || got[0] != "TYPE_CHANGED #/items" {
		t.Errorf("got %v", got)
	}
}
