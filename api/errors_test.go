package api_test

// Every error code of the Confluent API, through raw HTTP: the status, the
// error document and its message, and that the failed request changed
// nothing a user can read.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/contracts"
)

// errorFixture prepares subjects in every state the error cases need:
//
//	live       versions 1 (userV1) and 2 (userV2), no config or mode of its own
//	soft       version 1 soft-deleted, version 2 live
//	softsubj   every version soft-deleted
//	addr       version 1 referenced by cust version 1
//	ro         one version, config NONE, mode READONLY
//	imp        no versions, mode IMPORT
//
// It returns the id of userV1.
func errorFixture(t *testing.T, s *server) int {
	t.Helper()
	id, _ := s.register("live", schemaBody(userV1))
	s.register("live", schemaBody(userV2))

	s.register("soft", schemaBody(userV1))
	s.register("soft", schemaBody(userV2))
	s.ok("DELETE", "/subjects/soft/versions/1", nil, nil)

	s.register("softsubj", schemaBody(userV1))
	s.ok("DELETE", "/subjects/softsubj", nil, nil)

	s.register("addr", schemaBody(avroAddress))
	s.register("cust", schemaBody(avroCustomer, "references", []map[string]any{
		{"name": "com.acme.Address", "subject": "addr", "version": 1},
	}))

	s.register("ro", schemaBody(userV1))
	s.ok("PUT", "/config/ro", map[string]string{"compatibility": "NONE"}, nil)
	s.ok("PUT", "/mode/ro", map[string]string{"mode": "READONLY"}, nil)
	s.ok("PUT", "/mode/imp", map[string]string{"mode": "IMPORT"}, nil)
	return id
}

type errorCase struct {
	name   string
	method string
	path   string
	body   any      // see server.do
	header []string // name, value pairs
	status int
	code   int
	msg    []string // the message mentions each of these
}

