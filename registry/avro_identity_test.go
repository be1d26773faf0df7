package registry_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

// asWrittenFormat is Avro as older Accord stored it: the canonical text
// kept names and namespaces as written.
type asWrittenFormat struct{ avro.Format }

type asWritten struct {
	compat.Schema
	text string
}

func (s asWritten) Canonical() string { return s.text }

func (f asWrittenFormat) Parse(text string, deps []compat.Dependency) (compat.Schema, error) {
	s, err := f.Format.Parse(text, deps)
	if err != nil {
		return nil, err
	}
	return asWritten{s, text}, nil
}

// TestAvroIdentityOfOlderVersions: a version stored in an older canonical
// spelling (a namespace restated) is still the same schema for a process
// that writes Avro's canonical names: re-registering it, or the inherited
// spelling, gives its version and id, not a new one.
func TestAvroIdentityOfOlderVersions(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	const (
		restated  = `{"type":"record","name":"R","namespace":"ns","fields":[{"name":"e","type":{"type":"enum","name":"E","namespace":"ns","symbols":["A"]}}]}`
		inherited = `{"type":"record","name":"R","namespace":"ns","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A"]}}]}`
	)
	old := registry.New(store, log, asWrittenFormat{})
	v1, err := old.Register(ctx, "s", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: restated}})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Schema.Schema != restated {
		t.Fatalf("the older process stored %s", v1.Schema.Schema)
	}

	reg := registry.New(store, log, avro.Format{}) // a newer process
	for _, text := range []string{restated, inherited} {
		got, err := reg.Lookup(ctx, "s", registry.SchemaInput{Schema: text}, false, false)
		if err != nil || got.Version != 1 || got.Schema.ID != v1.Schema.ID {
			t.Errorf("lookup of %s = version %d id %v, %v; want version 1 id %d", text, got.Version, got.Schema, err, v1.Schema.ID)
		}
		again, err := reg.Register(ctx, "s", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: text}})
		if err != nil || again.Version != 1 || again.Schema.ID != v1.Schema.ID {
			t.Errorf("re-registering %s = version %d, %v; want version 1 id %d", text, again.Version, err, v1.Schema.ID)
		}
	}
	vs, err := reg.Versions(ctx, "s", true)
	if err != nil || len(vs) != 1 {
		t.Errorf("versions = %v, %v; want [1]", vs, err)
	}
}
