package api_test

// The behaviour users build on: stable ids, versions that are never
// reused, deletes that keep old records decodable, names that survive the
// URL, and compatibility levels that are enforced.

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

func TestSameSchemaSameID(t *testing.T) {
	cases := []struct {
		name        string
		typ         string
		original    string
		reformatted string
	}{
		{"avro whitespace and attribute order", "", userV1, userV1Spaced},
		{"avro primitive", "AVRO", `"string"`, ` { "type" : "string" } `},
		{"protobuf whitespace and comments", "PROTOBUF", protoMoney,
			"// money\nsyntax=\"proto3\";package acme;\n\n\nmessage Money{string currency=1;/* minor */int64 units=2;}"},
		{"json schema whitespace and key order", "JSON", jsonAddress,
			`{ "required" : [ "street" ],
			   "properties" : { "street" : { "type" : "string" } },
			   "type" : "object" }`},
	}
	eachStore(t, func(t *testing.T, s *server) {
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := s.with(t)
				subj := fmt.Sprintf("same-%d", i)
				body := func(text string) map[string]any {
					b := schemaBody(text)
					if c.typ != "" {
						b["schemaType"] = c.typ
					}
					return b
				}
				id, v := s.register(subj, body(c.original))
				id2, v2 := s.register(subj, body(c.reformatted))
				if id2 != id || v2 != v {
					t.Errorf("reformatted schema registered as id %d version %d, want id %d version %d", id2, v2, id, v)
				}
				id3, v3 := s.register(subj+"-other", body(c.reformatted))
				if id3 != id || v3 != 1 {
					t.Errorf("same schema in another subject got id %d version %d, want id %d version 1", id3, v3, id)
				}
				var versions []int
				s.ok("GET", "/subjects/"+subj+"/versions", nil, &versions)
				if !slices.Equal(versions, []int{1}) {
					t.Errorf("versions of %s = %v, want [1]", subj, versions)
				}
				var found struct{ ID, Version int }
				s.ok("POST", "/subjects/"+subj, body(c.reformatted), &found)
				if found.ID != id || found.Version != 1 {
					t.Errorf("lookup of the reformatted schema = %+v, want id %d version 1", found, id)
				}
			})
		}
	})
}

func TestReRegisterReturnsExistingVersion(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		id1, _ := s.register("s", schemaBody(userV1))
		id2, v2 := s.register("s", schemaBody(userV2))
		if v2 != 2 {
			t.Fatalf("second schema got version %d", v2)
		}
		// An older version is found, not added again, and is not checked
		// against the newer one.
		if id, v := s.register("s", schemaBody(userV1Spaced)); id != id1 || v != 1 {
			t.Errorf("re-registering version 1 = id %d version %d, want id %d version 1", id, v, id1)
		}
		if id, v := s.register("s", schemaBody(userV2)); id != id2 || v != 2 {
			t.Errorf("re-registering version 2 = id %d version %d, want id %d version 2", id, v, id2)
		}
		var versions []int
		s.ok("GET", "/subjects/s/versions", nil, &versions)
		if !slices.Equal(versions, []int{1, 2}) {
			t.Errorf("versions = %v, want [1 2]", versions)
		}
		// A soft-deleted schema registered again gets a new version with its id.
		s.ok("DELETE", "/subjects/s/versions/2", nil, nil)
		if id, v := s.register("s", schemaBody(userV2)); id != id2 || v != 3 {
			t.Errorf("re-registering a soft-deleted version = id %d version %d, want id %d version 3", id, v, id2)
		}
	})
}

