package api_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

func TestLatestWithMetadata(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		md := func(kv ...string) map[string]any {
			props := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				props[kv[i]] = kv[i+1]
			}
			return map[string]any{"properties": props}
		}
		s.register("m-value", schemaBody(avroRecord("R", `{"name":"a","type":"int"}`), "metadata", md("owner", "a", "app", "x")))
		s.register("m-value", schemaBody(avroRecord("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"int","default":0}`), "metadata", md("owner", "b", "app", "x")))
		// An explicit empty metadata replaces the inherited one: no properties.
		s.register("m-value", schemaBody(avroRecord("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"int","default":0}`, `{"name":"c","type":"int","default":0}`), "metadata", map[string]any{}))

		get := func(query string) response {
			return s.do("GET", "/subjects/m-value/metadata?"+query, nil)
		}
		for _, tc := range []struct {
			query   string
			version int
		}{
			{"key=owner&value=a", 1},
			{"key=owner&value=b", 2},
			{"key=app&value=x", 2},                         // the newest of two
			{"key=app&value=x&key=owner&value=a", 1},       // every pair
			{"key=app&value=x&key=owner", 2},               // an unpaired key is ignored
			{"", 2},                                        // versions without metadata never match
			{"key=app&value=x&format=serialized", 2},       // an Avro schema has no other format
			{"key=owner&value=b&deleted=false&format=", 2}, // empty format: the text
		} {
			r := get(tc.query)
			var b struct {
				Subject    string
				Version    int
				ID         int
				SchemaType string
				Schema     string
			}
			_ = json.Unmarshal(r.Body, &b)
			if r.Status != 200 || b.Version != tc.version || b.Subject != "m-value" || b.SchemaType != "AVRO" || b.Schema == "" {
				t.Errorf("metadata?%s = %v, want version %d", tc.query, r, tc.version)
			}
		}
		wantError(t, "no version matches", get("key=owner&value=nobody"), 404, 40403)
		wantError(t, "unknown subject", s.do("GET", "/subjects/nothing/metadata?key=a&value=b", nil), 404, 40401)

		// Soft-deleted versions match only with deleted=true.
		s.ok("DELETE", "/subjects/m-value/versions/1", nil, nil)
		wantError(t, "soft-deleted version", get("key=owner&value=a"), 404, 40403)
		var b struct{ Version int }
		s.ok("GET", "/subjects/m-value/metadata?key=owner&value=a&deleted=true", nil, &b)
		if b.Version != 1 {
			t.Errorf("deleted=true found version %d, want 1", b.Version)
		}
	})
}

var uuidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestSchemaGUIDs(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		var reg struct {
			ID   int
			GUID string
		}
		s.ok("POST", "/subjects/g-value/versions", schemaBody(avroSchemaOther), &reg)
		if !uuidShape.MatchString(reg.GUID) {
			t.Fatalf("registration answered guid %q, want a UUID", reg.GUID)
		}
		// Every schema response carries the same GUID.
		byID, err := cl.SchemaByID(bg, reg.ID)
		must(t, "SchemaByID", err)
		latest, err := cl.SchemaByVersion(bg, "g-value", -1)
		must(t, "SchemaByVersion", err)
		if latest.GUID != reg.GUID {
			t.Errorf("version guid %q, registration guid %q", latest.GUID, reg.GUID)
		}
		var raw struct{ GUID string }
		s.ok("GET", "/schemas/ids/"+itoa(reg.ID), nil, &raw)
		if raw.GUID != reg.GUID {
			t.Errorf("GET /schemas/ids guid %q, want %q", raw.GUID, reg.GUID)
		}

		got, err := cl.SchemaByGUID(bg, reg.GUID)
		must(t, "SchemaByGUID", err)
		if got.Schema.Schema != byID.Schema || got.Type != sr.TypeAvro {
			t.Errorf("SchemaByGUID = %+v, want the schema of id %d", got, reg.ID)
		}
		ids, err := cl.SchemaIDsByGUID(bg, reg.GUID)
		must(t, "SchemaIDsByGUID", err)
		if want := []sr.ContextID{{Context: ".", ID: reg.ID}}; !slices.Equal(ids, want) {
			t.Errorf("SchemaIDsByGUID = %+v, want %+v", ids, want)
		}

		// The same schema in another context: one GUID, two ids.
		var other struct {
			ID   int
			GUID string
		}
		s.ok("POST", "/subjects/"+url.PathEscape(":.team:g-value")+"/versions", schemaBody(avroSchemaOther), &other)
		if other.GUID != reg.GUID {
			t.Errorf("the same schema in another context has guid %q, want %q", other.GUID, reg.GUID)
		}
		ids, err = cl.SchemaIDsByGUID(bg, reg.GUID)
		must(t, "SchemaIDsByGUID", err)
		if want := []sr.ContextID{{Context: ".", ID: reg.ID}, {Context: ".team", ID: other.ID}}; !slices.Equal(ids, want) {
			t.Errorf("SchemaIDsByGUID = %+v, want %+v", ids, want)
		}
		// A different schema, a different GUID; the same one again, the same.
		var second struct{ GUID string }
		s.ok("POST", "/subjects/h-value/versions", schemaBody(avroRecord("H", `{"name":"a","type":"int"}`)), &second)
		if second.GUID == reg.GUID || !uuidShape.MatchString(second.GUID) {
			t.Errorf("a second schema has guid %q (first %q)", second.GUID, reg.GUID)
		}

		for _, g := range []string{"00000000-0000-0000-0000-000000000000", "not-a-guid", reg.GUID + "0"} {
			wantError(t, "unknown guid "+g, s.do("GET", "/schemas/guids/"+g, nil), 404, 40403)
			wantError(t, "ids of unknown guid "+g, s.do("GET", "/schemas/guids/"+g+"/ids", nil), 404, 40403)
		}
	})
}

func TestAvroFormatResolved(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		s.register("address", schemaBody(avroAddress))
		id, _ := s.register("customer", schemaBody(avroCustomer, "references", []map[string]any{{"name": "com.acme.Address", "subject": "address", "version": 1}}))
		for _, path := range []string{"/schemas/ids/" + itoa(id), "/subjects/customer/versions/1"} {
			var b struct{ Schema, SchemaType string }
			s.ok("GET", path+"?format=resolved", nil, &b)
			if !strings.Contains(b.Schema, `"street"`) || b.SchemaType != "AVRO" {
				t.Errorf("%s?format=resolved = %q, want Address inlined", path, b.Schema)
			}
			s.ok("GET", path, nil, &b)
			if strings.Contains(b.Schema, `"street"`) {
				t.Errorf("%s = %q, want the reference by name", path, b.Schema)
			}
		}
		r := s.do("GET", "/schemas/ids/"+itoa(id)+"/schema?format=resolved", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"street"`) {
			t.Errorf("/schema?format=resolved = %v", r)
		}
	})
}
