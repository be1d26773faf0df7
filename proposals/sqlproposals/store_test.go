package sqlproposals_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/compat"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/proposals/sqlproposals"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// eachStore runs fn against a fresh Store on SQLite and on PostgreSQL,
// with the audit log its writes append to.
func eachStore(t *testing.T, fn func(t *testing.T, st *sqlproposals.Store, log *audit.Log)) {
	for _, e := range []struct {
		name   string
		target func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() }},
		{"postgres", storetest.PostgresSchema},
	} {
		t.Run(e.name, func(t *testing.T) {
			db, err := sqlstore.Open(t.Context(), e.target(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			fn(t, sqlproposals.New(db.DB()), db.Audit())
		})
	}
}

var created = time.UnixMilli(1700000000123).UTC()

// record is a pending proposal for subject with every field the store
// keeps set.
func record(subject, fp string) proposals.Record {
	return proposals.Record{
		Proposal: proposals.Proposal{
			Subject: subject, Stream: "orders", SchemaType: "AVRO", Schema: `"string"`,
			References:  []registry.Reference{{Name: "a.avsc", Subject: "a-value", Version: 2}},
			Description: "why", Proposer: "orders-svc", BaseVersion: 3, State: proposals.Pending, CreatedAt: created,
		},
		ProposerRoles: []auth.Role{auth.RoleService, auth.RoleAdmin},
		Fingerprint:   fp,
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// same fails unless got and want are equal in every field, the
// Service's own included (times compared as instants).
func same(t *testing.T, what string, got, want proposals.Record) {
	t.Helper()
	g, w := got, want
	if !g.CreatedAt.Equal(w.CreatedAt) || !g.Claim.Equal(w.Claim) || (g.DecidedAt == nil) != (w.DecidedAt == nil) ||
		(g.DecidedAt != nil && !g.DecidedAt.Equal(*w.DecidedAt)) {
		t.Errorf("%s: times or claim differ:\n got %s %+v\nwant %s %+v", what, jsonOf(g), g.Claim, jsonOf(w), w.Claim)
	}
	g.CreatedAt, w.CreatedAt, g.DecidedAt, w.DecidedAt, g.Claim, w.Claim = time.Time{}, time.Time{}, nil, nil, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, g, w)
	}
}

func entries(t *testing.T, log *audit.Log, action string) []audit.Entry {
	t.Helper()
	es, err := log.List(context.Background(), audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// Create stores every field and returns the pending twin instead of a
// second proposal; its audit entry shows what callers see, not the
// Service's own fields.
func TestCreateAndGet(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlproposals.Store, log *audit.Log) {
		ctx := audit.WithWho(t.Context(), audit.Who{Actor: "orders-svc", RequestID: "req-1"})
		r := record(":.team:orders-value", "fp1")
		got, ok, err := st.Create(ctx, r)
		if err != nil || !ok || got.ID <= 0 {
			t.Fatalf("Create: %+v %t %v", got, ok, err)
		}
		r.ID = got.ID
		same(t, "created", got, r)
		read, err := st.Get(t.Context(), got.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "read", read, r)

		twin, ok, err := st.Create(ctx, record(":.team:orders-value", "fp1"))
		if err != nil || ok || twin.ID != r.ID {
			t.Errorf("the same schema again: %+v %t %v, want the pending %d", twin, ok, err, r.ID)
		}
		other, ok, err := st.Create(ctx, record(":.team:orders-value", "fp2"))
		if err != nil || !ok || other.ID == r.ID {
			t.Errorf("another schema: %+v %t %v", other, ok, err)
		}

		es := entries(t, log, proposals.ActionCreate)
		if len(es) != 2 || es[1].Context != ".team" || es[1].Target != "orders-value" || es[1].Actor != "orders-svc" || es[1].RequestID != "req-1" || es[1].Before != nil {
			t.Fatalf("create entries %+v", es)
		}
		var doc map[string]any
		if err := json.Unmarshal(es[1].After, &doc); err != nil || doc["id"] != float64(r.ID) || doc["proposer"] != "orders-svc" {
			t.Errorf("entry document %s (%v)", es[1].After, err)
		}
		for _, hidden := range []string{"Fingerprint", "fp1", "ProposerRoles", "Claim"} {
			if strings.Contains(string(es[1].After), hidden) {
				t.Errorf("the audit document shows %s: %s", hidden, es[1].After)
			}
		}

		if _, err := st.Get(t.Context(), r.ID+100); !errors.Is(err, proposals.ErrNotFound) {
			t.Errorf("Get of a missing proposal: %v", err)
		}
		if _, err := st.Update(t.Context(), r.ID+100, "", func(*proposals.Record) error { return nil }); !errors.Is(err, proposals.ErrNotFound) {
			t.Errorf("Update of a missing proposal: %v", err)
		}
	})
}

// Update stores what a decision changes and nothing else, appends its
// entry with both documents, keeps a claim only while pending, and
// writes nothing when fn refuses.
func TestUpdate(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlproposals.Store, log *audit.Log) {
		ctx := audit.WithWho(t.Context(), audit.Who{Actor: "rita"})
		r, _, err := st.Create(ctx, record("orders-value", "fp1"))
		if err != nil {
			t.Fatal(err)
		}

		// A claim: kept in the decision's columns, shown as a claim only.
		claim := &proposals.Claim{By: "rita", At: created.Add(time.Minute)}
		got, err := st.Update(ctx, r.ID, "", func(x *proposals.Record) error { x.Claim = claim; return nil })
		if err != nil {
			t.Fatal(err)
		}
		want := r
		want.Claim = claim
		same(t, "claimed", got, want)
		read, _ := st.Get(t.Context(), r.ID)
		same(t, "claimed, read", read, want)
		if ps, _ := st.List(t.Context(), proposals.Filter{Limit: 10}); len(ps) != 1 || ps[0].DecidedBy != "" || ps[0].DecidedAt != nil {
			t.Errorf("a claim shows in the list: %+v", ps)
		}
		if n := len(entries(t, log, "proposal.")); n != 1 {
			t.Errorf("the claim was audited: %d proposal entries", n)
		}

		// fn refuses: nothing written, its error as it is.
		errNo := errors.New("no")
		if _, err := st.Update(ctx, r.ID, proposals.ActionReject, func(x *proposals.Record) error {
			x.State = proposals.Rejected
			return errNo
		}); err != errNo {
			t.Errorf("refusing fn: %v", err)
		}
		if read, _ := st.Get(t.Context(), r.ID); read.State != proposals.Pending || len(entries(t, log, proposals.ActionReject)) != 0 {
			t.Errorf("a refused update wrote: %+v", read)
		}

		// The decision: every decision field stored, the claim dropped,
		// the fixed fields left as they were.
		at := created.Add(2 * time.Minute)
		rep := &proposals.Report{Level: compat.BackwardLevel, Compatible: true, Differences: []compat.Violation{}}
		got, err = st.Update(ctx, r.ID, proposals.ActionApprove, func(x *proposals.Record) error {
			x.State, x.DecidedBy, x.DecidedAt, x.Comment = proposals.Approved, "rita", &at, "fine"
			x.SchemaID, x.Version, x.DecisionReport = 7, 4, rep
			x.Subject, x.Fingerprint, x.ProposerRoles = "elsewhere", "fp9", nil // fixed at Create
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want = r
		want.State, want.DecidedBy, want.DecidedAt, want.Comment = proposals.Approved, "rita", &at, "fine"
		want.SchemaID, want.Version, want.DecisionReport = 7, 4, rep
		same(t, "approved", got, want)
		read, _ = st.Get(t.Context(), r.ID)
		same(t, "approved, read", read, want)

		es := entries(t, log, proposals.ActionApprove)
		if len(es) != 1 || es[0].Actor != "rita" || es[0].Target != "orders-value" {
			t.Fatalf("approve entries %+v", es)
		}
		var before, after proposals.Proposal
		if err := json.Unmarshal(es[0].Before, &before); err != nil || before.State != proposals.Pending || before.DecidedBy != "" {
			t.Errorf("entry before %s (%v)", es[0].Before, err)
		}
		if err := json.Unmarshal(es[0].After, &after); err != nil || after.State != proposals.Approved || after.Version != 4 || after.DecisionReport == nil || after.Subject != "orders-value" {
			t.Errorf("entry after %s (%v)", es[0].After, err)
		}
		if n, err := st.PendingCount(t.Context()); err != nil || n != 0 {
			t.Errorf("PendingCount = %d, %v", n, err)
		}
	})
}

// Update holds the proposal for its whole transaction: a second writer,
// in another process as much as in this one, reads the proposal only
// after the first committed, so two decisions that each require it
// pending cannot both pass.
func TestUpdateHoldsTheProposal(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlproposals.Store, _ *audit.Log) {
		r, _, err := st.Create(t.Context(), record("orders-value", "fp1"))
		if err != nil {
			t.Fatal(err)
		}
		decide := func(by string, inside func()) error {
			_, err := st.Update(t.Context(), r.ID, proposals.ActionReject, func(x *proposals.Record) error {
				if x.State != proposals.Pending {
					return proposals.Errorf(proposals.ErrNotPending, "decided by %s", x.DecidedBy)
				}
				inside()
				now := time.Now().UTC()
				x.State, x.DecidedBy, x.DecidedAt = proposals.Rejected, by, &now
				return nil
			})
			return err
		}
		in := make(chan struct{})
		var (
			wg    sync.WaitGroup
			first error
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The first decision has read the proposal; the second starts
			// now and must wait for this one to commit.
			first = decide("rita", func() { close(in); time.Sleep(300 * time.Millisecond) })
		}()
		<-in
		second := decide("rob", func() {})
		wg.Wait()
		if first != nil || !errors.Is(second, proposals.ErrNotPending) || !strings.Contains(second.Error(), "rita") {
			t.Errorf("first %v, second %v: want the second to find the first's decision", first, second)
		}
		if got, _ := st.Get(t.Context(), r.ID); got.DecidedBy != "rita" {
			t.Errorf("decided by %q, want rita", got.DecidedBy)
		}
	})
}