func TestIDsStableVersionsAsConfluent(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		s.ok("PUT", "/config", map[string]string{"compatibility": "NONE"}, nil)
		s.ok("PUT", "/config/s", map[string]string{"compatibility": "NONE"}, nil)
		schemas := []string{
			avroRecord("A", `{"name":"a","type":"int"}`),
			avroRecord("B", `{"name":"b","type":"int"}`),
			avroRecord("C", `{"name":"c","type":"int"}`),
			avroRecord("D", `{"name":"d","type":"int"}`),
		}
		idA, _ := s.register("s", schemaBody(schemas[0]))
		idB, vB := s.register("s", schemaBody(schemas[1]))

		// Hard-delete the latest version: as in Confluent, the next version
		// is one more than the highest remaining one (its number again).
		s.ok("DELETE", "/subjects/s/versions/2", nil, nil)
		s.ok("DELETE", "/subjects/s/versions/2?permanent=true", nil, nil)
		idC, vC := s.register("s", schemaBody(schemas[2]))
		if vC != vB {
			t.Errorf("after hard-deleting version %d the next version is %d, want %d", vB, vC, vB)
		}
		// A soft-deleted version still counts.
		_, vD := s.register("s", schemaBody(schemas[3]))
		s.ok("DELETE", "/subjects/s/versions/"+itoa(vD), nil, nil)
		_, vE := s.register("s", schemaBody(avroRecord("E", `{"name":"e","type":"int"}`)))
		if vE != vD+1 {
			t.Errorf("after soft-deleting version %d the next version is %d, want %d", vD, vE, vD+1)
		}
		if idC == idA || idC == idB {
			t.Errorf("a new schema got id %d, already used (A %d, B %d)", idC, idA, idB)
		}

		// Hard-delete the whole subject: numbering starts again at 1; the
		// same schemas keep their ids (ids are stable for a schema in a
		// context).
		s.ok("DELETE", "/subjects/s", nil, nil)
		s.ok("DELETE", "/subjects/s?permanent=true", nil, nil)
		var none []string
		s.ok("GET", "/subjects?deleted=true", nil, &none)
		if len(none) != 0 {
			t.Fatalf("subjects after hard delete: %v", none)
		}
		// The subject's config went with it.
		r := s.do("GET", "/config/s", nil)
		wantError(t, "config of a hard-deleted subject", r, 404, 40408)

		idA2, vA2 := s.register("s", schemaBody(schemas[0]))
		if idA2 != idA || vA2 != 1 {
			t.Errorf("A re-registered after the subject was hard-deleted = id %d version %d, want id %d version 1", idA2, vA2, idA)
		}
		idB2, _ := s.register("other", schemaBody(schemas[1]))
		if idB2 != idB {
			t.Errorf("B registered in another subject got id %d, want its old id %d", idB2, idB)
		}
		idD, _ := s.register("other", schemaBody(schemas[3]))
		if idD <= idC {
			t.Errorf("a new schema got id %d, want above every id handed out (%d)", idD, idC)
		}
	})
}

func TestSoftDeletedStaysReadable(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		id1, _ := s.register("s", schemaBody(userV1))
		id2, _ := s.register("s", schemaBody(userV2))
		s.ok("DELETE", "/subjects/s/versions/1", nil, nil)

		for _, p := range []string{"/schemas/ids/%d", "/schemas/ids/%d/schema"} {
			s.ok("GET", fmt.Sprintf(p, id1), nil, nil)
		}
		lists := []struct {
			path          string
			live, deleted string
		}{
			{"/subjects/s/versions", `[2]`, `[1,2]`},
			{"/subjects", `["s"]`, `["s"]`},
			{fmt.Sprintf("/schemas/ids/%d/versions", id1), `[]`, `[{"subject":"s","version":1}]`},
			{fmt.Sprintf("/schemas/ids/%d/subjects", id1), `[]`, `["s"]`},
			{fmt.Sprintf("/schemas/ids/%d/subjects", id2), `["s"]`, `["s"]`},
		}
		for _, l := range lists {
			if got := string(s.ok("GET", l.path, nil, nil).Body); got != l.live {
				t.Errorf("GET %s = %s, want %s", l.path, got, l.live)
			}
			if got := string(s.ok("GET", l.path+"?deleted=true", nil, nil).Body); got != l.deleted {
				t.Errorf("GET %s?deleted=true = %s, want %s", l.path, got, l.deleted)
			}
		}
		var v struct {
			Subject string
			Version int
			ID      int
			Schema  string
		}
		s.ok("GET", "/subjects/s/versions/1?deleted=true", nil, &v)
		if v.ID != id1 || v.Version != 1 || v.Subject != "s" {
			t.Errorf("soft-deleted version 1 with deleted=true = %+v", v)
		}
		var all []struct {
			Subject string
			Version int
		}
		s.ok("GET", "/schemas?deleted=true", nil, &all)
		if len(all) != 2 {
			t.Errorf("GET /schemas?deleted=true = %+v, want both versions", all)
		}
		s.ok("GET", "/schemas", nil, &all)
		if len(all) != 1 || all[0].Version != 2 {
			t.Errorf("GET /schemas = %+v, want version 2 only", all)
		}

		// A subject whose versions are all soft-deleted is listed only with deleted=true.
		s.ok("DELETE", "/subjects/s", nil, nil)
		for _, c := range []struct{ path, want string }{
			{"/subjects", `[]`},
			{"/subjects?deleted=true", `["s"]`},
			{"/subjects?deletedOnly=true", `["s"]`},
			{"/subjects/s/versions?deleted=true", `[1,2]`},
		} {
			if got := string(s.ok("GET", c.path, nil, nil).Body); got != c.want {
				t.Errorf("GET %s = %s, want %s", c.path, got, c.want)
			}
		}
		s.ok("GET", fmt.Sprintf("/schemas/ids/%d", id2), nil, nil)
	})
}

