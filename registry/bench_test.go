package registry_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

const benchSchema = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"}]}`

func benchRegistry(b *testing.B) *registry.Registry {
	store, err := sqlstore.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	reg := registry.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), avro.Format{})
	if _, err := reg.Register(context.Background(), "orders-value", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: benchSchema}}); err != nil {
		b.Fatal(err)
	}
	return reg
}

// The hot paths of serializers at start-up: both must stay in memory.
func BenchmarkRegisterExisting(b *testing.B) {
	reg := benchRegistry(b)
	ctx := context.Background()
	req := registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: benchSchema}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Register(ctx, "orders-value", req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	reg := benchRegistry(b)
	ctx := context.Background()
	in := registry.SchemaInput{Schema: benchSchema}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Lookup(ctx, "orders-value", in, false, false); err != nil {
			b.Fatal(err)
		}
	}
}
