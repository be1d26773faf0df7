package validator_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/accord/accord/contracts/validator"
)

// TestAvroRulesRejectMalformed: with rules, the Avro payload is checked in
// the same pass that reads it for CEL; trailing and missing bytes are
// still refused as payload failures that say where and why, and the rules
// do not run on them.
func TestAvroRulesRejectMalformed(t *testing.T) {
	f := formats(t)[0]
	good := f.encode(t, "o-1", 5)
	v := validator.New(world(f), validator.Options{})
	for _, tc := range []struct {
		name, why string
		payload   []byte
	}{
		{"trailing byte", "at byte 5 (schema /): 1 bytes left over after the datum", append(good[:len(good):len(good)], 0)},
		{"truncated", "at byte 0 (schema /fields/0/type): string length 3 is out of range (2 bytes remain)", good[:3]},
		{"truncated long", "at byte 4 (schema /fields/1/type): payload ends inside a number", append(good[:4:4], 0x80)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := v.Validate(context.Background(), &validator.Record{Topic: "orders", Producer: "orders-svc", Value: frame(1, nil, tc.payload)})
			if got.Valid || len(got.Failures) != 1 || got.Failures[0].Check != validator.CheckPayload {
				t.Fatalf("got %+v", got)
			}
			if !strings.Contains(got.Failures[0].Reason, tc.why) {
				t.Errorf("reason %q does not say %q", got.Failures[0].Reason, tc.why)
			}
		})
	}
}

// TestValidateIntoMatchesValidate: a batch gets, record by record, the
// verdicts Validate gives, whatever mix of topics, schemas and failures it
// holds.
func TestValidateIntoMatchesValidate(t *testing.T) {
	for _, f := range formats(t) {
		t.Run(f.name, func(t *testing.T) {
			good, bad := f.encode(t, "o-1", 5), f.encode(t, "", -1)
			recs := []validator.Record{
				rec(frame(1, f.index, good)),
				rec(frame(1, f.index, bad)),
				rec(frame(1, f.index, good)),
				rec(frame(2, f.index, good)), // another subject
				rec(frame(1, f.index, good)),
				rec(frame(99, f.index, good)), // unknown schema
				{Topic: "nope", Producer: "orders-svc", Value: frame(1, f.index, good)},
				rec(frame(1, f.index, good)),
				{Topic: "orders", Producer: "billing-svc", Value: frame(1, f.index, good)},
				rec(frame(3, f.index, good)),
				rec(frame(1, f.index, []byte{0xff, 0xff})),
				rec(frame(1, f.index, good)),
			}
			v := validator.New(world(f), validator.Options{})
			out := make([]validator.Verdict, len(recs))
			v.ValidateInto(context.Background(), recs, out)
			for i := range recs {
				want := v.Validate(context.Background(), &recs[i])
				if !reflect.DeepEqual(out[i], want) {
					t.Errorf("record %d: batch %+v, alone %+v", i, out[i], want)
				}
			}
			if !out[0].Valid || out[1].Valid || out[3].Valid || out[5].Valid || out[6].Valid || out[8].Valid || out[10].Valid || !out[11].Valid {
				t.Errorf("verdicts %+v", out)
			}
		})
	}
}
