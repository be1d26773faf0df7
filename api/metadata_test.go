package api_test

// Confluent data-contract fields: metadata and ruleSet stored, returned
// and inherited as Confluent does, validated, and the confluent:reserved
// property enforced; and the stream mirror in metadata.properties.

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/accord/accord/contracts"
)

// versionDoc is a subject version as GET /subjects/{s}/versions/{v} answers.
type versionDoc struct {
	ID       int             `json:"id"`
	Version  int             `json:"version"`
	Schema   string          `json:"schema"`
	Metadata json.RawMessage `json:"metadata"`
	RuleSet  json.RawMessage `json:"ruleSet"`
}

func (s *server) latest(subject string) versionDoc {
	s.t.Helper()
	var v versionDoc
	s.ok("GET", "/subjects/"+subject+"/versions/latest", nil, &v)
	return v
}

// jsonOrEmpty renders a raw document for comparison ("" when absent).
func jsonOrEmpty(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	return string(raw)
}

func props(kv ...string) map[string]any {
	p := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return map[string]any{"properties": p}
}

func domainRule(name, expr string) map[string]any {
	return map[string]any{"name": name, "kind": "CONDITION", "mode": "WRITE", "type": "CEL", "expr": expr}
}

func TestMetadataInheritance(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cases := []struct {
			name   string
			config map[string]any // PUT /config/{subject} first, when set
			first  map[string]any // extra fields of version 1
			second map[string]any // extra fields of version 2
			// wantMeta and wantRules are version 2's documents.
			wantMeta, wantRules string
		}{
			{
				name:      "previous version",
				first:     map[string]any{"metadata": props("team", "orders"), "ruleSet": map[string]any{"domainRules": []any{domainRule("r1", "true")}}},
				wantMeta:  `{"properties":{"team":"orders"}}`,
				wantRules: `{"domainRules":[{"name":"r1","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}`,
			},
			{
				name:     "request replaces the previous version",
				first:    map[string]any{"metadata": props("team", "orders")},
				second:   map[string]any{"metadata": props("tier", "gold")},
				wantMeta: `{"properties":{"tier":"gold"}}`,
			},
			{
				name:     "empty request metadata clears",
				first:    map[string]any{"metadata": props("team", "orders")},
				second:   map[string]any{"metadata": map[string]any{}},
				wantMeta: ``,
			},
			{
				name:      "default",
				config:    map[string]any{"defaultMetadata": props("a", "def", "b", "def"), "defaultRuleSet": map[string]any{"domainRules": []any{domainRule("d", "1")}}},
				second:    map[string]any{"metadata": props("b", "mine"), "ruleSet": map[string]any{"domainRules": []any{domainRule("mine", "2")}}},
				wantMeta:  `{"properties":{"a":"def","b":"mine"}}`,
				wantRules: `{"domainRules":[{"name":"d","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"1"},{"name":"mine","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"2"}]}`,
			},
			{
				name:      "override",
				config:    map[string]any{"overrideMetadata": props("tier", "gold"), "overrideRuleSet": map[string]any{"domainRules": []any{domainRule("r", "override")}}},
				second:    map[string]any{"metadata": props("tier", "silver", "x", "y"), "ruleSet": map[string]any{"domainRules": []any{domainRule("r", "true")}}}, // rules compile at registration
				wantMeta:  `{"properties":{"tier":"gold","x":"y"}}`,
				wantRules: `{"domainRules":[{"name":"r","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"override"}]}`,
			},
			{
				name:     "default and override over the previous version",
				config:   map[string]any{"defaultMetadata": props("a", "def", "b", "def"), "overrideMetadata": props("c", "over")},
				first:    map[string]any{"metadata": props("b", "v1")},
				wantMeta: `{"properties":{"a":"def","b":"v1","c":"over"}}`,
			},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := s.with(t)
				subject := "inherit" + string(rune('a'+i)) + "-value"
				if c.config != nil {
					s.ok("PUT", "/config/"+subject, c.config, nil)
				}
				body := func(schema string, extra map[string]any) map[string]any {
					b := schemaBody(schema)
					for k, v := range extra {
						b[k] = v
					}
					return b
				}
				id1, _ := s.register(subject, body(userV1, c.first))
				id2, v2 := s.register(subject, body(userV2, c.second))
				if v2 != 2 || id2 == id1 {
					t.Fatalf("version 2 = id %d version %d (version 1 has id %d)", id2, v2, id1)
				}
				got := s.latest(subject)
				if jsonOrEmpty(got.Metadata) != c.wantMeta || jsonOrEmpty(got.RuleSet) != c.wantRules {
					t.Errorf("version 2 has metadata %s ruleSet %s,\nwant metadata %s ruleSet %s", got.Metadata, got.RuleSet, c.wantMeta, c.wantRules)
				}
				// A serializer re-registering version 2 without metadata
				// finds it; so does one still on version 1.
				if id, v := s.register(subject, schemaBody(userV2)); id != id2 || v != 2 {
					t.Errorf("re-registering version 2 without metadata = id %d version %d, want %d 2", id, v, id2)
				}
				if id, v := s.register(subject, schemaBody(userV1)); id != id1 || v != 1 {
					t.Errorf("re-registering version 1 without metadata = id %d version %d, want %d 1", id, v, id1)
				}
				var lk versionDoc
				s.ok("POST", "/subjects/"+subject, schemaBody(userV2), &lk)
				if lk.ID != id2 || lk.Version != 2 {
					t.Errorf("lookup of version 2 = id %d version %d", lk.ID, lk.Version)
				}
			})
		}
	})
}

