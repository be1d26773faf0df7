package avro

import (
	"testing"

	"github.com/accord/accord/compat"
)

func TestResolved(t *testing.T) {
	addr := compat.Dependency{Name: "com.acme.Address", Type: compat.TypeAvro, Schema: `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"},{"name":"kind","type":{"type":"enum","name":"Kind","symbols":["HOME","WORK"]}}]}`}
	s, err := Parse(`{"type":"record","name":"Customer","namespace":"shop","fields":[
		{"name":"home","type":"com.acme.Address"},
		{"name":"work","type":["null","com.acme.Address"]},
		{"name":"kinds","type":{"type":"array","items":"com.acme.Kind"}}]}`, []compat.Dependency{addr})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"type":"record","name":"shop.Customer","fields":[` +
		`{"name":"home","type":{"type":"record","name":"com.acme.Address","fields":[{"name":"street","type":"string"},{"name":"kind","type":{"type":"enum","name":"com.acme.Kind","symbols":["HOME","WORK"]}}]}},` +
		`{"name":"work","type":["null","com.acme.Address"]},` +
		`{"name":"kinds","type":{"type":"array","items":"com.acme.Kind"}}]}`
	got, ok, err := s.Formatted("resolved")
	if err != nil || !ok || got != want {
		t.Fatalf("resolved =\n%s\nwant\n%s", got, want)
	}
	// It stands alone: it parses without the reference, as the same schema.
	alone, err := Parse(got, nil)
	if err != nil {
		t.Fatalf("resolved form does not parse alone: %v", err)
	}
	if d := alone.CompatibleWith(s); len(d) != 0 {
		t.Errorf("resolved form reads differently: %v", d)
	}
	if _, ok, _ := s.Formatted("serialized"); ok {
		t.Error("an Avro schema has no serialized form")
	}
}
