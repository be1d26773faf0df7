package lineage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry"
)

func avroUser(fields ...string) string {
	return fmt.Sprintf(`{"type":"record","name":"User","namespace":"com.acme","fields":[%s]}`, strings.Join(fields, ","))
}

var (
	userV1 = avroUser(`{"name":"id","type":"string"}`, `{"name":"name","type":"string"}`, `{"name":"email","type":"string"}`,
		`{"name":"age","type":"int"}`,
		`{"name":"address","type":{"type":"record","name":"Address","fields":[{"name":"street","type":"string"},{"name":"city","type":"string"}]}}`)
	// userV2 removes email and address.city, widens age to long and makes
	// name nullable.
	userV2 = avroUser(`{"name":"id","type":"string"}`, `{"name":"name","type":["null","string"],"default":null}`,
		`{"name":"age","type":"long"}`,
		`{"name":"address","type":{"type":"record","name":"Address","fields":[{"name":"street","type":"string"}]}}`)
)

// derivationGraph: users-private → users-public → users-search →
// users-analytics (three levels of derivation), with consumers at every
// level, some declaring their fields through the stream contract, some
// through the API.
func derivationGraph(t *testing.T, e *env) {
	e.stream(t, contracts.Stream{Name: "users-private", Owner: "users-svc", Tags: contracts.Tags{Domain: "identity"},
		Consumers: []contracts.Consumer{{Principal: "billing-svc", Fields: []string{"email", "address.city"}}}})
	e.stream(t, contracts.Stream{Name: "users-public", Owner: "users-svc", Visibility: contracts.Public, Tags: contracts.Tags{Domain: "identity"}})
	e.stream(t, contracts.Stream{Name: "users-search", Owner: "search-svc", Visibility: contracts.Public})
	e.register(t, "users-private-value", userV1)
	e.edge(t, Consumes, "users-private", "mail-svc", "id")
	e.edge(t, DerivedFrom, "users-private", "users-public", "id", "name", "address")
	e.edge(t, DerivedFrom, "users-public", "users-search", "name")
	e.edge(t, DerivedFrom, "users-search", "users-analytics")
	e.edge(t, Consumes, "users-public", "crm-svc", "name", "id")
	e.edge(t, Consumes, "users-search", "search-ui", "address")
	e.edge(t, Consumes, "users-analytics", "bi-svc")
}

func TestImpactThreeLevels(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		derivationGraph(t, e)
		imp, err := e.svc.Impact(context.Background(), "users-private", ImpactRequest{Schema: registry.SchemaInput{Schema: userV2}})
		if err != nil {
			t.Fatal(err)
		}
		if imp.Subject != "users-private-value" || !imp.FieldLevel {
			t.Errorf("subject %q fieldLevel %v", imp.Subject, imp.FieldLevel)
		}
		wantChanges := []FieldChange{
			{Path: "address.city", Change: Removed, From: "string"},
			{Path: "age", Change: Retyped, From: "int", To: "long"},
			{Path: "email", Change: Removed, From: "string"},
			{Path: "name", Change: MadeOptional, From: "required", To: "nullable"},
		}
		eq(t, "changes", imp.Changes, wantChanges)
		eq(t, "consumers", imp.Consumers, []ImpactedConsumer{
			{Service: "billing-svc", Via: []string{"users-private"}, Path: streamPath("users-private"), Depth: 1, FieldsDeclared: true, Fields: []FieldChange{wantChanges[0], wantChanges[2]}},
			{Service: "mail-svc", Via: []string{"users-private"}, Path: streamPath("users-private"), Depth: 1, FieldsDeclared: true, Fields: []FieldChange{}},
			{Service: "crm-svc", Via: []string{"users-private", "users-public"}, Path: streamPath("users-private", "users-public"), Depth: 2, FieldsDeclared: true, Fields: []FieldChange{wantChanges[3]}},
			{Service: "search-ui", Via: []string{"users-private", "users-public", "users-search"}, Path: streamPath("users-private", "users-public", "users-search"), Depth: 3, FieldsDeclared: true, Fields: []FieldChange{wantChanges[0]}},
			{Service: "bi-svc", Via: []string{"users-private", "users-public", "users-search", "users-analytics"}, Path: streamPath("users-private", "users-public", "users-search", "users-analytics"), Depth: 4, Fields: []FieldChange{}},
		})
		eq(t, "derived streams", imp.DerivedStreams, []ImpactedStream{
			{Stream: "users-public", Depth: 1, Via: []string{"users-private", "users-public"}, Path: streamPath("users-private", "users-public"), Through: ThroughDerivedFrom, FieldMapping: MappingSamePath, Fields: []FieldChange{wantChanges[0], wantChanges[3]}},
			{Stream: "users-search", Depth: 2, Via: []string{"users-private", "users-public", "users-search"}, Path: streamPath("users-private", "users-public", "users-search"), Through: ThroughDerivedFrom, FieldMapping: MappingSamePath, Fields: []FieldChange{wantChanges[3]}},
			{Stream: "users-analytics", Depth: 3, Via: []string{"users-private", "users-public", "users-search", "users-analytics"}, Path: streamPath("users-private", "users-public", "users-search", "users-analytics"), Through: ThroughDerivedFrom, FieldMapping: MappingSamePath},
		})

		// From the middle of the chain, only what lies below it.
		imp, err = e.svc.Impact(context.Background(), "users-search", ImpactRequest{Schema: registry.SchemaInput{Schema: userV2}})
		if err != nil {
			t.Fatal(err)
		}
		if len(imp.Changes) != 0 || imp.FieldLevel || len(imp.Consumers) != 2 || len(imp.DerivedStreams) != 1 {
			t.Errorf("impact on users-search (nothing registered): %+v", imp)
		}

		if _, err := e.svc.Impact(context.Background(), "nowhere", ImpactRequest{Schema: registry.SchemaInput{Schema: userV2}}); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown stream: %v, want ErrNotFound", err)
		}
		if _, err := e.svc.Impact(context.Background(), "users-private", ImpactRequest{Schema: registry.SchemaInput{Schema: "{"}}); !errors.Is(err, registry.ErrInvalidSchema) {
			t.Errorf("malformed schema: %v, want ErrInvalidSchema", err)
		}
	})
}

