package jsonschema

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	s := mustParse(t, `{
		"type": "object",
		"required": ["id"],
		"properties": {
			"id": {"type": "integer", "minimum": 1},
			"email": {"type": "string", "format": "email"},
			"tags": {"type": "array", "items": {"type": "string", "maxLength": 3}}
		},
		"additionalProperties": false
	}`)
	cases := []struct {
		doc      string
		location string // "" when valid
		keyword  string
	}{
		{`{"id": 1, "tags": ["a"], "email": "a@example.com"}`, "", ""},
		{`{"id": 0}`, "#/id", "#/properties/id/minimum"},
		{`{"id": 1, "tags": ["ok", "toolong"]}`, "#/tags/1", "#/properties/tags/items/maxLength"},
		{`{"id": 1, "email": "not an email"}`, "#/email", "#/properties/email/format"},
		{`{"tags": []}`, "#/", "#/required"},
		{`{"id": 1, "other": true}`, "#/", "#/additionalProperties"},
		{`[]`, "#/", "#/type"},
	}
	for _, c := range cases {
		err := s.Validate([]byte(c.doc))
		if c.location == "" {
			if err != nil {
				t.Errorf("Validate(%s): %v", c.doc, err)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidPayload) {
			t.Errorf("Validate(%s) = %v, want a ValidationError", c.doc, err)
			continue
		}
		if ve.Location != c.location || ve.Keyword != c.keyword {
			t.Errorf("Validate(%s): at %s (%s), want %s (%s): %v", c.doc, ve.Location, ve.Keyword, c.location, c.keyword, err)
		}
		if !strings.Contains(err.Error(), c.location) || len(ve.Failures) == 0 || ve.Message == "" {
			t.Errorf("Validate(%s): error %q lacks detail", c.doc, err)
		}
	}
}

func TestValidateNotJSON(t *testing.T) {
	s := mustParse(t, `{}`)
	for _, doc := range []string{``, `{`, `{} []`, `nul`} {
		if err := s.Validate([]byte(doc)); !errors.Is(err, ErrInvalidPayload) {
			t.Errorf("Validate(%q) = %v", doc, err)
		}
	}
	if err := mustParse(t, `false`).Validate([]byte(`1`)); !errors.Is(err, ErrInvalidPayload) {
		t.Errorf("false accepted a value")
	}
}

func TestDecode(t *testing.T) {
	s := mustParse(t, `{"type": "object", "properties": {"n": {"type": "integer"}}}`)
	v, err := s.Decode([]byte(`{"n": 12345678901234567890}`))
	if err != nil {
		t.Fatal(err)
	}
	n := v.(map[string]any)["n"].(json.Number)
	if n.String() != "12345678901234567890" {
		t.Errorf("number lost precision: %s", n)
	}
	if _, err := s.Decode([]byte(`{"n": 1.5}`)); !errors.Is(err, ErrInvalidPayload) {
		t.Errorf("Decode accepted 1.5 as an integer: %v", err)
	}
	if err := s.ValidateValue(map[string]any{"n": json.Number("2")}); err != nil {
		t.Errorf("ValidateValue: %v", err)
	}
}

func TestValidateAcrossReferences(t *testing.T) {
	s := mustParse(t, `{"properties": {"a": {"$ref": "a.json"}}}`, dep("a.json", `{"type": "string"}`))
	var ve *ValidationError
	if err := s.Validate([]byte(`{"a": 1}`)); !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	if ve.Location != "#/a" || !strings.HasSuffix(ve.Keyword, "a.json#/type") {
		t.Errorf("at %s (%s)", ve.Location, ve.Keyword)
	}
}
