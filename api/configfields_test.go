package api_test

// The config fields Confluent applies beyond the compatibility level:
// subject aliases, compatibilityGroup and validateFields, on every path
// where Confluent applies them (register, lookup, fetch, compatibility),
// with franz-go's client where it has the field and raw HTTP where not.

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/accord/accord/accordtest"
)

func TestConfigAlias(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		id, err := cl.RegisterSchema(bg, "orders-value", avroSchema(userV1), -1, -1)
		must(t, "register the target", err)
		// The alias is set on the alias subject's own config (franz-go sends
		// a level with it).(raw HTTP:
		// franz-go's SetCompatibility always sends a level).
		if r := cl.SetCompatibility(bg, sr.SetCompatibility{Level: sr.CompatBackward, Alias: "orders-value"}, "orders"); r[0].Err != nil {
			t.Fatalf("setting the alias: %v", r[0].Err)
		}

		// Reads through the alias are the target's.
		got, err := cl.SchemaByVersion(bg, "orders", -1)
		must(t, "latest through the alias", err)
		if got.ID != id || got.Subject != "orders-value" {
			t.Errorf("latest through the alias = %s id %d, want orders-value id %d", got.Subject, got.ID, id)
		}
		vs, err := cl.SubjectVersions(bg, "orders")
		must(t, "versions through the alias", err)
		if len(vs) != 1 || vs[0] != 1 {
			t.Errorf("versions through the alias = %v, want [1]", vs)
		}
		// A lookup through the alias finds the target's version.
		lk, err := cl.LookupSchema(bg, "orders", avroSchema(userV1))
		must(t, "lookup through the alias", err)
		if lk.ID != id || lk.Version != 1 {
			t.Errorf("lookup through the alias = id %d version %d, want id %d version 1", lk.ID, lk.Version, id)
		}
		// The compatibility check runs against the target's versions.
		res, err := cl.CheckCompatibility(bg, "orders", -1, avroSchema(userV2NoDefault))
		must(t, "compatibility through the alias", err)
		if res.Is {
			t.Errorf("a field without a default checked through the alias is compatible; the target's version 1 was not consulted")
		}
		// A registration through the alias lands on the target.
		id2, err := cl.RegisterSchema(bg, "orders", avroSchema(userV2), -1, -1)
		must(t, "register through the alias", err)
		vs, err = cl.SubjectVersions(bg, "orders-value")
		must(t, "target versions", err)
		if len(vs) != 2 {
			t.Errorf("target has versions %v after registering through the alias, want [1 2]", vs)
		}
		subs, err := cl.Subjects(bg)
		must(t, "subjects", err)
		if strings.Join(subs, ",") != "orders-value" {
			t.Errorf("subjects = %v: the alias must not become a subject", subs)
		}
		// The subject query parameter of /schemas/ids resolves too.
		var vers []struct {
			Subject string `json:"subject"`
			Version int    `json:"version"`
		}
		s.ok("GET", "/schemas/ids/"+itoa(id2)+"/versions?subject=orders", nil, &vers)
		if len(vers) != 1 || vers[0].Subject != "orders-value" {
			t.Errorf("/schemas/ids/%d/versions?subject=orders = %+v, want orders-value", id2, vers)
		}
		// So does the base context path, and an alias into another context.
		if r := cl.SetCompatibility(bg, sr.SetCompatibility{Level: sr.CompatBackward, Alias: ":.eu:orders-value"}, "eu-orders"); r[0].Err != nil {
			t.Fatalf("setting a cross-context alias: %v", r[0].Err)
		}
		euID, err := cl.RegisterSchema(bg, "eu-orders", avroSchema(avroSchemaOther), -1, -1)
		must(t, "register through a cross-context alias", err)
		eu, err := cl.SchemaByVersion(bg, ":.eu:orders-value", -1)
		must(t, "the cross-context target", err)
		if eu.ID != euID {
			t.Errorf(":.eu:orders-value latest id %d, want %d", eu.ID, euID)
		}
		var ctxGot struct {
			Subject string `json:"subject"`
		}
		// An unqualified alias is in its subject's context.
		s.ok("PUT", "/config/:.eu:short", map[string]any{"alias": "orders-value"}, nil)
		s.ok("GET", "/contexts/.eu/subjects/short/versions/latest", nil, &ctxGot)
		if ctxGot.Subject != ":.eu:orders-value" {
			t.Errorf("/contexts/.eu/subjects/short (alias orders-value) answered %q, want :.eu:orders-value", ctxGot.Subject)
		}

		// Config routes are not resolved: the alias's own config is read
		// and removed there.
		var cfg map[string]any
		s.ok("GET", "/config/orders", nil, &cfg)
		if cfg["alias"] != "orders-value" {
			t.Errorf("GET /config/orders = %v, want the alias", cfg)
		}
		// One step only: an alias of an alias is not followed (no loops).
		if r := cl.SetCompatibility(bg, sr.SetCompatibility{Level: sr.CompatBackward, Alias: "orders"}, "orders-value"); r[0].Err != nil {
			t.Fatalf("aliasing the target back: %v", r[0].Err)
		}
		if got, err := cl.SchemaByVersion(bg, "orders", -1); err != nil || got.Subject != "orders-value" {
			t.Errorf("orders → orders-value (whose own alias is not followed) = %+v, %v", got, err)
		}
		// The target itself now reads through its alias: orders has no versions.
		_, err = cl.SchemaByVersion(bg, "orders-value", -1)
		wantSRError(t, "orders-value → orders", err, 40401)
		must(t, "reset the target's config", cl.ResetCompatibility(bg, "orders-value")[0].Err)
		must(t, "remove the alias", cl.ResetCompatibility(bg, "orders")[0].Err)
		if _, err := cl.SchemaByVersion(bg, "orders", -1); err == nil {
			t.Errorf("orders still resolves after its alias was removed")
		}

		// An alias that names no subject is refused.
		r := s.do("PUT", "/config/bad", map[string]any{"alias": ":.:"})
		wantError(t, "an alias naming no subject", r, 422, 42208, "alias")
	})
}