func TestImpactCycle(t *testing.T) {
	ix := buildIndex([]Edge{
		{Kind: DerivedFrom, From: "a", To: "b", Sources: []Source{SourceAPI}},
		{Kind: DerivedFrom, From: "b", To: "a", Sources: []Source{SourceAPI}},
		{Kind: Consumes, From: "b", To: "x", Sources: []Source{SourceAPI}},
	}, nil, testNow)
	imp := ix.impact("a", nil)
	if len(imp.DerivedStreams) != 1 || len(imp.Consumers) != 1 || imp.Consumers[0].Depth != 2 {
		t.Errorf("cycle: %+v", imp)
	}
}

func TestDiffFieldsFormats(t *testing.T) {
	e := newEnv(t, t.TempDir())
	for _, c := range []struct {
		name, typ, old, proposed string
		want                     []FieldChange
	}{
		{"json required to optional", "JSON",
			`{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer"}},"required":["id","n"]}`,
			`{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"string"}},"required":["n"]}`,
			[]FieldChange{{Path: "id", Change: MadeOptional, From: "required", To: "optional"}, {Path: "n", Change: Retyped, From: "integer", To: "string"}}},
		{"protobuf removed and retyped", "PROTOBUF",
			`syntax = "proto3"; package p; message M { string id = 1; int32 n = 2; }`,
			`syntax = "proto3"; package p; message M { string id = 1; }`,
			[]FieldChange{{Path: "n", Change: Removed, From: "int32"}}},
		{"avro default alone changes nothing", "AVRO",
			avroUser(`{"name":"id","type":"string"}`), avroUser(`{"name":"id","type":"string","default":""}`), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, err := e.reg.ParseSchema(context.Background(), "x", registry.SchemaInput{Schema: c.old, SchemaType: c.typ})
			if err != nil {
				t.Fatal(err)
			}
			n, err := e.reg.ParseSchema(context.Background(), "x", registry.SchemaInput{Schema: c.proposed, SchemaType: c.typ})
			if err != nil {
				t.Fatal(err)
			}
			got := DiffFields(o.(interface{ Fields() []compatField }).Fields(), n.(interface{ Fields() []compatField }).Fields(), c.typ)
			eq(t, "changes", got, c.want)
		})
	}
}

// streamPath is a path of streams ending, when the last name ends in
// -svc or -ui, with that service.
func streamPath(names ...string) []Hop {
	out := make([]Hop, len(names))
	for i, n := range names {
		out[i] = Hop{Kind: StreamNode, Name: n}
		if strings.HasSuffix(n, "-svc") || strings.HasSuffix(n, "-ui") {
			out[i].Kind = ServiceNode
		}
	}
	return out
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	if string(g) != string(w) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}
