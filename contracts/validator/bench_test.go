package validator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"

	"github.com/accord/accord/contracts/validator"
)

// BenchmarkAvro is the benchmark: the embeddable validator on
// small Avro records vs. decoding the same records with hamba/avro alone
// (target: the validator at least 0.7 of raw decode speed), against two
// baselines, because what is fair depends on the consumer:
//
//   - HambaDecode: hamba.Unmarshal(schema, payload, &v) with v an any, so
//     into map[string]any, through hamba's default API (its reader pool
//     and decoder cache), the schema parsed once. This is what a generic
//     consumer without generated types does, and the closest to what the
//     validator does (it cannot know a Go type for a schema it fetched by
//     id), but it is hamba's slowest API: a map and a boxed value per
//     field.
//   - HambaDecodeStruct: the same into a Go struct a user would write
//     (type order struct{ID string; Amount int64}): hamba's fastest API,
//     what a consumer with generated types does.
//
// Both decode the Confluent payload without its 5-byte frame, a
// com.acme.Order {id: "order-123456", amount: 4200}, and only decode:
// they check nothing but that the bytes parse. The validator does more:
// it reads the frame, resolves the schema id (from its cache), checks the
// payload against the schema (every byte consumed, no trailing data), the
// producer, and then evaluates the case's rules.
//
// Each Validator case reports raw/validator (HambaDecode's time per
// record over the validator's) and struct/validator (HambaDecodeStruct's
// over the validator's), all three timed in the same run, in alternating
// chunks of 20,000 records, so that a noisy, shared machine slows them
// alike. Above 1 the validator is faster than that decoding.
//
// With rules the payload is checked and indexed in one pass
// (compat/avro.ValidateRecord) and CEL reads the record through an
// activation that decodes only the fields an expression touches (avroMsg);
// compiled programs, the activations and the index are reused.
//
//	go test ./contracts/validator/ -run '^$' -bench 'Avro$' -count 5
func BenchmarkAvro(b *testing.B) {
	f := formats(&testing.T{})[0]
	payload := f.encode(&testing.T{}, "order-123456", 4200)
	ctx := context.Background()
	s := hamba.MustParse(avroOrder)
	raw := func() {
		var v any
		if err := hamba.Unmarshal(s, payload, &v); err != nil {
			panic(err)
		}
	}
	b.Run("HambaDecode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			raw()
		}
	})
	type order struct {
		ID     string `avro:"id"`
		Amount int64  `avro:"amount"`
	}
	rawStruct := func() {
		var o order
		if err := hamba.Unmarshal(s, payload, &o); err != nil {
			panic(err)
		}
	}
	b.Run("HambaDecodeStruct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rawStruct()
		}
	})
	for _, tc := range []struct {
		name  string
		rules string
	}{
		{"NoRules", ""},
		{"OneCEL", `{"domainRules":[{"name":"positiveAmount","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.amount > 0"}]}`},
		{"OneCELField", `{"domainRules":[{"name":"noEmptyStrings","kind":"CONDITION","mode":"WRITE","type":"CEL_FIELD","expr":"typeName == 'STRING' ; value != ''"}]}`},
		{"TwoRules", orderRules},
	} {
		b.Run("Validator"+tc.name, func(b *testing.B) {
			src := world(f)
			d := src.schemas[1]
			d.RuleSet = json.RawMessage(tc.rules)
			if tc.rules == "" {
				d.RuleSet = nil
			}
			src.schemas[1] = d
			v := validator.New(src, validator.Options{})
			r := rec(frame(1, nil, payload))
			if got := v.Validate(ctx, &r); !got.Valid { // compile outside the timing
				b.Fatal(got)
			}
			b.ReportAllocs()
			b.ResetTimer()
			// Each phase starts from a collected heap, so that each pays for
			// its own garbage: otherwise a collection one phase's
			// allocations start is finished by the other's.
			const chunk = 20_000
			var vNs, rNs, sNs time.Duration
			for done := 0; done < b.N; done += chunk {
				n := min(chunk, b.N-done)
				b.StopTimer()
				runtime.GC()
				b.StartTimer()
				t0 := time.Now()
				for range n {
					if got := v.Validate(ctx, &r); !got.Valid {
						b.Fatal(got)
					}
				}
				vNs += time.Since(t0)
				b.StopTimer()
				runtime.GC()
				t1 := time.Now()
				for range n {
					raw()
				}
				rNs += time.Since(t1)
				runtime.GC()
				t2 := time.Now()
				for range n {
					rawStruct()
				}
				sNs += time.Since(t2)
				b.StartTimer()
			}
			b.ReportMetric(float64(rNs)/float64(vNs), "raw/validator")
			b.ReportMetric(float64(sNs)/float64(vNs), "struct/validator")
		})
	}
}

// BenchmarkAvroBatch is BenchmarkAvro's OneCEL case through ValidateInto,
// 1000 records a call, as the Kafka proxy validates a partition's batch.
func BenchmarkAvroBatch(b *testing.B) {
	f := formats(&testing.T{})[0]
	ctx := context.Background()
	src := world(f)
	d := src.schemas[1]
	d.RuleSet = json.RawMessage(`{"domainRules":[{"name":"positiveAmount","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.amount > 0"}]}`)
	src.schemas[1] = d
	v := validator.New(src, validator.Options{})
	recs := make([]validator.Record, 1000)
	for i := range recs {
		recs[i] = rec(frame(1, nil, f.encode(&testing.T{}, fmt.Sprintf("order-%06d", i), int64(i+1))))
	}
	out := make([]validator.Verdict, len(recs))
	b.ReportAllocs()
	for b.Loop() {
		v.ValidateInto(ctx, recs, out)
	}
	for _, vd := range out {
		if !vd.Valid {
			b.Fatal(vd)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
