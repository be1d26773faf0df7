package main

import (
	"fmt"
	"strings"
)

// The seeded registry: subjects of three formats, each with versions that
// evolve compatibly (each adds an optional field), and some that
// reference shared types, so that reads parse and resolve references as
// they do in real registries.

// Shared types referenced by one subject in ten (Avro, Protobuf, JSON
// Schema); they are registered first, with ids 1–3.
var commons = []struct {
	subject, typ, schema string
}{
	{"bench.common.Money", "AVRO", `{"type":"record","name":"Money","namespace":"bench.common","fields":[{"name":"units","type":"long"},{"name":"currency","type":"string"}]}`},
	{"bench/common/money.proto", "PROTOBUF", "syntax = \"proto3\";\npackage bench.common;\n\nmessage Money {\n  int64 units = 1;\n  string currency = 2;\n}\n"},
	{"bench-common-money.json", "JSON", `{"$id":"money.json","type":"object","properties":{"units":{"type":"integer"},"currency":{"type":"string"}},"required":["units","currency"]}`},
}

type reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// version is one version to seed or read.
type version struct {
	Subject    string      `json:"-"`
	Schema     string      `json:"schema"`
	SchemaType string      `json:"schemaType,omitempty"`
	References []reference `json:"references,omitempty"`
	ID         int64       `json:"id,omitempty"`
	Version    int         `json:"version,omitempty"`
}

// layout numbers the seeded versions: subject s (0-based), version v
// (1-based) has id firstID + s*versions + v - 1.
type layout struct {
	prefix   string
	subjects int
	versions int
}

var firstID = int64(len(commons) + 1)

func (l layout) subject(s int) string { return fmt.Sprintf("%s%07d-value", l.prefix, s) }

func (l layout) id(s, v int) int64 { return firstID + int64(s*l.versions+v-1) }

func (l layout) total() int { return l.subjects * l.versions }

// format of subject s: six in ten Avro, two Protobuf, two JSON Schema.
func format(s int) string {
	switch s % 10 {
	case 6, 7:
		return "PROTOBUF"
	case 8, 9:
		return "JSON"
	}
	return "AVRO"
}

// version returns subject s's version v (1-based).
func (l layout) version(s, v int) version {
	out := version{Subject: l.subject(s), ID: l.id(s, v), Version: v}
	ref := s%10 == 0 || s%10 == 6 || s%10 == 8 // one subject in ten of each format references a shared type... roughly
	name := fmt.Sprintf("E%07d", s)
	switch format(s) {
	case "AVRO":
		fields := []string{`{"name":"id","type":"string"}`, `{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}}`}
		if ref {
			fields = append(fields, `{"name":"amount","type":"bench.common.Money"}`)
			out.References = []reference{{Name: "bench.common.Money", Subject: commons[0].subject, Version: 1}}
		}
		for f := 2; f <= v; f++ {
			fields = append(fields, fmt.Sprintf(`{"name":"f%d","type":["null","string"],"default":null,"doc":"added in version %d"}`, f, f))
		}
		out.Schema = fmt.Sprintf(`{"type":"record","name":%q,"namespace":"bench.s%d","fields":[%s]}`, name, s%100, strings.Join(fields, ","))
	case "PROTOBUF":
		out.SchemaType = "PROTOBUF"
		var b strings.Builder
		b.WriteString("syntax = \"proto3\";\npackage bench.s" + fmt.Sprint(s%100) + ";\n\n")
		if ref {
			b.WriteString("import \"bench/common/money.proto\";\n\n")
			out.References = []reference{{Name: "bench/common/money.proto", Subject: commons[1].subject, Version: 1}}
		}
		fmt.Fprintf(&b, "message %s {\n  string id = 1;\n  int64 at = 2;\n", name)
		if ref {
			b.WriteString("  bench.common.Money amount = 3;\n")
		}
		for f := 2; f <= v; f++ {
			fmt.Fprintf(&b, "  string f%d = %d;\n", f, f+2)
		}
		b.WriteString("}\n")
		out.Schema = b.String()
	case "JSON":
		out.SchemaType = "JSON"
		props := []string{`"id":{"type":"string"}`, `"at":{"type":"integer"}`}
		if ref {
			props = append(props, `"amount":{"$ref":"money.json"}`)
			out.References = []reference{{Name: "money.json", Subject: commons[2].subject, Version: 1}}
		}
		for f := 2; f <= v; f++ {
			props = append(props, fmt.Sprintf(`"f%d":{"type":"string"}`, f))
		}
		out.Schema = fmt.Sprintf(`{"$schema":"http://json-schema.org/draft-07/schema#","title":%q,"type":"object","properties":{%s},"required":["id"]}`, name, strings.Join(props, ","))
	}
	return out
}

// commonVersions are the shared types as versions to seed.
func commonVersions() []version {
	out := make([]version, len(commons))
	for i, c := range commons {
		out[i] = version{Subject: c.subject, Schema: c.schema, ID: int64(i + 1), Version: 1}
		if c.typ != "AVRO" {
			out[i].SchemaType = c.typ
		}
	}
	return out
}
