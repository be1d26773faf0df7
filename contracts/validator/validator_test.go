package validator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/accord/accord/compat/protobuf"
	"github.com/accord/accord/contracts/validator"
	"github.com/accord/accord/contracts/wire"
)

// fakeSource is a Source in memory; tests change it between records.
type fakeSource struct {
	mu       sync.Mutex
	schemas  map[int]validator.SchemaDoc
	usages   map[int][]validator.Usage
	latest   map[string]validator.Usage
	policies []validator.Policy
	reads    int
	// guids maps schema GUIDs to ids (validator.GUIDSource).
	guids map[string]int
}

func (f *fakeSource) SchemaByGUID(ctx context.Context, guid string) (validator.SchemaDoc, error) {
	f.mu.Lock()
	id, ok := f.guids[guid]
	if !ok {
		f.reads++
	}
	f.mu.Unlock()
	if !ok {
		return validator.SchemaDoc{}, fmt.Errorf("%w: schema GUID %s", validator.ErrNotFound, guid)
	}
	return f.Schema(ctx, id)
}

// The GUIDs of schemas 1 and 2 in world.
var (
	guid1 = [16]byte{0x6b, 0x1d, 0x3c, 0x2a, 0, 1, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1}
	guid2 = [16]byte{0x6b, 0x1d, 0x3c, 0x2a, 0, 1, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 2}
)

// guidHeader is the __value_schema_id header Confluent's header
// serializer writes: version 1, the GUID, then Protobuf's message indexes.
func guidHeader(g [16]byte, index []int) []byte {
	h := append([]byte{wire.MagicGUID}, g[:]...)
	if index != nil {
		h = append(h, 0) // [0]: the first message, as Confluent writes it
	}
	return h
}

func withHeader(r validator.Record, key string, value []byte) validator.Record {
	r.Headers = append(r.Headers, validator.Header{Key: key, Value: value})
	return r
}

func (f *fakeSource) Schema(_ context.Context, id int) (validator.SchemaDoc, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	d, ok := f.schemas[id]
	if !ok {
		return d, fmt.Errorf("%w: schema %d", validator.ErrNotFound, id)
	}
	return d, nil
}

func (f *fakeSource) Usages(_ context.Context, id int) ([]validator.Usage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]validator.Usage(nil), f.usages[id]...), nil
}

func (f *fakeSource) Latest(_ context.Context, subject string) (validator.Usage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.latest[subject]
	if !ok {
		return u, validator.ErrNotFound
	}
	return u, nil
}

func (f *fakeSource) Streams(context.Context) ([]validator.Policy, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]validator.Policy(nil), f.policies...), nil
}

// The same Order in the three formats: id 1 is the registered version,
// id 2 a schema of another subject, id 3 an older version.
const (
	avroOrder  = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"}]}`
	protoOrder = `syntax = "proto3";
package com.acme;
message Order {
  string id = 1;
  int64 amount = 2;
  message Line { string sku = 1; }
}
message Other { string x = 1; }
`
	jsonOrder = `{"title":"com.acme.Order","type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"}},"required":["id","amount"]}`

	// rules: the amount is positive; every string field is non-empty.
	orderRules = `{"domainRules":[
	  {"name":"positiveAmount","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.amount > 0"},
	  {"name":"noEmptyStrings","kind":"CONDITION","mode":"WRITEREAD","type":"CEL_FIELD","expr":"typeName == 'STRING' ; value != ''"},
	  {"name":"readOnly","kind":"CONDITION","mode":"READ","type":"CEL","expr":"false"},
	  {"name":"off","kind":"CONDITION","type":"CEL","expr":"false","disabled":true}]}`
)

// format builds a format's records.
type format struct {
	name   string
	typ    string
	schema string
	encode func(t *testing.T, id string, amount int64) []byte
	index  []int // Protobuf message indexes, nil otherwise
}

