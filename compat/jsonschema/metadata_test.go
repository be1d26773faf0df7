package jsonschema

import (
	"slices"
	"testing"
)

func TestReserved(t *testing.T) {
	closed := `{"type": "object", "additionalProperties": false, "properties": {"foo": {"type": "string"}}}`
	withCost := `{"type": "object", "additionalProperties": false, "properties": {"foo": {"type": "string"}, "cost": {"type": "number"}}}`
	reserve := func(names string) map[string]string { return map[string]string{ReservedProperty: names} }
	cases := []struct {
		name              string
		original, update  string
		origMeta, updMeta map[string]string
		want              []string
		compatible        bool
	}{
		{"unreserved property added", closed, withCost, reserve("status"), reserve("status"),
			[]string{"OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/cost"}, true},
		{"reserved property added", closed, withCost, reserve("cost,status"), reserve("cost, status"),
			[]string{"RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY #/properties/cost", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/cost"}, false},
		{"property reserved while present", withCost, withCost, nil, reserve("cost"),
			[]string{"RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY #/properties/cost"}, false},
		{"reservation dropped", closed, closed, reserve("cost,status"), reserve("status"),
			[]string{"RESERVED_PROPERTY_REMOVED cost"}, false},
		{"reservation added", closed, closed, nil, reserve(" cost ,, "), nil, true},
		{"no metadata", closed, withCost, nil, nil,
			[]string{"OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/cost"}, true},
		{"root behind $ref", closed, `{"$ref": "#/definitions/r", "definitions": {"r": ` + withCost + `}}`, reserve("cost"), reserve("cost"),
			[]string{"RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY #/properties/cost", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/cost"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := mustParse(t, c.original).WithMetadata(c.origMeta)
			u, err := ParseWithMetadata(c.update, nil, c.updMeta)
			if err != nil {
				t.Fatal(err)
			}
			changes := Diff(o, u)
			got := changeStrings(changes)
			want := c.want
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if Compatible(changes) != c.compatible {
				t.Errorf("Compatible = %v", !c.compatible)
			}
			// CompatibleWith sees the metadata too.
			if (len(u.CompatibleWith(o)) == 0) != c.compatible {
				t.Errorf("CompatibleWith disagrees with Diff")
			}
		})
	}
}

func TestWithMetadataDoesNotShare(t *testing.T) {
	props := map[string]string{ReservedProperty: "a"}
	s := mustParse(t, `{}`)
	m := s.WithMetadata(props)
	props[ReservedProperty] = "b"
	if got := m.Metadata()[ReservedProperty]; got != "a" {
		t.Errorf("metadata changed through the caller's map: %q", got)
	}
	if s.Metadata() != nil {
		t.Errorf("WithMetadata changed the original schema")
	}
	if m.Canonical() != s.Canonical() {
		t.Errorf("metadata changed the canonical text")
	}
}
