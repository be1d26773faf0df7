package validator_test

import (
	"context"
	"testing"

	hamba "github.com/hamba/avro/v2"

	"github.com/accord/accord/contracts/validator"
)

// BenchmarkAvro compares the validator on small Avro records (every check
// on but rules, then with the two CEL rules) with hamba/avro decoding the
// same payloads alone. Report ns/op of Validator over HambaDecode as the
// speed ratio (target: raw/validator >= 0.7).
func BenchmarkAvro(b *testing.B) {
	f := formats(&testing.T{})[0]
	payload := f.encode(&testing.T{}, "order-123456", 4200)
	ctx := context.Background()
	b.Run("HambaDecode", func(b *testing.B) {
		s := hamba.MustParse(avroOrder)
		b.ReportAllocs()
		for b.Loop() {
			var v any
			if err := hamba.Unmarshal(s, payload, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, rules := range []bool{false, true} {
		name := "Validator"
		if rules {
			name = "ValidatorWithCEL"
		}
		b.Run(name, func(b *testing.B) {
			src := world(f)
			src.policies[0].Checks.Rules = rules
			v := validator.New(src, validator.Options{})
			r := rec(frame(1, nil, payload))
			b.ReportAllocs()
			for b.Loop() {
				if got := v.Validate(ctx, &r); !got.Valid {
					b.Fatal(got)
				}
			}
		})
	}
}
