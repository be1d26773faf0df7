package registry_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

// countingFormat counts parses, to show that the registry parses each
// version at most once per process.
type countingFormat struct {
	compat.Format
	parses atomic.Int64
}

func (f *countingFormat) Parse(text string, deps []compat.Dependency) (compat.Schema, error) {
	f.parses.Add(1)
	return f.Format.Parse(text, deps)
}

func TestEachVersionParsedOnce(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	f := &countingFormat{Format: avro.Format{}}
	reg := registry.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), f)
	if _, err := reg.SetConfig(ctx, "orders-value", registry.Config{Compatibility: compat.FullTransitive}); err != nil {
		t.Fatal(err)
	}
	const versions = 10
	fields := `{"name":"id","type":"string"}`
	for i := 1; i <= versions; i++ {
		fields += fmt.Sprintf(`,{"name":"f%d","type":"int","default":%d}`, i, i)
		schema := fmt.Sprintf(`{"type":"record","name":"Order","fields":[%s]}`, fields)
		v, err := reg.Register(ctx, "orders-value", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: schema}})
		if err != nil {
			t.Fatalf("version %d: %v", i, err)
		}
		if v.Version != i {
			t.Fatalf("got version %d, want %d", v.Version, i)
		}
		// Re-registering and looking up the same text parse nothing more.
		if _, err := reg.Register(ctx, "orders-value", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: schema}}); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Lookup(ctx, "orders-value", registry.SchemaInput{Schema: schema}, false, false); err != nil {
			t.Fatal(err)
		}
	}
	// Each candidate was parsed once when submitted; the transitive checks
	// against earlier versions reused those parses.
	if got := f.parses.Load(); got != versions {
		t.Fatalf("%d parses for %d versions checked transitively: a version was parsed twice", got, versions)
	}
}
