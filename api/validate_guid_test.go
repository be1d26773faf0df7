package api_test

import (
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"testing"

	hamba "github.com/hamba/avro/v2"

	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/wire"
)

// TestValidateHookGUIDHeader: the server's validation hook (over its
// in-process source, api.LocalSource) finds a record's schema by the GUID
// in its __value_schema_id header, as Confluent's header-based serializer
// writes it, and checks the bare payload and the rules against it. An
// unknown GUID, and the GUID of a schema registered only in another
// context (whose id would name another schema in the default context),
// fail the schema id check.
func TestValidateHookGUIDHeader(t *testing.T) {
	eachStreamStore(t, true, contracts.UnownedOpen, func(t *testing.T, s *streamServer) {
		setUpOrders(t, s)
		guidOf := func(subject string) string {
			t.Helper()
			var v struct{ ID int }
			s.with(t).ok("GET", "/subjects/"+url.PathEscape(subject)+"/versions/latest", nil, &v)
			var sch struct{ GUID string }
			s.with(t).ok("GET", "/schemas/ids/"+strconv.Itoa(v.ID)+"?subject="+url.QueryEscape(subject), nil, &sch)
			if sch.GUID == "" {
				t.Fatalf("schema %d of %s has no guid", v.ID, subject)
			}
			return sch.GUID
		}
		header := func(guid string) []byte {
			b, err := hex.DecodeString(strings.ReplaceAll(guid, "-", ""))
			if err != nil || len(b) != 16 {
				t.Fatalf("GUID %q: %v", guid, err)
			}
			return append([]byte{wire.MagicGUID}, b...)
		}
		schema := hamba.MustParse(validateOrder)
		bare := func(id string, amount int64) []byte {
			b, err := hamba.Marshal(schema, map[string]any{"id": id, "amount": amount})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		// Another context's schema: its id is 1 there, as orders-value's
		// is here.
		s.with(t).register(":.other:things-value", map[string]any{"schema": `{"type":"record","name":"Thing","fields":[{"name":"n","type":"int"}]}`})

		orders := header(guidOf("orders-value"))
		for _, c := range []struct {
			name    string
			value   []byte
			header  []byte
			failure string // the check that fails; "" when valid
		}{
			{"good", bare("o-1", 5), orders, ""},
			{"rule", bare("o-2", -1), orders, "rules"},
			{"not that schema's payload", []byte{0xff, 0xff}, orders, "payload"},
			{"unknown GUID", bare("o-3", 5), header("00000000-0000-4000-8000-000000000009"), "schema_id"},
			{"another context's schema", bare("o-4", 5), header(guidOf(":.other:things-value")), "schema_id"},
		} {
			var a validateAnswer
			s.with(t).ok("POST", "/v1/validate", map[string]any{"topic": "orders", "producer": "orders-svc", "value": c.value,
				"headers": []map[string]any{{"key": wire.ValueSchemaIDHeader, "value": c.header}}}, &a)
			switch {
			case c.failure == "" && (!a.Valid || len(a.Failures) != 0):
				t.Errorf("%s: %+v, want valid", c.name, a)
			case c.failure != "" && (a.Valid || len(a.Failures) != 1 || a.Failures[0].Check != c.failure):
				t.Errorf("%s: %+v, want one %s failure", c.name, a, c.failure)
			}
		}
	})
}
