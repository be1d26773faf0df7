package validator

import (
	"strings"
	"testing"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	hamba "github.com/hamba/avro/v2"

	"github.com/accord/accord/compat/avro"
)

const richOrder = `{"type":"record","name":"Order","namespace":"com.acme","fields":[
	{"name":"id","type":"string"},
	{"name":"amount","type":"long"},
	{"name":"qty","type":"int"},
	{"name":"ok","type":"boolean"},
	{"name":"ratio","type":"float"},
	{"name":"price","type":"double"},
	{"name":"blob","type":"bytes"},
	{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"]}},
	{"name":"note","type":["null","string"]},
	{"name":"tags","type":{"type":"array","items":"string"}},
	{"name":"attrs","type":{"type":"map","values":"long"}},
	{"name":"customer","type":{"type":"record","name":"Customer","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}},
	{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
	{"name":"nothing","type":"null"}]}`

func richPayload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := hamba.Marshal(hamba.MustParse(richOrder), map[string]any{
		"id": "o-1", "amount": int64(4200), "qty": 3, "ok": true, "ratio": float32(0.5), "price": 9.75,
		"blob": []byte{1, 2}, "status": "PAID", "note": map[string]any{"string": "hi"},
		"tags": []any{"a", "b"}, "attrs": map[string]any{"k": int64(7)},
		"customer": map[string]any{"name": name, "age": 30}, "at": int64(1700000000000), "nothing": nil,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAvroMsgAsMap: CEL reads an avroMsg exactly as it reads the decoded
// map the validator used to build: the same values, the same errors.
func TestAvroMsgAsMap(t *testing.T) {
	s, err := avro.Parse(richOrder, nil)
	if err != nil {
		t.Fatal(err)
	}
	payload := richPayload(t, "Ann")
	decoded, err := s.Decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	asMap := celValue(decoded)
	var rec avro.Record
	if err := s.ValidateRecord(payload, &rec); err != nil {
		t.Fatal(err)
	}
	env, err := celEnv(&schemaEntry{})
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{
		"message.amount > 0", "message.amount", "message.id", "message.qty + 1", "message.ok",
		"message.ratio", "message.price * 2.0", "message.blob", "message.status == 'PAID'",
		"message.note", "message.tags[1]", "size(message.tags)", "message.attrs.k", "message.attrs",
		"message.customer.name", "message.customer.age > 17", "message.customer",
		"message['amount']", "message.at", "message.nothing == null", "message.nothing",
		"has(message.customer)", "has(message.missing)", "has(message.customer.name)",
		"message.missing", "message.customer.missing", "message[1]", "'id' in message", "'x' in message",
		"size(message)", "message.all(k, k != '')", "message.exists(k, k == 'customer')",
		"message.filter(k, k.startsWith('a')).size()", "message == message",
		"message.customer == {'name': 'Ann', 'age': 30}", "{'name': 'Ann', 'age': 30} == message.customer",
		"message.customer == {'name': 'Bob', 'age': 30}", "type(message) == map", "type(message.customer)",
		"dyn(message).id", "message.id + message.customer.name", "message.amount == 4200 && message.qty == 3",
	} {
		t.Run(expr, func(t *testing.T) {
			prog, err := program(env, expr)
			if err != nil {
				t.Fatal(err)
			}
			want, _, werr := prog.Eval(&msgActivation{msg: asMap})
			got, _, gerr := prog.Eval(&msgActivation{msg: &avroMsg{rec: &rec}})
			switch {
			case werr != nil || gerr != nil:
				if werr == nil || gerr == nil || werr.Error() != gerr.Error() {
					t.Fatalf("errors differ: map %v, avroMsg %v", werr, gerr)
				}
			case !sameVal(got, want):
				t.Fatalf("avroMsg gives %v (%T), map %v (%T)", got, got, want, want)
			}
		})
	}
}

// sameVal compares CEL results, maps by their native form.
func sameVal(a, b ref.Val) bool {
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == types.MapType {
		return a.Equal(b) == types.True && b.Equal(a) == types.True
	}
	return a.Equal(b) == types.True
}

// TestAvroFieldRuleNested: a CEL_FIELD rule reads nested records' fields
// through the one-pass path, and names the field that fails.
func TestAvroFieldRuleNested(t *testing.T) {
	s, err := avro.Parse(richOrder, nil)
	if err != nil {
		t.Fatal(err)
	}
	se := &schemaEntry{id: 9, avro: s, doc: SchemaDoc{ID: 9, Type: "AVRO", Schema: richOrder,
		RuleSet: []byte(`{"domainRules":[{"name":"noEmptyStrings","kind":"CONDITION","type":"CEL_FIELD","expr":"typeName == 'STRING' ; value != ''"}]}`)}}
	rules := se.rulesFor()
	if rules == nil || !se.lazy {
		t.Fatalf("rules %v, lazy %v", rules, se.lazy)
	}
	for _, tc := range []struct{ name, fail string }{{"Ann", ""}, {"", "field com.acme.Order.customer.name: condition is false"}} {
		var rec avro.Record
		if err := s.ValidateRecord(richPayload(t, tc.name), &rec); err != nil {
			t.Fatal(err)
		}
		err := rules.rules[0].eval(&avroMsg{rec: &rec}, s.Root(), new(evalState))
		if (err == nil) != (tc.fail == "") || err != nil && !strings.Contains(err.Error(), tc.fail) {
			t.Errorf("name %q: %v, want %q", tc.name, err, tc.fail)
		}
	}
}