func TestConfigCompatibilityGroup(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		const subj = "events-value"
		major := func(v string) *sr.SchemaMetadata {
			return &sr.SchemaMetadata{Properties: map[string]string{"application.major.version": v}}
		}
		with := func(text string, m *sr.SchemaMetadata) sr.Schema {
			return sr.Schema{Schema: text, SchemaMetadata: m}
		}
		_, err := cl.RegisterSchema(bg, subj, with(userV1, major("1")), -1, -1)
		must(t, "register v1 in group 1", err)
		if r := cl.SetCompatibility(bg, sr.SetCompatibility{Level: sr.CompatBackward, Group: "application.major.version"}, subj); r[0].Err != nil {
			t.Fatalf("setting the group: %v", r[0].Err)
		}
		// Group 2 starts afresh: another record altogether is checked
		// against no version of group 1, by the compatibility endpoint
		// and by registration.
		check, err := cl.CheckCompatibility(bg, subj, -1, with(avroSchemaOther, major("2")))
		must(t, "check in a new group", err)
		if !check.Is {
			t.Errorf("a new group's first schema checked against latest = %v, want compatible", check.Messages)
		}
		check, err = cl.CheckCompatibility(bg, subj, -1, avroSchema(avroSchemaOther))
		must(t, "check without the property", err)
		if check.Is {
			t.Errorf("without a group value (inherited from the latest version: group 1) another record is compatible")
		}
		_, err = cl.RegisterSchema(bg, subj, with(avroSchemaOther, major("2")), -1, -1)
		must(t, "register another record in a new group", err)

		// Within group 1 the rules hold, against group 1's latest (version
		// 1), not the subject's latest (group 2's, another record).
		_, err = cl.RegisterSchema(bg, subj, with(userV2NoDefault, major("1")), -1, -1)
		re := wantSRError(t, "a breaking change within group 1", err, 409)
		if re != nil && (!strings.Contains(re.Message, "version 1") || strings.Contains(re.Message, "version 2")) {
			t.Errorf("refusal %q must name version 1 (group 1's latest) only", re.Message)
		}
		_, err = cl.RegisterSchema(bg, subj, with(userV2, major("1")), -1, -1)
		must(t, "a compatible change within group 1 (incompatible with group 2's latest)", err)
		// Without the group, the same change is checked against the latest.
		must(t, "drop the group", cl.ResetCompatibility(bg, subj)[0].Err)
		_, err = cl.RegisterSchema(bg, subj, with(avroSchemaOther, major("1")), -1, -1)
		wantSRError(t, "another record without the group", err, 409)
	})
}