func TestSubjectNames(t *testing.T) {
	names := []string{
		"com/acme/orders-value",  // "/" must travel as %2F
		"orders:v2",              // ":" that is not a context prefix
		"with space & ampersand", // escaped characters
		"ünïcödé-値",
		"100%-sure",
		":.team/a:orders/value", // a context and a subject both with "/"
	}
	eachStore(t, func(t *testing.T, s *server) {
		for _, name := range names {
			t.Run(name, func(t *testing.T) {
				s := s.with(t)
				p := "/subjects/" + url.PathEscape(name)
				id, v := s.register(name, schemaBody(userV1))
				if v != 1 {
					t.Errorf("first version %d", v)
				}
				var got struct {
					Subject string
					Version int
					ID      int
				}
				s.ok("GET", p+"/versions/latest", nil, &got)
				if got.Subject != name || got.ID != id {
					t.Errorf("GET %s/versions/latest = %+v, want subject %q id %d", p, got, name, id)
				}
				s.ok("POST", p, schemaBody(userV1), &got)
				if got.Subject != name {
					t.Errorf("lookup answered subject %q, want %q", got.Subject, name)
				}
				var subjects []string
				// Ids are per context: a qualified name says which.
				s.ok("GET", fmt.Sprintf("/schemas/ids/%d/subjects?subject=%s", id, url.QueryEscape(name)), nil, &subjects)
				if !slices.Contains(subjects, name) {
					t.Errorf("subjects of id %d = %q, does not list %q", id, subjects, name)
				}
				s.ok("GET", "/subjects", nil, &subjects)
				if !slices.Contains(subjects, name) {
					t.Errorf("GET /subjects = %q, does not list %q", subjects, name)
				}
				s.ok("PUT", "/config/"+url.PathEscape(name), map[string]string{"compatibility": "FULL"}, nil)
				var cfg struct{ CompatibilityLevel string }
				s.ok("GET", "/config/"+url.PathEscape(name), nil, &cfg)
				if cfg.CompatibilityLevel != "FULL" {
					t.Errorf("config of %q = %+v", name, cfg)
				}
				s.ok("PUT", "/mode/"+url.PathEscape(name), map[string]string{"mode": "READWRITE"}, nil)
				s.ok("GET", "/mode/"+url.PathEscape(name), nil, nil)
				var compat struct {
					IsCompatible bool `json:"is_compatible"`
				}
				s.ok("POST", "/compatibility"+p+"/versions/latest", schemaBody(userV2), &compat)
				if !compat.IsCompatible {
					t.Errorf("compatibility check under %q: not compatible", name)
				}
				s.ok("GET", p+"/versions/1/referencedby", nil, nil)

				// The franz-go client escapes names itself.
				ss, err := s.Client.SchemaByVersion(bg, name, 1)
				must(t, "SchemaByVersion", err)
				if ss.Subject != name || ss.ID != id {
					t.Errorf("client SchemaByVersion(%q) = %+v", name, ss)
				}
				if _, err := s.Client.RegisterSchema(bg, name, avroSchema(userV2), -1, -1); err != nil {
					t.Errorf("client RegisterSchema(%q): %v", name, err)
				}
				if vs, err := s.Client.SubjectVersions(bg, name); err != nil || !slices.Equal(vs, []int{1, 2}) {
					t.Errorf("client SubjectVersions(%q) = %v, %v; want [1 2]", name, vs, err)
				}

				s.ok("DELETE", p+"/versions/2", nil, nil)
				s.ok("DELETE", p+"/versions/2?permanent=true", nil, nil)
				s.ok("DELETE", p, nil, nil)
				s.ok("DELETE", p+"?permanent=true", nil, nil)
				s.ok("GET", "/subjects?deleted=true", nil, &subjects)
				if slices.Contains(subjects, name) {
					t.Errorf("%q still listed after a hard delete: %q", name, subjects)
				}
			})
		}
		// A name that has the form of another must not be confused with it.
		var subjects []string
		s.ok("GET", "/subjects?deleted=true", nil, &subjects)
		if len(subjects) != 0 {
			t.Errorf("subjects left over: %q", subjects)
		}
	})
}

