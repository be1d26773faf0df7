package registry_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
)

// TestCachesStayWithinTheirBudgets registers more schemas and subjects
// than small cache budgets hold, reads every one back (by id, by version,
// by lookup), and checks that every answer is right and that no cache
// grew past its budget.
func TestCachesStayWithinTheirBudgets(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	reg := registry.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), avro.Format{})
	reg.SetCacheSizes(registry.CacheSizes{SchemaBytes: 8 << 10, ParsedBytes: 16 << 10, SubjectVersions: 20})

	const subjects, versions = 40, 3
	schema := func(s, v int) string {
		fields := `{"name":"id","type":"string"}`
		for f := 1; f < v; f++ {
			fields += fmt.Sprintf(`,{"name":"f%d","type":"int","default":%d}`, f, f)
		}
		return fmt.Sprintf(`{"type":"record","name":"R%d","fields":[%s]}`, s, fields)
	}
	ids := map[[2]int]int64{}
	for s := range subjects {
		for v := 1; v <= versions; v++ {
			out, err := reg.Register(ctx, fmt.Sprintf("s%03d", s), registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: schema(s, v)}})
			if err != nil {
				t.Fatalf("subject %d version %d: %v", s, v, err)
			}
			ids[[2]int{s, v}] = out.Schema.ID
		}
	}
	for round := range 2 {
		for s := range subjects {
			subject := fmt.Sprintf("s%03d", s)
			for v := 1; v <= versions; v++ {
				id := ids[[2]int{s, v}]
				rec, err := reg.SchemaByID(ctx, id, "")
				if err != nil || rec.ID != id || rec.Schema != schema(s, v) {
					t.Fatalf("round %d: schema %d: %v, %+v", round, id, err, rec)
				}
				sv, err := reg.Version(ctx, subject, v, false)
				if err != nil || sv.Schema.ID != id {
					t.Fatalf("round %d: %s version %d: %v, id %d want %d", round, subject, v, err, sv.Schema.ID, id)
				}
				found, err := reg.Lookup(ctx, subject, registry.SchemaInput{Schema: schema(s, v)}, false, false)
				if err != nil || found.Version != v {
					t.Fatalf("round %d: lookup in %s of version %d: %v, found %d", round, subject, v, err, found.Version)
				}
			}
		}
	}
	evicted := uint64(0)
	for _, c := range reg.CacheSizes() {
		if c.Weight > c.Max {
			t.Errorf("cache %s weighs %d, over its budget of %d", c.Name, c.Weight, c.Max)
		}
		evicted += c.Evictions
		t.Logf("%s: %d entries, weight %d of %d, %d evictions", c.Name, c.Entries, c.Weight, c.Max, c.Evictions)
	}
	if evicted == 0 {
		t.Error("nothing was evicted: the test did not fill the caches")
	}
}
