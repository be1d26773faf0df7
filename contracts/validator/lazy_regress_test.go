package validator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/accord/accord/contracts/validator"
)

// TestLazyUnionBranchNames: a union branch is keyed by the named type's
// full name as the rules have always read it (hamba's reading of the
// schema, which CEL_FIELD plans are built from), so rules on a record
// inside a union run on the one-pass path as they did on the decoded map:
// a null-namespace record declared inside a namespace ("namespace": "")
// is one whose names the model and hamba read differently.
func TestLazyUnionBranchNames(t *testing.T) {
	const sch = `{"type":"record","name":"Top","namespace":"ns","fields":[
	  {"name":"id","type":"string"},
	  {"name":"u","type":["null",{"type":"record","name":"Plain","namespace":"","fields":[{"name":"x","type":"int"}]}]}]}`
	// id "a", u = branch 1, x = 3.
	payload := []byte{2, 'a', 2, 6}
	for _, tc := range []struct{ rule, want string }{
		{`{"name":"r","kind":"CONDITION","type":"CEL_FIELD","expr":"name == 'x' ; value > 5"}`, "field ns.Top.u.x: condition is false"},
		{`{"name":"r","kind":"CONDITION","type":"CEL","expr":"message.u['ns.Plain'].x > 5"}`, "condition is false"},
		{`{"name":"r","kind":"CONDITION","type":"CEL","expr":"message.u['ns.Plain'].x == 3"}`, ""},
	} {
		src := world(formats(t)[0])
		src.schemas[1] = validator.SchemaDoc{ID: 1, Type: "AVRO", Schema: sch, RuleSet: json.RawMessage(`{"domainRules":[` + tc.rule + `]}`)}
		src.policies[0].Checks.SchemaID = validator.IDOff
		v := validator.New(src, validator.Options{})
		got := v.Validate(context.Background(), &validator.Record{Topic: "orders", Producer: "orders-svc", Value: frame(1, nil, payload)})
		if tc.want == "" {
			if !got.Valid {
				t.Errorf("%s: %+v", tc.rule, got.Failures)
			}
			continue
		}
		if got.Valid || len(got.Failures) != 1 || !strings.HasSuffix(got.Failures[0].Reason, tc.want) {
			t.Errorf("%s: %+v, want a failure ending %q", tc.rule, got, tc.want)
		}
	}
}

// TestConcurrentValidateInto: many goroutines validating at once, one by
// one and in batches, each get the verdicts validating alone gives: the
// pooled scratch (Avro index, view, activations) of one call is never
// seen by another. Run with -race.
func TestConcurrentValidateInto(t *testing.T) {
	f := formats(t)[0]
	v := validator.New(world(f), validator.Options{})
	var recs []validator.Record
	for i := range 64 {
		id := fmt.Sprintf("o-%d", i)
		if i%5 == 0 {
			id = ""
		}
		recs = append(recs, rec(frame(1, nil, f.encode(t, id, int64(i%7-2)))))
	}
	want := make([]validator.Verdict, len(recs))
	for i := range recs {
		want[i] = v.Validate(context.Background(), &recs[i])
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for round := range 20 {
				if (g+round)%2 == 0 {
					out := make([]validator.Verdict, len(recs))
					v.ValidateInto(context.Background(), recs, out)
					for i := range out {
						if !reflect.DeepEqual(out[i], want[i]) {
							t.Errorf("batch record %d: %+v, want %+v", i, out[i], want[i])
							return
						}
					}
					continue
				}
				for i := range recs {
					if got := v.Validate(context.Background(), &recs[i]); !reflect.DeepEqual(got, want[i]) {
						t.Errorf("record %d: %+v, want %+v", i, got, want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
