package validator

import (
	"math/big"
	"testing"
	"time"

	"github.com/google/cel-go/cel"
	hamba "github.com/hamba/avro/v2"

	"github.com/accord/accord/compat/avro"
)

// fuzzMsgSchema has a field of every kind CEL may read: primitives,
// logical types, unions with a null, primitive and named-type branches
// (including a record in the null namespace), nested records, arrays and
// maps of records, enums and fixed.
const fuzzMsgSchema = `{"type":"record","name":"Top","namespace":"ns","fields":[
 {"name":"s","type":"string"},
 {"name":"l","type":"long"},
 {"name":"i","type":"int"},
 {"name":"b","type":"boolean"},
 {"name":"f","type":"float"},
 {"name":"d","type":"double"},
 {"name":"by","type":"bytes"},
 {"name":"n","type":"null"},
 {"name":"u","type":["null",{"type":"record","name":"Inner","fields":[{"name":"x","type":"int"},{"name":"s","type":"string"}]}]},
 {"name":"up","type":["null",{"type":"record","name":"Plain","namespace":"","fields":[{"name":"x","type":"int"}]}]},
 {"name":"un","type":["null","string","long"]},
 {"name":"ue","type":["null",{"type":"enum","name":"E","symbols":["A","B"]}]},
 {"name":"fx","type":{"type":"fixed","name":"F","size":2}},
 {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
 {"name":"decf","type":{"type":"fixed","name":"DF","size":3,"logicalType":"decimal","precision":6,"scale":1}},
 {"name":"date","type":{"type":"int","logicalType":"date"}},
 {"name":"tm","type":{"type":"int","logicalType":"time-millis"}},
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"tsu","type":{"type":"long","logicalType":"timestamp-micros"}},
 {"name":"uuid","type":{"type":"string","logicalType":"uuid"}},
 {"name":"arr","type":{"type":"array","items":"Inner"}},
 {"name":"mp","type":{"type":"map","values":"Inner"}},
 {"name":"fl","type":{"type":"array","items":"float"}},
 {"name":"decs","type":{"type":"array","items":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}}},
 {"name":"nest","type":{"type":"record","name":"N","fields":[{"name":"inner","type":"Inner"},{"name":"f","type":"float"},{"name":"e","type":"E"},{"name":"o","type":["null","N"]}]}},
 {"name":"e2","type":"E"}
]}`

// fuzzMsgExprs read every field in the ways CEL can: selection, index,
// has(), in, size(), iteration, equality with literals and with other
// fields, comparisons, arithmetic, conversions and type().
var fuzzMsgExprs = []string{
	"message.s", "message.l", "message.i", "message.b", "message.f", "message.d", "message.by", "message.n",
	"message.u", "message.up", "message.un", "message.ue", "message.fx", "message.dec", "message.decf",
	"message.date", "message.tm", "message.ts", "message.tsu", "message.uuid", "message.arr", "message.mp",
	"message.fl", "message.decs", "message.nest", "message.e2", "message.missing", "message.nest.missing",
	"message.nest.inner.x", "message.nest.inner", "message.nest.o", "message.nest.e", "message.nest.f",
	"has(message.s)", "has(message.missing)", "has(message.nest.inner)", "has(message.nest.inner.s)", "has(message.nest.zz)",
	"'s' in message", "'zz' in message", "'inner' in message.nest", "size(message)", "size(message.nest)",
	"size(message.s)", "size(message.by)", "size(message.arr)", "size(message.mp)",
	"message.all(k, k != '')", "message.exists(k, k == 'nest')", "message.nest.exists_one(k, k == 'f')",
	"message.filter(k, k.startsWith('d')).size()", "message.nest.map(k, k).size()",
	"message == message", "message.nest == message.nest", "message.nest.inner == {'x': 1, 's': 'a'}",
	"{'x': 1, 's': 'a'} == message.nest.inner", "message.nest.inner != {'x': 1}", "message.nest == {}",
	"message.u == null", "message.un == null", "message.n == null", "message.ue == {'ns.E': 'B'}",
	"message.up == {'ns.Plain': {'x': 1}}", "message.u['ns.Inner'].x", "message.up['ns.Plain'].x", "message.up['Plain'].x",
	"message.l > 0", "message.i < message.l", "message.l == message.i", "message.f == message.nest.f",
	"message.f < message.d", "message.d / 2.0", "message.l + 1", "message.i * 2", "message.dec > 1.0",
	"message.decf < 0.0", "message.decs.all(x, x >= 0.0)", "message.fl.exists(x, x > 0.5)",
	"message.s + message.nest.inner.s", "message.s.startsWith('a')", "message.s.matches('^[a-z]*$')",
	"string(message.l)", "int(message.d)", "double(message.i)", "string(message.by)", "bytes(message.s)",
	"uint(message.i)", "string(message.uuid)", "dyn(message.nest).inner", "message.ts > timestamp('2020-01-01T00:00:00Z')",
	"message.tsu - message.ts", "message.tm > duration('1s')", "message.date.getFullYear()",
	"type(message)", "type(message.nest)", "type(message.f)", "type(message.dec)", "type(message.fx)", "type(message.tm)",
	"message['s']", "message[1]", "message.nest[true]", "message.nest['inner']['s']",
	"message.e2 == 'A'", "message.e2 in ['A', 'B']", "message.s in message", "message.by == b'ab'",
	"[message.nest][0].f", "{'k': message.nest}.k.inner.x", "message.arr.map(r, r.x).size()",
	"message.arr.all(r, r.x > 0)", "message.mp.all(k, message.mp[k].x > 0)", "message.nest.o.o",
	"has(message.nest.o.f)", "message.nest.o == null", "message.nest.all(k, k in ['inner', 'f', 'e', 'o'])",
	"message.nest.inner.x > message.i ? message.s : message.nest.inner.s",
}

