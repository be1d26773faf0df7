package validator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/protobuf"
	"github.com/accord/accord/contracts/validator"
)

// ints is a CEL list literal 0..n-1.
func ints(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(i)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// ruleWorld is world(f) whose schema 1 carries the one CEL rule expr.
func ruleWorld(f format, expr string) *fakeSource {
	src := world(f)
	doc := src.schemas[1]
	rs, _ := json.Marshal(map[string]any{"domainRules": []map[string]any{{"name": "costly", "kind": "CONDITION", "mode": "WRITE", "type": "CEL", "expr": expr}}})
	doc.RuleSet = rs
	src.schemas[1] = doc
	return src
}

// TestRuleCostLimit: a rule whose evaluation would cost more than
// RuleCostLimit fails the record quickly instead of running for seconds
// (the attack review's 742-character rule of nested all() took 3.3 s per
// record). Three nested all() over 200 elements are 8 million steps.
func TestRuleCostLimit(t *testing.T) {
	l := ints(200)
	expr := fmt.Sprintf("%s.all(a, %s.all(b, %s.all(c, message.amount + a + b + c > 0)))", l, l, l)
	for _, f := range formats(t) {
		t.Run(f.name, func(t *testing.T) {
			v := validator.New(ruleWorld(f, expr), validator.Options{})
			r := rec(frame(1, f.index, f.encode(t, "o-1", 5)))
			start, cpu0 := time.Now(), cpuTime()
			got := v.Validate(context.Background(), &r)
			took, cpu := time.Since(start), cpuTime()-cpu0
			t.Logf("cost-limited record: %v wall, %v CPU", took, cpu)
			if got.Valid || len(got.Failures) != 1 || got.Failures[0].Check != validator.CheckRules || !strings.Contains(got.Failures[0].Reason, "cost limit") {
				t.Fatalf("verdict %+v: want the rule to fail on its cost limit", got)
			}
			if cpu > time.Second {
				t.Errorf("the cost-limited evaluation took %v of CPU", cpu)
			}
		})
	}
}

// TestRuleStopsWhenAbandoned: evaluation stops when the request or
// produce it serves ends, rather than running on for nobody.
func TestRuleStopsWhenAbandoned(t *testing.T) {
	l := ints(60)
	expr := fmt.Sprintf("%s.all(a, %s.all(b, message.amount + a + b > 0))", l, l) // 3,600 steps: within the cost limit
	for _, f := range formats(t) {
		t.Run(f.name, func(t *testing.T) {
			v := validator.New(ruleWorld(f, expr), validator.Options{})
			r := rec(frame(1, f.index, f.encode(t, "o-1", 5)))
			if got := v.Validate(context.Background(), &r); !got.Valid {
				t.Fatalf("a live request: %+v", got)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			got := v.Validate(ctx, &r)
			if got.Valid || len(got.Failures) != 1 || !strings.Contains(got.Failures[0].Reason, "interrupted") {
				t.Fatalf("an abandoned request: %+v, want the rule interrupted", got)
			}
		})
	}
}

// TestRuleChecker: rules are compiled when submitted; one that cannot
// compile is refused with where its problem is.
func TestRuleChecker(t *testing.T) {
	av, err := avro.Parse(avroOrder, nil)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := protobuf.Parse(protoOrder, nil)
	if err != nil {
		t.Fatal(err)
	}
	rule := func(typ, expr string, extra ...string) string {
		r := map[string]any{"name": "r", "kind": "CONDITION", "mode": "WRITE", "type": typ, "expr": expr}
		for i := 0; i+1 < len(extra); i += 2 {
			r[extra[i]] = extra[i+1] == "true"
		}
		b, _ := json.Marshal(map[string]any{"domainRules": []any{r}})
		return string(b)
	}
	for _, c := range []struct {
		name   string
		schema compat.Schema
		rules  string
		want   string // part of the error, "" for none
	}{
		{"valid CEL", av, rule("CEL", "message.amount > 0"), ""},
		{"valid CEL_FIELD with guard", av, rule("CEL_FIELD", "typeName == 'STRING' ; value != ''"), ""},
		{"syntax error", av, rule("CEL", "(((("), "1:5"},
		{"syntax error in a guard", av, rule("CEL_FIELD", "((( ; value != ''"), "guard"},
		{"type error", pb, rule("CEL", "1 + 'a' == 2"), "no matching overload"},
		{"over the size limit", av, rule("CEL", "true && "+strings.Repeat("true && ", validator.MaxRuleBytes/8)+"true"), "limit"},
		{"disabled rules are not compiled", av, rule("CEL", "((((", "disabled", "true"), ""},
		{"other rule types are the clients'", av, `{"domainRules":[{"name":"enc","kind":"TRANSFORM","type":"ENCRYPT","tags":["PII"]}]}`, ""},
	} {
		err := validator.RuleChecker{}.CheckRules(c.schema, []byte(c.rules))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
	}
}
