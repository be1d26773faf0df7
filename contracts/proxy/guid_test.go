package proxy_test

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	hamba "github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/accord/accord/contracts/proxy"
	"github.com/accord/accord/contracts/validator"
	"github.com/accord/accord/contracts/wire"
)

// guidHeader is what Confluent's header-based serializer writes: version
// byte 1, then the schema's 16-byte GUID.
func guidHeader(t testing.TB, guid string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(guid, "-", ""))
	if err != nil || len(b) != 16 {
		t.Fatalf("GUID %q: %v", guid, err)
	}
	return append([]byte{wire.MagicGUID}, b...)
}

// TestGUIDHeadersThroughLocalSource: records naming their schema by GUID
// in a __value_schema_id header, with a bare payload, go through a proxy
// whose Validator reads the server in-process (api.LocalSource, as the
// server's validation hook does) and through one reading it over HTTP:
// the schema is found by GUID, the payload and rules checked against it,
// and an unknown GUID refused.
func TestGUIDHeadersThroughLocalSource(t *testing.T) {
	w := startAccord(t)
	ctx := context.Background()
	sv, err := w.reg.Version(ctx, "orders-value", -1, false)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := w.reg.SchemaByID(ctx, sv.Schema.ID, "")
	if err != nil || rec.GUID == "" {
		t.Fatalf("schema %d: GUID %q, %v", sv.Schema.ID, rec.GUID, err)
	}
	schema := hamba.MustParse(avroOrder)
	bare := func(t *testing.T, id string, amount int64) []byte {
		b, err := hamba.Marshal(schema, map[string]any{"id": id, "amount": amount})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	byGUID := func(id string, value []byte, guid []byte) *kgo.Record {
		r := record("orders", id, value)
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: wire.ValueSchemaIDHeader, Value: guid})
		return r
	}
	unknown := guidHeader(t, "00000000-0000-4000-8000-000000000009")

	for _, src := range []struct {
		name string
		v    *validator.Validator
	}{{"local", w.localValidator()}, {"http", w.validator()}} {
		t.Run(src.name, func(t *testing.T) {
			c := startCluster(t, 1, 1, "orders")
			p := startProxy(t, c, proxy.Config{Validator: src.v, SASL: &proxy.AccordAuthenticator{BaseURL: w.URL}})
			cl := newClient(t, p, kgo.SASL(plain.Auth{User: "orders-svc", Pass: ordersPassword}.AsMechanism()))
			good := guidHeader(t, rec.GUID)
			for _, c := range []struct {
				rec   *kgo.Record
				valid bool
			}{
				{byGUID("g-1", bare(t, "g-1", 5), good), true},
				{byGUID("g-2", bare(t, "g-2", -5), good), false},                        // breaks the rule of the schema the GUID names
				{byGUID("g-3", []byte{0xff, 0xff, 0xff}, good), false},                  // not that schema's payload
				{byGUID("g-4", bare(t, "g-4", 5), unknown), false},                      // no such GUID
				{byGUID("g-5", bare(t, "g-5", 5), []byte{wire.MagicGUID, 1, 2}), false}, // truncated header
				{record("orders", "g-6", w.formats[0].encode("g-6", 6)), true},          // the classic prefix still works
			} {
				err := cl.ProduceSync(ctx, c.rec).FirstErr()
				if c.valid && err != nil || !c.valid && !errors.Is(err, kerr.InvalidRecord) {
					t.Errorf("record %s: %v, want valid=%t", idOf(c.rec), err, c.valid)
				}
			}
			var ids []string
			for _, r := range consume(t, c, "orders", 2) {
				ids = append(ids, idOf(r))
			}
			if !slices.Equal(ids, []string{"g-1", "g-6"}) {
				t.Errorf("consumed %v, want [g-1 g-6]", ids)
			}
		})
	}
}