func TestMetadataIdentity(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		meta1 := `{"schema":` + quote(userV1) + `,"metadata":{"properties":{"a":"1","b":"2"},"tags":{"id":["PII","KEY"]}}}`
		meta1Reordered := `{"metadata":{"tags":{"id":["KEY","PII"]},"properties":{"b":"2","a":"1"}},"schema":` + quote(userV1Spaced) + `}`
		id1, v1 := s.register("ident-value", meta1)
		if id, v := s.register("ident-value", meta1Reordered); id != id1 || v != v1 {
			t.Errorf("the same metadata in another key order = id %d version %d, want %d %d", id, v, id1, v1)
		}
		// Changing only the metadata is a new version of the same text, with
		// a new id (metadata is part of a schema's identity).
		id2, v2 := s.register("ident-value", schemaBody(userV1, "metadata", props("a", "changed")))
		if v2 != v1+1 || id2 == id1 {
			t.Errorf("a metadata-only change = id %d version %d, want a new id and version %d", id2, v2, v1+1)
		}
		// So does changing only the rules.
		id3, v3 := s.register("ident-value", schemaBody(userV1, "ruleSet", map[string]any{"domainRules": []any{domainRule("r", "true")}}))
		if v3 != v2+1 || id3 == id2 {
			t.Errorf("a rules-only change = id %d version %d, want a new id and version %d", id3, v3, v2+1)
		}
		got := s.latest("ident-value")
		if got.Metadata == nil || !strings.Contains(string(got.Metadata), `"a":"changed"`) {
			t.Errorf("version 3 inherited metadata %s, want version 2's", got.Metadata)
		}
		// The same schema and metadata in another subject keeps its id.
		if id, _ := s.register("ident2-value", meta1Reordered); id != id1 {
			t.Errorf("in another subject: id %d, want %d", id, id1)
		}
		var byID versionDoc
		s.ok("GET", "/schemas/ids/"+itoa(id1), nil, &byID)
		if want := `{"tags":{"id":["KEY","PII"]},"properties":{"a":"1","b":"2"}}`; string(byID.Metadata) != want {
			t.Errorf("stored metadata %s, want canonical %s", byID.Metadata, want)
		}
	})
}