func TestConfigValidateFields(t *testing.T) {
	reserve := func(names string) map[string]any { return props("confluent:reserved", names) }
	eachStore(t, func(t *testing.T, s *server) {
		withCost := avroRecord("User", `{"name":"id","type":"long"}`, `{"name":"cost","type":["null","double"],"default":null}`)

		// Accord's default applies the reservations: even the first version
		// may not use a name it reserves.
		r := s.do("POST", "/subjects/first/versions", schemaBody(withCost, "metadata", reserve("cost")))
		wantError(t, "a first version using a name it reserves", r, 409, 409, "FIELD_CONFLICTS_WITH_RESERVED_FIELD", "{validateFields: 'true', compatibility: 'BACKWARD'}")

		// Under NONE too, as Confluent with validateFields.
		s.register("res", schemaBody(userV1, "metadata", reserve("cost")))
		s.ok("PUT", "/config/res", map[string]any{"compatibility": "NONE"}, nil)
		r = s.do("POST", "/subjects/res/versions", schemaBody(withCost))
		wantError(t, "a reserved name under NONE", r, 409, 409, "FIELD_CONFLICTS_WITH_RESERVED_FIELD", "{validateFields: 'true', compatibility: 'NONE'}")
		var check struct {
			IsCompatible bool     `json:"is_compatible"`
			Messages     []string `json:"messages"`
		}
		s.ok("POST", "/compatibility/subjects/res/versions/latest?verbose=true", schemaBody(withCost), &check)
		if check.IsCompatible {
			t.Errorf("the compatibility check under NONE ignores the reservation")
		}
		r = s.do("POST", "/subjects/res/versions", schemaBody(userV1, "metadata", reserve("other")))
		wantError(t, "dropping a reservation under NONE", r, 409, 409, "RESERVED_FIELD_REMOVED")

		// validateFields=false (Confluent's default) turns them off.
		s.ok("PUT", "/config/res", map[string]any{"validateFields": false}, nil)
		s.ok("POST", "/compatibility/subjects/res/versions/latest?verbose=true", schemaBody(withCost), &check)
		if !check.IsCompatible {
			t.Errorf("validateFields=false: check = %v, want compatible", check.Messages)
		}
		s.register("res", schemaBody(withCost))

		// JSON Schema: with validateFields a top-level property may not
		// start with $$ (422, an invalid schema), as Confluent's provider.
		dollar := `{"type":"object","properties":{"$$id":{"type":"string"}}}`
		r = s.do("POST", "/subjects/dollar/versions", schemaBody(dollar, "schemaType", "JSON"))
		wantError(t, "a $$ property with validateFields", r, 422, 42201, "$$")
		s.ok("PUT", "/config/dollar", map[string]any{"validateFields": false}, nil)
		s.register("dollar", schemaBody(dollar, "schemaType", "JSON"))
	})
}

