package jsonschema

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/accord/accord/compat"
)

// fuzzSeeds are the schemas of the diff table and of the conformance
// vectors.
func fuzzSeeds(f *testing.F) []string {
	var seeds []string
	for _, c := range diffCases {
		seeds = append(seeds, c.original, c.update)
	}
	if data, err := os.ReadFile(conformancePath); err == nil {
		var cases []conformanceCase
		if json.Unmarshal(data, &cases) == nil {
			for _, c := range cases {
				seeds = append(seeds, string(c.Original), string(c.Update))
			}
		}
	}
	return seeds
}

// FuzzParse checks that Parse never panics, that what it accepts has a
// stable canonical form, and that comparing it (with itself, its canonical
// and normalized forms, and other schemas) never panics and finds a schema
// equal to itself.
func FuzzParse(f *testing.F) {
	seeds := fuzzSeeds(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add(`{"$id": "a.json", "definitions": {"x": {"$id": "#x"}}, "items": {"$ref": "#x"}}`)
	f.Add(`{"$ref": "dep.json#/definitions/d", "definitions": {"d": {"$ref": "dep.json"}}}`)
	others := []*Schema{}
	for _, s := range seeds[:20] {
		others = append(others, mustParse(f, s))
	}
	deps := []compat.Dependency{{Name: "dep.json", Schema: `{"definitions": {"d": {"type": "string"}}, "properties": {"r": {"$ref": "#"}}}`}}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse(text, deps)
		if err != nil {
			if !errors.Is(err, compat.ErrInvalidSchema) {
				t.Fatalf("error does not wrap ErrInvalidSchema: %v", err)
			}
			return
		}
		c, err := Parse(s.Canonical(), deps)
		if err != nil {
			t.Fatalf("canonical form %s does not parse: %v", s.Canonical(), err)
		}
		if c.Canonical() != s.Canonical() {
			t.Fatalf("canonical form is not stable:\n%s\n%s", s.Canonical(), c.Canonical())
		}
		if got := Diff(s, c); len(got) != 0 {
			t.Fatalf("schema differs from its canonical form: %v", got)
		}
		n, err := Parse(s.Normalized(), deps)
		if err != nil {
			t.Fatalf("normalized form %s does not parse: %v", s.Normalized(), err)
		}
		if n.Normalized() != s.Normalized() {
			t.Fatalf("normalized form is not stable")
		}
		for _, o := range others {
			Diff(o, s)
			Diff(s, o)
		}
		s.CompatibleWith(n)
		s.Validate([]byte(text))
	})
}

// FuzzValidate checks that validating any document against any accepted
// schema never panics and reports failures as ErrInvalidPayload.
func FuzzValidate(f *testing.F) {
	docs := []string{`{}`, `[]`, `1`, `1.5`, `"x"`, `null`, `true`, `{"foo": "bar", "bar": 1}`, `[1, "a", null]`,
		`{"a": {"b": [1, 2, {"c": 12345678901234567890}]}}`, `{"id": -1, "email": "x@y"}`}
	for i, s := range fuzzSeeds(f) {
		f.Add(s, docs[i%len(docs)])
	}
	f.Fuzz(func(t *testing.T, schema, doc string) {
		s, err := Parse(schema, nil)
		if err != nil {
			return
		}
		v, err := s.Decode([]byte(doc))
		if err != nil {
			if !errors.Is(err, ErrInvalidPayload) {
				t.Fatalf("error does not wrap ErrInvalidPayload: %v", err)
			}
			var ve *ValidationError
			if errors.As(err, &ve) && (ve.Location == "" || len(ve.Failures) == 0) {
				t.Fatalf("validation error without a location: %#v", ve)
			}
			return
		}
		if err := s.ValidateValue(v); err != nil {
			t.Fatalf("decoded value fails validation: %v", err)
		}
	})
}
