package api_test

// Tests through the franz-go schema registry client: what existing
// serializers and tools do against Accord.

import (
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/accord/accord/compat/avro"
)

func TestClientRegisterAndRead(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client

		v1, err := cl.CreateSchema(bg, "users-value", avroSchema(userV1))
		must(t, "CreateSchema v1", err)
		if v1.ID <= 0 || v1.Version != 1 || v1.Subject != "users-value" {
			t.Fatalf("CreateSchema v1 = %+v, want a new id, version 1 of users-value", v1)
		}
		if !jsonEqual(t, v1.Schema.Schema, userV1) || v1.Type != sr.TypeAvro {
			t.Errorf("CreateSchema v1 returned schema %q type %v", v1.Schema.Schema, v1.Type)
		}

		id2, err := cl.RegisterSchema(bg, "users-value", avroSchema(userV2), -1, -1)
		must(t, "RegisterSchema v2", err)
		if id2 <= 0 || id2 == v1.ID {
			t.Fatalf("RegisterSchema v2 = id %d, want a new id (v1 has %d)", id2, v1.ID)
		}

		// The same schema in another subject keeps its id.
		other, err := cl.CreateSchema(bg, "other-value", avroSchema(userV1Spaced))
		must(t, "CreateSchema in other-value", err)
		if other.ID != v1.ID || other.Version != 1 {
			t.Errorf("userV1 in other-value = id %d version %d, want id %d version 1", other.ID, other.Version, v1.ID)
		}

		got, err := cl.LookupSchema(bg, "users-value", avroSchema(userV1Spaced))
		must(t, "LookupSchema", err)
		if got.ID != v1.ID || got.Version != 1 || got.Subject != "users-value" {
			t.Errorf("LookupSchema = %+v, want id %d version 1 of users-value", got, v1.ID)
		}

		byID, err := cl.SchemaByID(bg, v1.ID)
		must(t, "SchemaByID", err)
		text, err := cl.SchemaTextByID(bg, v1.ID)
		must(t, "SchemaTextByID", err)
		if byID.Schema != text || !jsonEqual(t, text, userV1) || byID.Type != sr.TypeAvro || len(byID.References) != 0 {
			t.Errorf("SchemaByID = %+v, SchemaTextByID = %q; want userV1", byID, text)
		}

		subjects, err := cl.SubjectsByID(bg, v1.ID)
		must(t, "SubjectsByID", err)
		sort.Strings(subjects)
		if want := []string{"other-value", "users-value"}; !slices.Equal(subjects, want) {
			t.Errorf("SubjectsByID = %v, want %v", subjects, want)
		}
		svs, err := cl.SchemaVersionsByID(bg, v1.ID)
		must(t, "SchemaVersionsByID", err)
		sort.Slice(svs, func(i, j int) bool { return svs[i].Subject < svs[j].Subject })
		if want := []sr.SubjectVersion{{Subject: "other-value", Version: 1}, {Subject: "users-value", Version: 1}}; !reflect.DeepEqual(svs, want) {
			t.Errorf("SchemaVersionsByID = %v, want %v", svs, want)
		}
		svs, err = cl.SchemaVersionsByID(sr.WithParams(bg, sr.Subject("users-value")), v1.ID)
		must(t, "SchemaVersionsByID(subject=users-value)", err)
		if want := []sr.SubjectVersion{{Subject: "users-value", Version: 1}}; !reflect.DeepEqual(svs, want) {
			t.Errorf("SchemaVersionsByID(subject=users-value) = %v, want %v", svs, want)
		}

		versions, err := cl.SubjectVersions(bg, "users-value")
		must(t, "SubjectVersions", err)
		if !slices.Equal(versions, []int{1, 2}) {
			t.Errorf("SubjectVersions = %v, want [1 2]", versions)
		}
		latest, err := cl.SchemaByVersion(bg, "users-value", -1)
		must(t, "SchemaByVersion(latest)", err)
		if latest.ID != id2 || latest.Version != 2 || latest.Subject != "users-value" || !jsonEqual(t, latest.Schema.Schema, userV2) {
			t.Errorf("SchemaByVersion(latest) = %+v, want id %d version 2", latest, id2)
		}
		first, err := cl.SchemaByVersion(bg, "users-value", 1)
		must(t, "SchemaByVersion(1)", err)
		if first.ID != v1.ID || first.Version != 1 {
			t.Errorf("SchemaByVersion(1) = %+v, want id %d", first, v1.ID)
		}
		latestText, err := cl.SchemaTextByVersion(bg, "users-value", -1)
		must(t, "SchemaTextByVersion(latest)", err)
		if !jsonEqual(t, latestText, userV2) {
			t.Errorf("SchemaTextByVersion(latest) = %q, want userV2", latestText)
		}

		all, err := cl.AllSchemas(bg)
		must(t, "AllSchemas", err)
		var listed []string
		for _, x := range all {
			listed = append(listed, x.Subject+"/"+strconv.Itoa(x.Version)+"/"+strconv.Itoa(x.ID))
		}
		want := []string{"other-value/1/" + strconv.Itoa(v1.ID), "users-value/1/" + strconv.Itoa(v1.ID), "users-value/2/" + strconv.Itoa(id2)}
		if !slices.Equal(listed, want) {
			t.Errorf("AllSchemas = %v, want %v", listed, want)
		}
		latestOnly, err := cl.AllSchemas(sr.WithParams(bg, sr.LatestOnly, sr.SubjectPrefix("users")))
		must(t, "AllSchemas(latestOnly, subjectPrefix=users)", err)
		if len(latestOnly) != 1 || latestOnly[0].Subject != "users-value" || latestOnly[0].Version != 2 {
			t.Errorf("AllSchemas(latestOnly, subjectPrefix=users) = %+v, want users-value version 2 only", latestOnly)
		}
		perSubject, err := cl.Schemas(bg, "users-value")
		must(t, "Schemas", err)
		if len(perSubject) != 2 || perSubject[0].ID != v1.ID || perSubject[1].ID != id2 {
			t.Errorf("Schemas(users-value) = %+v, want ids %d, %d", perSubject, v1.ID, id2)
		}

		types, err := cl.SupportedTypes(bg)
		must(t, "SupportedTypes", err)
		if want := []sr.SchemaType{sr.TypeAvro, sr.TypeProtobuf, sr.TypeJSON}; !slices.Equal(types, want) {
			t.Errorf("SupportedTypes = %v, want %v", types, want)
		}
		subs, err := cl.Subjects(bg)
		must(t, "Subjects", err)
		if want := []string{"other-value", "users-value"}; !slices.Equal(subs, want) {
			t.Errorf("Subjects = %v, want %v", subs, want)
		}
		ctxs, err := cl.Contexts(bg)
		must(t, "Contexts", err)
		if !slices.Equal(ctxs, []string{"."}) {
			t.Errorf("Contexts = %v, want [.]", ctxs)
		}
	})
}

