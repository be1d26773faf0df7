package storetest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/accord/accord/registry"
)

func testEmptyStore(t *testing.T, h *harness) {
	s := h.store()
	c := ctx(t)
	contexts, err := s.Contexts(c)
	noErr(t, "Contexts", err)
	equal(t, "Contexts", contexts, []string{"."})

	_, err = s.SchemaByID(c, ".", 1)
	wantErr(t, "SchemaByID", err, registry.ErrNotFound)
	_, err = s.SchemaByFingerprint(c, ".", "nope")
	wantErr(t, "SchemaByFingerprint", err, registry.ErrNotFound)
	_, err = s.Config(c, ".", "")
	wantErr(t, "Config", err, registry.ErrNotFound)
	_, err = s.Mode(c, ".", "orders-value")
	wantErr(t, "Mode", err, registry.ErrNotFound)

	subjects, err := s.Subjects(c, ".", "", true)
	noErr(t, "Subjects", err)
	if len(subjects) != 0 {
		t.Fatalf("Subjects: %v, want none", subjects)
	}
	vs, err := s.Versions(c, ".", "orders-value", true)
	noErr(t, "Versions", err)
	vs2, err := s.VersionsByPrefix(c, ".", "", true)
	noErr(t, "VersionsByPrefix", err)
	vs3, err := s.VersionsBySchema(c, ".", 1, true)
	noErr(t, "VersionsBySchema", err)
	refs, err := s.ReferencedBy(c, ".", "orders-value", 1)
	noErr(t, "ReferencedBy", err)
	if len(vs)+len(vs2)+len(vs3)+len(refs) != 0 {
		t.Fatalf("empty store lists something: %v %v %v %v", vs, vs2, vs3, refs)
	}
}

func testSchemaRoundTrip(t *testing.T, h *harness) {
	s := h.store()
	created := time.Date(2024, 5, 6, 7, 8, 9, 123_000_000, time.UTC)
	base := schema(`{"type":"record","name":"Base","fields":[]}`)
	rich := registry.SchemaRecord{
		Type:   "PROTOBUF",
		Schema: "syntax = \"proto3\";\nmessage Order { Base base = 1; }\n",
		References: []registry.Reference{
			{Name: "base.proto", Subject: "base-value", Version: 1},
			{Name: "other.proto", Subject: "other-value", Version: 3},
		},
		Metadata:    json.RawMessage(`{"properties":{"owner":"team-a"}}`),
		RuleSet:     json.RawMessage(`{"domainRules":[{"name":"r","kind":"CONDITION"}]}`),
		Fingerprint: "fp-rich",
		CreatedAt:   created,
	}
	var baseID, richID int64
	before := time.Now().Add(-time.Second)
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		var err error
		if baseID, err = tx.InsertSchema(base); err != nil {
			return err
		}
		richID, err = tx.InsertSchema(rich)
		return err
	})
	after := time.Now().Add(time.Second)
	if baseID != 1 || richID != 2 {
		t.Fatalf("ids %d, %d; want 1, 2", baseID, richID)
	}

	c := ctx(t)
	got, err := s.SchemaByID(c, ".", richID)
	noErr(t, "SchemaByID", err)
	want := rich
	want.Context, want.ID = ".", richID
	checkSchema(t, got, want)

	byFP, err := s.SchemaByFingerprint(c, ".", "fp-rich")
	noErr(t, "SchemaByFingerprint", err)
	checkSchema(t, byFP, want)

	gotBase, err := s.SchemaByID(c, ".", baseID)
	noErr(t, "SchemaByID(base)", err)
	if len(gotBase.References) != 0 {
		t.Errorf("References of a schema without any: %v", gotBase.References)
	}
	if gotBase.Metadata != nil || gotBase.RuleSet != nil {
		t.Errorf("Metadata/RuleSet of a schema without them: %s / %s", gotBase.Metadata, gotBase.RuleSet)
	}
	if gotBase.CreatedAt.Before(before) || gotBase.CreatedAt.After(after) {
		t.Errorf("CreatedAt of a record without one is %v, want about now", gotBase.CreatedAt)
	}

	// Schemas live in their context only.
	_, err = s.SchemaByID(c, ".other", richID)
	wantErr(t, "SchemaByID in another context", err, registry.ErrNotFound)
	_, err = s.SchemaByFingerprint(c, ".other", "fp-rich")
	wantErr(t, "SchemaByFingerprint in another context", err, registry.ErrNotFound)
}

func checkSchema(t *testing.T, got, want registry.SchemaRecord) {
	t.Helper()
	if got.Context != want.Context || got.ID != want.ID || got.Type != want.Type ||
		got.Schema != want.Schema || got.Fingerprint != want.Fingerprint {
		t.Fatalf("schema: got %+v, want %+v", got, want)
	}
	if len(got.References) != len(want.References) {
		t.Fatalf("references: got %v, want %v", got.References, want.References)
	}
	for i := range want.References {
		if got.References[i] != want.References[i] {
			t.Fatalf("references: got %v, want %v", got.References, want.References)
		}
	}
	if !bytes.Equal(got.Metadata, want.Metadata) || !bytes.Equal(got.RuleSet, want.RuleSet) {
		t.Fatalf("metadata/ruleset: got %s / %s, want %s / %s", got.Metadata, got.RuleSet, want.Metadata, want.RuleSet)
	}
	if !got.CreatedAt.Equal(want.CreatedAt.Truncate(time.Millisecond)) {
		t.Fatalf("CreatedAt: got %v, want %v", got.CreatedAt, want.CreatedAt)
	}
}

