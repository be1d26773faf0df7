package sqlcontracts_test

import (
	"context"
	"errors"
	"testing"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/sqlcontracts"
)

// principals is a fixed Principals for transfers.
type principals map[string]auth.PrincipalRecord

func (ps principals) Principal(_ context.Context, name string) (auth.PrincipalRecord, error) {
	if p, ok := ps[name]; ok {
		return p, nil
	}
	return auth.PrincipalRecord{}, auth.Errorf(auth.ErrPrincipalNotFound, "principal %q not found", name)
}

// TestStreamTrustRules: the service's rules over stream writes, decided in
// the store's transaction: claims on update as on create, review-required
// deletes, transfer targets and references to private streams.
func TestStreamTrustRules(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlcontracts.Store) {
		owner := &auth.Principal{Name: "orders-svc", Roles: []auth.Role{auth.RoleService}}
		other := &auth.Principal{Name: "billing-svc", Roles: []auth.Role{auth.RoleService}}
		admin := &auth.Principal{Name: "ops", Roles: []auth.Role{auth.RoleAdmin}}
		as := func(p *auth.Principal) context.Context { return auth.WithPrincipal(t.Context(), p) }
		svc := contracts.NewService(st, nil, contracts.Options{Unowned: contracts.UnownedClaim, Principals: principals{
			"billing-svc": {Name: "billing-svc", Roles: []auth.Role{auth.RoleService}},
			"gone-svc":    {Name: "gone-svc", Roles: []auth.Role{auth.RoleService}, Disabled: true},
			"rita":        {Name: "rita", Roles: []auth.Role{auth.RoleReviewer}},
		}})
		forbidden := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, contracts.ErrForbidden) {
				t.Errorf("%s: %v, want forbidden", what, err)
			}
		}
		if _, err := st.Claim(t.Context(), "taken", other.Name); err != nil {
			t.Fatal(err)
		}
		events := contracts.Stream{Name: "events", EventType: contracts.Measurement, Strategy: contracts.RecordName, ValueSubjects: []string{"com.acme.Click"}}
		if _, err := svc.Create(as(owner), events); err != nil {
			t.Fatal(err)
		}
		add := func(s *contracts.Stream) error { s.ValueSubjects = append(s.ValueSubjects, "taken"); return nil }
		_, err := svc.Update(as(owner), "events", add)
		forbidden("owner adding another's claimed subject", err)
		if c, _ := st.Claimant(t.Context(), "taken"); c != other.Name {
			t.Errorf("a refused update released the claim (claimant %q)", c)
		}
		if _, err := svc.Update(as(admin), "events", add); err != nil {
			t.Errorf("admin adding it: %v", err)
		}

		audits := newStream(t, "audits", owner.Name, contracts.State)
		audits.ReviewRequired = true
		if _, err := svc.Create(as(owner), audits); err != nil {
			t.Fatal(err)
		}
		forbidden("owner deleting a review-required stream", svc.Delete(as(owner), "audits"))
		if err := svc.Delete(as(admin), "audits"); err != nil {
			t.Errorf("admin deleting it: %v", err)
		}

		for _, to := range []string{"nobody", "gone-svc", "rita"} {
			if _, err := svc.TransferOwnership(as(owner), "events", to); !errors.Is(err, contracts.ErrInvalidStream) {
				t.Errorf("transfer to %s: %v, want invalid", to, err)
			}
		}
		_, err = svc.TransferOwnership(as(other), "events", "billing-svc")
		forbidden("a non-owner transferring", err)
		if _, err := svc.TransferOwnership(as(owner), "events", "billing-svc"); err != nil {
			t.Errorf("transfer to an enabled service: %v", err)
		}

		ledger := newStream(t, "ledger", owner.Name, contracts.State)
		ledger.Visibility = contracts.Private
		if _, err := svc.Create(as(owner), ledger); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			p   *auth.Principal
			ref string
			ok  bool
		}{
			{owner, "ledger-value", true},
			{admin, "ledger-value", true},
			{nil, "ledger-value", true}, // authentication off
			{other, "ledger-value", false},
			{other, ":.:ledger-key", false},
			{other, "com.acme.Click", true}, // a public stream's subject
			{other, "free-value", true},     // no stream
		} {
			ctx := t.Context()
			if c.p != nil {
				ctx = as(c.p)
			}
			err := svc.BeforeReference(ctx, "statements-value", []string{c.ref})
			if (err == nil) != c.ok || (err != nil && !errors.Is(err, contracts.ErrForbidden)) {
				t.Errorf("%v referencing %s: %v, want allowed=%v", c.p, c.ref, err, c.ok)
			}
		}
	})
}