func TestClientDeletes(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		const subj = "orders-value"
		id1, err := cl.RegisterSchema(bg, subj, avroSchema(userV1), -1, -1)
		must(t, "register v1", err)
		id2, err := cl.RegisterSchema(bg, subj, avroSchema(userV2), -1, -1)
		must(t, "register v2", err)
		deleted := sr.WithParams(bg, sr.ShowDeleted)

		// Soft delete of one version: hidden, still readable with deleted=true and by id.
		must(t, "soft-delete version 1", cl.DeleteSchema(bg, subj, 1, sr.SoftDelete))
		versions, err := cl.SubjectVersions(bg, subj)
		must(t, "SubjectVersions", err)
		if !slices.Equal(versions, []int{2}) {
			t.Errorf("versions after soft delete = %v, want [2]", versions)
		}
		versions, err = cl.SubjectVersions(deleted, subj)
		must(t, "SubjectVersions(deleted)", err)
		if !slices.Equal(versions, []int{1, 2}) {
			t.Errorf("versions(deleted=true) after soft delete = %v, want [1 2]", versions)
		}
		_, err = cl.SchemaByVersion(bg, subj, 1)
		wantSRError(t, "soft-deleted version without deleted=true", err, 40402)
		v, err := cl.SchemaByVersion(deleted, subj, 1)
		must(t, "SchemaByVersion(1, deleted=true)", err)
		if v.ID != id1 {
			t.Errorf("soft-deleted version 1 has id %d, want %d", v.ID, id1)
		}
		if _, err := cl.SchemaByID(bg, id1); err != nil {
			t.Errorf("soft-deleted schema not readable by id: %v", err)
		}
		if _, err := cl.LookupSchema(bg, subj, avroSchema(userV1)); err == nil {
			t.Error("LookupSchema found a soft-deleted version without deleted=true")
		} else {
			wantSRError(t, "LookupSchema of a soft-deleted version", err, 40403)
		}
		if got, err := cl.LookupSchema(deleted, subj, avroSchema(userV1)); err != nil || got.ID != id1 || got.Version != 1 {
			t.Errorf("LookupSchema(deleted=true) = %+v, %v; want id %d version 1", got, err, id1)
		}

		wantSRError(t, "soft-deleting a soft-deleted version", cl.DeleteSchema(bg, subj, 1, sr.SoftDelete), 40406)
		wantSRError(t, "hard-deleting a live version", cl.DeleteSchema(bg, subj, 2, sr.HardDelete), 40407)

		// Hard delete: gone from every list, the schema still readable by id.
		must(t, "hard-delete version 1", cl.DeleteSchema(bg, subj, 1, sr.HardDelete))
		versions, err = cl.SubjectVersions(deleted, subj)
		must(t, "SubjectVersions(deleted)", err)
		if !slices.Equal(versions, []int{2}) {
			t.Errorf("versions(deleted=true) after hard delete = %v, want [2]", versions)
		}
		if _, err := cl.SchemaByID(bg, id1); err != nil {
			t.Errorf("hard-deleted version's schema not readable by id: %v", err)
		}
		wantSRError(t, "hard-deleting a hard-deleted version", cl.DeleteSchema(bg, subj, 1, sr.HardDelete), 40402)

		// Subject deletes.
		wantSRError(t, "hard-deleting a live subject", func() error { _, err := cl.DeleteSubject(bg, subj, sr.HardDelete); return err }(), 40405)
		vs, err := cl.DeleteSubject(bg, subj, sr.SoftDelete)
		must(t, "soft-delete subject", err)
		if !slices.Equal(vs, []int{2}) {
			t.Errorf("soft-deleting the subject deleted %v, want [2]", vs)
		}
		subs, err := cl.Subjects(bg)
		must(t, "Subjects", err)
		if len(subs) != 0 {
			t.Errorf("Subjects after soft delete = %v, want none", subs)
		}
		subs, err = cl.Subjects(deleted)
		must(t, "Subjects(deleted)", err)
		if !slices.Equal(subs, []string{subj}) {
			t.Errorf("Subjects(deleted=true) = %v, want [%s]", subs, subj)
		}
		subs, err = cl.Subjects(sr.WithParams(bg, sr.DeletedOnly))
		must(t, "Subjects(deletedOnly)", err)
		if !slices.Equal(subs, []string{subj}) {
			t.Errorf("Subjects(deletedOnly=true) = %v, want [%s]", subs, subj)
		}
		_, err = cl.SubjectVersions(bg, subj)
		wantSRError(t, "versions of a soft-deleted subject", err, 40401)
		_, err = cl.DeleteSubject(bg, subj, sr.SoftDelete)
		wantSRError(t, "soft-deleting a soft-deleted subject", err, 40404)

		vs, err = cl.DeleteSubject(bg, subj, sr.HardDelete)
		must(t, "hard-delete subject", err)
		if !slices.Equal(vs, []int{2}) {
			t.Errorf("hard-deleting the subject deleted %v, want [2]", vs)
		}
		subs, err = cl.Subjects(deleted)
		must(t, "Subjects(deleted)", err)
		if len(subs) != 0 {
			t.Errorf("Subjects(deleted=true) after hard delete = %v, want none", subs)
		}
		_, err = cl.DeleteSubject(bg, subj, sr.HardDelete)
		wantSRError(t, "hard-deleting a hard-deleted subject", err, 40401)
		for _, id := range []int{id1, id2} {
			if _, err := cl.SchemaByID(bg, id); err != nil {
				t.Errorf("schema %d not readable by id after its subject was hard-deleted: %v", id, err)
			}
		}

		// Registering again: the schema keeps its id; no version remains, so
		// numbering starts again at 1 (as Confluent).
		again, err := cl.CreateSchema(bg, subj, avroSchema(userV1))
		must(t, "register v1 again", err)
		if again.ID != id1 || again.Version != 1 {
			t.Errorf("re-registered after hard delete: id %d version %d, want id %d version 1 (ids stable, versions numbered from the highest remaining)", again.ID, again.Version, id1)
		}
	})
}