func TestRuleSetValidationAPI(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cases := []struct {
			name string
			rule map[string]any
			list string
			want string
		}{
			{"bad kind", map[string]any{"name": "k", "kind": "VALIDATE", "mode": "WRITE", "type": "CEL"}, "domainRules", `rule "k"`},
			{"bad mode", map[string]any{"name": "m", "kind": "CONDITION", "mode": "ALWAYS", "type": "CEL"}, "domainRules", `rule "m"`},
			{"domain mode in migration rules", map[string]any{"name": "mm", "kind": "TRANSFORM", "mode": "WRITE", "type": "JSONATA"}, "migrationRules", `rule "mm"`},
			{"missing name", map[string]any{"kind": "CONDITION", "mode": "WRITE", "type": "CEL"}, "domainRules", "domainRules[0]"},
			{"missing type", map[string]any{"name": "t", "kind": "CONDITION", "mode": "WRITE"}, "domainRules", `rule "t"`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := s.with(t).do("POST", "/subjects/rules-value/versions", schemaBody(userV1, "ruleSet", map[string]any{c.list: []any{c.rule}}))
				wantError(t, c.name, r, 422, 42201, c.want)
			})
		}
		r := s.do("PUT", "/config/rules-value", map[string]any{"defaultRuleSet": map[string]any{"domainRules": []any{map[string]any{"name": "x", "kind": "NOPE", "mode": "WRITE", "type": "CEL"}}}})
		wantError(t, "an invalid defaultRuleSet in a config", r, 422, 42201, `rule "x"`)
		r = s.do("POST", "/subjects/rules-value/versions", schemaBody(userV1, "metadata", map[string]any{"properties": map[string]any{"a": 1}}))
		wantError(t, "a property that is not a string", r, 422, 42201, "metadata")
	})
}

func TestReservedFields(t *testing.T) {
	reserve := func(names string) map[string]any { return props("confluent:reserved", names) }
	cases := []struct {
		format, v1, withCost string
		conflict, removed    string // the rule ids reported
	}{
		{"AVRO", userV1, avroRecord("User", `{"name":"id","type":"long"}`, `{"name":"cost","type":["null","double"],"default":null}`),
			"FIELD_CONFLICTS_WITH_RESERVED_FIELD", "RESERVED_FIELD_REMOVED"},
		{"PROTOBUF", "syntax = \"proto3\";\npackage acme;\nmessage Order {\n  string id = 1;\n}\n", "syntax = \"proto3\";\npackage acme;\nmessage Order {\n  string id = 1;\n  double cost = 2;\n}\n",
			"FIELD_CONFLICTS_WITH_RESERVED_FIELD", "RESERVED_FIELD_REMOVED"},
		{"JSON", `{"type":"object","properties":{"id":{"type":"string"}}}`, `{"type":"object","properties":{"id":{"type":"string"},"cost":{"type":"number"}}}`,
			"RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY", "RESERVED_PROPERTY_REMOVED"},
	}
	eachStore(t, func(t *testing.T, s *server) {
		for _, c := range cases {
			t.Run(c.format, func(t *testing.T) {
				s := s.with(t)
				subject := strings.ToLower(c.format) + "-reserved"
				s.register(subject, schemaBody(c.v1, "schemaType", c.format, "metadata", reserve("cost, status")))
				// Version 2 inherits the reservation: a field named cost conflicts.
				r := s.do("POST", "/subjects/"+subject+"/versions", schemaBody(c.withCost, "schemaType", c.format))
				wantError(t, "a field with a reserved name", r, 409, 409, c.conflict, "cost")
				var check struct {
					IsCompatible bool     `json:"is_compatible"`
					Messages     []string `json:"messages"`
				}
				s.ok("POST", "/compatibility/subjects/"+subject+"/versions/latest?verbose=true", schemaBody(c.withCost, "schemaType", c.format), &check)
				if check.IsCompatible || !strings.Contains(strings.Join(check.Messages, "\n"), c.conflict) {
					t.Errorf("compatibility check = %v %v, want %s", check.IsCompatible, check.Messages, c.conflict)
				}
				// Dropping a reserved name is incompatible too.
				r = s.do("POST", "/subjects/"+subject+"/versions", schemaBody(c.v1, "schemaType", c.format, "metadata", reserve("status")))
				wantError(t, "a reservation dropped", r, 409, 409, c.removed, "cost")
				// Reserving another name, or adding an unreserved field, is fine.
				s.register(subject, schemaBody(c.v1, "schemaType", c.format, "metadata", reserve("cost,status,tax")))
				// Under NONE the reservations still hold (validateFields, on
				// by default in Accord); validateFields=false lifts them.
				s.ok("PUT", "/config/"+subject, map[string]any{"compatibility": "NONE"}, nil)
				r = s.do("POST", "/subjects/"+subject+"/versions", schemaBody(c.withCost, "schemaType", c.format, "metadata", reserve("status")))
				wantError(t, "a reservation dropped under NONE", r, 409, 409, c.removed, "cost")
				s.ok("PUT", "/config/"+subject, map[string]any{"validateFields": false}, nil)
				s.register(subject, schemaBody(c.withCost, "schemaType", c.format, "metadata", reserve("status")))
			})
		}
	})
}