func errorCases(userV1ID int) []errorCase {
	compatible := schemaBody(userV2)
	missingRef := schemaBody(avroCustomer, "references", []map[string]any{{"name": "com.acme.Address", "subject": "nope", "version": 1}})
	missingRefVersion := schemaBody(avroCustomer, "references", []map[string]any{{"name": "com.acme.Address", "subject": "addr", "version": 9}})
	return []errorCase{
		// 40401 subject not found
		{"versions of a missing subject", "GET", "/subjects/nope/versions", nil, nil, 404, 40401, []string{"nope"}},
		{"version of a missing subject", "GET", "/subjects/nope/versions/1", nil, nil, 404, 40401, []string{"nope"}},
		{"schema text of a missing subject", "GET", "/subjects/nope/versions/latest/schema", nil, nil, 404, 40401, nil},
		{"lookup in a missing subject", "POST", "/subjects/nope", compatible, nil, 404, 40401, []string{"nope"}},
		{"delete a missing subject", "DELETE", "/subjects/nope", nil, nil, 404, 40401, []string{"nope"}},
		{"delete a version of a missing subject", "DELETE", "/subjects/nope/versions/1", nil, nil, 404, 40401, []string{"nope"}},
		{"referencedby of a missing subject", "GET", "/subjects/nope/versions/1/referencedby", nil, nil, 404, 40401, nil},
		{"compatibility with a missing subject's version", "POST", "/compatibility/subjects/nope/versions/1", compatible, nil, 404, 40402, nil},
		{"delete the config of a missing subject", "DELETE", "/config/nope", nil, nil, 404, 40401, nil},
		{"versions of a soft-deleted subject", "GET", "/subjects/softsubj/versions", nil, nil, 404, 40401, []string{"softsubj"}},
		{"lookup in a soft-deleted subject", "POST", "/subjects/softsubj", schemaBody(userV1), nil, 404, 40401, nil},

		// 40402 version not found
		{"missing version", "GET", "/subjects/live/versions/3", nil, nil, 404, 40402, []string{"3"}},
		{"soft-deleted version without deleted=true", "GET", "/subjects/soft/versions/1", nil, nil, 404, 40402, nil},
		{"schema text of a missing version", "GET", "/subjects/live/versions/3/schema", nil, nil, 404, 40402, nil},
		{"delete a missing version", "DELETE", "/subjects/live/versions/9", nil, nil, 404, 40402, []string{"9"}},
		{"compatibility with a missing version", "POST", "/compatibility/subjects/live/versions/9", compatible, nil, 404, 40402, nil},
		{"referencedby of a missing version", "GET", "/subjects/live/versions/9/referencedby", nil, nil, 404, 40402, nil},

		// 40403 schema not found
		{"missing id", "GET", "/schemas/ids/9999", nil, nil, 404, 40403, []string{"9999"}},
		{"text of a missing id", "GET", "/schemas/ids/9999/schema", nil, nil, 404, 40403, nil},
		{"subjects of a missing id", "GET", "/schemas/ids/9999/subjects", nil, nil, 404, 40403, nil},
		{"versions of a missing id", "GET", "/schemas/ids/9999/versions", nil, nil, 404, 40403, nil},
		{"id 0", "GET", "/schemas/ids/0", nil, nil, 404, 40403, nil},
		{"negative id", "GET", "/schemas/ids/-1", nil, nil, 404, 40403, nil},
		{"id that is not a number", "GET", "/schemas/ids/abc", nil, nil, 404, 40403, nil},
		{"id of an existing schema in another context", "GET", "/schemas/ids/1?subject=:.elsewhere:", nil, nil, 404, 40403, nil},
		{"lookup of a schema the subject does not hold", "POST", "/subjects/live", schemaBody(avroSchemaOther), nil, 404, 40403, nil},

		// 40404..40407 delete states
		{"soft-delete a soft-deleted subject", "DELETE", "/subjects/softsubj", nil, nil, 404, 40404, []string{"softsubj"}},
		{"hard-delete a live subject", "DELETE", "/subjects/live?permanent=true", nil, nil, 404, 40405, []string{"live"}},
		{"soft-delete a soft-deleted version", "DELETE", "/subjects/soft/versions/1", nil, nil, 404, 40406, []string{"soft"}},
		{"hard-delete a live version", "DELETE", "/subjects/live/versions/1?permanent=true", nil, nil, 404, 40407, []string{"live"}},

		// 40408, 40409 nothing configured at the subject level
		{"config of a subject without its own", "GET", "/config/live", nil, nil, 404, 40408, []string{"live"}},
		{"delete the config a subject does not have", "DELETE", "/config/live", nil, nil, 404, 40408, nil},
		{"mode of a subject without its own", "GET", "/mode/live", nil, nil, 404, 40409, []string{"live"}},
		{"delete the mode a subject does not have", "DELETE", "/mode/live", nil, nil, 404, 40401, nil},

		// 409 incompatible: the message says what and where
		{"incompatible schema", "POST", "/subjects/live/versions", schemaBody(userV2NoDefault), nil, 409, 409,
			[]string{"incompatible", "BACKWARD", "version 2", "/fields/1", "age", avro.ReaderFieldMissingDefaultValue}},

		{"schema type change", "POST", "/subjects/live/versions", schemaBody(protoMoney, "schemaType", "PROTOBUF"), nil, 409, 409, []string{"AVRO", "PROTOBUF"}},

		// 42201 invalid schema
		{"avro record without fields", "POST", "/subjects/live/versions", schemaBody(`{"type":"record","name":"X"}`), nil, 422, 42201, []string{"fields"}},
		{"schema text that is not JSON", "POST", "/subjects/live/versions", schemaBody(`{"type":"record",`), nil, 422, 42201, nil},
		{"unknown named type", "POST", "/subjects/new/versions", schemaBody(avroRecord("X", `{"name":"a","type":"com.acme.Nope"}`)), nil, 422, 42201, []string{"com.acme.Nope"}},
		{"bad default", "POST", "/subjects/new/versions", schemaBody(avroRecord("X", `{"name":"a","type":"int","default":"one"}`)), nil, 422, 42201, []string{"/fields/0"}},
		{"empty schema", "POST", "/subjects/new/versions", schemaBody(""), nil, 422, 42201, nil},
		{"no schema at all", "POST", "/subjects/new/versions", map[string]any{}, nil, 422, 42201, nil},
		{"unknown schemaType", "POST", "/subjects/new/versions", schemaBody(userV1, "schemaType", "XML"), nil, 422, 42201, []string{"XML"}},
		{"missing reference subject", "POST", "/subjects/new/versions", missingRef, nil, 422, 42201, []string{"com.acme.Address", "nope"}},
		{"missing reference version", "POST", "/subjects/new/versions", missingRefVersion, nil, 422, 42201, []string{"com.acme.Address"}},
		// (A reference cycle cannot be built through the API: a reference
		// names an existing version, and versions never change.)
		{"reference without a name", "POST", "/subjects/new/versions", schemaBody(avroCustomer, "references", []map[string]any{{"subject": "addr", "version": 1}}), nil, 422, 42201, nil},
		{"reference with version 0", "POST", "/subjects/new/versions", schemaBody(avroCustomer, "references", []map[string]any{{"name": "com.acme.Address", "subject": "addr", "version": 0}}), nil, 422, 42201, nil},
		{"protobuf syntax error", "POST", "/subjects/new/versions", schemaBody(`syntax = "proto3"; message {`, "schemaType", "PROTOBUF"), nil, 422, 42201, nil},
		{"protobuf unknown import", "POST", "/subjects/new/versions", schemaBody(protoOrder, "schemaType", "PROTOBUF"), nil, 422, 42201, []string{"acme/money.proto"}},
		{"json schema with a bad type", "POST", "/subjects/new/versions", schemaBody(`{"type":12}`, "schemaType", "JSON"), nil, 422, 42201, nil},
		{"json schema with a remote $ref", "POST", "/subjects/new/versions", schemaBody(`{"type":"object","properties":{"a":{"$ref":"https://example.com/a.json"}}}`, "schemaType", "JSON"), nil, 422, 42201, []string{"example.com/a.json"}},
		{"json schema that is not JSON", "POST", "/subjects/new/versions", schemaBody(`{"type":`, "schemaType", "JSON"), nil, 422, 42201, nil},
		{"lookup of an invalid schema", "POST", "/subjects/live", schemaBody(`{"type":"record","name":"X"}`), nil, 422, 42201, nil},
		{"compatibility of an invalid schema", "POST", "/compatibility/subjects/live/versions/latest", schemaBody(`{"type":"record","name":"X"}`), nil, 422, 42201, nil},

		// 42202 invalid version
		{"version abc", "GET", "/subjects/live/versions/abc", nil, nil, 422, 42202, []string{"abc"}},
		{"version 0", "GET", "/subjects/live/versions/0", nil, nil, 422, 42202, nil},
		{"version -2", "GET", "/subjects/live/versions/-2", nil, nil, 422, 42202, nil},
		{"version beyond int32", "GET", "/subjects/live/versions/2147483648", nil, nil, 422, 42202, nil},
		{"schema text of version abc", "GET", "/subjects/live/versions/abc/schema", nil, nil, 422, 42202, nil},
		{"delete version abc", "DELETE", "/subjects/live/versions/abc", nil, nil, 422, 42202, nil},
		{"referencedby version abc", "GET", "/subjects/live/versions/abc/referencedby", nil, nil, 422, 42202, nil},
		{"compatibility with version abc", "POST", "/compatibility/subjects/live/versions/abc", compatible, nil, 422, 42202, nil},

		// 42203 invalid compatibility level, 42204 invalid mode
		{"global level SIDEWAYS", "PUT", "/config", map[string]string{"compatibility": "SIDEWAYS"}, nil, 422, 42203, nil},
		{"subject level SIDEWAYS", "PUT", "/config/live", map[string]string{"compatibilityLevel": "SIDEWAYS"}, nil, 422, 42203, nil},
		{"global mode WRITEONLY", "PUT", "/mode", map[string]string{"mode": "WRITEONLY"}, nil, 422, 42204, nil},
		{"subject mode empty", "PUT", "/mode/live", map[string]string{"mode": ""}, nil, 422, 42204, nil},

		// 42205 operation not permitted
		{"register in READONLY", "POST", "/subjects/ro/versions", compatible, nil, 422, 42205, []string{"read-only"}},
		{"re-register in READONLY", "POST", "/subjects/ro/versions", schemaBody(userV1), nil, 422, 42205, nil},
		{"delete in READONLY", "DELETE", "/subjects/ro", nil, nil, 422, 42205, nil},
		{"delete a version in READONLY", "DELETE", "/subjects/ro/versions/1", nil, nil, 422, 42205, nil},
		{"config write in READONLY", "PUT", "/config/ro", map[string]string{"compatibility": "FULL"}, nil, 422, 42205, []string{"read-only"}},
		{"config delete in READONLY", "DELETE", "/config/ro", nil, nil, 422, 42205, []string{"read-only"}},
		{"register without an id in IMPORT", "POST", "/subjects/imp/versions", schemaBody(avroSchemaOther), nil, 422, 42205, []string{"import", "id"}},
		{"caller-chosen id outside IMPORT", "POST", "/subjects/live/versions", schemaBody(avroSchemaOther, "id", 500), nil, 422, 42205, []string{"IMPORT"}},
		{"caller-chosen version outside IMPORT", "POST", "/subjects/live/versions", schemaBody(userV1, "version", 7), nil, 422, 42205, []string{"IMPORT"}},
		{"IMPORT with an id holding another schema", "POST", "/subjects/imp/versions", schemaBody(avroSchemaOther, "id", userV1ID), nil, 422, 42205, []string{fmt.Sprint(userV1ID)}},
		{"IMPORT of a stored schema under another id", "POST", "/subjects/imp/versions", schemaBody(userV1, "id", 777), nil, 422, 42205, []string{fmt.Sprint(userV1ID)}},
		{"global IMPORT with subjects, without force", "PUT", "/mode", map[string]string{"mode": "IMPORT"}, nil, 422, 42205, nil},
		{"subject IMPORT with versions, without force", "PUT", "/mode/live", map[string]string{"mode": "IMPORT"}, nil, 422, 42205, nil},
		// Ids are int32 on the wire (magic byte, 4-byte id) and versions are
		// [1, 2^31-1]: larger ones can never be read back.
		{"IMPORT of an id beyond int32", "POST", "/subjects/imp/versions", schemaBody(avroSchemaOther, "id", int64(1)<<31), nil, 422, 422, []string{"id"}},
		{"IMPORT of a version beyond int32", "POST", "/subjects/imp/versions", schemaBody(avroSchemaOther, "version", int64(1)<<31), nil, 422, 422, []string{"version"}},

		// 42206 reference exists
		{"delete a referenced version", "DELETE", "/subjects/addr/versions/1", nil, nil, 422, 42206, []string{"addr"}},
		{"delete a referenced subject", "DELETE", "/subjects/addr", nil, nil, 422, 42206, nil},

		// 42208 invalid subject
		{"empty subject in a context", "POST", "/subjects/:.ctx:/versions", compatible, nil, 422, 42208, nil},
		{"subject with a control character", "POST", "/subjects/bad%01name/versions", compatible, nil, 422, 42208, nil},
		{"subject longer than 1024 bytes", "POST", "/subjects/" + strings.Repeat("x", 1025) + "/versions", compatible, nil, 422, 42208, nil},
		{"config of a subject with a control character", "PUT", "/config/bad%01name", map[string]string{"compatibility": "NONE"}, nil, 422, 42208, nil},
		{"mode of a subject with a control character", "PUT", "/mode/bad%01name", map[string]string{"mode": "READONLY"}, nil, 422, 42208, nil},

		// Malformed requests: the HTTP layer's own codes.
		{"malformed JSON", "POST", "/subjects/live/versions", `{"schema":`, nil, 400, 400, nil},
		{"JSON that is not an object", "POST", "/subjects/live/versions", `[1,2]`, nil, 422, 422, nil},
		{"trailing data", "POST", "/subjects/live/versions", `{"schema":"\"int\""} {}`, nil, 400, 400, nil},
		{"trailing bracket", "POST", "/subjects/new/versions", `{"schema":"\"int\""}]`, nil, 400, 400, nil},
		{"trailing brace", "PUT", "/config", `{"compatibility":"NONE"}}`, nil, 400, 400, nil},
		{"empty body", "POST", "/subjects/live/versions", "", nil, 400, 400, nil},
		{"empty config body", "PUT", "/config", "", nil, 400, 400, nil},
		{"unknown field", "POST", "/subjects/live/versions", schemaBody(userV1, "bogus", 1), nil, 422, 422, []string{"bogus"}},
		{"unknown config field", "PUT", "/config", map[string]any{"compatibility": "NONE", "bogus": true}, nil, 422, 422, []string{"bogus"}},
		{"unknown mode field", "PUT", "/mode", map[string]any{"mode": "READONLY", "bogus": true}, nil, 422, 422, []string{"bogus"}},
		{"schema that is not a string", "POST", "/subjects/live/versions", map[string]any{"schema": 5}, nil, 422, 422, []string{"schema"}},
		{"metadata that is not an object", "POST", "/subjects/live/versions", schemaBody(userV2, "metadata", []int{1}), nil, 422, 422, []string{"metadata"}},
		{"text/plain body", "POST", "/subjects/live/versions", schemaBody(userV2), []string{"Content-Type", "text/plain"}, 415, 415, []string{"text/plain"}},
		{"form body", "PUT", "/config", "compatibility=NONE", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, 415, nil},
		{"boolean parameter that is not a boolean", "DELETE", "/subjects/live?permanent=maybe", nil, nil, 400, 400, []string{"permanent"}},
		{"deleted=maybe", "GET", "/subjects?deleted=maybe", nil, nil, 400, 400, nil},
		{"negative offset", "GET", "/schemas?offset=-1", nil, nil, 400, 400, nil},
		{"unknown path", "GET", "/nope", nil, nil, 404, 404, nil},
		{"unknown method", "PATCH", "/subjects/live/versions", compatible, nil, 405, 405, nil},
	}
}

