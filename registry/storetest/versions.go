package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/accord/accord/registry"
)

func testVersionNumbers(t *testing.T, h *harness) {
	s := h.store()
	for want := 1; want <= 3; want++ {
		_, v := register(t, s, ".", "orders-value", "orders-v"+strconv.Itoa(want))
		if v != want {
			t.Fatalf("version %d, want %d", v, want)
		}
	}
	// Subjects count separately.
	if _, v := register(t, s, ".", "payments-value", "p1"); v != 1 {
		t.Fatalf("first version of another subject is %d", v)
	}
	// The next version follows the highest stored one (as Confluent):
	// a reserved number that was never used does not count.
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		if err := tx.ReserveVersion(10); err != nil {
			return err
		}
		return tx.ReserveVersion(5)
	})
	if _, v := register(t, s, ".", "orders-value", "orders-v4"); v != 4 {
		t.Fatalf("version after ReserveVersion(10) is %d, want 4", v)
	}
	// InsertVersion with a caller-chosen number moves the counter too.
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		id, err := tx.InsertSchema(schema("orders-v20"))
		if err != nil {
			return err
		}
		return tx.InsertVersion(registry.VersionRecord{Context: ".", Subject: "orders-value", Version: 20, SchemaID: id})
	})
	if _, v := register(t, s, ".", "orders-value", "orders-v21"); v != 21 {
		t.Fatalf("version after inserting 20 is %d, want 21", v)
	}

	c := ctx(t)
	vs, err := s.Versions(c, ".", "orders-value", false)
	noErr(t, "Versions", err)
	equal(t, "versions", versionNumbers(vs), []int{1, 2, 3, 4, 20, 21})
	for _, v := range vs {
		if v.Context != "." || v.Subject != "orders-value" || v.SchemaID == 0 || v.Deleted || v.CreatedAt.IsZero() {
			t.Fatalf("incomplete version record %+v", v)
		}
	}
	// CreatedAt round-trips (to the millisecond).
	when := time.Date(2023, 1, 2, 3, 4, 5, 678_900_000, time.UTC)
	update(t, s, ".", "dated-value", func(tx registry.Tx) error {
		id, err := tx.InsertSchema(schema("dated"))
		if err != nil {
			return err
		}
		return tx.InsertVersion(registry.VersionRecord{Version: 1, SchemaID: id, CreatedAt: when})
	})
	vs, err = s.Versions(c, ".", "dated-value", false)
	noErr(t, "Versions(dated-value)", err)
	if len(vs) != 1 || !vs[0].CreatedAt.Equal(when.Truncate(time.Millisecond)) {
		t.Fatalf("dated version: %+v, want CreatedAt %v", vs, when)
	}
}

// testVersionNumbersAfterDeletes: the next version is one more than the
// highest remaining one, soft-deleted ones included (Confluent's rule).
func testVersionNumbersAfterDeletes(t *testing.T, h *harness) {
	s := h.store()
	for i := range 3 {
		register(t, s, ".", "orders-value", "orders-"+strconv.Itoa(i))
	}
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		return tx.SetDeleted("orders-value", 3, true)
	})
	if _, v := register(t, s, ".", "orders-value", "orders-after-soft"); v != 4 {
		t.Fatalf("version after soft-deleting 3 is %d, want 4", v)
	}
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		if err := tx.SetDeleted("orders-value", 4, true); err != nil {
			return err
		}
		return tx.DeleteVersion("orders-value", 4)
	})
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		for v := 1; v <= 3; v++ {
			if err := tx.SetDeleted("orders-value", v, true); err != nil {
				return err
			}
			if err := tx.DeleteVersion("orders-value", v); err != nil {
				return err
			}
		}
		return nil
	})
	c := ctx(t)
	vs, err := s.Versions(c, ".", "orders-value", true)
	noErr(t, "Versions", err)
	if len(vs) != 0 {
		t.Fatalf("versions after deleting all: %v", vs)
	}
	if _, v := register(t, s, ".", "orders-value", "orders-again"); v != 1 {
		t.Fatalf("version after permanently deleting 1..4 is %d, want 1", v)
	}
	// A second store instance on the same database agrees.
	s2 := h.store()
	if _, v := register(t, s2, ".", "orders-value", "orders-again-2"); v != 2 {
		t.Fatalf("version from a second store is %d, want 2", v)
	}
}