func TestStreamMirror(t *testing.T) {
	eachStreamStore(t, false, contracts.UnownedOpen, func(t *testing.T, s *streamServer) {
		if r := s.do("POST", "/v1/streams", map[string]any{"name": "orders", "owner": "orders-svc", "eventType": "state", "visibility": "public"}); r.Status != http.StatusCreated {
			t.Fatalf("creating stream: %s", r)
		}
		s.with(t).register("orders-key", schemaBody(`"string"`))
		order := avroRecord("Order", `{"name":"id","type":"string"}`)
		id, _ := s.with(t).register("orders-value", schemaBody(order, "metadata", props("team", "checkout")))
		s.with(t).register("unowned-value", schemaBody(order))

		mirrored := func(what, owner string) {
			t.Helper()
			want := map[string]string{"team": "checkout", "accord.stream": "orders", "accord.owner": owner, "accord.eventType": "state", "accord.visibility": "public"}
			var docs []versionDoc
			var v, lk versionDoc
			s.with(t).ok("GET", "/subjects/orders-value/versions/1", nil, &v)
			s.with(t).ok("POST", "/subjects/orders-value", schemaBody(order), &lk)
			s.with(t).ok("GET", "/schemas?subjectPrefix=orders-value", nil, &docs)
			if len(docs) != 1 {
				t.Fatalf("%s: /schemas listed %d versions", what, len(docs))
			}
			for name, d := range map[string]versionDoc{"version": v, "lookup": lk, "listing": docs[0]} {
				var m struct{ Properties map[string]string }
				if err := json.Unmarshal(d.Metadata, &m); err != nil {
					t.Fatalf("%s: %s metadata %s: %v", what, name, d.Metadata, err)
				}
				if !equalMaps(m.Properties, want) {
					t.Errorf("%s: %s properties %v, want %v", what, name, m.Properties, want)
				}
			}
			// Not stored: the schema by id has only what was registered, and
			// a subject of no stream gets nothing.
			var byID, unowned versionDoc
			s.with(t).ok("GET", "/schemas/ids/"+itoa(id), nil, &byID)
			s.with(t).ok("GET", "/subjects/unowned-value/versions/1", nil, &unowned)
			if string(byID.Metadata) != `{"properties":{"team":"checkout"}}` || unowned.Metadata != nil {
				t.Errorf("%s: by id %s, unowned %s; want the registered metadata only", what, byID.Metadata, unowned.Metadata)
			}
		}
		mirrored("before the transfer", "orders-svc")

		if r := s.do("POST", "/v1/streams/orders/transfer", map[string]string{"owner": "billing-svc"}); r.Status != 200 {
			t.Fatalf("transfer: %s", r)
		}
		mirrored("after the transfer", "billing-svc")

		// Identity did not change: writing back what was read (mirrored
		// properties included) finds the same version.
		var v versionDoc
		s.with(t).ok("GET", "/subjects/orders-value/versions/1", nil, &v)
		if gotID, ver := s.with(t).register("orders-value", map[string]any{"schema": v.Schema, "metadata": v.Metadata}); gotID != id || ver != 1 {
			t.Errorf("re-registering what was read = id %d version %d, want %d 1", gotID, ver, id)
		}
	})
}

