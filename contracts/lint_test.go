package contracts

import (
	"fmt"
	"strings"
	"testing"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
)

// fixture is one schema written in the three formats. Fields are given
// per format because each spells types its own way.
type fixture map[string]string

var formats = map[string]compat.Format{
	compat.TypeAvro:     avro.Format{},
	compat.TypeProtobuf: protobuf.Format{},
	compat.TypeJSON:     jsonschema.Format{},
}

func avroRec(name string, fields ...string) string {
	return fmt.Sprintf(`{"type":"record","name":%q,"namespace":"com.acme","fields":[%s]}`, name, strings.Join(fields, ","))
}

func protoMsg(name string, body string, extra ...string) string {
	return fmt.Sprintf("syntax = \"proto3\";\npackage acme;\nimport \"google/protobuf/timestamp.proto\";\nmessage %s {\n%s\n}\n%s", name, body, strings.Join(extra, "\n"))
}

func jsonObj(title string, props ...string) string {
	return fmt.Sprintf(`{"title":%q,"type":"object","properties":{%s}}`, title, strings.Join(props, ","))
}

// plain is a schema no schema-level rule objects to.
func plain(name string) fixture {
	return fixture{
		compat.TypeAvro:     avroRec(name, `{"name":"id","type":"string"}`, `{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}}`),
		compat.TypeProtobuf: protoMsg(name, "string id = 1;\ngoogle.protobuf.Timestamp at = 2;"),
		compat.TypeJSON:     jsonObj(name, `"id":{"type":"string"}`, `"at":{"type":"string","format":"date-time"}`),
	}
}

type lintCase struct {
	rule string
	// stream is the stream the schema is registered for; role and
	// keyRegistered complete the input; others are the other streams.
	stream        Stream
	role          Role
	keyRegistered bool
	others        []Stream
	// trigger raises the rule; pass (the same stream or a changed one,
	// passStream) does not.
	trigger, pass fixture
	passStream    *Stream
	passKey       bool
	// location is where the trigger is found, per format ("" means "/").
	location fixture
}

func stream(name string, t EventType, v Visibility) Stream {
	s := Stream{Name: name, Owner: "svc", EventType: t, Visibility: v}
	if err := s.Normalize(); err != nil {
		panic(err)
	}
	return s
}

func withEntity(s Stream, entity string) Stream { s.Tags.Entity = entity; return s }

