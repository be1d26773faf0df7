package sqlcontracts_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/sqlcontracts"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// eachStore runs fn against a fresh SQLStore on SQLite and on PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, st *sqlcontracts.Store)) {
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
			fn(t, sqlcontracts.New(db.DB()))
		})
	}
}

func newStream(t *testing.T, name, owner string, et contracts.EventType) contracts.Stream {
	t.Helper()
	s := contracts.Stream{Name: name, Owner: owner, EventType: et, Visibility: contracts.Public, CreatedAt: time.UnixMilli(1700000000000).UTC()}
	s.UpdatedAt = s.CreatedAt
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLStore(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlcontracts.Store) {
		ctx := t.Context()
		orders := newStream(t, "orders", "orders-svc", contracts.State)
		orders.Tags = contracts.Tags{Domain: "sales", PII: []string{"customer.email"}}
		orders.Consumers = []contracts.Consumer{{Principal: "billing-svc", Fields: []string{"total"}}}
		if err := st.Create(ctx, orders, nil); err != nil {
			t.Fatal(err)
		}
		if err := st.Create(ctx, orders, nil); !errors.Is(err, contracts.ErrStreamExists) {
			t.Errorf("second create: %v, want contracts.ErrStreamExists", err)
		}
		clash := newStream(t, "orders2", "x", contracts.State)
		clash.Strategy, clash.KeySubject, clash.ValueSubjects = contracts.RecordName, "", []string{"orders-value"}
		if err := st.Create(ctx, clash, nil); !errors.Is(err, contracts.ErrSubjectTaken) {
			t.Errorf("create over another stream's subject: %v, want contracts.ErrSubjectTaken", err)
		}
		if _, err := st.Get(ctx, "orders2"); !errors.Is(err, contracts.ErrStreamNotFound) {
			t.Errorf("a refused create left a stream: %v", err)
		}

		got, err := st.Get(ctx, "orders")
		if err != nil || got.Owner != "orders-svc" || got.Tags.PII[0] != "customer.email" || got.Consumers[0].Principal != "billing-svc" ||
			!got.CreatedAt.Equal(orders.CreatedAt) || got.KeySubject != "orders-key" {
			t.Errorf("Get: %+v, %v", got, err)
		}
		for _, subj := range []string{"orders-key", "orders-value"} {
			if s, err := st.BySubject(ctx, subj); err != nil || s.Name != "orders" {
				t.Errorf("BySubject(%s): %+v, %v", subj, s, err)
			}
		}

		// Update moves the index with the subjects and records transfers.
		got, err = st.Update(ctx, "orders", "ops", nil, func(s *contracts.Stream) error {
			s.Strategy, s.KeySubject, s.ValueSubjects = contracts.RecordName, "", []string{"com.acme.Order"}
			s.Owner = "billing-svc"
			return nil
		})
		if err != nil || got.Owner != "billing-svc" {
			t.Fatalf("Update: %+v, %v", got, err)
		}
		if _, err := st.BySubject(ctx, "orders-value"); !errors.Is(err, contracts.ErrStreamNotFound) {
			t.Errorf("old subject still indexed: %v", err)
		}
		if s, err := st.BySubject(ctx, "com.acme.Order"); err != nil || s.Owner != "billing-svc" {
			t.Errorf("new subject: %+v, %v", s, err)
		}
		ts, err := st.Transfers(ctx, "orders")
		if err != nil || len(ts) != 1 || ts[0] != (contracts.Transfer{From: "orders-svc", To: "billing-svc", By: "ops", At: got.UpdatedAt}) {
			t.Errorf("Transfers: %+v, %v", ts, err)
		}
		fail := errors.New("no")
		if _, err := st.Update(ctx, "orders", "ops", nil, func(s *contracts.Stream) error { s.Owner = "z"; return fail }); !errors.Is(err, fail) {
			t.Errorf("failing update: %v", err)
		}
		if s, _ := st.Get(ctx, "orders"); s.Owner != "billing-svc" {
			t.Errorf("a failed update was kept: %+v", s)
		}

		// List filters.
		if err := st.Create(ctx, newStream(t, "clicks", "web", contracts.Measurement), nil); err != nil {
			t.Fatal(err)
		}
		for f, want := range map[contracts.Filter]int{
			{}:                              2,
			{Owner: "web"}:                  1,
			{EventType: contracts.State}:    1,
			{Visibility: contracts.Private}: 0,
			{Tag: "domain:sales"}:           1,
			{Tag: "pii"}:                    1,
			{Owner: "web", Tag: "pii"}:      0,
		} {
			if ss, err := st.List(ctx, f); err != nil || len(ss) != want {
				t.Errorf("List(%+v): %d streams, %v; want %d", f, len(ss), err, want)
			}
		}

		// Delete frees the subjects.
		if err := st.Delete(ctx, "orders", nil); err != nil {
			t.Fatal(err)
		}
		if err := st.Delete(ctx, "orders", nil); !errors.Is(err, contracts.ErrStreamNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if _, err := st.BySubject(ctx, "com.acme.Order"); !errors.Is(err, contracts.ErrStreamNotFound) {
			t.Errorf("subject indexed after delete: %v", err)
		}
	})
}

