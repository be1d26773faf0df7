package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
)

// measureParsedWeight parses the seeded shapes of each format in process
// and prints the heap a parsed schema holds per byte of its text: what
// registry.ParsedWeight must cover for the parsed-schema budget to bound
// memory.
func measureParsedWeight() {
	formats := map[string]compat.Format{"AVRO": avro.Format{}, "PROTOBUF": protobuf.Format{}, "JSON": jsonschema.Format{}}
	deps := map[string][]compat.Dependency{}
	for _, c := range commons {
		deps[c.typ] = []compat.Dependency{{Name: map[string]string{"AVRO": "bench.common.Money", "PROTOBUF": "bench/common/money.proto", "JSON": "money.json"}[c.typ], Type: c.typ, Schema: c.schema}}
	}
	l := layout{prefix: "w-", subjects: 10_000, versions: 10}
	for _, typ := range []string{"AVRO", "PROTOBUF", "JSON"} {
		for _, v := range []int{1, 10} {
			var held []compat.Schema
			var text int
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for s := 0; len(held) < 500; s++ {
				if format(s) != typ {
					continue
				}
				ver := l.version(s, v)
				var d []compat.Dependency
				if len(ver.References) > 0 {
					d = deps[typ]
				}
				p, err := formats[typ].Parse(ver.Schema, d)
				if err != nil {
					fmt.Fprintf(os.Stderr, "parsing %s: %v\n", ver.Subject, err)
					os.Exit(1)
				}
				held = append(held, p)
				text += len(ver.Schema)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			fmt.Printf("%-8s version %2d: %4d bytes of text, %6d bytes of heap each: %.1f bytes per byte of text\n",
				typ, v, text/len(held), int(after.HeapAlloc-before.HeapAlloc)/len(held), float64(after.HeapAlloc-before.HeapAlloc)/float64(text))
			runtime.KeepAlive(held)
		}
	}
}
