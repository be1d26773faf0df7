package api_test

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// Details of Confluent's API that clients and tools rely on: paging,
// fetchMaxId, the server version, encodingRules.

func TestPaging(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		s.ok("PUT", "/config", map[string]string{"compatibility": "NONE"}, nil)
		var id int
		for _, sub := range []string{"a", "b", "c", "d"} {
			id, _ = s.register(sub, schemaBody(avroSchemaOther))
		}
		for v := 2; v <= 4; v++ {
			s.register("a", schemaBody(avroRecord("V"+itoa(v), `{"name":"x","type":"int"}`)))
		}
		cl := s.Client
		page := func(o, l int) context.Context { return sr.WithParams(bg, sr.Offset(o), sr.Limit(l)) }
		subs, err := cl.Subjects(page(1, 2))
		must(t, "Subjects(offset 1, limit 2)", err)
		if !slices.Equal(subs, []string{"b", "c"}) {
			t.Errorf("subjects page = %v, want [b c]", subs)
		}
		vs, err := cl.SubjectVersions(page(2, 0), "a")
		must(t, "SubjectVersions(offset 2)", err)
		if !slices.Equal(vs, []int{3, 4}) {
			t.Errorf("versions page = %v, want [3 4]", vs)
		}
		bySub, err := cl.SubjectsByID(page(3, 5), id)
		must(t, "SubjectsByID(offset 3)", err)
		if !slices.Equal(bySub, []string{"d"}) {
			t.Errorf("subjects of id page = %v, want [d]", bySub)
		}
		svs, err := cl.SchemaVersionsByID(page(0, 1), id)
		must(t, "SchemaVersionsByID(limit 1)", err)
		if len(svs) != 1 || svs[0].Subject != "a" {
			t.Errorf("versions of id page = %v, want [a/1]", svs)
		}
		// Past the end: an empty list; limit -1 (Confluent's default): all.
		var out []string
		s.ok("GET", "/subjects?offset=10", nil, &out)
		if out == nil || len(out) != 0 {
			t.Errorf("subjects past the end = %v, want []", out)
		}
		s.ok("GET", "/subjects?limit=-1", nil, &out)
		if len(out) != 4 {
			t.Errorf("subjects?limit=-1 = %v, want all 4", out)
		}
		wantError(t, "negative offset", s.do("GET", "/subjects?offset=-1", nil), 400, 400)
		wantError(t, "non-numeric limit", s.do("GET", "/subjects?limit=x", nil), 400, 400)
	})
}

func TestFetchMaxIDAndServerVersion(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		id1, _ := s.register("a", schemaBody(avroSchemaOther))
		id2, _ := s.register("b", schemaBody(avroRecord("B", `{"name":"x","type":"int"}`)))
		var b struct {
			Schema string
			MaxID  int `json:"maxId"`
		}
		s.ok("GET", "/schemas/ids/"+itoa(id1)+"?fetchMaxId=true", nil, &b)
		if b.MaxID != id2 || b.Schema == "" {
			t.Errorf("fetchMaxId answered maxId %d, want %d", b.MaxID, id2)
		}
		// Without it, no maxId (and the cached answer does not gain one).
		b.MaxID = 0
		s.ok("GET", "/schemas/ids/"+itoa(id1), nil, &b)
		s.ok("GET", "/schemas/ids/"+itoa(id1), nil, &b)
		if b.MaxID != 0 {
			t.Errorf("maxId %d without fetchMaxId", b.MaxID)
		}
		var v struct{ Version, CommitID string }
		s.ok("GET", "/v1/metadata/version", nil, &v)
		if v.Version == "" || v.CommitID == "" {
			t.Errorf("/v1/metadata/version = %+v", v)
		}
	})
}

func TestEncodingRules(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		rules := map[string]any{"encodingRules": []map[string]any{{
			"name": "encrypt", "kind": "TRANSFORM", "mode": "WRITEREAD", "type": "ENCRYPT_PAYLOAD",
			"params": map[string]string{"encrypt.kek.name": "k1"},
		}}}
		s.register("enc-value", schemaBody(avroSchemaOther, "ruleSet", rules))
		var got struct {
			RuleSet struct {
				EncodingRules []struct{ Name, Type, Mode string }
			}
		}
		s.ok("GET", "/subjects/enc-value/versions/1", nil, &got)
		if r := got.RuleSet.EncodingRules; len(r) != 1 || r[0].Type != "ENCRYPT_PAYLOAD" || r[0].Mode != "WRITEREAD" {
			t.Errorf("ruleSet = %+v, want the encoding rule back", got.RuleSet)
		}
		bad := map[string]any{"encodingRules": []map[string]any{{"name": "x", "kind": "TRANSFORM", "mode": "UPGRADE", "type": "ENCRYPT_PAYLOAD"}}}
		wantError(t, "migration mode on an encoding rule", s.do("POST", "/subjects/enc-value/versions", schemaBody(avroSchemaOther, "ruleSet", bad)), 422, 42201)
	})
}