func testInsertVersionErrors(t *testing.T, h *harness) {
	s := h.store()
	id, _ := register(t, s, ".", "orders-value", "orders-1")
	err := s.Update(ctx(t), ".", "orders-value", func(tx registry.Tx) error {
		return tx.InsertVersion(registry.VersionRecord{Version: 1, SchemaID: id})
	})
	wantErr(t, "InsertVersion of a used version", err, registry.ErrConflict)

	err = s.Update(ctx(t), ".", "orders-value", func(tx registry.Tx) error {
		return tx.InsertVersion(registry.VersionRecord{Version: 2, SchemaID: id + 100})
	})
	wantErr(t, "InsertVersion of an unknown schema", err, registry.ErrNotFound)

	// A schema of another context is unknown here.
	otherID, _ := register(t, s, ".other", "x-value", "only-in-other")
	err = s.Update(ctx(t), ".", "orders-value", func(tx registry.Tx) error {
		return tx.InsertVersion(registry.VersionRecord{Version: 2, SchemaID: otherID + 50})
	})
	wantErr(t, "InsertVersion of another context's schema", err, registry.ErrNotFound)

	for name, v := range map[string]registry.VersionRecord{
		"another subject": {Subject: "payments-value", Version: 2, SchemaID: id},
		"another context": {Context: ".other", Version: 2, SchemaID: id},
		"version 0":       {Version: 0, SchemaID: id},
	} {
		err := s.Update(ctx(t), ".", "orders-value", func(tx registry.Tx) error {
			return tx.InsertVersion(v)
		})
		if err == nil {
			t.Errorf("InsertVersion accepted a record for %s", name)
		}
	}
	vs, err := s.Versions(ctx(t), ".", "orders-value", true)
	noErr(t, "Versions", err)
	equal(t, "versions after failed inserts", versionNumbers(vs), []int{1})
}

func testSoftDeleteAndRestore(t *testing.T, h *harness) {
	s := h.store()
	register(t, s, ".", "orders-value", "o1")
	register(t, s, ".", "orders-value", "o2")
	register(t, s, ".", "gone-value", "g1")
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		return tx.SetDeleted("orders-value", 1, true)
	})
	update(t, s, ".", "gone-value", func(tx registry.Tx) error {
		return tx.SetDeleted("gone-value", 1, true)
	})
	c := ctx(t)
	live, err := s.Versions(c, ".", "orders-value", false)
	noErr(t, "Versions", err)
	equal(t, "live versions", versionNumbers(live), []int{2})
	all, err := s.Versions(c, ".", "orders-value", true)
	noErr(t, "Versions(includeDeleted)", err)
	equal(t, "all versions", versionNumbers(all), []int{1, 2})
	if !all[0].Deleted || all[1].Deleted {
		t.Fatalf("Deleted flags: %+v", all)
	}

	subjects, err := s.Subjects(c, ".", "", false)
	noErr(t, "Subjects", err)
	equal(t, "live subjects", subjects, []string{"orders-value"})
	subjects, err = s.Subjects(c, ".", "", true)
	noErr(t, "Subjects(includeDeleted)", err)
	equal(t, "all subjects", subjects, []string{"gone-value", "orders-value"})

	byPrefix, err := s.VersionsByPrefix(c, ".", "", false)
	noErr(t, "VersionsByPrefix", err)
	equal(t, "live versions by prefix", subjectVersions(byPrefix), []string{"orders-value:2"})

	// Restore.
	update(t, s, ".", "gone-value", func(tx registry.Tx) error {
		return tx.SetDeleted("gone-value", 1, false)
	})
	subjects, err = s.Subjects(c, ".", "", false)
	noErr(t, "Subjects after restore", err)
	equal(t, "subjects after restore", subjects, []string{"gone-value", "orders-value"})

	// Missing versions.
	err = s.Update(c, ".", "orders-value", func(tx registry.Tx) error {
		return tx.SetDeleted("orders-value", 9, true)
	})
	wantErr(t, "SetDeleted of a missing version", err, registry.ErrNotFound)
	err = s.Update(c, ".", "nobody", func(tx registry.Tx) error {
		return tx.SetDeleted("nobody", 1, false)
	})
	wantErr(t, "SetDeleted of a missing subject", err, registry.ErrNotFound)
}

