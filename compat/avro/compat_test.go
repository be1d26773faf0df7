package avro

import (
	"fmt"
	"strings"
	"testing"

	"github.com/accord/accord/compat"
)

func assertDiffs(t *testing.T, got, want []compat.Difference) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d differences, want %d:\n got %s\nwant %s", len(got), len(want), diffText(got), diffText(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Location != want[i].Location ||
			(want[i].Message != "" && got[i].Message != want[i].Message) {
			t.Errorf("difference %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

func diffText(ds []compat.Difference) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\n  %s", d)
	}
	return b.String()
}

// rec writes a record schema named R with the given fields.
func rec(fields ...string) string {
	return `{"type":"record","name":"R","namespace":"ns","fields":[` + strings.Join(fields, ",") + `]}`
}

type diff struct{ id, loc string }

// TestResolutionRules checks each rule of the specification's "Schema
// Resolution" with a compatible and an incompatible pair.
func TestResolutionRules(t *testing.T) {
	tests := []struct {
		rule, reader, writer string
		want                 []diff // nil: compatible
	}{
		// Primitives: the same type, or a promotion.
		{"same primitive", `"int"`, `"int"`, nil},
		{"different primitive", `"int"`, `"string"`, []diff{{TypeMismatch, "/"}}},
		{"int to long", `"long"`, `"int"`, nil},
		{"long to int", `"int"`, `"long"`, []diff{{TypeMismatch, "/"}}},
		{"int to float", `"float"`, `"int"`, nil},
		{"long to float", `"float"`, `"long"`, nil},
		{"double to float", `"float"`, `"double"`, []diff{{TypeMismatch, "/"}}},
		{"int to double", `"double"`, `"int"`, nil},
		{"long to double", `"double"`, `"long"`, nil},
		{"float to double", `"double"`, `"float"`, nil},
		{"double to long", `"long"`, `"double"`, []diff{{TypeMismatch, "/"}}},
		{"bytes to string", `"string"`, `"bytes"`, nil},
		{"string to bytes", `"bytes"`, `"string"`, nil},
		{"boolean to int", `"int"`, `"boolean"`, []diff{{TypeMismatch, "/"}}},
		{"null to null", `"null"`, `"null"`, nil},
		{"string to null", `"null"`, `"string"`, []diff{{TypeMismatch, "/"}}},

		// Records: missing reader fields need defaults; extra writer fields are skipped.
		{"reader field with default", rec(`{"name":"a","type":"int"}`, `{"name":"b","type":"int","default":0}`), rec(`{"name":"a","type":"int"}`), nil},
		{"reader field without default", rec(`{"name":"a","type":"int"}`, `{"name":"b","type":"int"}`), rec(`{"name":"a","type":"int"}`), []diff{{ReaderFieldMissingDefaultValue, "/fields/1"}}},
		{"writer field ignored", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":"int"}`, `{"name":"b","type":"string"}`), nil},
		{"field type promoted", rec(`{"name":"a","type":"long"}`), rec(`{"name":"a","type":"int"}`), nil},
		{"field type changed", rec(`{"name":"a","type":"int"}`, `{"name":"b","type":"int"}`), rec(`{"name":"a","type":"int"}`, `{"name":"b","type":"string"}`), []diff{{TypeMismatch, "/fields/1/type"}}},
		{"fields reordered", rec(`{"name":"b","type":"string"}`, `{"name":"a","type":"int"}`), rec(`{"name":"a","type":"int"}`, `{"name":"b","type":"string"}`), nil},
		{"record to non-record", rec(), `"string"`, []diff{{TypeMismatch, "/"}}},

		// Field aliases: a reader field may read a writer field by an alias.
		{"field renamed with alias", rec(`{"name":"b","type":"int","aliases":["a"]}`), rec(`{"name":"a","type":"int"}`), nil},
		{"field renamed without alias", rec(`{"name":"b","type":"int"}`), rec(`{"name":"a","type":"int"}`), []diff{{ReaderFieldMissingDefaultValue, "/fields/0"}}},

		// Named types: unqualified names match, or a reader alias names the writer.
		{"same name other namespace", `{"type":"record","name":"a.R","fields":[]}`, `{"type":"record","name":"b.R","fields":[]}`, nil},
		{"record renamed", `{"type":"record","name":"S","fields":[]}`, `{"type":"record","name":"R","fields":[]}`, []diff{{NameMismatch, "/name"}}},
		{"record renamed with alias", `{"type":"record","name":"S","namespace":"ns","aliases":["R"],"fields":[]}`, `{"type":"record","name":"ns.R","fields":[]}`, nil},
		{"alias must name the writer's full name", `{"type":"record","name":"S","namespace":"ns","aliases":["R"],"fields":[]}`, `{"type":"record","name":"other.R2","fields":[]}`, []diff{{NameMismatch, "/name"}}},

		// Enums.
		{"enum symbol added to reader", `{"type":"enum","name":"E","symbols":["A","B","C"]}`, `{"type":"enum","name":"E","symbols":["A","B"]}`, nil},
		{"enum symbol missing in reader", `{"type":"enum","name":"E","symbols":["A"]}`, `{"type":"enum","name":"E","symbols":["A","B"]}`, []diff{{MissingEnumSymbols, "/symbols"}}},
		{"enum symbol missing, reader default", `{"type":"enum","name":"E","symbols":["A","UNKNOWN"],"default":"UNKNOWN"}`, `{"type":"enum","name":"E","symbols":["A","B"]}`, nil},
		{"enum renamed", `{"type":"enum","name":"F","symbols":["A"]}`, `{"type":"enum","name":"E","symbols":["A"]}`, []diff{{NameMismatch, "/name"}}},
		{"enum symbols reordered", `{"type":"enum","name":"E","symbols":["B","A"]}`, `{"type":"enum","name":"E","symbols":["A","B"]}`, nil},

		// Fixed.
		{"fixed same size", `{"type":"fixed","name":"F","size":4}`, `{"type":"fixed","name":"F","size":4}`, nil},
		{"fixed size changed", `{"type":"fixed","name":"F","size":4}`, `{"type":"fixed","name":"F","size":8}`, []diff{{FixedSizeMismatch, "/size"}}},
		{"fixed renamed", `{"type":"fixed","name":"G","size":4}`, `{"type":"fixed","name":"F","size":4}`, []diff{{NameMismatch, "/name"}}},
		{"fixed to bytes", `"bytes"`, `{"type":"fixed","name":"F","size":4}`, []diff{{TypeMismatch, "/"}}},

		// Arrays and maps resolve their items and values.
		{"array items promoted", `{"type":"array","items":"long"}`, `{"type":"array","items":"int"}`, nil},
		{"array items changed", `{"type":"array","items":"int"}`, `{"type":"array","items":"long"}`, []diff{{TypeMismatch, "/items"}}},
		{"map values promoted", `{"type":"map","values":"double"}`, `{"type":"map","values":"float"}`, nil},
		{"map values changed", `{"type":"map","values":"int"}`, `{"type":"map","values":"string"}`, []diff{{TypeMismatch, "/values"}}},
		{"array to map", `{"type":"map","values":"int"}`, `{"type":"array","items":"int"}`, []diff{{TypeMismatch, "/"}}},

		// Reader unions: some branch must read the writer's type.
		{"reader union has branch", `["null","string"]`, `"string"`, nil},
		{"reader union branch by promotion", `["null","long"]`, `"int"`, nil},
		{"reader union lacks branch", `["null","string"]`, `"int"`, []diff{{MissingUnionBranch, "/"}}},

		// Writer unions: every branch must be readable.
		{"writer union all readable", `"double"`, `["int","long","float"]`, nil},
		{"writer union branch unreadable", `"string"`, `["null","string"]`, []diff{{TypeMismatch, "/"}}},
		{"both unions, branch added to reader", `["null","string","int"]`, `["null","string"]`, nil},
		{"both unions, branch removed from reader", `["null","string"]`, `["null","string","int"]`, []diff{{MissingUnionBranch, "/"}}},
		{"both unions, branches reordered", `["string","null"]`, `["null","string"]`, nil},
		{"field made optional", rec(`{"name":"a","type":["null","int"],"default":null}`), rec(`{"name":"a","type":"int"}`), nil},
		{"field made required", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":["null","int"],"default":null}`), []diff{{TypeMismatch, "/fields/0/type"}}},

		// Logical types play no part in resolution.
		{"logical type added", `{"type":"long","logicalType":"timestamp-millis"}`, `"long"`, nil},
		{"decimal precision changed", `{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}`, `{"type":"bytes","logicalType":"decimal","precision":12,"scale":4}`, nil},
		{"logical type over the wrong base", `{"type":"int","logicalType":"date"}`, `{"type":"long","logicalType":"timestamp-millis"}`, []diff{{TypeMismatch, "/"}}},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			r := mustParse(t, tc.reader)
			w := mustParse(t, tc.writer)
			got := r.CompatibleWith(w)
			want := make([]compat.Difference, len(tc.want))
			for i, d := range tc.want {
				want[i] = compat.Difference{ID: d.id, Location: d.loc}
			}
			assertDiffs(t, got, want)
			for _, d := range got {
				if d.Message == "" {
					t.Errorf("difference without a message: %s", d)
				}
			}
		})
	}
}