func TestConfluentSemantics(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		id, _ := s.register("s", schemaBody(avroSchemaOther))
		// A lookup with an empty schema matches nothing (Confluent: 40403,
		// 40401 when the subject does not exist).
		wantError(t, "lookup of an empty schema", s.do("POST", "/subjects/s", schemaBody("")), 404, 40403)
		wantError(t, "lookup of an empty schema in a missing subject", s.do("POST", "/subjects/nope", schemaBody("")), 404, 40401)
		// Deleting a mode that is not set: 40401.
		wantError(t, "deleting an unset mode", s.do("DELETE", "/mode/s", nil), 404, 40401)
		// An id whose versions are all soft-deleted lists none; once they
		// are permanently deleted it is not found there (but still by id).
		s.ok("DELETE", "/subjects/s", nil, nil)
		var subs []string
		s.ok("GET", "/schemas/ids/"+itoa(id)+"/subjects", nil, &subs)
		if subs == nil || len(subs) != 0 {
			t.Errorf("subjects of a soft-deleted id = %v, want []", subs)
		}
		s.ok("DELETE", "/subjects/s?permanent=true", nil, nil)
		wantError(t, "subjects of an id without versions", s.do("GET", "/schemas/ids/"+itoa(id)+"/subjects", nil), 404, 40403)
		wantError(t, "versions of an id without versions", s.do("GET", "/schemas/ids/"+itoa(id)+"/versions", nil), 404, 40403)
		s.ok("GET", "/schemas/ids/"+itoa(id), nil, nil)
		// The same schema registered again keeps its id.
		again, _ := s.register("s", schemaBody(avroSchemaOther))
		if again != id {
			t.Errorf("re-registered schema got id %d, want %d", again, id)
		}
	})
}

func TestDeleteContext(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		s.register(":.team:a", schemaBody(avroSchemaOther))
		ctxs, err := cl.Contexts(bg)
		must(t, "Contexts", err)
		if !slices.Equal(ctxs, []string{".", ".team"}) {
			t.Fatalf("contexts = %v", ctxs)
		}
		// Not empty (a soft-deleted subject counts): 42211.
		wantSRError(t, "deleting a context with subjects", cl.DeleteContext(bg, ".team"), 42211)
		s.ok("DELETE", "/subjects/"+url.PathEscape(":.team:a"), nil, nil)
		wantError(t, "deleting a context with a soft-deleted subject", s.do("DELETE", "/contexts/.team", nil), 422, 42211)
		s.ok("DELETE", "/subjects/"+url.PathEscape(":.team:a")+"?permanent=true", nil, nil)
		must(t, "DeleteContext of an empty context", cl.DeleteContext(bg, ".team"))
		ctxs, err = cl.Contexts(bg)
		must(t, "Contexts", err)
		if !slices.Equal(ctxs, []string{"."}) {
			t.Errorf("contexts after delete = %v, want [.]", ctxs)
		}
		// Deleting it again, or one that never existed, is fine (Confluent too).
		if r := s.do("DELETE", "/contexts/.nothing", nil); r.Status != 204 {
			t.Errorf("deleting an unknown context: %v", r)
		}
		// The context can be used again.
		s.register(":.team:b", schemaBody(avroSchemaOther))
	})
}

func TestGlobalContextInheritance(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		level := func(subject string) string {
			var c struct{ CompatibilityLevel string }
			s.ok("GET", "/config/"+url.PathEscape(subject)+"?defaultToGlobal=true", nil, &c)
			return c.CompatibilityLevel
		}
		// .__GLOBAL applies to every context below its own context's setting.
		s.ok("PUT", "/config/"+url.PathEscape(":.__GLOBAL:"), map[string]string{"compatibility": "FULL"}, nil)
		if got := level(":.team:a"); got != "FULL" {
			t.Errorf("subject of .team inherits %q, want FULL from .__GLOBAL", got)
		}
		s.ok("PUT", "/config/"+url.PathEscape(":.team:"), map[string]string{"compatibility": "NONE"}, nil)
		if got := level(":.team:a"); got != "NONE" {
			t.Errorf("subject of .team inherits %q, want its context's NONE", got)
		}
		s.ok("PUT", "/config/"+url.PathEscape(":.team:a"), map[string]string{"compatibility": "FORWARD"}, nil)
		if got := level(":.team:a"); got != "FORWARD" {
			t.Errorf("subject with its own level has %q, want FORWARD", got)
		}
		// The default context's global setting sits below .__GLOBAL for
		// other contexts, and is the context level of the default one.
		s.ok("PUT", "/config", map[string]string{"compatibility": "BACKWARD_TRANSITIVE"}, nil)
		if got := level(":.other:x"); got != "FULL" {
			t.Errorf("subject of .other inherits %q, want FULL from .__GLOBAL", got)
		}
		if got := level("x"); got != "BACKWARD_TRANSITIVE" {
			t.Errorf("subject of the default context inherits %q, want its context's BACKWARD_TRANSITIVE", got)
		}
		// .__GLOBAL holds settings, not subjects.
		wantError(t, "registering under .__GLOBAL", s.do("POST", "/subjects/"+url.PathEscape(":.__GLOBAL:x")+"/versions", schemaBody(avroSchemaOther)), 422, 42208)
	})
}

func TestSoftDeleteWithSoftDeletedReferrers(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		s.register("address", schemaBody(avroAddress))
		refs := []map[string]any{{"name": "com.acme.Address", "subject": "address", "version": 1}}
		s.register("customer", schemaBody(avroCustomer, "references", refs))
		// A live referrer blocks the delete.
		wantError(t, "soft delete of a referenced version", s.do("DELETE", "/subjects/address/versions/1", nil), 422, 42206)
		// Once the referrer is soft-deleted, the soft delete is allowed;
		// the permanent one is not (the referrer may be restored).
		s.ok("DELETE", "/subjects/customer/versions/1", nil, nil)
		s.ok("DELETE", "/subjects/address/versions/1", nil, nil)
		wantError(t, "permanent delete with a soft-deleted referrer", s.do("DELETE", "/subjects/address/versions/1?permanent=true", nil), 422, 42206)
	})
}