func TestNormalize(t *testing.T) {
	// One Avro schema spelled two ways that Confluent's canonical string
	// keeps apart and its normalized form does not: alias order, an empty
	// doc and a number's spelling. (A full name against name plus
	// namespace is one canonical text already: TestAvroCanonicalIdentity.)
	const (
		spelledA = `{"type":"record","name":"com.acme.Order","fields":[{"name":"id","type":"long","aliases":["y","x"],"doc":""},{"name":"w","type":"double","default":1.0}]}`
		spelledB = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long","aliases":["x","y"]},{"name":"w","type":"double","default":1}]}`
	)
	eachStore(t, func(t *testing.T, s *server) {
		// Without normalize, the spellings are two schemas.
		s.register("plain", schemaBody(spelledA))
		r := s.do("POST", "/subjects/plain", schemaBody(spelledB))
		wantError(t, "lookup of the other spelling without normalize", r, 404, 40403)

		// normalize=true on the request.
		var out struct{ ID, Version int }
		s.ok("POST", "/subjects/norm/versions?normalize=true", schemaBody(spelledA), &out)
		first := out
		s.ok("POST", "/subjects/norm/versions?normalize=true", schemaBody(spelledB), &out)
		if out != first {
			t.Errorf("normalize=true: second spelling registered as %+v, want %+v", out, first)
		}
		s.ok("POST", "/subjects/norm?normalize=true", schemaBody(spelledB), &out)
		if out != first {
			t.Errorf("normalize=true lookup = %+v, want %+v", out, first)
		}
		// The franz-go client's Normalize parameter.
		ss, err := s.Client.CreateSchema(sr.WithParams(bg, sr.Normalize), "norm-client", avroSchema(spelledB))
		must(t, "CreateSchema(normalize)", err)
		if ss.ID != first.ID {
			t.Errorf("client normalize: id %d, want %d", ss.ID, first.ID)
		}

		// normalize in the subject's config.
		s.ok("PUT", "/config/cfg", map[string]any{"normalize": true}, nil)
		s.ok("POST", "/subjects/cfg/versions", schemaBody(spelledA), &out)
		cfgFirst := out
		s.ok("POST", "/subjects/cfg/versions", schemaBody(spelledB), &out)
		if out != cfgFirst || out.ID != first.ID {
			t.Errorf("config normalize: second spelling registered as %+v, want %+v (id %d)", out, cfgFirst, first.ID)
		}
	})
}

