package api_test

// The validation hook through the real stack: a stream, its schemas with
// a CEL rule, and records framed by franz-go's Serde, checked by
// POST /v1/validate and /v1/validate/batch, and by an embedded Validator
// reading the same server over HTTP.

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/validator"
)

const validateOrder = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"}]}`

type validateAnswer struct {
	Valid    bool `json:"valid"`
	Records  int  `json:"records"`
	Invalid  int  `json:"invalid"`
	Failures []struct {
		Record    int    `json:"record"`
		Partition *int32 `json:"partition"`
		Offset    *int64 `json:"offset"`
		Part      string `json:"part"`
		Check     string `json:"check"`
		Reason    string `json:"reason"`
		Rule      string `json:"rule"`
		SchemaID  int    `json:"schemaId"`
	} `json:"failures"`
}

// setUpOrders declares stream orders (owner orders-svc) and registers its
// value schema with a CEL rule; it returns a framer for its records.
func setUpOrders(t *testing.T, s *streamServer) func(id string, amount int64) []byte {
	t.Helper()
	if r := s.do("POST", "/v1/streams", map[string]any{"name": "orders", "owner": "orders-svc", "eventType": "measurement"}); r.Status != http.StatusCreated {
		t.Fatalf("creating the stream: %s", r)
	}
	id, _ := s.with(t).register("orders-value", map[string]any{
		"schema":  validateOrder,
		"ruleSet": json.RawMessage(`{"domainRules":[{"name":"positiveAmount","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.amount > 0"}]}`),
	})
	schema := hamba.MustParse(validateOrder)
	var serde sr.Serde
	serde.Register(id, map[string]any{}, sr.EncodeFn(func(v any) ([]byte, error) { return hamba.Marshal(schema, v) }))
	return func(oid string, amount int64) []byte {
		return serde.MustEncode(map[string]any{"id": oid, "amount": amount})
	}
}