func testPermanentDelete(t *testing.T, h *harness) {
	s := h.store()
	id1, _ := register(t, s, ".", "orders-value", "o1")
	register(t, s, ".", "orders-value", "o2")
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		return tx.DeleteVersion("orders-value", 1)
	})
	c := ctx(t)
	vs, err := s.Versions(c, ".", "orders-value", true)
	noErr(t, "Versions", err)
	equal(t, "versions", versionNumbers(vs), []int{2})
	// The schema itself stays: ids are immutable.
	if _, err := s.SchemaByID(c, ".", id1); err != nil {
		t.Fatalf("schema of a permanently deleted version: %v", err)
	}
	err = s.Update(c, ".", "orders-value", func(tx registry.Tx) error {
		return tx.DeleteVersion("orders-value", 1)
	})
	wantErr(t, "DeleteVersion twice", err, registry.ErrNotFound)

	// A subject whose versions are all gone is not listed, even with
	// includeDeleted.
	update(t, s, ".", "orders-value", func(tx registry.Tx) error {
		return tx.DeleteVersion("orders-value", 2)
	})
	subjects, err := s.Subjects(c, ".", "", true)
	noErr(t, "Subjects", err)
	if len(subjects) != 0 {
		t.Fatalf("Subjects after deleting every version: %v", subjects)
	}
}

func testPrefixFiltering(t *testing.T, h *harness) {
	s := h.store()
	for _, subj := range []string{"orders-value", "orders-key", "ordersX", "Orders-value", "pay%_x", "payAx", "zäh-value", "z-value"} {
		register(t, s, ".", subj, "schema of "+subj)
	}
	register(t, s, ".", "orders-value", "orders v2")
	register(t, s, ".other", "orders-elsewhere", "elsewhere")
	update(t, s, ".", "ordersX", func(tx registry.Tx) error {
		return tx.SetDeleted("ordersX", 1, true)
	})

	c := ctx(t)
	cases := []struct {
		prefix         string
		includeDeleted bool
		subjects       []string
		versions       []string
	}{
		{"orders", false, []string{"orders-key", "orders-value"}, []string{"orders-key:1", "orders-value:1", "orders-value:2"}},
		{"orders", true, []string{"orders-key", "orders-value", "ordersX"}, []string{"orders-key:1", "orders-value:1", "orders-value:2", "ordersX:1"}},
		{"Orders", false, []string{"Orders-value"}, []string{"Orders-value:1"}},
		{"pay%", false, []string{"pay%_x"}, []string{"pay%_x:1"}},
		{"pay_", false, nil, nil},
		{"zä", false, []string{"zäh-value"}, []string{"zäh-value:1"}},
		{"orders-value", false, []string{"orders-value"}, []string{"orders-value:1", "orders-value:2"}},
		{"orders-value-and-more", false, nil, nil},
		{"", false,
			[]string{"Orders-value", "orders-key", "orders-value", "pay%_x", "payAx", "z-value", "zäh-value"},
			[]string{"Orders-value:1", "orders-key:1", "orders-value:1", "orders-value:2", "pay%_x:1", "payAx:1", "z-value:1", "zäh-value:1"}},
	}
	for _, tc := range cases {
		subjects, err := s.Subjects(c, ".", tc.prefix, tc.includeDeleted)
		noErr(t, "Subjects", err)
		if tc.subjects == nil {
			tc.subjects = []string{}
		}
		equal(t, "Subjects("+tc.prefix+")", subjects, tc.subjects)
		vs, err := s.VersionsByPrefix(c, ".", tc.prefix, tc.includeDeleted)
		noErr(t, "VersionsByPrefix", err)
		if tc.versions == nil {
			tc.versions = []string{}
		}
		equal(t, "VersionsByPrefix("+tc.prefix+")", subjectVersions(vs), tc.versions)
	}
}