func TestCompatibilityLevelsEnforced(t *testing.T) {
	// History: v1 {a: int}, v2 {a: int = 0}; compatible in every direction.
	h1 := avroRecord("R", `{"name":"a","type":"int"}`)
	h2 := avroRecord("R", `{"name":"a","type":"int","default":0}`)
	// addNoDefault adds a field without a default: readers on it cannot
	// read old data (breaks BACKWARD against both versions).
	addNoDefault := avroRecord("R", `{"name":"a","type":"int","default":0}`, `{"name":"c","type":"int"}`)
	// dropA removes a: readers on v1 (where a has no default) cannot read
	// new data; readers on v2 can (breaks FORWARD against version 1 only).
	dropA := avroRecord("R", `{"name":"b","type":"string","default":"x"}`)

	cases := []struct {
		level                 string
		addAccepted, dropOkay bool
	}{
		{"NONE", true, true},
		{"BACKWARD", false, true},
		{"BACKWARD_TRANSITIVE", false, true},
		{"FORWARD", true, true},
		{"FORWARD_TRANSITIVE", true, false},
		{"FULL", false, true},
		{"FULL_TRANSITIVE", false, false},
	}
	eachStore(t, func(t *testing.T, s *server) {
		for _, c := range cases {
			t.Run(c.level, func(t *testing.T) {
				s := s.with(t)
				for _, cand := range []struct {
					name   string
					schema string
					want   bool
				}{{"add field without default", addNoDefault, c.addAccepted}, {"drop field v1 needs", dropA, c.dropOkay}} {
					subj := strings.ToLower(c.level) + "-" + strings.ReplaceAll(cand.name, " ", "-")
					s.ok("PUT", "/config/"+subj, map[string]string{"compatibility": c.level}, nil)
					s.register(subj, schemaBody(h1))
					s.register(subj, schemaBody(h2))

					var check struct {
						IsCompatible bool     `json:"is_compatible"`
						Messages     []string `json:"messages"`
					}
					s.ok("POST", "/compatibility/subjects/"+subj+"/versions?verbose=true", schemaBody(cand.schema), &check)
					if check.IsCompatible != cand.want {
						t.Errorf("%s: check says compatible=%v, want %v (%q)", cand.name, check.IsCompatible, cand.want, check.Messages)
					}
					r := s.do("POST", "/subjects/"+subj+"/versions", schemaBody(cand.schema))
					if cand.want {
						if r.Status != 200 {
							t.Errorf("%s: registration under %s refused: %s", cand.name, c.level, r)
						}
						continue
					}
					wantError(t, cand.name+" under "+c.level, r, 409, 409)
					// Non-transitive levels check the latest version only.
					if !strings.HasSuffix(c.level, "_TRANSITIVE") && strings.Contains(string(r.Body), "version 1") {
						t.Errorf("%s under %s: 409 names version 1 though only the latest is checked: %s", cand.name, c.level, r.Body)
					}
				}
			})
		}

		// The FULL_TRANSITIVE example in detail: v3 breaks v1 only.
		t.Run("FULL_TRANSITIVE v3 against each version", func(t *testing.T) {
			s := s.with(t)
			const subj = "full-transitive-detail"
			s.ok("PUT", "/config/"+subj, map[string]string{"compatibility": "FULL_TRANSITIVE"}, nil)
			s.register(subj, schemaBody(h1))
			s.register(subj, schemaBody(h2))
			r := s.do("POST", "/subjects/"+subj+"/versions", schemaBody(dropA))
			e := wantError(t, "v3 under FULL_TRANSITIVE", r, 409, 409, "FORWARD (version 1)", "/fields")
			if strings.Contains(e.Message, "version 2") {
				t.Errorf("409 names version 2, which v3 is compatible with: %s", e.Message)
			}
			for _, c := range []struct {
				version string
				want    bool
			}{{"1", false}, {"2", true}, {"latest", true}} {
				var check struct {
					IsCompatible bool `json:"is_compatible"`
				}
				s.ok("POST", "/compatibility/subjects/"+subj+"/versions/"+c.version, schemaBody(dropA), &check)
				if check.IsCompatible != c.want {
					t.Errorf("v3 against version %s: compatible=%v, want %v", c.version, check.IsCompatible, c.want)
				}
			}
			// Relaxing to FULL lets it in as version 3.
			s.ok("PUT", "/config/"+subj, map[string]string{"compatibility": "FULL"}, nil)
			if _, v := s.register(subj, schemaBody(dropA)); v != 3 {
				t.Errorf("v3 under FULL got version %d", v)
			}
		})

		// The default is BACKWARD, set globally it applies to subjects
		// without their own level.
		t.Run("global level", func(t *testing.T) {
			s := s.with(t)
			s.register("global-a", schemaBody(h2))
			r := s.do("POST", "/subjects/global-a/versions", schemaBody(addNoDefault))
			wantError(t, "default BACKWARD", r, 409, 409)
			s.ok("PUT", "/config", map[string]string{"compatibility": "FORWARD"}, nil)
			defer s.ok("PUT", "/config", map[string]string{"compatibility": "BACKWARD"}, nil)
			s.register("global-a", schemaBody(addNoDefault))
		})
	})
}

func TestSchemaListing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		for i, subj := range []string{"a", "b", "c"} {
			s.register(subj, schemaBody(avroRecord(strings.ToUpper(subj), fmt.Sprintf(`{"name":"f%d","type":"int"}`, i))))
		}
		type entry struct {
			Subject string
			Version int
		}
		var got []entry
		s.ok("GET", "/schemas?offset=1&limit=1", nil, &got)
		if len(got) != 1 || got[0].Subject != "b" {
			t.Errorf("GET /schemas?offset=1&limit=1 = %+v, want b only", got)
		}
		s.ok("GET", "/schemas?subjectPrefix=c", nil, &got)
		if len(got) != 1 || got[0].Subject != "c" {
			t.Errorf("GET /schemas?subjectPrefix=c = %+v, want c only", got)
		}
		var subs []string
		s.ok("GET", "/subjects?subjectPrefix=b", nil, &subs)
		if !slices.Equal(subs, []string{"b"}) {
			t.Errorf("GET /subjects?subjectPrefix=b = %v", subs)
		}
	})
}