var lintCases = []lintCase{
	// state
	{
		rule: StateKeySchemaMissing, stream: stream("customers", State, Public), role: RoleValue,
		trigger: plain("Customer"), pass: plain("Customer"), passKey: true,
	},
	{
		rule: StateBeforeAfterEnvelope, stream: stream("customers", State, Public), role: RoleValue, keyRegistered: true,
		trigger: fixture{
			compat.TypeAvro:     avroRec("CustomerChange", `{"name":"before","type":["null","string"],"default":null}`, `{"name":"after","type":["null","string"],"default":null}`),
			compat.TypeProtobuf: protoMsg("CustomerChange", "string before = 1;\nstring after = 2;"),
			compat.TypeJSON:     jsonObj("CustomerChange", `"before":{"type":"string"}`, `"after":{"type":"string"}`),
		},
		pass: fixture{
			compat.TypeAvro:     avroRec("Customer", `{"name":"before_noon","type":"boolean"}`, `{"name":"name","type":"string"}`),
			compat.TypeProtobuf: protoMsg("Customer", "bool before_noon = 1;\nstring name = 2;"),
			compat.TypeJSON:     jsonObj("Customer", `"beforeNoon":{"type":"boolean"}`, `"name":{"type":"string"}`),
		},
		location: fixture{compat.TypeAvro: "/fields/0", compat.TypeProtobuf: "acme.CustomerChange#1", compat.TypeJSON: "#/properties/before"},
	},
	{
		rule: StateKeyNotCompactable, stream: stream("customers", State, Public), role: RoleKey,
		trigger: fixture{
			compat.TypeAvro:     avroRec("CustomerKey", `{"name":"id","type":"string"}`, `{"name":"score","type":"double"}`),
			compat.TypeProtobuf: protoMsg("CustomerKey", "string id = 1;\ndouble score = 2;"),
			compat.TypeJSON:     jsonObj("CustomerKey", `"id":{"type":"string"}`, `"score":{"type":"number"}`),
		},
		pass: fixture{
			compat.TypeAvro:     avroRec("CustomerKey", `{"name":"id","type":"string"}`, `{"name":"region","type":"int"}`),
			compat.TypeProtobuf: protoMsg("CustomerKey", "string id = 1;\nint32 region = 2;"),
			compat.TypeJSON:     jsonObj("CustomerKey", `"id":{"type":"string"}`, `"region":{"type":"integer"}`),
		},
		location: fixture{compat.TypeAvro: "/fields/1", compat.TypeProtobuf: "acme.CustomerKey#2", compat.TypeJSON: "#/properties/score"},
	},
	// delta
	{
		rule: DeltaNotPastTense, stream: stream("cart-events", Delta, Private), role: RoleValue,
		trigger: plain("AddItemToCart"), pass: plain("ItemAddedToCartEvent"),
	},
	{
		rule: DeltaPublic, stream: stream("orders-shipped", Delta, Public), role: RoleValue,
		trigger: plain("OrderShipped"), pass: plain("OrderShipped"), passStream: ptr(stream("orders-shipped", Delta, Private)),
	},
	// notification
	{
		rule: NotificationLinkField, stream: stream("invoice-ready", Notification, Private), role: RoleValue,
		trigger: fixture{
			compat.TypeAvro:     avroRec("InvoiceReady", `{"name":"id","type":"string"}`, `{"name":"invoiceUrl","type":"string"}`),
			compat.TypeProtobuf: protoMsg("InvoiceReady", "string id = 1;\nstring invoice_url = 2;"),
			compat.TypeJSON:     jsonObj("InvoiceReady", `"id":{"type":"string"}`, `"document":{"type":"string","format":"uri"}`),
		},
		pass:     plain("InvoiceReady"),
		location: fixture{compat.TypeAvro: "/fields/1", compat.TypeProtobuf: "acme.InvoiceReady#2", compat.TypeJSON: "#/properties/document"},
	},
	{
		rule: NotificationOnlySource, stream: withEntity(stream("customer-changed", Notification, Public), "customer"), role: RoleValue,
		others:  []Stream{withEntity(stream("orders", State, Public), "order")},
		trigger: plain("CustomerChanged"), pass: plain("CustomerChanged"),
		passStream: ptr(withEntity(stream("customer-changed", Notification, Public), "order")),
	},
	// measurement
	{
		rule: MeasurementNoTimestamp, stream: stream("clicks", Measurement, Private), role: RoleValue,
		trigger: fixture{
			compat.TypeAvro:     avroRec("Click", `{"name":"page","type":"string"}`),
			compat.TypeProtobuf: protoMsg("Click", "string page = 1;"),
			compat.TypeJSON:     jsonObj("Click", `"page":{"type":"string"}`),
		},
		pass: plain("Click"),
	},
	// hybrid
	{
		rule: HybridEnumContractSurface, stream: stream("accounts", Hybrid, Public), role: RoleValue,
		trigger: fixture{
			compat.TypeAvro:     avroRec("Account", `{"name":"id","type":"string"}`, `{"name":"closeReason","type":{"type":"enum","name":"CloseReason","symbols":["FRAUD","CUSTOMER_REQUEST"]}}`),
			compat.TypeProtobuf: protoMsg("Account", "string id = 1;\nCloseReason close_reason = 2;", "enum CloseReason { FRAUD = 0; CUSTOMER_REQUEST = 1; }"),
			compat.TypeJSON:     jsonObj("Account", `"id":{"type":"string"}`, `"closeReason":{"enum":["FRAUD","CUSTOMER_REQUEST"]}`),
		},
		pass: fixture{
			compat.TypeAvro:     avroRec("Account", `{"name":"id","type":"string"}`, `{"name":"status","type":{"type":"enum","name":"Status","symbols":["OPEN","CLOSED"]}}`),
			compat.TypeProtobuf: protoMsg("Account", "string id = 1;\nStatus status = 2;", "enum Status { OPEN = 0; CLOSED = 1; }"),
			compat.TypeJSON:     jsonObj("Account", `"id":{"type":"string"}`, `"status":{"enum":["OPEN","CLOSED"]}`),
		},
		location: fixture{compat.TypeAvro: "/fields/1", compat.TypeProtobuf: "acme.Account#2", compat.TypeJSON: "#/properties/closeReason"},
	},
}

