package storetest

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/accord/accord/registry"
)

// testSubjectState checks registry.SubjectReader (for stores that
// implement it) against the one-by-one reads it replaces: the same
// versions, soft-deleted ones included and in order, each with the record
// SchemaByID returns; the subject's own mode and config, not its
// context's; the change counters Changes reads; nothing of another subject
// or context. It reads as both callers do: the read side's view miss
// (the subject's level, versions with schemas) and the write side's fast
// path (several levels' settings, versions alone or none).
func testSubjectState(t *testing.T, h *harness) {
	s := h.store()
	sr, ok := s.(registry.SubjectReader)
	if !ok {
		if cs, isClosing := s.(*closingStore); isClosing {
			sr, ok = cs.Store.(registry.SubjectReader)
		}
	}
	if !ok {
		t.Skip("the store does not implement registry.SubjectReader")
	}
	c := ctx(t)

	own := registry.Name{Context: ".", Subject: "orders-value"}
	view := registry.SubjectRead{Levels: []registry.Name{own}, Versions: true, Schemas: true}

	// Nothing stored: the zero state, not an error.
	st, err := sr.SubjectState(c, ".", "orders-value", view)
	noErr(t, "SubjectState of an unknown subject", err)
	if st.Changes.Subject != 0 || len(st.Settings) != 1 || st.Settings[0].Mode != "" || st.Settings[0].Config != nil || len(st.Versions) != 0 || len(st.Schemas) != 0 {
		t.Fatalf("SubjectState of an unknown subject: %+v, want the zero state", st)
	}

	// A referenced subject, a subject of three versions (one referencing,
	// one with metadata and a rule set, one soft-deleted), its settings,
	// the context's settings, and the same name in another context.
	_, _ = register(t, s, ".", "money", `{"type":"fixed","name":"Money","size":8}`)
	_, _ = register(t, s, ".", "orders-value", "v1")
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		rec := schema("v2")
		rec.References = []registry.Reference{{Name: "Money", Subject: "money", Version: 1}}
		_, _, err := registerTx(tx, "orders-value", rec)
		return err
	})
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		rec := schema("v3")
		rec.Metadata = json.RawMessage(`{"properties":{"owner":"team-a"}}`)
		rec.RuleSet = json.RawMessage(`{"domainRules":[{"name":"r","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}`)
		_, _, err := registerTx(tx, "orders-value", rec)
		return err
	})
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		if err := tx.SetDeleted("orders-value", 1, true); err != nil {
			return err
		}
		if err := tx.PutConfig("orders-value", json.RawMessage(`{"compatibilityLevel":"NONE"}`)); err != nil {
			return err
		}
		return tx.PutMode("orders-value", "READONLY")
	})
	update(t, s, ".", "", func(tx registry.Tx) error {
		if err := tx.PutConfig("", json.RawMessage(`{"compatibilityLevel":"FULL"}`)); err != nil {
			return err
		}
		return tx.PutMode("", "IMPORT")
	})
	_, _ = register(t, s, ".other", "orders-value", "elsewhere")

	st, err = sr.SubjectState(c, ".", "orders-value", view)
	noErr(t, "SubjectState", err)
	vs, err := s.Versions(c, ".", "orders-value", true)
	noErr(t, "Versions", err)
	if len(vs) != 3 {
		t.Fatalf("Versions: %d, want 3", len(vs))
	}
	if !reflect.DeepEqual(st.Versions, vs) {
		t.Fatalf("SubjectState versions:\n%+v\nwant (Versions with deleted ones):\n%+v", st.Versions, vs)
	}
	if len(st.Schemas) != len(vs) {
		t.Fatalf("SubjectState: %d schemas for %d versions", len(st.Schemas), len(vs))
	}
	for i, v := range vs {
		want, err := s.SchemaByID(c, ".", v.SchemaID)
		noErr(t, "SchemaByID", err)
		if !reflect.DeepEqual(st.Schemas[i], want) {
			t.Fatalf("SubjectState schema of version %d:\n%+v\nwant (SchemaByID):\n%+v", v.Version, st.Schemas[i], want)
		}
	}
	if len(st.Schemas[1].References) != 1 || st.Schemas[2].Metadata == nil || st.Schemas[2].RuleSet == nil {
		t.Fatalf("SubjectState lost references, metadata or rule set: %+v", st.Schemas)
	}
	ch, err := s.Changes(c, ".", "orders-value")
	noErr(t, "Changes", err)
	if st.Changes != ch || st.Changes.Subject == 0 || st.Changes.Context == 0 {
		t.Fatalf("SubjectState counters %+v, want Changes' %+v (not 0)", st.Changes, ch)
	}
	if st.Settings[0].Mode != "READONLY" || string(st.Settings[0].Config) != `{"compatibilityLevel":"NONE"}` {
		t.Fatalf("SubjectState settings: %+v, want the subject's own READONLY and NONE", st.Settings)
	}

	// The write side's read: several levels' settings, each its own and
	// in the order asked (a level with none has none), the versions
	// without their schemas, or no versions at all.
	levels := []registry.Name{{Context: ".", Subject: ""}, own, {Context: ".other", Subject: "orders-value"}}
	w, err := sr.SubjectState(c, ".", "orders-value", registry.SubjectRead{Levels: levels, Versions: true})
	noErr(t, "SubjectState of three levels", err)
	wantSettings := []registry.Setting{
		{Mode: "IMPORT", Config: json.RawMessage(`{"compatibilityLevel":"FULL"}`)},
		{Mode: "READONLY", Config: json.RawMessage(`{"compatibilityLevel":"NONE"}`)},
		{},
	}
	if !reflect.DeepEqual(w.Settings, wantSettings) {
		t.Fatalf("SubjectState settings of three levels:\n%+v\nwant:\n%+v", w.Settings, wantSettings)
	}
	if w.Changes != ch || !reflect.DeepEqual(w.Versions, vs) || len(w.Schemas) != 0 {
		t.Fatalf("SubjectState without schemas: counters %+v versions %+v schemas %d, want %+v, %+v, none", w.Changes, w.Versions, len(w.Schemas), ch, vs)
	}
	w, err = sr.SubjectState(c, ".", "orders-value", registry.SubjectRead{Levels: levels[:1]})
	noErr(t, "SubjectState without versions", err)
	if w.Changes != ch || len(w.Versions) != 0 || len(w.Settings) != 1 || w.Settings[0].Mode != "IMPORT" {
		t.Fatalf("SubjectState without versions: %+v", w)
	}

	// Settings without a version: a subject that holds only a config.
	update(t, s, ".", "settings-only", func(tx registry.Tx) error {
		return tx.PutMode("settings-only", "READWRITE")
	})
	st, err = sr.SubjectState(c, ".", "settings-only", registry.SubjectRead{Levels: []registry.Name{{Context: ".", Subject: "settings-only"}}, Versions: true, Schemas: true})
	noErr(t, "SubjectState of a subject with settings only", err)
	if st.Settings[0].Mode != "READWRITE" || st.Settings[0].Config != nil || len(st.Versions) != 0 {
		t.Fatalf("SubjectState of a subject with settings only: %+v", st)
	}

	// A write moves the counter, and the state follows.
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		return tx.DeleteVersion("orders-value", 1)
	})
	after, err := sr.SubjectState(c, ".", "orders-value", view)
	noErr(t, "SubjectState after a delete", err)
	if after.Changes.Subject <= ch.Subject || len(after.Versions) != 2 || after.Versions[0].Version != 2 {
		t.Fatalf("SubjectState after a permanent delete: counter %d (was %d), versions %+v", after.Changes.Subject, ch.Subject, after.Versions)
	}
}