func TestNestedAndRecursive(t *testing.T) {
	customerV1 := `{"type":"record","name":"Customer","fields":[{"name":"id","type":"long"}]}`
	customerV2 := `{"type":"record","name":"Customer","fields":[{"name":"id","type":"long"},{"name":"email","type":"string"}]}`

	t.Run("nested record", func(t *testing.T) {
		r := mustParse(t, rec(`{"name":"customer","type":`+customerV2+`}`))
		w := mustParse(t, rec(`{"name":"customer","type":`+customerV1+`}`))
		assertDiffs(t, r.CompatibleWith(w), []compat.Difference{{
			ID: ReaderFieldMissingDefaultValue, Location: "/fields/0/type/fields/1",
			Message: "'email': reader field has no default and is missing in writer",
		}})
	})

	t.Run("record inside a nullable union points into the branch", func(t *testing.T) {
		r := mustParse(t, rec(`{"name":"customer","type":["null",`+customerV2+`],"default":null}`))
		w := mustParse(t, rec(`{"name":"customer","type":["null",`+customerV1+`],"default":null}`))
		assertDiffs(t, r.CompatibleWith(w), []compat.Difference{{ID: ReaderFieldMissingDefaultValue, Location: "/fields/0/type/1/fields/1"}})
	})

	t.Run("record in array in map", func(t *testing.T) {
		r := mustParse(t, `{"type":"map","values":{"type":"array","items":`+customerV2+`}}`)
		w := mustParse(t, `{"type":"map","values":{"type":"array","items":`+customerV1+`}}`)
		assertDiffs(t, r.CompatibleWith(w), []compat.Difference{{ID: ReaderFieldMissingDefaultValue, Location: "/values/items/fields/1"}})
	})

	list := func(extra string) string {
		return `{"type":"record","name":"Node","fields":[{"name":"value","type":"int"}` + extra + `,{"name":"next","type":["null","Node"],"default":null}]}`
	}
	t.Run("recursive record compatible", func(t *testing.T) {
		r := mustParse(t, list(`,{"name":"label","type":"string","default":""}`))
		w := mustParse(t, list(""))
		assertDiffs(t, r.CompatibleWith(w), nil)
		assertDiffs(t, w.CompatibleWith(r), nil)
		assertDiffs(t, r.CompatibleWith(r), nil)
	})
	t.Run("recursive record incompatible, reported once", func(t *testing.T) {
		r := mustParse(t, list(`,{"name":"label","type":"string"}`))
		w := mustParse(t, list(""))
		assertDiffs(t, r.CompatibleWith(w), []compat.Difference{{ID: ReaderFieldMissingDefaultValue, Location: "/fields/1"}})
	})
	t.Run("mutually recursive records", func(t *testing.T) {
		tree := func(extra string) string {
			return `{"type":"record","name":"Tree","fields":[{"name":"children","type":{"type":"array","items":{"type":"record","name":"Child","fields":[{"name":"tree","type":"Tree"}` + extra + `]}}}]}`
		}
		r := mustParse(t, tree(`,{"name":"weight","type":"double","default":1}`))
		w := mustParse(t, tree(`,{"name":"weight","type":"float"}`))
		assertDiffs(t, r.CompatibleWith(w), nil)
		assertDiffs(t, w.CompatibleWith(r), []compat.Difference{{ID: TypeMismatch, Location: "/fields/0/type/items/fields/1/type"}})
	})
	t.Run("a type used twice is reported once", func(t *testing.T) {
		r := mustParse(t, rec(`{"name":"a","type":`+customerV2+`}`, `{"name":"b","type":"Customer"}`))
		w := mustParse(t, rec(`{"name":"a","type":`+customerV1+`}`, `{"name":"b","type":"Customer"}`))
		assertDiffs(t, r.CompatibleWith(w), []compat.Difference{{ID: ReaderFieldMissingDefaultValue, Location: "/fields/0/type/fields/1"}})
	})
}