func TestClientReferences(t *testing.T) {
	cases := []struct {
		name            string
		typ             sr.SchemaType
		refSubject      string
		referenced      string
		refName         string
		referrerSubject string
		referrer        string
	}{
		{"avro", sr.TypeAvro, "address-value", avroAddress, "com.acme.Address", "customer-value", avroCustomer},
		{"protobuf", sr.TypeProtobuf, "money-value", protoMoney, "acme/money.proto", "orders-value", protoOrder},
		{"jsonschema", sr.TypeJSON, "address-json", jsonAddress, "address.json", "customer-json", jsonCustomer},
	}
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ref, err := cl.CreateSchema(bg, c.refSubject, sr.Schema{Schema: c.referenced, Type: c.typ})
				must(t, "registering the referenced schema", err)

				refs := []sr.SchemaReference{{Name: c.refName, Subject: c.refSubject, Version: ref.Version}}
				referrer := sr.Schema{Schema: c.referrer, Type: c.typ, References: refs}
				_, err = cl.CreateSchema(bg, c.referrerSubject, sr.Schema{Schema: c.referrer, Type: c.typ})
				wantSRError(t, "registering without its reference", err, 42201)

				got, err := cl.CreateSchema(bg, c.referrerSubject, referrer)
				must(t, "registering the referrer", err)
				if got.Version != 1 || got.ID == ref.ID {
					t.Errorf("referrer registered as %+v", got)
				}
				byID, err := cl.SchemaByID(bg, got.ID)
				must(t, "SchemaByID(referrer)", err)
				if byID.Type != c.typ || !reflect.DeepEqual(byID.References, refs) {
					t.Errorf("SchemaByID(referrer) = type %v references %+v, want %v %+v", byID.Type, byID.References, c.typ, refs)
				}
				found, err := cl.LookupSchema(bg, c.referrerSubject, referrer)
				must(t, "LookupSchema(referrer)", err)
				if found.ID != got.ID || found.Version != 1 {
					t.Errorf("LookupSchema(referrer) = %+v, want id %d version 1", found, got.ID)
				}

				for _, version := range []int{1, -1} {
					users, err := cl.SchemaReferences(bg, c.refSubject, version)
					must(t, "SchemaReferences", err)
					if len(users) != 1 || users[0].ID != got.ID || users[0].Subject != c.referrerSubject {
						t.Errorf("SchemaReferences(%s, %d) = %+v, want %s (id %d)", c.refSubject, version, users, c.referrerSubject, got.ID)
					}
				}

				// A referenced version cannot be deleted while a live version
				// of the referrer exists; once the referrer is soft-deleted it
				// may be soft-deleted (as Confluent), but not permanently.
				wantSRError(t, "soft-deleting a referenced version", cl.DeleteSchema(bg, c.refSubject, 1, sr.SoftDelete), 42206)
				_, err = cl.DeleteSubject(bg, c.refSubject, sr.SoftDelete)
				wantSRError(t, "soft-deleting a referenced subject", err, 42206)
				_, err = cl.DeleteSubject(bg, c.referrerSubject, sr.SoftDelete)
				must(t, "soft-deleting the referrer", err)
				must(t, "soft-deleting a version referenced by a soft-deleted one", cl.DeleteSchema(bg, c.refSubject, 1, sr.SoftDelete))
				wantSRError(t, "hard-deleting a version referenced by a soft-deleted one", cl.DeleteSchema(bg, c.refSubject, 1, sr.HardDelete), 42206)
				_, err = cl.DeleteSubject(bg, c.referrerSubject, sr.HardDelete)
				must(t, "hard-deleting the referrer", err)
				users, err := cl.SchemaReferences(bg, c.refSubject, 1)
				must(t, "SchemaReferences after the referrer is gone", err)
				if len(users) != 0 {
					t.Errorf("SchemaReferences after the referrer was hard-deleted = %+v, want none", users)
				}
				must(t, "hard-deleting the no longer referenced version", cl.DeleteSchema(bg, c.refSubject, 1, sr.HardDelete))
			})
		}
	})
}