func TestValidateHook(t *testing.T) {
	eachStreamStore(t, true, contracts.UnownedOpen, func(t *testing.T, s *streamServer) {
		enc := setUpOrders(t, s)
		var a validateAnswer
		s.with(t).ok("POST", "/v1/validate", map[string]any{"topic": "orders", "producer": "orders-svc", "value": enc("o-1", 5)}, &a)
		if !a.Valid || a.Records != 1 || len(a.Failures) != 0 {
			t.Errorf("a good record: %+v", a)
		}

		a = validateAnswer{}
		s.with(t).ok("POST", "/v1/validate/batch", map[string]any{"records": []map[string]any{
			{"topic": "orders", "producer": "orders-svc", "value": enc("o-1", 5)},
			{"topic": "orders", "partition": 3, "offset": 41, "producer": "billing-svc", "value": enc("o-2", -1)},
			{"topic": "orders", "producer": "orders-svc", "value": []byte{1, 2, 3}},
			{"topic": "ghosts", "producer": "orders-svc"},
			{"topic": "orders", "producer": "orders-svc", "value": nil, "headers": []map[string]any{{"key": "h", "value": []byte("v")}}},
		}}, &a)
		if a.Valid || a.Records != 5 || a.Invalid != 3 {
			t.Fatalf("batch: %+v", a)
		}
		want := []struct {
			record      int
			part, check string
		}{{1, "record", "producer"}, {1, "value", "rules"}, {2, "value", "frame"}, {3, "record", "stream"}}
		if len(a.Failures) != len(want) {
			t.Fatalf("failures %+v, want %v", a.Failures, want)
		}
		for i, w := range want {
			f := a.Failures[i]
			if f.Record != w.record || f.Part != w.part || f.Check != w.check || f.Reason == "" {
				t.Errorf("failure %d: %+v, want %+v", i, f, w)
			}
		}
		if f := a.Failures[0]; f.Partition == nil || *f.Partition != 3 || f.Offset == nil || *f.Offset != 41 {
			t.Errorf("failure of record 1 does not place it: %+v", f)
		}
		if f := a.Failures[1]; f.Rule != "positiveAmount" {
			t.Errorf("rule failure: %+v", f)
		}

		// Client errors are not verdicts.
		wantError(t, "no topic", s.do("POST", "/v1/validate", map[string]any{"value": enc("o", 1)}), 422, 422, "no topic")
		wantError(t, "bad base64", s.do("POST", "/v1/validate", `{"topic":"orders","value":"%%%"}`), 400, 400)
		// The hook writes nothing: any signed-in caller gets verdicts, and
		// the producer is the one the record names, not the caller.
		if r := s.as(t, "alice", "POST", "/v1/validate", map[string]any{"topic": "orders"}); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"check":"producer"`) {
			t.Errorf("a reader calling the hook: %s", r)
		}

		// The embedded validator over HTTP gives the same verdicts.
		v := validator.New(validator.NewHTTPSource(s.URL, validator.HTTPOptions{Client: s.HTTP}), validator.Options{})
		ctx := context.Background()
		if got := v.Validate(ctx, &validator.Record{Topic: "orders", Producer: "orders-svc", Value: enc("o-1", 5)}); !got.Valid {
			t.Errorf("over HTTP, a good record: %+v", got)
		}
		got := v.Validate(ctx, &validator.Record{Topic: "orders", Producer: "orders-svc", Value: enc("o-1", 0)})
		if got.Valid || len(got.Failures) != 1 || got.Failures[0].Check != validator.CheckRules {
			t.Errorf("over HTTP, a record breaking the rule: %+v", got)
		}
		got = v.Validate(ctx, &validator.Record{Topic: "orders", Producer: "orders-svc", Value: []byte{0, 0, 0, 0, 77}})
		if got.Valid || got.Failures[0].Check != validator.CheckSchemaID {
			t.Errorf("over HTTP, an unknown id: %+v", got)
		}
	})
}

// TestValidateBatchThroughput measures the batch hook in records per
// second over loopback HTTP (logged; it fails only on wrong verdicts).
func TestValidateBatchThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement")
	}
	s := startStreamServer(t, t.TempDir(), false, contracts.UnownedOpen)
	enc := setUpOrders(t, s)
	const batch, rounds = 1000, 10
	recs := make([]map[string]any, batch)
	for i := range recs {
		recs[i] = map[string]any{"topic": "orders", "partition": 0, "offset": i, "producer": "orders-svc", "value": enc("order-123456", int64(i+1))}
	}
	body, err := json.Marshal(map[string]any{"records": recs})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range rounds {
		var a validateAnswer
		s.ok("POST", "/v1/validate/batch", body, &a)
		if !a.Valid || a.Records != batch {
			t.Fatalf("batch: valid=%t records=%d failures %+v", a.Valid, a.Records, a.Failures[:min(3, len(a.Failures))])
		}
	}
	el := time.Since(start)
	t.Logf("batch hook: %d records in %v: %.0f records/s (batches of %d, small Avro records, every check incl. one CEL rule)",
		batch*rounds, el, float64(batch*rounds)/el.Seconds(), batch)
}

// TestValidateSwitches turns each of a stream's check switches off in
// turn (PATCH .../validation) and shows that a record failing only that
// check then passes the hook, on both engines; a bad mode is 422 and
// switch changes are audited.
func TestValidateSwitches(t *testing.T) {
	eachStreamStore(t, false, contracts.UnownedOpen, func(t *testing.T, s *streamServer) {
		enc := setUpOrders(t, s)
		// Schema of another subject (wrong id for orders), a newer
		// version of orders-value (so the first is no longer latest), and
		// a stream without rules for the payload check.
		otherID, _ := s.with(t).register("other-value", map[string]any{"schema": validateOrder})
		s.with(t).register("orders-value", map[string]any{"schema": `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"},{"name":"note","type":["null","string"],"default":null}]}`})
		var otherSerde sr.Serde
		otherSerde.Register(otherID, map[string]any{}, sr.EncodeFn(func(v any) ([]byte, error) { return hamba.Marshal(hamba.MustParse(validateOrder), v) }))
		wrongID := otherSerde.MustEncode(map[string]any{"id": "o", "amount": int64(1)})
		garbage := append(wrongID[:5:5], 0xff, 0xff, 0xff)

		if r := s.do("POST", "/v1/streams", map[string]any{"name": "other", "owner": "orders-svc", "eventType": "measurement"}); r.Status != http.StatusCreated {
			t.Fatalf("creating stream other: %s", r)
		}
		if st := decodeStream(t, s.do("GET", "/v1/streams/orders", nil)); st.Validation != contracts.DefaultValidation {
			t.Fatalf("default validation %+v", st.Validation)
		}
		wantError(t, "bad mode", s.do("PATCH", "/v1/streams/orders", map[string]any{"validation": map[string]any{"schemaId": "registered"}}), 422, 42271, "not off, any, live or latest")

		for _, tc := range []struct {
			name, topic, producer string
			value                 []byte
			check, stream         string
			off                   map[string]any
		}{
			{"schemaId", "orders", "orders-svc", wrongID, "schema_id", "orders", map[string]any{"schemaId": "off"}},
			{"schemaId latest", "orders", "orders-svc", enc("o", 1), "schema_id", "orders", map[string]any{"schemaId": "any"}},
			{"payload", "other", "orders-svc", garbage, "payload", "other", map[string]any{"payload": false}},
			{"rules", "orders", "orders-svc", enc("o", -1), "rules", "orders", map[string]any{"rules": false}},
			{"producer", "orders", "billing-svc", enc("o", 1), "producer", "orders", map[string]any{"producer": false}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				on := map[string]any{"schemaId": "any", "payload": true, "rules": true, "producer": true}
				if tc.name == "schemaId latest" {
					on["schemaId"] = "latest"
				}
				if tc.stream == "other" {
					on["schemaId"] = "off" // its records use another subject's schema
				}
				s.with(t).ok("PATCH", "/v1/streams/"+tc.stream, map[string]any{"validation": on}, nil)
				rec := map[string]any{"topic": tc.topic, "producer": tc.producer, "value": tc.value}
				var a validateAnswer
				s.with(t).ok("POST", "/v1/validate", rec, &a)
				if a.Valid || len(a.Failures) != 1 || a.Failures[0].Check != tc.check {
					t.Fatalf("switch on: %+v, want only a %s failure", a, tc.check)
				}
				var st contracts.Stream
				s.with(t).ok("PATCH", "/v1/streams/"+tc.stream, map[string]any{"validation": tc.off}, &st)
				a = validateAnswer{}
				s.with(t).ok("POST", "/v1/validate/batch", map[string]any{"records": []any{rec}}, &a)
				if !a.Valid {
					t.Errorf("switch off (%+v): %+v", st.Validation, a)
				}
			})
		}

		// The embedded validator over HTTP reads the same switches.
		hv := validator.New(validator.NewHTTPSource(s.URL, validator.HTTPOptions{Client: s.HTTP}), validator.Options{})
		if got := hv.Validate(context.Background(), &validator.Record{Topic: "orders", Producer: "billing-svc", Value: enc("o", 1)}); !got.Valid {
			t.Errorf("over HTTP with producer off: %+v", got)
		}
		s.with(t).ok("PATCH", "/v1/streams/orders", map[string]any{"validation": map[string]any{"producer": true}}, nil)
		hv = validator.New(validator.NewHTTPSource(s.URL, validator.HTTPOptions{Client: s.HTTP}), validator.Options{})
		if got := hv.Validate(context.Background(), &validator.Record{Topic: "orders", Producer: "billing-svc", Value: enc("o", 1)}); got.Valid {
			t.Errorf("over HTTP with producer on: %+v", got)
		}

		// PUT without validation turns every check back on; each change
		// is a stream.update with the switches before and after.
		s.with(t).ok("PUT", "/v1/streams/orders", map[string]any{"eventType": "measurement"}, nil)
		if st := decodeStream(t, s.do("GET", "/v1/streams/orders", nil)); st.Validation != contracts.DefaultValidation {
			t.Errorf("after PUT without validation: %+v", st.Validation)
		}
		var entries []audit.Entry
		s.with(t).ok("GET", "/v1/audit?target=orders&action=stream.update", nil, &entries)
		found := false
		for _, e := range entries {
			found = found || (strings.Contains(string(e.Before), `"producer":false`) && strings.Contains(string(e.After), `"producer":true`))
		}
		if !found {
			t.Errorf("no stream.update entry turns producer back on among %d entries", len(entries))
		}
	})
}