func TestClientDataContract(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		meta := &sr.SchemaMetadata{
			Properties: map[string]string{"owner": "orders-team"},
			Tags:       map[string][]string{"com.acme.User.id": {"PII"}},
			Sensitive:  []string{"id"},
		}
		rules := &sr.SchemaRuleSet{
			DomainRules:    []sr.SchemaRule{{Name: "idPositive", Kind: sr.SchemaRuleKindCondition, Mode: sr.SchemaRuleModeWrite, Type: "CEL", Expr: "message.id > 0", OnFailure: "DLQ"}},
			MigrationRules: []sr.SchemaRule{{Name: "up", Kind: sr.SchemaRuleKindTransform, Mode: sr.SchemaRuleModeUpgrade, Type: "JSONATA", Expr: "$"}},
		}
		in := sr.Schema{Schema: userV1, SchemaMetadata: meta, SchemaRuleSet: rules}
		created, err := cl.CreateSchema(bg, "contract-value", in)
		must(t, "CreateSchema with metadata and rules", err)

		check := func(what string, got sr.Schema) {
			t.Helper()
			if got.SchemaMetadata == nil || got.SchemaMetadata.Properties["owner"] != "orders-team" ||
				len(got.SchemaMetadata.Tags["com.acme.User.id"]) != 1 || len(got.SchemaMetadata.Sensitive) != 1 {
				t.Errorf("%s: metadata %+v", what, got.SchemaMetadata)
			}
			if got.SchemaRuleSet == nil || len(got.SchemaRuleSet.DomainRules) != 1 || len(got.SchemaRuleSet.MigrationRules) != 1 {
				t.Fatalf("%s: ruleSet %+v", what, got.SchemaRuleSet)
			}
			r := got.SchemaRuleSet.DomainRules[0]
			if r.Name != "idPositive" || r.Kind != sr.SchemaRuleKindCondition || r.Mode != sr.SchemaRuleModeWrite || r.Expr != "message.id > 0" || r.OnFailure != "DLQ" {
				t.Errorf("%s: domain rule %+v", what, r)
			}
			if m := got.SchemaRuleSet.MigrationRules[0]; m.Kind != sr.SchemaRuleKindTransform || m.Mode != sr.SchemaRuleModeUpgrade {
				t.Errorf("%s: migration rule %+v", what, m)
			}
		}
		check("CreateSchema", created.Schema)
		byID, err := cl.SchemaByID(bg, created.ID)
		must(t, "SchemaByID", err)
		check("SchemaByID", byID)
		latest, err := cl.SchemaByVersion(bg, "contract-value", -1)
		must(t, "SchemaByVersion", err)
		check("SchemaByVersion", latest.Schema)

		// A serializer that knows only the schema finds the version.
		again, err := cl.CreateSchema(bg, "contract-value", avroSchema(userV1))
		must(t, "CreateSchema without metadata", err)
		if again.ID != created.ID || again.Version != created.Version {
			t.Errorf("re-registering without metadata = id %d version %d, want %d %d", again.ID, again.Version, created.ID, created.Version)
		}
	})
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}