func TestClientCompatibilityConfig(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		const subj = "users-value"
		_, err := cl.RegisterSchema(bg, subj, avroSchema(userV1), -1, -1)
		must(t, "register", err)

		level := func(what string, r []sr.CompatibilityResult) sr.CompatibilityLevel {
			t.Helper()
			if len(r) != 1 {
				t.Fatalf("%s: %d results", what, len(r))
			}
			must(t, what, r[0].Err)
			return r[0].Level
		}
		if l := level("global Compatibility", cl.Compatibility(bg)); l != sr.CompatBackward {
			t.Errorf("default global level = %v, want BACKWARD", l)
		}
		wantSRError(t, "Compatibility of a subject without its own", cl.Compatibility(bg, subj)[0].Err, 40408)
		if l := level("Compatibility(defaultToGlobal)", cl.Compatibility(sr.WithParams(bg, sr.DefaultToGlobal), subj)); l != sr.CompatBackward {
			t.Errorf("Compatibility(%s, defaultToGlobal) = %v, want BACKWARD", subj, l)
		}

		if l := level("SetCompatibility(subject, NONE)", cl.SetCompatibility(bg, sr.SetCompatibility{Level: sr.CompatNone}, subj)); l != sr.CompatNone {
			t.Errorf("SetCompatibility(subject) answered %v, want NONE", l)
		}
		if l := level("Compatibility(subject)", cl.Compatibility(bg, subj)); l != sr.CompatNone {
			t.Errorf("subject level = %v, want NONE", l)
		}
		// NONE lets an incompatible schema in.
		if _, err := cl.RegisterSchema(bg, subj, avroSchema(userV2NoDefault), -1, -1); err != nil {
			t.Errorf("registering an incompatible schema under NONE: %v", err)
		}
		must(t, "ResetCompatibility(subject)", cl.ResetCompatibility(bg, subj)[0].Err)
		wantSRError(t, "Compatibility after reset", cl.Compatibility(bg, subj)[0].Err, 40408)

		if l := level("SetCompatibility(global, FULL)", cl.SetCompatibility(bg, sr.SetCompatibility{Level: sr.CompatFull})); l != sr.CompatFull {
			t.Errorf("SetCompatibility(global) answered %v, want FULL", l)
		}
		if l := level("global Compatibility", cl.Compatibility(bg)); l != sr.CompatFull {
			t.Errorf("global level = %v, want FULL", l)
		}
		if l := level("Compatibility(defaultToGlobal)", cl.Compatibility(sr.WithParams(bg, sr.DefaultToGlobal), subj)); l != sr.CompatFull {
			t.Errorf("subject inherits %v, want FULL", l)
		}
		must(t, "ResetCompatibility(global)", cl.ResetCompatibility(bg)[0].Err)
		if l := level("global Compatibility", cl.Compatibility(bg)); l != sr.CompatBackward {
			t.Errorf("global level after reset = %v, want BACKWARD", l)
		}
	})
}