func ptr[T any](v T) *T { return &v }

// TestLintRules runs, for every rule and every format, a fixture that
// triggers the rule and one that does not.
func TestLintRules(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range lintCases {
		covered[c.rule] = true
		rule := ruleByID(t, c.rule)
		for typ, f := range formats {
			t.Run(string(c.stream.EventType)+"/"+c.rule+"/"+typ, func(t *testing.T) {
				in := LintInput{Stream: c.stream, Subject: "s", Role: c.role, KeyRegistered: c.keyRegistered, Others: c.others}
				in.Schema = parse(t, f, c.trigger[typ])
				got := find(Run(in), c.rule)
				if got == nil {
					t.Fatalf("trigger fixture raised no %s; lints: %v", c.rule, Run(in))
				}
				wantLoc := c.location[typ]
				if wantLoc == "" {
					wantLoc = "/"
				}
				if got.Location != wantLoc {
					t.Errorf("location %q, want %q", got.Location, wantLoc)
				}
				if got.Severity != rule.Severity || !strings.HasSuffix(got.Message, ": "+rule.Why) {
					t.Errorf("lint %+v: want severity %s and a message ending with the rule's why", got, rule.Severity)
				}

				in.Schema = parse(t, f, c.pass[typ])
				if c.passStream != nil {
					in.Stream = *c.passStream
				}
				in.KeyRegistered = in.KeyRegistered || c.passKey
				if got := find(Run(in), c.rule); got != nil {
					t.Errorf("passing fixture raised %v", got)
				}
			})
		}
	}
	for _, r := range Rules {
		if !covered[r.ID] {
			t.Errorf("rule %s has no fixtures", r.ID)
		}
	}
}

// TestLintRulesStayInTheirEventType checks that a rule's fixture raises
// nothing on a stream of another event type.
func TestLintRulesStayInTheirEventType(t *testing.T) {
	for _, c := range lintCases {
		for _, other := range EventTypes {
			if other == c.stream.EventType {
				continue
			}
			s := c.stream
			s.EventType = other
			in := LintInput{Stream: s, Subject: "s", Role: c.role, KeyRegistered: true, Others: c.others,
				Schema: parse(t, formats[compat.TypeAvro], c.trigger[compat.TypeAvro])}
			if got := find(Run(in), c.rule); got != nil {
				t.Errorf("%s raised on a %s stream: %v", c.rule, other, got)
			}
		}
	}
}

func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"itemAddedToCart":   "item added to cart",
		"OrderShippedEvent": "order shipped event",
		"close_reason":      "close reason",
		"HTTPUrl":           "http url",
		"invoice-url":       "invoice url",
	} {
		if got := strings.Join(words(in), " "); got != want {
			t.Errorf("words(%q) = %q, want %q", in, got, want)
		}
	}
}

func ruleByID(t *testing.T, id string) Rule {
	for _, r := range Rules {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return Rule{}
}

func parse(t *testing.T, f compat.Format, text string) compat.Schema {
	t.Helper()
	s, err := f.Parse(text, nil)
	if err != nil {
		t.Fatalf("fixture does not parse: %v\n%s", err, text)
	}
	return s
}

func find(ls []Lint, id string) *Lint {
	for i := range ls {
		if ls[i].ID == id {
			return &ls[i]
		}
	}
	return nil
}

// TestRulesReadingOthersOnlyWarn: rules that read the other streams get
// them from the Service's Snapshot, a cache; a cache may not decide a
// write (docs/consistency.md), so such a rule may only warn. A rule made
// an error must first read the other streams in the registration's
// transaction.
func TestRulesReadingOthersOnlyWarn(t *testing.T) {
	n := 0
	for _, r := range Rules {
		if r.UsesOthers {
			n++
			if r.Severity != SeverityWarning {
				t.Errorf("rule %s reads the other streams from the snapshot but has severity %s", r.ID, r.Severity)
			}
		}
	}
	if n == 0 {
		t.Fatal("no rule reads the other streams: this test checks nothing")
	}
}