func testVersionsBySchema(t *testing.T, h *harness) {
	s := h.store()
	id, _ := register(t, s, ".", "b-value", "shared")
	register(t, s, ".", "a-value", "first")
	register(t, s, ".", "a-value", "shared")
	register(t, s, ".", "c-value", "shared")
	register(t, s, ".other", "a-value", "shared") // another context
	update(t, s, ".", "c-value", func(tx registry.Tx) error {
		return tx.SetDeleted("c-value", 1, true)
	})
	c := ctx(t)
	vs, err := s.VersionsBySchema(c, ".", id, false)
	noErr(t, "VersionsBySchema", err)
	equal(t, "VersionsBySchema", subjectVersions(vs), []string{"a-value:2", "b-value:1"})
	for _, v := range vs {
		if v.SchemaID != id || v.Context != "." {
			t.Fatalf("VersionsBySchema returned %+v", v)
		}
	}
	vs, err = s.VersionsBySchema(c, ".", id, true)
	noErr(t, "VersionsBySchema(includeDeleted)", err)
	equal(t, "VersionsBySchema(includeDeleted)", subjectVersions(vs), []string{"a-value:2", "b-value:1", "c-value:1"})
}

func testReferencedBy(t *testing.T, h *harness) {
	s := h.store()
	register(t, s, ".", "base-value", "base")
	ref := []registry.Reference{{Name: "base.avsc", Subject: "base-value", Version: 1}}
	var ids []int64
	for _, subj := range []string{"user-value", "order-value"} {
		update(t, s, ".", subj, func(tx registry.Tx) error {
			rec := schema("referrer " + subj)
			rec.References = ref
			id, _, err := registerTx(tx, subj, rec)
			ids = append(ids, id)
			return err
		})
	}
	// A stored schema without any version does not count.
	update(t, s, ".", "orphan-value", func(tx registry.Tx) error {
		rec := schema("orphan")
		rec.References = ref
		_, err := tx.InsertSchema(rec)
		return err
	})
	c := ctx(t)
	got, err := s.ReferencedBy(c, ".", "base-value", 1)
	noErr(t, "ReferencedBy", err)
	equal(t, "ReferencedBy", got, ids)

	got, err = s.ReferencedBy(c, ".", "base-value", 2)
	noErr(t, "ReferencedBy(version 2)", err)
	equal(t, "ReferencedBy(version 2)", got, []int64{})
	got, err = s.ReferencedBy(c, ".other", "base-value", 1)
	noErr(t, "ReferencedBy(other context)", err)
	equal(t, "ReferencedBy(other context)", got, []int64{})

	// Soft-deleted referrers still count; permanently deleted ones do not.
	update(t, s, ".", "user-value", func(tx registry.Tx) error {
		return tx.SetDeleted("user-value", 1, true)
	})
	got, err = s.ReferencedBy(c, ".", "base-value", 1)
	noErr(t, "ReferencedBy after soft delete", err)
	equal(t, "ReferencedBy after soft delete", got, ids)
	update(t, s, ".", "user-value", func(tx registry.Tx) error {
		return tx.DeleteVersion("user-value", 1)
	})
	got, err = s.ReferencedBy(c, ".", "base-value", 1)
	noErr(t, "ReferencedBy after permanent delete", err)
	equal(t, "ReferencedBy after permanent delete", got, ids[1:])
}
