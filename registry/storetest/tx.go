package storetest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/accord/accord/registry"
)

func testContexts(t *testing.T, h *harness) {
	s := h.store()
	register(t, s, ".b", "x-value", "x")
	register(t, s, ".a", "x-value", "x")
	register(t, s, ".", "x-value", "x")
	// Settings alone do not make a context.
	update(t, s, ".settings-only", "", func(tx registry.Tx) error {
		return tx.PutMode("", "READONLY")
	})
	got, err := s.Contexts(ctx(t))
	noErr(t, "Contexts", err)
	equal(t, "Contexts", got, []string{".", ".a", ".b"})

	// A context stays listed after its versions are gone.
	update(t, s, ".b", "x-value", func(tx registry.Tx) error {
		return tx.DeleteVersion("x-value", 1)
	})
	got, err = s.Contexts(ctx(t))
	noErr(t, "Contexts", err)
	equal(t, "Contexts after delete", got, []string{".", ".a", ".b"})
}

var errAbort = errors.New("abort from fn")

func testRollbackOnError(t *testing.T, h *harness) {
	s := h.store()
	base, _ := register(t, s, ".", "orders-value", "kept")
	c := ctx(t)
	err := s.Update(c, ".", "orders-value", func(tx registry.Tx) error {
		if _, _, err := registerTx(tx, "orders-value", schema("dropped")); err != nil {
			return err
		}
		if err := tx.SetDeleted("orders-value", 1, true); err != nil {
			return err
		}
		if err := tx.PutConfig("orders-value", json.RawMessage(`{"compatibilityLevel":"NONE"}`)); err != nil {
			return err
		}
		if err := tx.PutMode("orders-value", "READONLY"); err != nil {
			return err
		}
		if err := tx.ReserveVersion(50); err != nil {
			return err
		}
		return errAbort
	})
	wantErr(t, "Update returning an error", err, errAbort)
	err = s.Update(c, ".new", "fresh-value", func(tx registry.Tx) error {
		if _, _, err := registerTx(tx, "fresh-value", schema("dropped too")); err != nil {
			return err
		}
		return errAbort
	})
	wantErr(t, "Update returning an error", err, errAbort)

	_, err = s.SchemaByFingerprint(c, ".", schema("dropped").Fingerprint)
	wantErr(t, "schema of a rolled-back Update", err, registry.ErrNotFound)
	vs, err := s.Versions(c, ".", "orders-value", true)
	noErr(t, "Versions", err)
	if len(vs) != 1 || vs[0].Deleted {
		t.Fatalf("versions after rollback: %+v", vs)
	}
	_, err = s.Config(c, ".", "orders-value")
	wantErr(t, "config of a rolled-back Update", err, registry.ErrNotFound)
	_, err = s.Mode(c, ".", "orders-value")
	wantErr(t, "mode of a rolled-back Update", err, registry.ErrNotFound)
	contexts, err := s.Contexts(c)
	noErr(t, "Contexts", err)
	equal(t, "Contexts after rollback", contexts, []string{"."})
	subjects, err := s.Subjects(c, ".new", "", true)
	noErr(t, "Subjects", err)
	if len(subjects) != 0 {
		t.Fatalf("subjects of a rolled-back Update: %v", subjects)
	}
	// Counters did not move.
	id, v := register(t, s, ".", "orders-value", "after rollback")
	if id != base+1 || v != 2 {
		t.Fatalf("after rollback got id %d version %d, want %d and 2", id, v, base+1)
	}
	if id, v := register(t, s, ".new", "fresh-value", "first"); id != 1 || v != 1 {
		t.Fatalf("first write to a context after a rolled-back one: id %d version %d, want 1 and 1", id, v)
	}
}

func testTxReadsOwnWrites(t *testing.T, h *harness) {
	s := h.store()
	register(t, s, ".", "orders-value", "v1")
	c := ctx(t)
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		id, v, err := registerTx(tx, "orders-value", schema("v2"))
		if err != nil {
			return err
		}
		if err := tx.PutConfig("orders-value", json.RawMessage(`{"compatibilityLevel":"FULL"}`)); err != nil {
			return err
		}
		// The transaction sees its writes...
		if _, err := tx.SchemaByID(c, ".", id); err != nil {
			t.Errorf("Tx.SchemaByID of its own schema: %v", err)
		}
		vs, err := tx.Versions(c, ".", "orders-value", false)
		if err != nil || len(vs) != 2 || vs[1].Version != v {
			t.Errorf("Tx.Versions: %+v, %v; want 2 versions", vs, err)
		}
		if _, err := tx.Config(c, ".", "orders-value"); err != nil {
			t.Errorf("Tx.Config of its own config: %v", err)
		}
		// ...and the store does not, until commit.
		if _, err := s.SchemaByID(c, ".", id); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("Store.SchemaByID of an uncommitted schema: %v, want ErrNotFound", err)
		}
		vs, err = s.Versions(c, ".", "orders-value", false)
		if err != nil || len(vs) != 1 {
			t.Errorf("Store.Versions during the transaction: %+v, %v; want 1 version", vs, err)
		}
		return nil
	})
	vs, err := s.Versions(c, ".", "orders-value", false)
	noErr(t, "Versions", err)
	equal(t, "versions after commit", versionNumbers(vs), []int{1, 2})
	checkConfig(t, s, ".", "orders-value", `{"compatibilityLevel":"FULL"}`)
}