func testSchemaIDsPerContext(t *testing.T, h *harness) {
	s := h.store()
	var last int64
	for i := range 5 {
		id, _ := register(t, s, ".", "a-value", "a"+strconv.Itoa(i))
		if id <= last {
			t.Fatalf("id %d after %d: ids must increase", id, last)
		}
		last = id
	}
	if last != 5 {
		t.Fatalf("fifth id in a fresh context is %d, want 5", last)
	}
	// Another context has its own counter.
	id, _ := register(t, s, ".team", "a-value", "a0")
	if id != 1 {
		t.Fatalf("first id of context .team is %d, want 1", id)
	}
	id, _ = register(t, s, ".", "b-value", "b")
	if id != 6 {
		t.Fatalf("id after 5 in context . is %d, want 6", id)
	}
	// The same text in another context is another schema.
	got, err := s.SchemaByID(ctx(t), ".team", 1)
	noErr(t, "SchemaByID(.team, 1)", err)
	if got.Schema != "a0" || got.Context != ".team" {
		t.Fatalf("SchemaByID(.team, 1) = %+v", got)
	}
}

func testExplicitSchemaIDs(t *testing.T, h *harness) {
	s := h.store()
	update(t, s, ".", "imported-value", func(tx registry.Tx) error {
		rec := schema("imported-100")
		rec.ID = 100
		id, err := tx.InsertSchema(rec)
		if err != nil {
			return err
		}
		if id != 100 {
			t.Errorf("InsertSchema with ID 100 returned %d", id)
		}
		// A free id below the counter is usable and leaves the counter alone.
		rec = schema("imported-50")
		rec.ID = 50
		if id, err = tx.InsertSchema(rec); err != nil || id != 50 {
			t.Errorf("InsertSchema with ID 50: %d, %v", id, err)
		}
		return nil
	})
	id, _ := register(t, s, ".", "new-value", "after-import")
	if id != 101 {
		t.Fatalf("id allocated after importing 100 is %d, want 101", id)
	}
	// Re-inserting the same schema under its own id is a no-op.
	update(t, s, ".", "imported-value", func(tx registry.Tx) error {
		rec := schema("imported-100")
		rec.ID = 100
		id, err := tx.InsertSchema(rec)
		if err != nil || id != 100 {
			t.Errorf("re-importing schema 100: %d, %v", id, err)
		}
		return nil
	})
	// An id that holds another schema is a conflict.
	err := s.Update(ctx(t), ".", "imported-value", func(tx registry.Tx) error {
		rec := schema("something else")
		rec.ID = 100
		_, err := tx.InsertSchema(rec)
		return err
	})
	wantErr(t, "InsertSchema with a used id", err, registry.ErrConflict)
	// So is a stored schema under a second id.
	err = s.Update(ctx(t), ".", "imported-value", func(tx registry.Tx) error {
		rec := schema("imported-100")
		rec.ID = 200
		_, err := tx.InsertSchema(rec)
		return err
	})
	wantErr(t, "InsertSchema of a stored schema under another id", err, registry.ErrConflict)
	// Neither failure moved the counter.
	id, _ = register(t, s, ".", "new-value", "after-conflicts")
	if id != 102 {
		t.Fatalf("id after failed imports is %d, want 102", id)
	}
	// The counter is per context.
	id, _ = register(t, s, ".fresh", "x-value", "x")
	if id != 1 {
		t.Fatalf("first id of a fresh context is %d, want 1", id)
	}
}

func testSameFingerprint(t *testing.T, h *harness) {
	s := h.store()
	id1, _ := register(t, s, ".", "a-value", "shared")
	id2, _ := register(t, s, ".", "b-value", "shared")
	if id1 != id2 {
		t.Fatalf("the same schema got ids %d and %d", id1, id2)
	}
	id3, _ := register(t, s, ".", "c-value", "other")
	if id3 != id1+1 {
		t.Fatalf("the next new schema got id %d, want %d (no id spent on the duplicate)", id3, id1+1)
	}
}

func testInsertSchemaRejectsBadRecords(t *testing.T, h *harness) {
	s := h.store()
	bad := map[string]registry.SchemaRecord{
		"no fingerprint": {Type: "AVRO", Schema: "x"},
		"no type":        {Schema: "x", Fingerprint: "fp"},
		"negative id":    {ID: -1, Type: "AVRO", Schema: "x", Fingerprint: "fp"},
		"bad metadata":   {Type: "AVRO", Schema: "x", Fingerprint: "fp", Metadata: json.RawMessage(`{`)},
		"bad rule set":   {Type: "AVRO", Schema: "x", Fingerprint: "fp", RuleSet: json.RawMessage(`nope`)},
		"other context":  {Context: ".elsewhere", Type: "AVRO", Schema: "x", Fingerprint: "fp"},
	}
	for name, rec := range bad {
		err := s.Update(ctx(t), ".", "s", func(tx registry.Tx) error {
			_, err := tx.InsertSchema(rec)
			return err
		})
		if err == nil {
			t.Errorf("InsertSchema accepted a record with %s", name)
		}
	}
	_, err := s.SchemaByFingerprint(ctx(t), ".", "fp")
	wantErr(t, "SchemaByFingerprint after rejected inserts", err, registry.ErrNotFound)
}