func TestClientCheckCompatibility(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		const subj = "users-value"
		_, err := cl.RegisterSchema(bg, subj, avroSchema(userV1), -1, -1)
		must(t, "register", err)
		verbose := sr.WithParams(bg, sr.Verbose)

		for _, version := range []int{-1, -2, 1} { // latest, every version, version 1
			res, err := cl.CheckCompatibility(bg, subj, version, avroSchema(userV2))
			must(t, "CheckCompatibility(compatible)", err)
			if !res.Is {
				t.Errorf("CheckCompatibility(%d, userV2) = %+v, want compatible", version, res)
			}
			res, err = cl.CheckCompatibility(bg, subj, version, avroSchema(userV2NoDefault))
			must(t, "CheckCompatibility(incompatible)", err)
			if res.Is || len(res.Messages) != 0 {
				t.Errorf("CheckCompatibility(%d, userV2NoDefault) = %+v, want incompatible without messages", version, res)
			}
			res, err = cl.CheckCompatibility(verbose, subj, version, avroSchema(userV2NoDefault))
			must(t, "CheckCompatibility(incompatible, verbose)", err)
			if res.Is || len(res.Messages) == 0 {
				t.Fatalf("CheckCompatibility(%d, userV2NoDefault, verbose) = %+v, want incompatible with messages", version, res)
			}
			// The message says the direction, the version, where (a JSON
			// pointer to the field), what (the field without a default) and
			// the rule.
			msg := strings.Join(res.Messages, "\n")
			for _, want := range []string{"BACKWARD", "version 1", "/fields/1", "age", avro.ReaderFieldMissingDefaultValue} {
				if !strings.Contains(msg, want) {
					t.Errorf("verbose messages %q do not mention %q", msg, want)
				}
			}
			res, err = cl.CheckCompatibility(verbose, subj, version, avroSchema(userV2))
			must(t, "CheckCompatibility(compatible, verbose)", err)
			if !res.Is || len(res.Messages) != 0 {
				t.Errorf("CheckCompatibility(%d, userV2, verbose) = %+v, want compatible, no messages", version, res)
			}
		}

		// As Confluent: a missing subject's latest is nothing to break, a
		// numbered version of it is 40402.
		res, err := cl.CheckCompatibility(bg, "nope", -1, avroSchema(userV2))
		must(t, "CheckCompatibility against a missing subject's latest", err)
		if !res.Is {
			t.Errorf("CheckCompatibility against a missing subject's latest = %+v, want compatible", res)
		}
		_, err = cl.CheckCompatibility(bg, "nope", 1, avroSchema(userV2))
		wantSRError(t, "CheckCompatibility against a missing subject's version 1", err, 40402)
		_, err = cl.CheckCompatibility(bg, subj, 7, avroSchema(userV2))
		wantSRError(t, "CheckCompatibility against a missing version", err, 40402)
		// Against every version of a subject that has none: nothing to break.
		res, err = cl.CheckCompatibility(bg, "nope", -2, avroSchema(userV2))
		must(t, "CheckCompatibility(new subject)", err)
		if !res.Is {
			t.Errorf("CheckCompatibility against a new subject = %+v, want compatible", res)
		}
	})
}

