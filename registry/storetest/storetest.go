// Package storetest is the conformance suite of registry.Store: the same
// tests run against every implementation (SQLite and PostgreSQL in
// registry/sqlstore), so the engines cannot drift apart.
//
// Use it from an implementation's tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) registry.Store { ... })
//	}
//
// The suite runs each case in its own subtest and calls open with that
// subtest's t. Every call with the same t must return a new, independent
// Store instance on the same database (the durability and concurrency
// cases open several), and that database must be empty on the first call
// for a given t. The suite closes the stores it opens.
//
// Beyond the interface's doc comments the suite pins down these semantics:
//   - list methods return an empty slice, not ErrNotFound, when nothing
//     matches; names are sorted byte-wise;
//   - ids are allocated per context, increasing, starting at 1;
//   - InsertSchema with ID 0 and the fingerprint of a stored schema returns
//     that schema's id (two writers racing to store one schema agree on it);
//     an explicit ID that holds another schema, or a fingerprint stored
//     under another ID, is ErrConflict;
//   - InsertVersion moves the subject's version counter past the version,
//     fails with ErrNotFound for an unknown schema and ErrConflict for a
//     used version; SetDeleted and DeleteVersion fail with ErrNotFound for
//     a missing version;
//   - NextVersion and ReserveVersion fail in a context-wide Update;
//   - Contexts lists "." and every context in which a version was ever
//     registered;
//   - Update returns fn's error itself (errors.Is holds) and keeps nothing.
//   - a Store that implements registry.SubjectReader answers, in
//     SubjectState, what Versions (deleted included), SchemaByID, Mode,
//     Config and Changes answer one by one; the zero state for a subject
//     with nothing stored.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/accord/accord/registry"
)

// Run runs the conformance suite. See the package documentation for what
// open must do.
func Run(t *testing.T, open func(t *testing.T) registry.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, h *harness)
	}{
		{"EmptyStore", testEmptyStore},
		{"SchemaRoundTrip", testSchemaRoundTrip},
		{"SchemaIDsPerContext", testSchemaIDsPerContext},
		{"ExplicitSchemaIDs", testExplicitSchemaIDs},
		{"SameFingerprint", testSameFingerprint},
		{"InsertSchemaRejectsBadRecords", testInsertSchemaRejectsBadRecords},
		{"VersionNumbers", testVersionNumbers},
		{"VersionNumbersAfterDeletes", testVersionNumbersAfterDeletes},
		{"InsertVersionErrors", testInsertVersionErrors},
		{"SoftDeleteAndRestore", testSoftDeleteAndRestore},
		{"PermanentDelete", testPermanentDelete},
		{"PrefixFiltering", testPrefixFiltering},
		{"Pages", testPages},
		{"VersionsBySchema", testVersionsBySchema},
		{"SubjectState", testSubjectState},
		{"ReferencedBy", testReferencedBy},
		{"ConfigAndMode", testConfigAndMode},
		{"ContextWideUpdate", testContextWideUpdate},
		{"Contexts", testContexts},
		{"RollbackOnError", testRollbackOnError},
		{"TxReadsOwnWrites", testTxReadsOwnWrites},
		{"Durability", testDurability},
		{"WatchEndsWithContext", testWatchEndsWithContext},
		{"SubjectLockSerializesWriters", testSubjectLockSerializesWriters},
		{"ConcurrentRegistration", testConcurrentRegistration},
		{"ConcurrentSameSchema", testConcurrentSameSchema},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, &harness{t: t, open: open})
		})
	}
}

// harness opens stores for one subtest and closes them at its end.
type harness struct {
	t    *testing.T
	open func(t *testing.T) registry.Store
}

// store opens a new Store instance on the subtest's database.
func (h *harness) store() registry.Store {
	h.t.Helper()
	s := h.open(h.t)
	if s == nil {
		h.t.Fatal("open returned a nil Store")
	}
	c := &closer{s: s}
	h.t.Cleanup(func() { _ = c.close() })
	return &closingStore{Store: s, c: c}
}

// closer closes a Store once, however often it is asked to.
type closer struct {
	once sync.Once
	s    registry.Store
	err  error
}

func (c *closer) close() error {
	c.once.Do(func() { c.err = c.s.Close() })
	return c.err
}

type closingStore struct {
	registry.Store
	c *closer
}

func (s *closingStore) Close() error { return s.c.close() }

// ctx returns a context for one operation of a test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// schema returns an AVRO record whose fingerprint is derived from text.
func schema(text string) registry.SchemaRecord {
	sum := sha256.Sum256([]byte("AVRO\x00" + text))
	return registry.SchemaRecord{Type: "AVRO", Schema: text, Fingerprint: hex.EncodeToString(sum[:])}
}

// update runs Update and fails the test on error.
func update(t *testing.T, s registry.Store, regCtx, subject string, fn func(registry.Tx) error) {
	t.Helper()
	if err := s.Update(ctx(t), regCtx, subject, fn); err != nil {
		t.Fatalf("Update(%q, %q): %v", regCtx, subject, err)
	}
}

// register stores text (if new) and registers it as the next version of
// subject, returning the schema id and version.
func register(t *testing.T, s registry.Store, regCtx, subject, text string) (int64, int) {
	t.Helper()
	var id int64
	var version int
	update(t, s, regCtx, subject, func(tx registry.Tx) error {
		var err error
		id, version, err = registerTx(tx, subject, schema(text))
		return err
	})
	return id, version
}

func registerTx(tx registry.Tx, subject string, rec registry.SchemaRecord) (int64, int, error) {
	id, err := tx.InsertSchema(rec)
	if err != nil {
		return 0, 0, err
	}
	v, err := tx.NextVersion()
	if err != nil {
		return 0, 0, err
	}
	if err := tx.InsertVersion(registry.VersionRecord{Subject: subject, Version: v, SchemaID: id}); err != nil {
		return 0, 0, err
	}
	return id, v, nil
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// versionNumbers extracts the version numbers of vs.
func versionNumbers(vs []registry.VersionRecord) []int {
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = v.Version
	}
	return out
}

// subjectVersions renders vs as "subject:version" strings.
func subjectVersions(vs []registry.VersionRecord) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Subject + ":" + strconv.Itoa(v.Version)
	}
	return out
}

func equal[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}