func TestErrorCodes(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		userV1ID := errorFixture(t, s)
		// Something in another context, so that a context mix-up shows.
		s.register(":.other:x", schemaBody(avroSchemaOther))
		for _, c := range errorCases(userV1ID) {
			t.Run(c.name, func(t *testing.T) {
				s := s.with(t)
				before := s.snapshot()
				r := s.do(c.method, c.path, c.body, c.header...)
				wantError(t, fmt.Sprintf("%s %s", c.method, c.path), r, c.status, c.code, c.msg...)
				s.unchanged(t, "the failed request", before)
			})
		}
	})
}

// TestEveryErrorCodeCovered keeps the table honest: each code the API
// documents has at least one case.
func TestEveryErrorCodeCovered(t *testing.T) {
	covered := map[int]bool{}
	for _, c := range errorCases(1) {
		covered[c.code] = true
	}
	for _, code := range []int{40401, 40402, 40403, 40404, 40405, 40406, 40407, 40408, 40409, 409,
		42201, 42202, 42203, 42204, 42205, 42206, 42208, 400, 404, 405, 415, 422} {
		if !covered[code] {
			t.Errorf("no case for error code %d", code)
		}
	}
	// 413 is TestBodyLimit's; 50001 cannot be caused by a client (the suite
	// fails on any 5xx instead).
}