func TestClientMode(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		mode := func(what string, r []sr.ModeResult) sr.Mode {
			t.Helper()
			if len(r) != 1 {
				t.Fatalf("%s: %d results", what, len(r))
			}
			must(t, what, r[0].Err)
			return r[0].Mode
		}
		register := func(subj, schema string) error {
			_, err := cl.RegisterSchema(bg, subj, avroSchema(schema), -1, -1)
			return err
		}

		if m := mode("global Mode", cl.Mode(bg)); m != sr.ModeReadWrite {
			t.Errorf("default mode = %v, want READWRITE", m)
		}
		wantSRError(t, "Mode of a subject without its own", cl.Mode(bg, "a")[0].Err, 40409)
		if m := mode("Mode(defaultToGlobal)", cl.Mode(sr.WithParams(bg, sr.DefaultToGlobal), "a")); m != sr.ModeReadWrite {
			t.Errorf("Mode(a, defaultToGlobal) = %v, want READWRITE", m)
		}
		must(t, "registering in a", register("a", userV1))

		if m := mode("SetMode(a, READONLY)", cl.SetMode(bg, sr.ModeReadOnly, "a")); m != sr.ModeReadOnly {
			t.Errorf("SetMode(a, READONLY) answered %v", m)
		}
		if m := mode("Mode(a)", cl.Mode(bg, "a")); m != sr.ModeReadOnly {
			t.Errorf("Mode(a) = %v, want READONLY", m)
		}
		wantSRError(t, "registering in a READONLY subject", register("a", userV2), 42205)
		_, err := cl.DeleteSubject(bg, "a", sr.SoftDelete)
		wantSRError(t, "deleting in a READONLY subject", err, 42205)
		wantSRError(t, "deleting a version in a READONLY subject", cl.DeleteSchema(bg, "a", 1, sr.SoftDelete), 42205)
		if _, err := cl.SchemaByVersion(bg, "a", 1); err != nil {
			t.Errorf("reading a READONLY subject: %v", err)
		}
		must(t, "registering in another subject", register("b", userV1))
		if m := mode("ResetMode(a)", cl.ResetMode(bg, "a")); m != sr.ModeReadOnly {
			t.Errorf("ResetMode(a) answered %v, want the previous mode READONLY", m)
		}
		must(t, "registering after ResetMode", register("a", userV2))

		// A global READONLY stops writes to every subject without a mode of
		// its own; a subject's READWRITE overrides it.
		if m := mode("SetMode(global, READONLY)", cl.SetMode(bg, sr.ModeReadOnly)); m != sr.ModeReadOnly {
			t.Errorf("SetMode(global, READONLY) answered %v", m)
		}
		wantSRError(t, "registering under a global READONLY", register("c", userV1), 42205)
		_, err = cl.DeleteSubject(bg, "a", sr.SoftDelete)
		wantSRError(t, "deleting under a global READONLY", err, 42205)
		mode("SetMode(c, READWRITE)", cl.SetMode(bg, sr.ModeReadWrite, "c"))
		must(t, "registering in a READWRITE subject under a global READONLY", register("c", userV1))
		if m := mode("ResetMode(global)", cl.ResetMode(bg)); m != sr.ModeReadOnly {
			t.Errorf("ResetMode(global) answered %v, want READONLY", m)
		}
		if m := mode("global Mode", cl.Mode(bg)); m != sr.ModeReadWrite {
			t.Errorf("mode after reset = %v, want READWRITE", m)
		}
		must(t, "registering after the global reset", register("d", userV1))
	})
}

