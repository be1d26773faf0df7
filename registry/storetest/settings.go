package storetest

import (
	"encoding/json"
	"testing"

	"github.com/accord/accord/registry"
)

func testConfigAndMode(t *testing.T, h *harness) {
	s := h.store()
	global := json.RawMessage(`{"compatibilityLevel":"FULL"}`)
	subject := json.RawMessage(`{"compatibilityLevel":"NONE","normalize":true}`)
	update(t, s, ".", "", func(tx registry.Tx) error {
		if err := tx.PutConfig("", global); err != nil {
			return err
		}
		return tx.PutMode("", "READONLY")
	})
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		if err := tx.PutConfig("orders-value", subject); err != nil {
			return err
		}
		return tx.PutMode("orders-value", "IMPORT")
	})
	c := ctx(t)
	checkConfig(t, s, ".", "", string(global))
	checkConfig(t, s, ".", "orders-value", string(subject))
	checkMode(t, s, ".", "", "READONLY")
	checkMode(t, s, ".", "orders-value", "IMPORT")

	// Settings are per context.
	_, err := s.Config(c, ".other", "")
	wantErr(t, "Config in another context", err, registry.ErrNotFound)
	_, err = s.Mode(c, ".other", "orders-value")
	wantErr(t, "Mode in another context", err, registry.ErrNotFound)

	// Overwrite.
	update(t, s, ".", "", func(tx registry.Tx) error {
		if err := tx.PutConfig("", json.RawMessage(`{"compatibilityLevel":"BACKWARD"}`)); err != nil {
			return err
		}
		return tx.PutMode("", "READWRITE")
	})
	checkConfig(t, s, ".", "", `{"compatibilityLevel":"BACKWARD"}`)
	checkMode(t, s, ".", "", "READWRITE")

	// Delete with nil / "", twice (deleting nothing is not an error).
	for range 2 {
		update(t, s, ".", "orders-value", func(tx registry.Tx) error {
			if err := tx.PutConfig("orders-value", nil); err != nil {
				return err
			}
			return tx.PutMode("orders-value", "")
		})
	}
	_, err = s.Config(c, ".", "orders-value")
	wantErr(t, "Config after delete", err, registry.ErrNotFound)
	_, err = s.Mode(c, ".", "orders-value")
	wantErr(t, "Mode after delete", err, registry.ErrNotFound)
	checkConfig(t, s, ".", "", `{"compatibilityLevel":"BACKWARD"}`)

	// Invalid JSON is refused.
	err = s.Update(c, ".", "", func(tx registry.Tx) error {
		return tx.PutConfig("", json.RawMessage(`{"compatibilityLevel":`))
	})
	if err == nil {
		t.Fatal("PutConfig accepted invalid JSON")
	}
	checkConfig(t, s, ".", "", `{"compatibilityLevel":"BACKWARD"}`)

	// Settings alone do not make a subject.
	subjects, err := s.Subjects(c, ".", "", true)
	noErr(t, "Subjects", err)
	if len(subjects) != 0 {
		t.Fatalf("Subjects after writing settings only: %v", subjects)
	}
}

func checkConfig(t *testing.T, s registry.Reader, regCtx, subject, want string) {
	t.Helper()
	got, err := s.Config(ctx(t), regCtx, subject)
	noErr(t, "Config", err)
	if string(got) != want {
		t.Fatalf("Config(%q, %q) = %s, want %s", regCtx, subject, got, want)
	}
}

func checkMode(t *testing.T, s registry.Reader, regCtx, subject, want string) {
	t.Helper()
	got, err := s.Mode(ctx(t), regCtx, subject)
	noErr(t, "Mode", err)
	if got != want {
		t.Fatalf("Mode(%q, %q) = %q, want %q", regCtx, subject, got, want)
	}
}

func testContextWideUpdate(t *testing.T, h *harness) {
	s := h.store()
	c := ctx(t)
	err := s.Update(c, ".", "", func(tx registry.Tx) error {
		_, err := tx.NextVersion()
		return err
	})
	if err == nil {
		t.Fatal("NextVersion succeeded in a context-wide Update")
	}
	err = s.Update(c, ".", "", func(tx registry.Tx) error {
		return tx.ReserveVersion(3)
	})
	if err == nil {
		t.Fatal("ReserveVersion succeeded in a context-wide Update")
	}
	// Schemas may be stored context-wide (e.g. an IMPORT of ids alone).
	var id int64
	update(t, s, ".", "", func(tx registry.Tx) error {
		var err error
		id, err = tx.InsertSchema(schema("context-wide"))
		return err
	})
	if _, err := s.SchemaByID(c, ".", id); err != nil {
		t.Fatalf("schema stored in a context-wide Update: %v", err)
	}
}