// TestAvroCanonicalIdentity: Avro spellings that Avro's own canonical
// string (what Confluent stores) writes alike are one schema with one id:
// a namespace restated or inherited, a dotted name or a namespace
// attribute, a reference by full or short name.
func TestAvroCanonicalIdentity(t *testing.T) {
	inherited := `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"line","type":{"type":"record","name":"Line","fields":[{"name":"sku","type":"string"}]}},{"name":"next","type":["null","Line"],"default":null}]}`
	spellings := map[string]string{
		"restated":  `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"line","type":{"type":"record","name":"Line","namespace":"com.acme","fields":[{"name":"sku","type":"string"}]}},{"name":"next","type":["null","com.acme.Line"],"default":null}]}`,
		"dotted":    `{"type":"record","name":"com.acme.Order","fields":[{"name":"line","type":{"type":"record","name":"com.acme.Line","fields":[{"name":"sku","type":"string","order":"ascending"}]}},{"name":"next","type":["null","Line"],"default":null}]}`,
		"inherited": inherited,
	}
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		id, err := cl.RegisterSchema(bg, "orders-value", avroSchema(inherited), -1, -1)
		must(t, "register", err)
		for name, text := range spellings {
			got, err := cl.RegisterSchema(bg, "orders-value", avroSchema(text), -1, -1)
			must(t, "re-register "+name, err)
			if got != id {
				t.Errorf("re-registering the %s spelling gave id %d, want %d", name, got, id)
			}
			lk, err := cl.LookupSchema(bg, "orders-value", avroSchema(text))
			must(t, "lookup "+name, err)
			if lk.ID != id || lk.Version != 1 {
				t.Errorf("lookup of the %s spelling = id %d version %d, want id %d version 1", name, lk.ID, lk.Version, id)
			}
			other, err := cl.RegisterSchema(bg, "orders-"+name, avroSchema(text), -1, -1)
			must(t, "register in another subject "+name, err)
			if other != id {
				t.Errorf("the %s spelling in another subject got id %d, want %d", name, other, id)
			}
		}
		vs, err := cl.SubjectVersions(bg, "orders-value")
		must(t, "versions", err)
		if len(vs) != 1 {
			t.Errorf("orders-value has versions %v, want [1]", vs)
		}
		// Another namespace is another schema.
		otherNS := strings.Replace(inherited, `"namespace":"com.acme"`, `"namespace":"com.other"`, 1)
		got, err := cl.RegisterSchema(bg, "orders-moved", avroSchema(otherNS), -1, -1)
		must(t, "register another namespace", err)
		if got == id {
			t.Errorf("a schema in another namespace got the same id %d", id)
		}
	})
}

// TestConfigAliasForDEKs: DEK paths resolve aliasForDeks before alias, as
// Confluent's AliasFilter does; schema paths only alias.
func TestConfigAliasForDEKs(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		s := startDEKServer(t, target)
		svc := "orders-svc"
		if r := s.as(t, svc, "POST", keks, map[string]any{"name": "k1", "kmsType": "aws-kms", "kmsKeyId": "arn:aws:kms:eu:1:key/x"}); r.Status != 200 {
			t.Fatalf("create KEK: %s", r)
		}
		if r := s.as(t, svc, "POST", deks, map[string]any{"subject": "orders-value", "encryptedKeyMaterial": wrapped1}); r.Status != 200 {
			t.Fatalf("create DEK: %s", r)
		}
		if r := s.as(t, "root", "PUT", "/config/orders-enc", map[string]any{"alias": "orders-other", "aliasForDeks": "orders-value"}); r.Status != 200 {
			t.Fatalf("setting aliasForDeks: %s", r)
		}
		r := s.as(t, "alice", "GET", deks+"/orders-enc", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"subject":"orders-value"`) {
			t.Errorf("DEK through aliasForDeks: %s, want orders-value's DEK", r)
		}
		// Schema paths take alias, not aliasForDeks.
		r = s.as(t, "alice", "GET", "/subjects/orders-enc/versions", nil)
		wantError(t, "versions through alias", r, 404, 40401, "orders-other")
	})
}