func formats(t *testing.T) []format {
	avroSchema := hamba.MustParse(avroOrder)
	ps, err := protobuf.Parse(protoOrder, nil)
	if err != nil {
		t.Fatal(err)
	}
	md, err := ps.MessageByIndexes([]int{0})
	if err != nil {
		t.Fatal(err)
	}
	return []format{
		{name: "avro", typ: "AVRO", schema: avroOrder, encode: func(t *testing.T, id string, amount int64) []byte {
			b, err := hamba.Marshal(avroSchema, map[string]any{"id": id, "amount": amount})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{name: "protobuf", typ: "PROTOBUF", schema: protoOrder, index: []int{0}, encode: func(t *testing.T, id string, amount int64) []byte {
			m := dynamicpb.NewMessage(md)
			m.Set(md.Fields().ByName("id"), protoValueOf(id))
			m.Set(md.Fields().ByName("amount"), protoValueOf(amount))
			b, err := proto.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{name: "json", typ: "JSON", schema: jsonOrder, encode: func(t *testing.T, id string, amount int64) []byte {
			b, err := json.Marshal(map[string]any{"id": id, "amount": amount})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
	}
}

// frame writes a record as franz-go's Serde does.
func frame(id int, index []int, payload []byte) []byte {
	var s sr.Serde
	opts := []sr.EncodingOpt{sr.EncodeFn(func(v any) ([]byte, error) { return v.([]byte), nil })}
	if index != nil {
		opts = append(opts, sr.Index(index...))
	}
	s.Register(id, []byte(nil), opts...)
	return s.MustEncode(payload)
}

// world is a source with stream orders (owner orders-svc, topic-name
// strategy) whose value subject has versions 1 (schema 3, soft-deleted)
// and 2 (schema 1, with rules); schema 2 is registered under another
// subject.
func world(f format) *fakeSource {
	return &fakeSource{
		schemas: map[int]validator.SchemaDoc{
			1: {ID: 1, Type: f.typ, Schema: f.schema, RuleSet: json.RawMessage(orderRules)},
			2: {ID: 2, Type: f.typ, Schema: f.schema},
			3: {ID: 3, Type: f.typ, Schema: f.schema},
		},
		usages: map[int][]validator.Usage{
			1: {{Subject: "orders-value", Version: 2, SchemaID: 1}},
			2: {{Subject: "payments-value", Version: 1, SchemaID: 2}},
			3: {{Subject: "orders-value", Version: 1, SchemaID: 3, Deleted: true}},
		},
		latest: map[string]validator.Usage{"orders-value": {Subject: "orders-value", Version: 2, SchemaID: 1}},
		guids: map[string]int{
			"6b1d3c2a-0001-4000-8000-000000000001": 1,
			"6b1d3c2a-0001-4000-8000-000000000002": 2,
		},
		policies: []validator.Policy{{
			Stream: "orders", Owner: "orders-svc", Strategy: wire.TopicName,
			KeySubject: "orders-key", ValueSubjects: []string{"orders-value"}, Checks: validator.DefaultChecks,
		}},
	}
}

func TestValidate(t *testing.T) {
	for _, f := range formats(t) {
		t.Run(f.name, func(t *testing.T) {
			good := f.encode(t, "o-1", 5)
			for _, tc := range []struct {
				name   string
				rec    validator.Record
				checks *validator.Checks
				change func(*fakeSource)
				// want lists the failures as "part check [rule]"; the
				// reason must contain why.
				want []string
				why  string
			}{
				{name: "valid", rec: rec(frame(1, f.index, good))},
				{name: "tombstone", rec: validator.Record{Topic: "orders", Producer: "orders-svc"}},
				{name: "unframed key ignored without a key subject", rec: withKey(rec(frame(1, f.index, good)), []byte("k")),
					change: func(s *fakeSource) { s.policies[0].KeySubject = "" }},
				{name: "unknown topic", rec: validator.Record{Topic: "nope", Value: frame(1, f.index, good)}, want: []string{"record stream"}, why: `topic "nope" has no stream`},
				{name: "producer", rec: validator.Record{Topic: "orders", Producer: "billing-svc", Value: frame(1, f.index, good)}, want: []string{"record producer"}, why: "owner orders-svc"},
				{name: "no producer", rec: validator.Record{Topic: "orders", Value: frame(1, f.index, good)}, want: []string{"record producer"}, why: "unidentified producer"},
				{name: "producer off", rec: validator.Record{Topic: "orders", Value: frame(1, f.index, good)}, checks: &validator.Checks{SchemaID: validator.IDRegistered, Payload: true}},
				{name: "bad magic", rec: rec(append([]byte{1}, good...)), want: []string{"value frame"}, why: "BAD_MAGIC"},
				{name: "truncated id", rec: rec([]byte{0, 0, 1}), want: []string{"value frame"}, why: "TRUNCATED_ID"},
				{name: "empty", rec: rec([]byte{}), want: []string{"value frame"}, why: "EMPTY"},
				// Key checks are opt-in, and need the key schema registered.
				{name: "plain key, key checks off", rec: withKey(rec(frame(1, f.index, good)), []byte("plain"))},
				{name: "plain key, no key schema", rec: withKey(rec(frame(1, f.index, good)), []byte("plain")),
					change: func(s *fakeSource) { s.policies[0].Checks.Key = true }},
				{name: "key frame", rec: withKey(rec(frame(1, f.index, good)), []byte("plain")), want: []string{"key frame"}, why: "byte 0",
					change: func(s *fakeSource) {
						s.policies[0].Checks.Key = true
						s.latest["orders-key"] = validator.Usage{Subject: "orders-key", Version: 1, SchemaID: 4}
					}},
				{name: "null key, key checks on", rec: rec(frame(1, f.index, good)), change: func(s *fakeSource) {
					s.policies[0].Checks.Key = true
					s.latest["orders-key"] = validator.Usage{Subject: "orders-key", Version: 1, SchemaID: 4}
				}},
				{name: "value checks off", rec: rec([]byte("plain")), change: func(s *fakeSource) { s.policies[0].Checks.SkipValue = true }},
				// Schemas named by GUID in a header; the payload is bare.
				{name: "GUID header", rec: withHeader(rec(good), wire.ValueSchemaIDHeader, guidHeader(guid1, f.index))},
				{name: "GUID header, rule", rec: withHeader(rec(f.encode(t, "o-1", -3)), wire.ValueSchemaIDHeader, guidHeader(guid1, f.index)),
					want: []string{"value rules positiveAmount"}, why: "condition is false"},
				{name: "GUID of another subject", rec: withHeader(rec(good), wire.ValueSchemaIDHeader, guidHeader(guid2, f.index)),
					want: []string{"value schema_id"}, why: "not registered under subject orders-value"},
				{name: "unknown GUID", rec: withHeader(rec(good), wire.ValueSchemaIDHeader, guidHeader([16]byte{9}, f.index)),
					want: []string{"value schema_id"}, why: "schema GUID 09000000-0000-0000-0000-000000000000 does not exist"},
				{name: "GUID header, bad version", rec: withHeader(rec(good), wire.ValueSchemaIDHeader, append([]byte{7}, guid1[:]...)),
					want: []string{"value frame"}, why: "want 0x01"},
				{name: "GUID header, truncated", rec: withHeader(rec(good), wire.ValueSchemaIDHeader, []byte{1, 2, 3}),
					want: []string{"value frame"}, why: "16 bytes"},
				{name: "key GUID header ignored for values", rec: withHeader(rec(frame(1, f.index, good)), wire.KeySchemaIDHeader, []byte{7})},
				{name: "unknown id", rec: rec(frame(99, f.index, good)), want: []string{"value schema_id"}, why: "schema id 99 does not exist"},
				{name: "other subject", rec: rec(frame(2, f.index, good)), want: []string{"value schema_id"}, why: "not registered under subject orders-value (it is payments-value version 1)"},
				{name: "other subject, check off", rec: rec(frame(2, f.index, good)), checks: &validator.Checks{SchemaID: validator.IDOff, Payload: true}},
				{name: "soft-deleted accepted", rec: rec(frame(3, f.index, good))},
				{name: "soft-deleted, live", rec: rec(frame(3, f.index, good)), checks: &validator.Checks{SchemaID: validator.IDLive}, want: []string{"value schema_id"}, why: "only as soft-deleted version 1"},
				{name: "older, latest", rec: rec(frame(3, f.index, good)), checks: &validator.Checks{SchemaID: validator.IDLatest}, want: []string{"value schema_id"}, why: "version 2 (schema 1) is"},
				{name: "latest", rec: rec(frame(1, f.index, good)), checks: &validator.Checks{SchemaID: validator.IDLatest}},
				{name: "garbage payload", rec: rec(frame(1, f.index, []byte{0xff, 0xff, 0xff})), want: []string{"value payload"}, why: "does not match schema 1"},
				{name: "garbage, payload off", rec: rec(frame(3, f.index, []byte{0xff, 0xff, 0xff})), checks: &validator.Checks{SchemaID: validator.IDRegistered}},
				{name: "rule", rec: rec(frame(1, f.index, f.encode(t, "o-1", -3))), want: []string{"value rules positiveAmount"}, why: "condition is false"},
				{name: "field rule", rec: rec(frame(1, f.index, f.encode(t, "", 3))), want: []string{"value rules noEmptyStrings"}, why: ".id: condition is false"},
				{name: "both rules", rec: rec(frame(1, f.index, f.encode(t, "", 0))), want: []string{"value rules positiveAmount", "value rules noEmptyStrings"}},
				{name: "rules off", rec: rec(frame(1, f.index, f.encode(t, "", 0))), checks: &validator.Checks{SchemaID: validator.IDRegistered, Payload: true}},
				{name: "no rules on schema", rec: rec(frame(3, f.index, f.encode(t, "", 0)))},
				{name: "broken rule", rec: rec(frame(1, f.index, good)), change: func(s *fakeSource) {
					d := s.schemas[1]
					d.RuleSet = json.RawMessage(`{"domainRules":[{"name":"broken","kind":"CONDITION","type":"CEL","expr":"message.("}]}`)
					s.schemas[1] = d
				}, want: []string{"value rules broken"}, why: "does not compile"},
				{name: "record strategy", rec: rec(frame(1, f.index, good)), change: func(s *fakeSource) {
					s.policies[0].Strategy, s.policies[0].ValueSubjects = wire.RecordName, []string{"com.acme.Order"}
					s.usages[1] = []validator.Usage{{Subject: "com.acme.Order", Version: 1, SchemaID: 1}}
				}},
				{name: "topic record strategy, wrong subject", rec: rec(frame(1, f.index, good)), change: func(s *fakeSource) {
					s.policies[0].Strategy, s.policies[0].ValueSubjects = wire.TopicRecordName, []string{"orders-com.acme.Refund"}
				}, want: []string{"value schema_id"}, why: "maps to subject orders-com.acme.Order, which is not a value subject of stream orders"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					src := world(f)
					if tc.checks != nil {
						c := *tc.checks
						c.Producer = c.Producer || !strings.HasPrefix(tc.name, "producer off")
						src.policies[0].Checks = c
					}
					if tc.change != nil {
						tc.change(src)
					}
					v := validator.New(src, validator.Options{Recheck: -1})
					got := v.Validate(context.Background(), &tc.rec)
					var names []string
					reasons := ""
					for _, fl := range got.Failures {
						n := string(fl.Part) + " " + string(fl.Check)
						if fl.Rule != "" {
							n += " " + fl.Rule
						}
						names = append(names, n)
						reasons += fl.Reason + "\n"
					}
					if fmt.Sprint(names) != fmt.Sprint(tc.want) || got.Valid != (len(tc.want) == 0) {
						t.Fatalf("got valid=%t %v\n%s\nwant %v", got.Valid, names, reasons, tc.want)
					}
					if !strings.Contains(reasons, tc.why) {
						t.Errorf("reasons %q do not say %q", reasons, tc.why)
					}
				})
			}
		})
	}
}

func rec(value []byte) validator.Record {
	return validator.Record{Topic: "orders", Partition: 0, Offset: 7, Producer: "orders-svc", Value: value}
}

func withKey(r validator.Record, key []byte) validator.Record {
	r.Key = key
	return r
}

// TestProtobufIndexes checks that the message indexes choose the message
// and that indexes naming no message are a frame failure.
func TestProtobufIndexes(t *testing.T) {
	f := formats(t)[1]
	src := world(f)
	src.policies[0].Checks.Rules = false
	v := validator.New(src, validator.Options{})
	line := frame(1, []int{0, 0}, []byte{0x0a, 0x01, 'x'})
	if got := v.Validate(context.Background(), &validator.Record{Topic: "orders", Producer: "orders-svc", Value: line}); !got.Valid {
		t.Errorf("Order.Line by [0 0]: %+v", got)
	}
	bad := frame(1, []int{5}, []byte{})
	got := v.Validate(context.Background(), &validator.Record{Topic: "orders", Producer: "orders-svc", Value: bad})
	if got.Valid || got.Failures[0].Check != validator.CheckFrame || !strings.Contains(got.Failures[0].Reason, "message indexes [5] name no message") {
		t.Errorf("indexes [5]: %+v", got)
	}
	trunc := []byte{0, 0, 0, 0, 1, 4, 2}
	got = v.Validate(context.Background(), &validator.Record{Topic: "orders", Producer: "orders-svc", Value: trunc})
	if got.Valid || got.Failures[0].Check != validator.CheckFrame || !strings.Contains(got.Failures[0].Reason, "TRUNCATED_INDEXES") {
		t.Errorf("truncated indexes: %+v", got)
	}
}

// TestCaching checks that a schema is read once, that a changed
// registration is seen when a record would be rejected, and that a new
// stream is seen without Run.
func TestCaching(t *testing.T) {
	f := formats(t)[0]
	src := world(f)
	v := validator.New(src, validator.Options{Recheck: -1})
	ctx := context.Background()
	good := frame(2, nil, f.encode(t, "a", 1))
	for range 3 {
		v.Validate(ctx, &validator.Record{Topic: "orders", Producer: "orders-svc", Value: good})
	}
	if src.reads != 1 {
		t.Errorf("schema 2 read %d times, want 1", src.reads)
	}
	src.mu.Lock()
	src.usages[2] = append(src.usages[2], validator.Usage{Subject: "orders-value", Version: 3, SchemaID: 2})
	src.policies = append(src.policies, validator.Policy{Stream: "refunds", Owner: "x", ValueSubjects: []string{"refunds-value"}})
	src.mu.Unlock()
	if got := v.Validate(ctx, &validator.Record{Topic: "orders", Producer: "orders-svc", Value: good}); !got.Valid {
		t.Errorf("after registering schema 2 under orders-value: %+v", got)
	}
	if got := v.Validate(ctx, &validator.Record{Topic: "refunds", Producer: "x"}); !got.Valid {
		t.Errorf("a stream declared after the first read: %+v", got)
	}
}

// TestBatch checks that verdicts follow the records.
func TestBatch(t *testing.T) {
	f := formats(t)[2]
	v := validator.New(world(f), validator.Options{})
	good := frame(1, nil, f.encode(t, "a", 1))
	vs := v.ValidateBatch(context.Background(), []validator.Record{rec(good), rec([]byte("x")), rec(good)})
	if len(vs) != 3 || !vs[0].Valid || vs[1].Valid || !vs[2].Valid {
		t.Errorf("verdicts %+v", vs)
	}
}

func protoValueOf(v any) protoreflect.Value { return protoreflect.ValueOf(v) }

// TestFieldRuleGaps covers CEL_FIELD rules restricted by tags (inline
// confluent:tags and metadata.tags patterns), Avro map values (walked as
// values of their field, not as records) and Protobuf map fields (walked
// as entries of key and value).
func TestFieldRuleGaps(t *testing.T) {
	const avroT = `{"type":"record","name":"T","namespace":"com.acme","fields":[
	  {"name":"email","type":"string","confluent:tags":["PII"]},
	  {"name":"ssn","type":"string"},
	  {"name":"note","type":"string"},
	  {"name":"attrs","type":{"type":"map","values":"string"}}]}`
	rules := `{"domainRules":[
	  {"name":"pii","kind":"CONDITION","type":"CEL_FIELD","tags":["PII"],"expr":"value != 'bad'"},
	  {"name":"attrs","kind":"CONDITION","type":"CEL_FIELD","expr":"name == 'attrs' ; value != ''"},
	  {"name":"noIdField","kind":"CONDITION","type":"CEL_FIELD","expr":"name != 'id'"}]}`
	as := hamba.MustParse(avroT)
	src := world(formats(t)[0])
	src.schemas[1] = validator.SchemaDoc{ID: 1, Type: "AVRO", Schema: avroT, RuleSet: json.RawMessage(rules),
		Metadata: json.RawMessage(`{"tags":{"**.ssn":["PII"]}}`)}
	src.policies[0].Checks.SchemaID = validator.IDOff
	v := validator.New(src, validator.Options{})
	for _, tc := range []struct {
		name string
		rec  map[string]any
		want string // the failing rule and field, "" when valid
	}{
		{"valid", map[string]any{"email": "a", "ssn": "b", "note": "bad", "attrs": map[string]any{"id": "x"}}, ""},
		{"inline tag", map[string]any{"email": "bad", "ssn": "b", "note": "", "attrs": map[string]any{}}, "pii com.acme.T.email"},
		{"metadata tag", map[string]any{"email": "a", "ssn": "bad", "note": "", "attrs": map[string]any{}}, "pii com.acme.T.ssn"},
		{"map value", map[string]any{"email": "a", "ssn": "b", "note": "", "attrs": map[string]any{"k": ""}}, "attrs com.acme.T.attrs"},
	} {
		b, err := hamba.Marshal(as, tc.rec)
		if err != nil {
			t.Fatal(err)
		}
		got := v.Validate(context.Background(), &validator.Record{Topic: "orders", Producer: "orders-svc", Value: frame(1, nil, b)})
		desc := ""
		for _, f := range got.Failures {
			desc += f.Rule + " " + f.Reason
		}
		if tc.want == "" {
			if !got.Valid {
				t.Errorf("%s: %s", tc.name, desc)
			}
			continue
		}
		rule, field, _ := strings.Cut(tc.want, " ")
		if got.Valid || len(got.Failures) != 1 || got.Failures[0].Rule != rule || !strings.Contains(desc, "field "+field+":") {
			t.Errorf("%s: %+v, want rule %s on field %s", tc.name, got.Failures, rule, field)
		}
	}

	const protoT = `syntax = "proto3"; package com.acme; message T { map<string, string> attrs = 1; }`
	ps, err := protobuf.Parse(protoT, nil)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := ps.MessageByIndexes([]int{0})
	psrc := world(formats(t)[1])
	psrc.schemas[1] = validator.SchemaDoc{ID: 1, Type: "PROTOBUF", Schema: protoT,
		RuleSet: json.RawMessage(`{"domainRules":[{"name":"vals","kind":"CONDITION","type":"CEL_FIELD","expr":"name == 'value' ; value != ''"}]}`)}
	psrc.policies[0].Checks.SchemaID = validator.IDOff
	pv := validator.New(psrc, validator.Options{})
	for val, valid := range map[string]bool{"x": true, "": false} {
		m := dynamicpb.NewMessage(md)
		fd := md.Fields().ByName("attrs")
		m.Mutable(fd).Map().Set(protoreflect.ValueOfString("k").MapKey(), protoreflect.ValueOfString(val))
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got := pv.Validate(context.Background(), &validator.Record{Topic: "orders", Producer: "orders-svc", Value: frame(1, []int{0}, b)})
		if got.Valid != valid || (!valid && !strings.Contains(got.Failures[0].Reason, "field com.acme.T.attrs.value:")) {
			t.Errorf("proto map value %q: %+v", val, got)
		}
	}
}

// plainSource is a Source that cannot find schemas by GUID.
type plainSource struct{ validator.Source }

// TestGUIDWithoutGUIDSource: a record naming its schema by GUID fails the
// schema_id check, saying why, when the source cannot resolve GUIDs; one
// read per Recheck, not one per record.
func TestGUIDWithoutGUIDSource(t *testing.T) {
	f := formats(t)[0]
	src := world(f)
	v := validator.New(plainSource{src}, validator.Options{})
	r := withHeader(rec(f.encode(t, "o-1", 5)), wire.ValueSchemaIDHeader, guidHeader(guid1, nil))
	got := v.Validate(context.Background(), &r)
	if got.Valid || len(got.Failures) != 1 || got.Failures[0].Check != validator.CheckSchemaID || !strings.Contains(got.Failures[0].Reason, "cannot look schemas up by GUID") {
		t.Fatalf("verdict %+v", got)
	}
	// With a GUID source, an unknown GUID is asked once per Recheck.
	v = validator.New(src, validator.Options{Recheck: time.Hour})
	unknown := withHeader(rec(f.encode(t, "o-1", 5)), wire.ValueSchemaIDHeader, guidHeader([16]byte{7}, nil))
	before := src.reads
	for range 100 {
		if got := v.Validate(context.Background(), &unknown); got.Valid {
			t.Fatal("unknown GUID accepted")
		}
	}
	if src.reads-before > 1 {
		t.Errorf("100 records of one unknown GUID read the source %d times", src.reads-before)
	}
}