func TestClaims(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlcontracts.Store) {
		ctx := t.Context()
		// Concurrent first writers: exactly one wins, all see the same.
		var wg sync.WaitGroup
		got := make([]string, 8)
		for i := range got {
			wg.Go(func() {
				c, err := st.Claim(ctx, "legacy-value", []string{"a", "b"}[i%2])
				if err != nil {
					t.Error(err)
				}
				got[i] = c
			})
		}
		wg.Wait()
		for _, c := range got {
			if c != got[0] {
				t.Fatalf("claimants %v: not one winner", got)
			}
		}
		if c, err := st.Claimant(ctx, "legacy-value"); err != nil || c != got[0] {
			t.Errorf("Claimant: %q, %v", c, err)
		}
		// Declaring a stream over the subject releases the claim.
		if err := st.Create(ctx, newStream(t, "legacy", got[0], contracts.State), nil); err != nil {
			t.Fatal(err)
		}
		if c, err := st.Claimant(ctx, "legacy-value"); err != nil || c != "" {
			t.Errorf("claim after the stream was declared: %q, %v", c, err)
		}
	})
}

// TestAuthorizeSubjectWrite checks the decision table of the single-writer
// check without HTTP.
func TestAuthorizeSubjectWrite(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlcontracts.Store) {
		ctx := context.Background()
		if err := st.Create(ctx, newStream(t, "orders", "orders-svc", contracts.State), nil); err != nil {
			t.Fatal(err)
		}
		owner := &auth.Principal{Name: "orders-svc", Roles: []auth.Role{auth.RoleService}}
		other := &auth.Principal{Name: "billing-svc", Roles: []auth.Role{auth.RoleService}}
		admin := &auth.Principal{Name: "ops", Roles: []auth.Role{auth.RoleAdmin}}
		if _, err := st.Claim(ctx, "claimed-value", other.Name); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			policy  contracts.UnownedPolicy
			p       *auth.Principal
			subject string
			allowed bool
		}{
			{contracts.UnownedOpen, nil, "orders-value", true},
			{contracts.UnownedOpen, owner, "orders-value", true},
			{contracts.UnownedOpen, owner, ":.:orders-key", true},
			{contracts.UnownedOpen, admin, "orders-value", true},
			{contracts.UnownedOpen, other, "orders-value", false},
			{contracts.UnownedOpen, other, ":.other:orders-value", true}, // another context's subject
			{contracts.UnownedOpen, other, "free-value", true},
			{contracts.UnownedAdmin, other, "free-value", false},
			{contracts.UnownedAdmin, admin, "free-value", true},
			// billing-svc claimed claimed-value by registering (below);
			// config and mode writes claim nothing.
			{contracts.UnownedClaim, other, "claimed-value", true},
			{contracts.UnownedClaim, owner, "claimed-value", false},
			{contracts.UnownedClaim, other, "unclaimed-value", false},
			{contracts.UnownedClaim, admin, "unclaimed-value", true},
			{contracts.UnownedClaim, owner, "orders-value", true},
		} {
			svc := contracts.NewService(st, nil, contracts.Options{Unowned: c.policy})
			err := svc.AuthorizeSubjectWrite(ctx, c.p, c.subject)
			if (err == nil) != c.allowed || (err != nil && !errors.Is(err, contracts.ErrForbidden)) {
				t.Errorf("%s, %v, %s: %v, want allowed=%v", c.policy, c.p, c.subject, err, c.allowed)
			}
		}
	})
}

// TestValidationSwitches checks that the hook's switches default to every
// check on, survive a round trip on both engines and refuse a bad mode.
func TestValidationSwitches(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlcontracts.Store) {
		ctx := t.Context()
		s := newStream(t, "clicks", "web-svc", contracts.Measurement)
		if s.Validation != contracts.DefaultValidation {
			t.Fatalf("default validation %+v", s.Validation)
		}
		s.Validation = contracts.Validation{SchemaID: contracts.SchemaIDLatest, Payload: false, Rules: true, Producer: false}
		if err := st.Create(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
		got, err := st.Get(ctx, "clicks")
		if err != nil || got.Validation != s.Validation {
			t.Fatalf("read back %+v, %v; want %+v", got.Validation, err, s.Validation)
		}
		got, err = st.Update(ctx, "clicks", "root", nil, func(s *contracts.Stream) error {
			s.Validation = contracts.Validation{SchemaID: contracts.SchemaIDOff}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := st.Get(ctx, "clicks"); again.Validation != (contracts.Validation{SchemaID: contracts.SchemaIDOff}) {
			t.Errorf("after update %+v", again.Validation)
		}
	})
	bad := contracts.Stream{Name: "x", Owner: "o", EventType: contracts.State, Validation: contracts.Validation{SchemaID: "registered", Payload: true}}
	if err := bad.Normalize(); !errors.Is(err, contracts.ErrInvalidStream) {
		t.Errorf("mode registered: %v, want contracts.ErrInvalidStream", err)
	}
}
