package api_test

// The registry's write rules that protect the id space and read-only
// registries (issues 12 and 13): what each mode lets through, and that
// the id counter never passes 2^31-1.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

func TestModeWriteRules(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		s.register("locked", schemaBody(userV1))
		s.ok("PUT", "/mode/locked", map[string]string{"mode": "READONLY"}, nil)
		// Mode changes stay allowed: they are how a read-only subject is
		// opened again.
		s.ok("PUT", "/mode/locked", map[string]string{"mode": "READONLY_OVERRIDE"}, nil)
		for _, c := range []struct{ method, path string }{
			{"PUT", "/config/locked"},
			{"DELETE", "/subjects/locked/versions/1"},
			{"DELETE", "/subjects/locked"},
		} {
			var body any
			if c.method == "PUT" {
				body = map[string]string{"compatibility": "FULL"}
			}
			if r := s.do(c.method, c.path, body); r.Status != 422 || !hasCode(r, 42205) {
				t.Errorf("%s %s in READONLY_OVERRIDE: got %s, want 42205", c.method, c.path, r)
			}
		}
		s.ok("DELETE", "/mode/locked", nil, nil)
		s.ok("PUT", "/config/locked", map[string]string{"compatibility": "FULL"}, nil)
		s.ok("DELETE", "/subjects/locked/versions/1", nil, nil)

		// IMPORT: an explicit id is kept; no id is refused, so that an
		// ordinary registration cannot take an id the import still needs.
		s.ok("PUT", "/mode/imported", map[string]string{"mode": "IMPORT"}, nil)
		if r := s.do("POST", "/subjects/imported/versions", schemaBody(userV1)); r.Status != 422 || !hasCode(r, 42205) {
			t.Errorf("registration without an id in IMPORT: got %s, want 42205", r)
		}
		var out struct{ ID int }
		s.ok("POST", "/subjects/imported/versions", schemaBody(avroSchemaOther, "id", 4242), &out)
		if out.ID != 4242 {
			t.Errorf("IMPORT kept id %d, want 4242", out.ID)
		}
	})
}

func TestIDAllocatorStopsAtInt32(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		const maxID = 1<<31 - 1
		s.ok("PUT", "/mode/last", map[string]string{"mode": "IMPORT"}, nil)
		var out struct{ ID int64 }
		s.ok("POST", "/subjects/last/versions", schemaBody(userV1, "id", maxID), &out)
		if out.ID != maxID {
			t.Fatalf("imported id %d, want %d", out.ID, maxID)
		}
		s.ok("DELETE", "/mode/last", nil, nil)
		// The next id would be 2^31, which no serializer can write.
		r := s.do("POST", "/subjects/next/versions", schemaBody(avroSchemaOther))
		if r.Status != 422 || !hasCode(r, 42205) {
			t.Fatalf("registration past the last id: got %s, want 42205", r)
		}
		if r := s.do("GET", "/subjects/next/versions", nil); r.Status != http.StatusNotFound {
			t.Errorf("the refused registration left a subject: %s", r)
		}
		// The schema that took the last id stays readable, and a schema
		// already stored still registers under its id.
		s.ok("GET", fmt.Sprintf("/schemas/ids/%d", maxID), nil, nil)
		s.ok("POST", "/subjects/again/versions", schemaBody(userV1), &out)
		if out.ID != maxID {
			t.Errorf("re-registering the stored schema got id %d, want %d", out.ID, maxID)
		}
	})
}

// hasCode reports whether r is a Confluent error document with code.
func hasCode(r response, code int) bool {
	var e errorBody
	return json.Unmarshal(r.Body, &e) == nil && e.ErrorCode == code
}