func TestClientImport(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		existingID, err := cl.RegisterSchema(bg, "existing", avroSchema(userV1), -1, -1)
		must(t, "register", err)

		// A caller-chosen id or version needs IMPORT mode.
		_, err = cl.RegisterSchema(bg, "imported", avroSchema(userV2), 100, 5)
		wantSRError(t, "choosing an id outside IMPORT", err, 42205)

		// IMPORT on a registry with subjects needs force; on an empty subject it does not.
		wantSRError(t, "global IMPORT without force", cl.SetMode(bg, sr.ModeImport)[0].Err, 42205)
		r := cl.SetMode(bg, sr.ModeImport, "imported")
		must(t, "SetMode(imported, IMPORT)", r[0].Err)
		if r[0].Mode != sr.ModeImport {
			t.Errorf("SetMode(imported, IMPORT) answered %v", r[0].Mode)
		}

		id, err := cl.RegisterSchema(bg, "imported", avroSchema(userV2), 100, 5)
		must(t, "import with id 100 version 5", err)
		if id != 100 {
			t.Fatalf("imported schema got id %d, want 100", id)
		}
		v, err := cl.SchemaByVersion(bg, "imported", 5)
		must(t, "SchemaByVersion(imported, 5)", err)
		if v.ID != 100 || !jsonEqual(t, v.Schema.Schema, userV2) {
			t.Errorf("imported version 5 = %+v, want id 100", v)
		}
		if versions, err := cl.SubjectVersions(bg, "imported"); err != nil || !slices.Equal(versions, []int{5}) {
			t.Errorf("SubjectVersions(imported) = %v, %v; want [5]", versions, err)
		}
		// Importing is idempotent.
		if id, err := cl.RegisterSchema(bg, "imported", avroSchema(userV2), 100, 5); err != nil || id != 100 {
			t.Errorf("importing the same again = %d, %v; want 100", id, err)
		}

		// Id 100 holds userV2: another schema cannot take it, and userV2
		// cannot take another id.
		other := avroRecord("Other", `{"name":"x","type":"string"}`)
		_, err = cl.RegisterSchema(bg, "imported", avroSchema(other), 100, 6)
		wantSRError(t, "importing another schema under a used id", err, 42205)
		_, err = cl.RegisterSchema(bg, "imported", avroSchema(userV2), 101, 6)
		wantSRError(t, "importing a stored schema under another id", err, 42205)
		_, err = cl.RegisterSchema(bg, "imported", avroSchema(other), existingID, 6)
		wantSRError(t, "importing over an id allocated outside IMPORT", err, 42205)
		// A used version cannot be imported again with another schema.
		_, err = cl.RegisterSchema(bg, "imported", avroSchema(other), 200, 5)
		wantSRError(t, "importing into a used version", err, 42205)
		// IMPORT skips compatibility checks: it copies history as it was.
		id, err = cl.RegisterSchema(bg, "imported", avroSchema(userV2NoDefault), 50, 6)
		must(t, "importing an incompatible schema", err)
		if id != 50 {
			t.Errorf("imported id = %d, want 50", id)
		}

		// Back to READWRITE: allocation continues past every imported id
		// and version.
		must(t, "ResetMode(imported)", cl.ResetMode(bg, "imported")[0].Err)
		next, err := cl.CreateSchema(bg, "imported", avroSchema(avroRecord("User", `{"name":"id","type":"long"}`, `{"name":"age","type":"int"}`, `{"name":"n","type":"int","default":0}`)))
		must(t, "registering after the import", err)
		if next.ID <= 100 || next.Version != 7 {
			t.Errorf("first registration after the import = id %d version %d, want an id above 100 and version 7", next.ID, next.Version)
		}
		// Re-sending the id a schema already has is allowed outside IMPORT.
		if id, err := cl.RegisterSchema(bg, "existing", avroSchema(userV1), existingID, -1); err != nil || id != existingID {
			t.Errorf("registering with the schema's own id outside IMPORT = %d, %v; want %d", id, err, existingID)
		}

		// Global IMPORT with force.
		r = cl.SetMode(sr.WithParams(bg, sr.Force), sr.ModeImport)
		must(t, "SetMode(global, IMPORT, force)", r[0].Err)
		id, err = cl.RegisterSchema(bg, "fresh", avroSchema(other), 1000, 1)
		must(t, "importing under a global IMPORT", err)
		if id != 1000 {
			t.Errorf("import under a global IMPORT got id %d, want 1000", id)
		}
	})
}