// TestReferencesInContexts registers references inside a non-default
// context, in the two ways a client may name the referenced subject.
func TestReferencesInContexts(t *testing.T) {
	ref := func(subject string, version int) map[string]any {
		return schemaBody(avroCustomer, "references", []map[string]any{
			{"name": "com.acme.Address", "subject": subject, "version": version},
		})
	}
	eachStore(t, func(t *testing.T, s *server) {
		addrID, _ := s.register(":.ctx:addr", schemaBody(avroAddress))

		// An unqualified reference from inside .ctx means .ctx's subject,
		// for a pinned version and for "latest" (-1) alike.
		t.Run("unqualified, pinned", func(t *testing.T) {
			s := s.with(t)
			s.register(":.ctx:cust1", ref("addr", 1))
		})
		t.Run("unqualified, latest", func(t *testing.T) {
			s := s.with(t)
			r := s.do("POST", "/subjects/:.ctx:cust2/versions", ref("addr", -1))
			if r.Status != 200 {
				t.Fatalf("reference to the latest version of addr from inside .ctx: %s", r)
			}
			var v struct {
				References []struct {
					Subject string
					Version int
				}
			}
			s.ok("GET", "/subjects/:.ctx:cust2/versions/1", nil, &v)
			if len(v.References) != 1 || v.References[0].Version != 1 {
				t.Errorf("latest reference stored as %+v, want version 1 of addr", v.References)
			}
		})

		// A qualified reference names the same subject: the referenced
		// version is protected and listed as referenced, like any other.
		t.Run("qualified", func(t *testing.T) {
			s := s.with(t)
			s.register(":.ctx:addr2", schemaBody(avroAddress))
			custID, _ := s.register(":.ctx:cust3", ref(":.ctx:addr2", 1))
			var ids []int
			s.ok("GET", "/subjects/:.ctx:addr2/versions/1/referencedby", nil, &ids)
			if !slices.Equal(ids, []int{custID}) {
				t.Errorf("referencedby of :.ctx:addr2 version 1 = %v, want [%d] (:.ctx:cust3)", ids, custID)
			}
			before := s.snapshot()
			r := s.do("DELETE", "/subjects/:.ctx:addr2/versions/1", nil)
			wantError(t, "deleting a version referenced by a qualified reference", r, 422, 42206)
			s.unchanged(t, "the refused delete", before)
		})

		// Whatever happened above, the referenced schema stays readable.
		s.ok("GET", fmt.Sprintf("/schemas/ids/%d?subject=:.ctx:", addrID), nil, nil)
	})
}

// TestReadOnlyOverride: READONLY_OVERRIDE set globally wins over subject
// modes and also stops config writes; the mode itself can still be reset.
func TestReadOnlyOverride(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		s.register("a", schemaBody(userV1))
		s.ok("PUT", "/mode/a", map[string]string{"mode": "READWRITE"}, nil)
		s.ok("PUT", "/mode", map[string]string{"mode": "READONLY_OVERRIDE"}, nil)
		var m struct{ Mode string }
		s.ok("GET", "/mode/a?defaultToGlobal=true", nil, &m)
		if m.Mode != "READONLY_OVERRIDE" {
			t.Errorf("effective mode of a = %q, want READONLY_OVERRIDE", m.Mode)
		}
		before := s.snapshot()
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/subjects/a/versions", schemaBody(userV2)},
			{"POST", "/subjects/b/versions", schemaBody(userV2)},
			{"DELETE", "/subjects/a", nil},
			{"PUT", "/config/a", map[string]string{"compatibility": "NONE"}},
			{"PUT", "/config", map[string]string{"compatibility": "NONE"}},
		} {
			r := s.do(c.method, c.path, c.body)
			wantError(t, c.method+" "+c.path+" under READONLY_OVERRIDE", r, 422, 42205)
		}
		s.unchanged(t, "writes under READONLY_OVERRIDE", before)
		// Reads still work, and the mode can be lifted.
		s.ok("GET", "/subjects/a/versions/latest", nil, nil)
		s.ok("PUT", "/mode", map[string]string{"mode": "READWRITE"}, nil)
		s.register("a", schemaBody(userV2))
	})
}