// FuzzAvroMsg: CEL reads the lazy view of a record (avroMsg) exactly as
// it reads the map the pre-view code decoded with hamba: the same value
// or the same error, for every expression over every record.
func FuzzAvroMsg(f *testing.F) {
	hs := hamba.MustParse(fuzzMsgSchema)
	s, err := avro.Parse(fuzzMsgSchema, nil)
	if err != nil {
		f.Fatal(err)
	}
	inner := map[string]any{"x": 1, "s": "a"}
	seed, err := hamba.Marshal(hs, map[string]any{
		"s": "ab", "l": int64(5), "i": 5, "b": true, "f": float32(0.75), "d": 1.5, "by": []byte("ab"), "n": nil,
		"u": map[string]any{"ns.Inner": inner}, "up": map[string]any{"ns.Plain": map[string]any{"x": 1}},
		"un": map[string]any{"long": int64(7)}, "ue": map[string]any{"ns.E": "B"}, "fx": [2]byte{1, 2},
		"dec": big.NewRat(12345, 100), "decf": big.NewRat(-5, 10), "date": time.Unix(86400*19000, 0).UTC(),
		"tm": 2 * time.Second, "ts": time.UnixMilli(1700000000000).UTC(), "tsu": time.UnixMicro(1700000000000001).UTC(),
		"uuid": "c0ffee00-0000-0000-0000-000000000000", "arr": []any{inner}, "mp": map[string]any{"k": inner},
		"fl": []any{float32(0.75)}, "decs": []any{big.NewRat(150, 100)},
		"nest": map[string]any{"inner": inner, "f": float32(0.75), "e": "A", "o": map[string]any{"ns.N": map[string]any{"inner": inner, "f": float32(1), "e": "B", "o": nil}}},
		"e2":   "A",
	})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.Validate(seed); err != nil {
		f.Fatal(err)
	}
	for i := range fuzzMsgExprs {
		f.Add(uint8(i), seed)
	}
	env, err := celEnv(&schemaEntry{})
	if err != nil {
		f.Fatal(err)
	}
	progs := make([]cel.Program, len(fuzzMsgExprs))
	for i, expr := range fuzzMsgExprs {
		if progs[i], err = program(env, expr); err != nil {
			f.Fatalf("%s: %v", expr, err)
		}
	}
	rs := recordOf(hs)
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		var rec avro.Record
		if s.ValidateRecord(payload, &rec) != nil {
			return
		}
		rec.UseHamba(rs, hambaAPI)
		var old any
		if err := hambaAPI.Unmarshal(hs, payload, &old); err != nil {
			t.Fatalf("hamba: %v", err)
		}
		asMap := celValue(old)
		i := int(which) % len(progs)
		want, _, werr := progs[i].Eval(&msgActivation{msg: asMap})
		got, _, gerr := progs[i].Eval(&msgActivation{msg: &avroMsg{rec: &rec}})
		switch {
		case werr != nil || gerr != nil:
			if werr == nil || gerr == nil || werr.Error() != gerr.Error() {
				t.Fatalf("%s: errors differ: map %v, avroMsg %v", fuzzMsgExprs[i], werr, gerr)
			}
		case !sameVal(got, want):
			t.Fatalf("%s: avroMsg gives %v (%T), map %v (%T)", fuzzMsgExprs[i], got, got, want, want)
		}
	})
}