func TestReportsEveryProblem(t *testing.T) {
	r := mustParse(t, rec(
		`{"name":"id","type":"int"}`,
		`{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW"]}}`,
		`{"name":"hash","type":{"type":"fixed","name":"Hash","size":16}}`,
		`{"name":"tags","type":{"type":"array","items":"string"}}`,
		`{"name":"payment","type":["null",{"type":"record","name":"Card","fields":[]}]}`,
		`{"name":"customer","type":"string"}`,
	))
	w := mustParse(t, rec(
		`{"name":"id","type":"long"}`,
		`{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID","SHIPPED"]}}`,
		`{"name":"hash","type":{"type":"fixed","name":"Hash","size":32}}`,
		`{"name":"tags","type":{"type":"array","items":"int"}}`,
		`{"name":"payment","type":["null","string"]}`,
	))
	assertDiffs(t, r.CompatibleWith(w), []compat.Difference{
		{ID: TypeMismatch, Location: "/fields/0/type", Message: "'id': reader type int cannot read writer type long"},
		{ID: MissingEnumSymbols, Location: "/fields/1/type/symbols", Message: "'status': writer enum symbols PAID, SHIPPED are missing in reader enum ns.Status, which has no default"},
		{ID: FixedSizeMismatch, Location: "/fields/2/type/size", Message: "'hash': reader fixed ns.Hash has size 16 but the writer's has size 32"},
		{ID: TypeMismatch, Location: "/fields/3/type/items", Message: "'tags': reader type string cannot read writer type int"},
		{ID: MissingUnionBranch, Location: "/fields/4/type", Message: "'payment': the reader's union [null, record ns.Card] has no branch that can read the writer's string (a branch of the writer's union)"},
		{ID: ReaderFieldMissingDefaultValue, Location: "/fields/5", Message: "'customer': reader field has no default and is missing in writer"},
	})
}

func TestCompatibleWithOtherFormat(t *testing.T) {
	r := mustParse(t, `"string"`)
	got := r.CompatibleWith(otherSchema{})
	if len(got) != 1 || got[0].ID != TypeMismatch {
		t.Fatalf("got %v", got)
	}
}

type otherSchema struct{}

func (otherSchema) Type() string                                     { return compat.TypeJSON }
func (otherSchema) Canonical() string                                { return "{}" }
func (otherSchema) Normalized() string                               { return "{}" }
func (otherSchema) CompatibleWith(compat.Schema) []compat.Difference { return nil }