// TestIncompatibleVerbose checks the 409 of a registration: it names each
// problem with its location and rule, for every earlier version a
// transitive level checks.
func TestIncompatibleVerbose(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		s.register("t", schemaBody(userV1))
		s.ok("PUT", "/config/t", map[string]string{"compatibility": "FULL_TRANSITIVE"}, nil)
		s.register("t", schemaBody(userV2))
		// Changing id's type breaks both directions against both versions.
		bad := avroRecord("User", `{"name":"id","type":"string"}`)
		r := s.do("POST", "/subjects/t/versions", schemaBody(bad))
		e := wantError(t, "incompatible under FULL_TRANSITIVE", r, http.StatusConflict, 409, "/fields/0", avro.TypeMismatch)
		for _, want := range []string{"BACKWARD (version 1)", "FORWARD (version 1)", "BACKWARD (version 2)", "FORWARD (version 2)"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("409 message %q does not mention %q", e.Message, want)
			}
		}
	})
}

// A request its client abandoned (context canceled) is not a server
// failure: no error log, no 500 in the access log (499), nothing stored.
func TestAbandonedRequestIsNotAServerError(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		st := accordtest.New(t, target, accordtest.Options{Unowned: contracts.UnownedOpen, LineageMaxAge: -1})
		var logs bytes.Buffer
		h := api.New(st.Registry, api.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		body := `{"schema":"{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}"}`
		req := httptest.NewRequest("POST", "/subjects/abandoned-value/versions", strings.NewReader(body)).WithContext(ctx)
		req.Header.Set("Content-Type", api.ContentType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 499 {
			t.Errorf("status %d, want 499: %s", rec.Code, rec.Body)
		}
		if strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("an abandoned request was logged as an error:\n%s", logs.String())
		}
		if subs, err := st.Registry.Subjects(context.Background(), "", true); err != nil || len(subs) != 0 {
			t.Errorf("subjects after an abandoned registration: %v %v", subs, err)
		}
	})
}