func TestClientContexts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		const (
			qualified = ":.staging:orders-value"
			other     = avroSchemaOther
		)
		defID, err := cl.RegisterSchema(bg, "orders-value", avroSchema(other), -1, -1)
		must(t, "register in the default context", err)
		// (RegisterSchema rather than CreateSchema: CreateSchema looks the
		// new id up without naming a context, so it finds the default
		// context's id; franz-go users name contexts with sr.InContext.)
		stagingID, err := cl.RegisterSchema(bg, qualified, avroSchema(userV1), -1, -1)
		must(t, "register in .staging", err)
		// Ids are per context: the first schema of .staging gets 1 too.
		if stagingID != 1 || defID != 1 {
			t.Errorf("first ids: default context %d, .staging %d; want 1 and 1", defID, stagingID)
		}

		// Reading id 1 without a context reads the default context's schema;
		// with subject=:.staging: it reads the .staging one.
		def, err := cl.SchemaByID(bg, 1)
		must(t, "SchemaByID(1)", err)
		if !jsonEqual(t, def.Schema, other) {
			t.Errorf("SchemaByID(1) = %s, want the default context's schema", def.Schema)
		}
		for _, hint := range []string{":.staging:", qualified} {
			st, err := cl.SchemaByID(sr.WithParams(bg, sr.Subject(hint)), 1)
			must(t, "SchemaByID(1, subject="+hint+")", err)
			if !jsonEqual(t, st.Schema, userV1) {
				t.Errorf("SchemaByID(1, subject=%s) = %s, want the .staging schema", hint, st.Schema)
			}
		}
		subs, err := cl.SubjectsByID(sr.WithParams(bg, sr.Subject(":.staging:")), 1)
		must(t, "SubjectsByID in .staging", err)
		if !slices.Equal(subs, []string{qualified}) {
			t.Errorf("SubjectsByID(1, subject=:.staging:) = %v, want [%s]", subs, qualified)
		}

		v, err := cl.SchemaByVersion(bg, qualified, -1)
		must(t, "SchemaByVersion(qualified, latest)", err)
		if v.ID != 1 || v.Subject != qualified || !jsonEqual(t, v.Schema.Schema, userV1) {
			t.Errorf("SchemaByVersion(%s, latest) = %+v", qualified, v)
		}
		found, err := cl.LookupSchema(bg, qualified, avroSchema(userV1Spaced))
		must(t, "LookupSchema(qualified)", err)
		if found.ID != 1 || found.Version != 1 {
			t.Errorf("LookupSchema(%s) = %+v", qualified, found)
		}
		// The default context's subject of the same name is another subject.
		_, err = cl.LookupSchema(bg, "orders-value", avroSchema(userV1))
		wantSRError(t, "LookupSchema of a .staging schema in the default context", err, 40403)

		subs, err = cl.Subjects(bg)
		must(t, "Subjects", err)
		if want := []string{":.staging:orders-value", "orders-value"}; !slices.Equal(subs, want) {
			t.Errorf("Subjects = %v, want %v", subs, want)
		}
		subs, err = cl.Subjects(sr.WithParams(bg, sr.SubjectPrefix(":.staging:")))
		must(t, "Subjects(subjectPrefix=:.staging:)", err)
		if !slices.Equal(subs, []string{qualified}) {
			t.Errorf("Subjects(subjectPrefix=:.staging:) = %v, want [%s]", subs, qualified)
		}
		ctxs, err := cl.Contexts(bg)
		must(t, "Contexts", err)
		if want := []string{".", ".staging"}; !slices.Equal(ctxs, want) {
			t.Errorf("Contexts = %v, want %v", ctxs, want)
		}

		// Config and compatibility are per qualified subject too.
		must(t, "SetCompatibility(qualified)", cl.SetCompatibility(bg, sr.SetCompatibility{Level: sr.CompatNone}, qualified)[0].Err)
		_, err = cl.RegisterSchema(bg, qualified, avroSchema(userV2NoDefault), -1, -1)
		must(t, "registering an incompatible schema under the qualified subject's NONE", err)
		_, err = cl.RegisterSchema(bg, "orders-value", avroSchema(avroRecord("Other", `{"name":"x","type":"int"}`)), -1, -1)
		wantSRError(t, "the default context's subject keeps BACKWARD", err, 409)

		// Deleting in a context.
		_, err = cl.DeleteSubject(bg, qualified, sr.SoftDelete)
		must(t, "DeleteSubject(qualified)", err)
		subs, err = cl.Subjects(bg)
		must(t, "Subjects", err)
		if !slices.Equal(subs, []string{"orders-value"}) {
			t.Errorf("Subjects after deleting the .staging subject = %v", subs)
		}
	})
}

// TestClientBaseContextPath uses franz-go's way of naming a context:
// sr.InContext (or the client option sr.DefaultSchemaContext) sends every
// request under the base path /contexts/{context}/, as Confluent Schema
// Registry documents ("How to use a base context path").
func TestClientBaseContextPath(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		staging := sr.InContext(bg, ".staging")
		got, err := cl.CreateSchema(staging, "orders-value", avroSchema(userV1))
		must(t, "CreateSchema in .staging", err)
		if got.ID != 1 || got.Version != 1 {
			t.Errorf("CreateSchema in .staging = %+v, want id 1 version 1", got)
		}
		// It is the qualified subject.
		v, err := cl.SchemaByVersion(bg, ":.staging:orders-value", 1)
		must(t, "SchemaByVersion(qualified)", err)
		if v.ID != got.ID {
			t.Errorf("qualified subject holds id %d, want %d", v.ID, got.ID)
		}
		subs, err := cl.Subjects(staging)
		must(t, "Subjects in .staging", err)
		if len(subs) != 1 || !strings.HasSuffix(subs[0], "orders-value") {
			t.Errorf("Subjects in .staging = %v", subs)
		}
		text, err := cl.SchemaTextByID(staging, got.ID)
		must(t, "SchemaTextByID in .staging", err)
		if !jsonEqual(t, text, userV1) {
			t.Errorf("SchemaTextByID in .staging = %s", text)
		}
	})
}

// TestClientSubjectVersionsDeletedOnly: franz-go's SubjectVersions takes
// sr.DeletedOnly (GET /subjects/{subject}/versions?deletedOnly=true), which
// lists the soft-deleted versions only.
func TestClientSubjectVersionsDeletedOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cl := s.Client
		for _, schema := range []string{userV1, userV2} {
			_, err := cl.RegisterSchema(bg, "s", avroSchema(schema), -1, -1)
			must(t, "register", err)
		}
		must(t, "soft-delete version 1", cl.DeleteSchema(bg, "s", 1, sr.SoftDelete))
		versions, err := cl.SubjectVersions(sr.WithParams(bg, sr.DeletedOnly), "s")
		must(t, "SubjectVersions(deletedOnly)", err)
		if !slices.Equal(versions, []int{1}) {
			t.Errorf("SubjectVersions(deletedOnly=true) = %v, want [1]", versions)
		}
	})
}
