package proposals_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/proposals/sqlproposals"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/registry/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// Principals of the tests, as authentication would put them in contexts.
var (
	owner     = &auth.Principal{Name: "orders-svc", Roles: []auth.Role{auth.RoleService}}
	other     = &auth.Principal{Name: "billing-svc", Roles: []auth.Role{auth.RoleService}}
	reviewer  = &auth.Principal{Name: "rita", Roles: []auth.Role{auth.RoleReviewer}}
	reviewer2 = &auth.Principal{Name: "rob", Roles: []auth.Role{auth.RoleReviewer}}
	reader    = &auth.Principal{Name: "ron", Roles: []auth.Role{auth.RoleReader}}
	admin     = &auth.Principal{Name: "root", Roles: []auth.Role{auth.RoleAdmin}}
)

func avroRecord(name string, fields ...string) string {
	return `{"type":"record","name":"` + name + `","namespace":"acme","fields":[` + strings.Join(fields, ",") + `]}`
}

var (
	orderKey = `"string"`
	orderV1  = avroRecord("Order", `{"name":"id","type":"string"}`)
	// orderV2 adds a field with a default: compatible.
	orderV2 = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"note","type":"string","default":""}`)
	// orderV2Spaced is orderV2 written otherwise: the same schema.
	orderV2Spaced = `{"namespace":"acme", "type":"record", "name":"Order", "fields":[{"name":"id","type":"string"}, {"name":"note","type":"string","default":""}]}`
	// orderNoteInt clashes with orderV2 (note's type).
	orderNoteInt = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"note","type":"int","default":0}`)
	// orderBad adds a field without a default: not BACKWARD.
	orderBad = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"customer","type":"string"}`)
	// orderV3 adds another optional field.
	orderV3 = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"total","type":"long","default":0}`)
)

// env is the real stack on one engine: store, registry with the contracts
// policy, lineage and the proposals service, with a stream "orders" owned
// by orders-svc (key and value version 1 registered) and a stream "carts"
// (state, no key schema: its value schemas fail a blocking lint).
type env struct {
	store   *sqlstore.Store
	reg     *registry.Registry
	streams *contracts.Service
	lin     *lineage.Service
	svc     *proposals.Service
	audit   *audit.Log
}

// eachEngine runs fn as one subtest per store engine, on a fresh env.
func eachEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	accordtest.EachEngine(t, func(t *testing.T, target string) { fn(t, newEnv(t, target, nil)) })
}

// newEnv wires env on target; principals (may be nil) is the proposals
// service's principal directory.
func newEnv(t *testing.T, target string, principals proposals.PrincipalDirectory) *env {
	t.Helper()
	st := accordtest.New(t, target, accordtest.Options{LineageMaxAge: -1, Principals: principals})
	streams := st.Contracts
	e := &env{store: st.Store, reg: st.Registry, streams: streams, lin: st.Lineage, audit: st.Audit, svc: st.Proposals}
	for _, s := range []contracts.Stream{
		{Name: "orders", Owner: owner.Name, EventType: contracts.State, Visibility: contracts.Public},
		{Name: "carts", Owner: owner.Name, EventType: contracts.State},
	} {
		if _, err := streams.Create(as(admin), s); err != nil {
			t.Fatal(err)
		}
	}
	e.register(t, owner, "orders-key", orderKey)
	e.register(t, owner, "orders-value", orderV1)
	return e
}

// as is a request context of p with a request id naming it.
func as(p *auth.Principal) context.Context {
	ctx := context.Background()
	who := audit.Who{RequestID: "req-" + nameOf(p)}
	if p != nil {
		ctx = auth.WithPrincipal(ctx, p)
		who.Actor = p.Name
	}
	return audit.WithWho(ctx, who)
}

func nameOf(p *auth.Principal) string {
	if p == nil {
		return "anonymous"
	}
	return p.Name
}

func (e *env) register(t *testing.T, p *auth.Principal, subject, schema string) registry.SchemaVersion {
	t.Helper()
	sv, err := e.reg.Register(as(p), subject, registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: schema}})
	if err != nil {
		t.Fatalf("registering in %s as %s: %v", subject, nameOf(p), err)
	}
	return sv
}

func (e *env) propose(t *testing.T, p *auth.Principal, subject, schema string) proposals.Proposal {
	t.Helper()
	pr, err := e.svc.Create(as(p), proposals.NewProposal{Subject: subject, Schema: schema, Description: "why not"})
	if err != nil {
		t.Fatalf("proposing in %s as %s: %v", subject, nameOf(p), err)
	}
	return pr
}

// state is everything a refused request must leave as it was: the
// proposals, the registry's versions and the audit log.
func (e *env) state(t *testing.T) string {
	t.Helper()
	ps, err := e.svc.List(context.Background(), proposals.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := e.audit.List(context.Background(), audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	vs, _ := e.reg.Versions(context.Background(), "orders-value", true)
	b, _ := json.Marshal(map[string]any{"proposals": ps, "audit": entries, "versions": vs})
	return string(b)
}

// entries returns the audit entries of action, newest first.
func (e *env) entries(t *testing.T, action string) []audit.Entry {
	t.Helper()
	es, err := e.audit.List(context.Background(), audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestCreate(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.propose(t, owner, "orders-value", orderV2)
		want := proposals.Proposal{ID: p.ID, Subject: "orders-value", Stream: "orders", SchemaType: "AVRO", Schema: orderV2,
			Description: "why not", Proposer: owner.Name, BaseVersion: 1, State: proposals.Pending}
		if p.ID <= 0 || p.CreatedAt.IsZero() || p.DecidedAt != nil {
			t.Fatalf("proposal %+v", p)
		}
		got := p
		got.CreatedAt = want.CreatedAt
		if g, w := jsonOf(got), jsonOf(want); g != w {
			t.Errorf("created\n got %s\nwant %s", g, w)
		}
		if again, err := e.svc.Get(context.Background(), p.ID); err != nil || jsonOf(again) != jsonOf(p) {
			t.Errorf("Get: %v\n got %s\nwant %s", err, jsonOf(again), jsonOf(p))
		}
		es := e.entries(t, proposals.ActionCreate)
		if len(es) != 1 || es[0].Actor != owner.Name || es[0].Target != "orders-value" || es[0].RequestID != "req-orders-svc" || !strings.Contains(string(es[0].After), `"id":`) {
			t.Errorf("audit entries %+v", es)
		}

		// The same schema again, however written: the pending proposal.
		before := e.state(t)
		dup, created, err := e.svc.Propose(as(owner), proposals.NewProposal{Subject: "orders-value", Schema: orderV2Spaced})
		if err != nil || created || dup.ID != p.ID {
			t.Errorf("duplicate: %v created=%t id %d, want the pending %d", err, created, dup.ID, p.ID)
		}
		if after := e.state(t); after != before {
			t.Errorf("a duplicate changed state:\n%s\n%s", before, after)
		}

		// A new subject (no stream): base version 0, no stream.
		n := e.propose(t, owner, "payments-value", orderV1)
		if n.BaseVersion != 0 || n.Stream != "" {
			t.Errorf("new subject: %+v", n)
		}
		// Admins propose anything; with authentication off the proposer is anonymous.
		if a := e.propose(t, admin, "orders-value", orderV3); a.Proposer != admin.Name {
			t.Errorf("admin's proposal: %+v", a)
		}
		if a := e.propose(t, nil, "other-value", orderV1); a.Proposer != "anonymous" {
			t.Errorf("anonymous proposal: %+v", a)
		}
	})
}

func TestCreateRefused(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			name    string
			who     *auth.Principal
			np      proposals.NewProposal
			kind    error
			message string
		}{
			{"reader", reader, proposals.NewProposal{Subject: "orders-value", Schema: orderV2}, proposals.ErrForbidden, "admin or service"},
			{"reviewer", reviewer, proposals.NewProposal{Subject: "orders-value", Schema: orderV2}, proposals.ErrForbidden, "admin or service"},
			{"another service", other, proposals.NewProposal{Subject: "orders-value", Schema: orderV2}, contracts.ErrForbidden, "orders-svc"},
			{"no subject", owner, proposals.NewProposal{Schema: orderV2}, proposals.ErrInvalid, "subject"},
			{"control character", owner, proposals.NewProposal{Subject: "orders\x01", Schema: orderV2}, registry.ErrInvalidSubject, "Invalid subject"},
			{"context only", owner, proposals.NewProposal{Subject: ":.ctx:", Schema: orderV2}, registry.ErrInvalidSubject, "Invalid subject"},
			{"bad context", owner, proposals.NewProposal{Subject: ":.a\tb:x", Schema: orderV2}, registry.ErrInvalidSubject, "Invalid subject"},
			{"bad schema", owner, proposals.NewProposal{Subject: "orders-value", Schema: `{"type":"record"`}, registry.ErrInvalidSchema, "Invalid schema"},
			{"bad type", owner, proposals.NewProposal{Subject: "orders-value", SchemaType: "XML", Schema: orderV2}, registry.ErrInvalidSchema, "XML"},
			{"incompatible", owner, proposals.NewProposal{Subject: "orders-value", Schema: orderBad}, registry.ErrIncompatible, "READER_FIELD_MISSING_DEFAULT_VALUE"},
			{"already registered", owner, proposals.NewProposal{Subject: "orders-value", Schema: orderV1}, proposals.ErrAlreadyRegistered, "version 1"},
			{"blocking lint", owner, proposals.NewProposal{Subject: "carts-value", Schema: orderV1}, contracts.ErrLintFailed, contracts.StateKeySchemaMissing},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := e.state(t)
				_, err := e.svc.Create(as(c.who), c.np)
				if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.message) {
					t.Errorf("got %v, want %v mentioning %q", err, c.kind, c.message)
				}
				if after := e.state(t); after != before {
					t.Errorf("a refused proposal changed state:\n%s\n%s", before, after)
				}
			})
		}
	})
}

func TestApprove(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.propose(t, owner, "orders-value", orderV2)
		ctx := as(reviewer)
		if !e.svc.MayDecide(reviewer, p) || e.svc.MayDecide(owner, p) {
			t.Errorf("MayDecide: reviewer %t owner %t", e.svc.MayDecide(reviewer, p), e.svc.MayDecide(owner, p))
		}
		a, err := e.svc.Approve(ctx, p.ID, "looks fine")
		if err != nil {
			t.Fatal(err)
		}
		if a.State != proposals.Approved || a.DecidedBy != reviewer.Name || a.DecidedAt == nil || a.Comment != "looks fine" || a.Version != 2 || a.SchemaID <= 0 {
			t.Errorf("approved: %+v", a)
		}
		// The report the decision was made on stays with it (issue 15).
		if a.DecisionReport == nil || a.DecisionReport.Level == "" || !a.DecisionReport.Compatible {
			t.Errorf("approved without its report: %+v", a.DecisionReport)
		}
		if got, _ := e.svc.Get(context.Background(), p.ID); jsonOf(got) != jsonOf(a) {
			t.Errorf("stored %s, answered %s", jsonOf(got), jsonOf(a))
		}
		latest, err := e.reg.Version(context.Background(), "orders-value", -1, false)
		if err != nil || latest.Version != 2 || latest.Schema.ID != a.SchemaID {
			t.Errorf("latest version %+v, %v", latest, err)
		}
		// Who approved what: the decision under the reviewer, the
		// registration under the proposer, one request.
		es := e.entries(t, proposals.ActionApprove)
		if len(es) != 1 || es[0].Actor != reviewer.Name || es[0].Target != "orders-value" || es[0].RequestID != "req-rita" {
			t.Fatalf("approve entries %+v", es)
		}
		var doc proposals.Proposal
		if err := json.Unmarshal(es[0].After, &doc); err != nil || doc.ID != p.ID || doc.Version != 2 || doc.SchemaID != a.SchemaID || doc.Proposer != owner.Name || doc.Comment != "looks fine" || doc.DecisionReport == nil {
			t.Errorf("approve entry after %s (%v)", es[0].After, err)
		}
		regs := e.entries(t, audit.SchemaRegister)
		if len(regs) == 0 || regs[0].Actor != owner.Name || regs[0].RequestID != "req-rita" || regs[0].Target != "orders-value" {
			t.Errorf("registration entry %+v, want actor %s and the approval's request id", regs[0], owner.Name)
		}

		// Decided: no second decision.
		before := e.state(t)
		for _, f := range []func(context.Context, int64, string) (proposals.Proposal, error){e.svc.Approve, e.svc.Reject} {
			if _, err := f(as(reviewer2), p.ID, ""); !errors.Is(err, proposals.ErrNotPending) {
				t.Errorf("deciding again: %v, want ErrNotPending", err)
			}
		}
		if _, err := e.svc.Withdraw(as(owner), p.ID, ""); !errors.Is(err, proposals.ErrNotPending) {
			t.Errorf("withdrawing an approved proposal: %v", err)
		}
		if after := e.state(t); after != before {
			t.Errorf("refused decisions changed state")
		}
	})
}

func TestDecideRefused(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.propose(t, owner, "orders-value", orderV2)
		mine := e.propose(t, admin, "orders-value", orderV3)
		for _, c := range []struct {
			name string
			who  *auth.Principal
			id   int64
			op   string
			kind error
		}{
			{"reader approves", reader, p.ID, "approve", proposals.ErrForbidden},
			{"service approves", other, p.ID, "approve", proposals.ErrForbidden},
			{"proposer approves", owner, p.ID, "approve", proposals.ErrForbidden},
			{"admin approves its own", admin, mine.ID, "approve", proposals.ErrForbidden},
			{"admin rejects its own", admin, mine.ID, "reject", proposals.ErrForbidden},
			{"reader rejects", reader, p.ID, "reject", proposals.ErrForbidden},
			{"reviewer withdraws", reviewer, p.ID, "withdraw", proposals.ErrForbidden},
			{"another service withdraws", other, p.ID, "withdraw", proposals.ErrForbidden},
			{"unknown id", reviewer, p.ID + 100, "approve", proposals.ErrNotFound},
			{"zero id", reviewer, 0, "reject", proposals.ErrNotFound},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := e.state(t)
				ops := map[string]func(context.Context, int64, string) (proposals.Proposal, error){
					"approve": e.svc.Approve, "reject": e.svc.Reject, "withdraw": e.svc.Withdraw,
				}
				if _, err := ops[c.op](as(c.who), c.id, "no"); !errors.Is(err, c.kind) {
					t.Errorf("got %v, want %v", err, c.kind)
				}
				if after := e.state(t); after != before {
					t.Errorf("a refused decision changed state:\n%s\n%s", before, after)
				}
			})
		}
	})
}

// An approval registers as the proposer, now: a registration made in the
// meantime that the proposal is incompatible with makes it fail, and the
// proposal stays pending with nothing changed.
func TestApproveAfterCompetingRegistration(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.propose(t, owner, "orders-value", orderV2)
		e.register(t, owner, "orders-value", orderNoteInt)
		before := e.state(t)
		_, err := e.svc.Approve(as(reviewer), p.ID, "ok")
		if !errors.Is(err, registry.ErrIncompatible) || !strings.Contains(err.Error(), "proposal") {
			t.Fatalf("got %v, want incompatible", err)
		}
		if after := e.state(t); after != before {
			t.Errorf("a failed approval changed state:\n%s\n%s", before, after)
		}
		if got, _ := e.svc.Get(context.Background(), p.ID); got.State != proposals.Pending {
			t.Errorf("state %s, want pending", got.State)
		}
		// Its report says why, live.
		rep, err := e.svc.Report(context.Background(), p)
		if err != nil || rep.Compatible || len(rep.Differences) == 0 || rep.Differences[0].Version != 2 {
			t.Errorf("report %+v, %v", rep, err)
		}
	})
}

// The single-writer right is the proposer's at approval: after a transfer
// the approval fails.
func TestApproveAfterTransfer(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.propose(t, owner, "orders-value", orderV2)
		if _, err := e.streams.TransferOwnership(as(admin), "orders", other.Name); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Approve(as(reviewer), p.ID, ""); !errors.Is(err, contracts.ErrForbidden) {
			t.Errorf("got %v, want the single writer's refusal", err)
		}
	})
}

func TestRejectAndWithdraw(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			name   string
			who    *auth.Principal
			op     string
			state  proposals.State
			action string
		}{
			{"reviewer rejects", reviewer, "reject", proposals.Rejected, proposals.ActionReject},
			{"admin rejects", admin, "reject", proposals.Rejected, proposals.ActionReject},
			{"proposer withdraws", owner, "withdraw", proposals.Withdrawn, proposals.ActionWithdraw},
			{"admin withdraws", admin, "withdraw", proposals.Withdrawn, proposals.ActionWithdraw},
			{"anonymous rejects (auth off)", nil, "reject", proposals.Rejected, proposals.ActionReject},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := e.propose(t, owner, "orders-value", orderV2)
				vs, _ := e.reg.Versions(context.Background(), "orders-value", true)
				ops := map[string]func(context.Context, int64, string) (proposals.Proposal, error){"reject": e.svc.Reject, "withdraw": e.svc.Withdraw}
				d, err := ops[c.op](as(c.who), p.ID, "because")
				if err != nil {
					t.Fatal(err)
				}
				if d.State != c.state || d.DecidedBy != nameOf(c.who) || d.Comment != "because" || d.Version != 0 || d.SchemaID != 0 || d.DecisionReport == nil {
					t.Errorf("decided: %+v", d)
				}
				es := e.entries(t, c.action)
				if len(es) == 0 || es[0].Actor != nameOf(c.who) || es[0].Target != "orders-value" || !strings.Contains(string(es[0].After), `"state":"`+string(c.state)+`"`) {
					t.Errorf("audit entries %+v", es)
				}
				if after, _ := e.reg.Versions(context.Background(), "orders-value", true); len(after) != len(vs) {
					t.Errorf("a %s registered something: %v -> %v", c.op, vs, after)
				}
			})
		}
	})
}

func TestMayDecideAndWithdraw(t *testing.T) {
	svc := proposals.NewService(nil, nil, nil, nil, proposals.Options{})
	pending := proposals.Proposal{ID: 1, Proposer: owner.Name, State: proposals.Pending}
	approved := proposals.Proposal{ID: 2, Proposer: owner.Name, State: proposals.Approved}
	byAdmin := proposals.Proposal{ID: 3, Proposer: admin.Name, State: proposals.Pending}
	for _, c := range []struct {
		who            *auth.Principal
		pr             proposals.Proposal
		decide, withdr bool
	}{
		{nil, pending, true, true},
		{nil, approved, false, false},
		{reviewer, pending, true, false},
		{reviewer, approved, false, false},
		{admin, pending, true, true},
		{admin, byAdmin, false, true},
		{owner, pending, false, true},
		{other, pending, false, false},
		{reader, pending, false, false},
		{owner, approved, false, false},
	} {
		if got := svc.MayDecide(c.who, c.pr); got != c.decide {
			t.Errorf("MayDecide(%s, %s by %s) = %t", nameOf(c.who), c.pr.State, c.pr.Proposer, got)
		}
		if got := svc.MayWithdraw(c.who, c.pr); got != c.withdr {
			t.Errorf("MayWithdraw(%s, %s by %s) = %t", nameOf(c.who), c.pr.State, c.pr.Proposer, got)
		}
	}
}

func TestReviewRequired(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		if _, err := e.streams.Update(as(owner), "orders", func(s *contracts.Stream) error { s.ReviewRequired = true; return nil }); err != nil {
			t.Fatal(err)
		}
		if st, _ := e.streams.Get(context.Background(), "orders"); !st.ReviewRequired {
			t.Fatal("reviewRequired not stored")
		}
		_, err := e.reg.Register(as(owner), "orders-value", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: orderV2}})
		if !errors.Is(err, contracts.ErrForbidden) || !strings.Contains(err.Error(), "requires review") || !strings.Contains(err.Error(), "accord check FILE --stream orders --propose") {
			t.Fatalf("owner registering: %v", err)
		}
		_, err = e.reg.Register(as(owner), "orders-key", registry.RegisterRequest{SchemaInput: registry.SchemaInput{Schema: `"long"`}})
		if err == nil || !strings.Contains(err.Error(), "--stream orders --key --propose") {
			t.Errorf("owner registering the key: %v", err)
		}
		// The schema already live stays registrable (nothing is written).
		e.register(t, owner, "orders-value", orderV1)
		// The owner proposes, a reviewer approves: registered as the owner.
		p := e.propose(t, owner, "orders-value", orderV2)
		a, err := e.svc.Approve(as(reviewer), p.ID, "")
		if err != nil || a.Version != 2 {
			t.Fatalf("approval: %+v %v", a, err)
		}
		// Admins register directly.
		e.register(t, admin, "orders-value", orderV3)
	})
}

func TestListAndPendingByStream(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		if _, err := e.streams.Create(as(admin), contracts.Stream{Name: "payments", Owner: other.Name, EventType: contracts.Measurement}); err != nil {
			t.Fatal(err)
		}
		p1 := e.propose(t, owner, "orders-value", orderV2)
		p2 := e.propose(t, owner, "orders-value", orderV3)
		p3 := e.propose(t, other, "payments-value", orderV1)
		p4 := e.propose(t, owner, "loose-value", orderV1) // no stream
		if _, err := e.svc.Reject(as(reviewer), p2.ID, "no"); err != nil {
			t.Fatal(err)
		}
		counts, err := e.svc.PendingByStream(context.Background())
		if err != nil || len(counts) != 2 || counts["orders"] != 1 || counts["payments"] != 1 {
			t.Errorf("PendingByStream = %v, %v", counts, err)
		}
		for _, c := range []struct {
			name string
			f    proposals.Filter
			want []int64
		}{
			{"all, newest first", proposals.Filter{}, []int64{p4.ID, p3.ID, p2.ID, p1.ID}},
			{"pending", proposals.Filter{State: proposals.Pending}, []int64{p4.ID, p3.ID, p1.ID}},
			{"rejected", proposals.Filter{State: proposals.Rejected}, []int64{p2.ID}},
			{"stream", proposals.Filter{Stream: "orders"}, []int64{p2.ID, p1.ID}},
			{"subject", proposals.Filter{Subject: "payments-value"}, []int64{p3.ID}},
			{"proposer", proposals.Filter{Proposer: other.Name}, []int64{p3.ID}},
			{"page", proposals.Filter{Limit: 2}, []int64{p4.ID, p3.ID}},
			{"next page", proposals.Filter{Limit: 2, BeforeID: p3.ID}, []int64{p2.ID, p1.ID}},
			{"nothing", proposals.Filter{Stream: "none"}, []int64{}},
		} {
			ps, err := e.svc.List(context.Background(), c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got := []int64{}
			for _, p := range ps {
				got = append(got, p.ID)
			}
			if jsonOf(got) != jsonOf(c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		if _, err := e.svc.List(context.Background(), proposals.Filter{State: "open"}); !errors.Is(err, proposals.ErrInvalid) {
			t.Errorf("bad state: %v", err)
		}
	})
}

func TestReport(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		if _, err := e.lin.PutEdge(as(admin), lineage.Edge{Kind: lineage.Consumes, From: "orders", To: "billing-svc", Fields: []string{"id"}}); err != nil {
			t.Fatal(err)
		}
		p := e.propose(t, owner, "orders-value", orderV2)
		rep, err := e.svc.Report(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Level != "BACKWARD" || !rep.Compatible || rep.Blocking || rep.Differences == nil || rep.Lints == nil {
			t.Errorf("report %+v", rep)
		}
		if rep.Impact == nil || len(rep.Impact.Consumers) != 1 || rep.Impact.Consumers[0].Service != "billing-svc" {
			t.Errorf("impact %+v", rep.Impact)
		}
		// No stream: no lints, no impact.
		n := e.propose(t, owner, "loose-value", orderV1)
		if rep, err := e.svc.Report(context.Background(), n); err != nil || rep.Impact != nil || len(rep.Lints) != 0 || !rep.Compatible {
			t.Errorf("report of a subject of no stream: %+v %v", rep, err)
		}
	})
}

// Two reviewers approving at once register once; the second is told it
// was decided.
func TestConcurrentApprovals(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.propose(t, owner, "orders-value", orderV2)
		var (
			wg   sync.WaitGroup
			errs = make([]error, 2)
		)
		for i, r := range []*auth.Principal{reviewer, reviewer2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.svc.Approve(as(r), p.ID, "")
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, proposals.ErrNotPending):
				t.Errorf("second approval: %v", err)
			}
		}
		if ok != 1 || len(e.entries(t, proposals.ActionApprove)) != 1 {
			t.Errorf("%d approvals succeeded (%v)", ok, errs)
		}
		if vs, _ := e.reg.Versions(context.Background(), "orders-value", false); len(vs) != 2 {
			t.Errorf("versions %v", vs)
		}
	})
}

// directory is a PrincipalDirectory of fixed records.
type directory map[string]auth.PrincipalRecord

func (d directory) Principal(_ context.Context, name string) (auth.PrincipalRecord, error) {
	r, ok := d[name]
	if !ok {
		return auth.PrincipalRecord{}, auth.Errorf(auth.ErrPrincipalNotFound, "principal %s not found", name)
	}
	return r, nil
}

// With a principal directory an approval registers as the proposer's
// current self: a disabled proposer cannot.
func TestApproveDisabledProposer(t *testing.T) {
	dir := directory{owner.Name: {Name: owner.Name, Roles: owner.Roles, Disabled: true}}
	e := newEnv(t, t.TempDir(), dir)
	p := e.propose(t, owner, "orders-value", orderV2)
	before := e.state(t)
	if _, err := e.svc.Approve(as(reviewer), p.ID, ""); !errors.Is(err, proposals.ErrForbidden) || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("got %v", err)
	}
	if after := e.state(t); after != before {
		t.Error("a refused approval changed state")
	}
	dir[owner.Name] = auth.PrincipalRecord{Name: owner.Name, Roles: owner.Roles}
	if _, err := e.svc.Approve(as(reviewer), p.ID, ""); err != nil {
		t.Errorf("approval after re-enabling: %v", err)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Subjects of other contexts keep their qualified names; audit entries
// carry the context, as the registry's do.
func TestContextSubject(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.propose(t, owner, ":.team:orders-value", orderV1)
		if p.Subject != ":.team:orders-value" || p.BaseVersion != 0 {
			t.Errorf("proposal %+v", p)
		}
		a, err := e.svc.Approve(as(reviewer), p.ID, "")
		if err != nil || a.Version != 1 {
			t.Fatalf("approve: %+v %v", a, err)
		}
		if v, err := e.reg.Version(context.Background(), ":.team:orders-value", -1, false); err != nil || v.Schema.ID != a.SchemaID {
			t.Errorf("registered %+v %v", v, err)
		}
		es := e.entries(t, proposals.ActionApprove)
		if len(es) != 1 || es[0].Context != ".team" || es[0].Target != "orders-value" {
			t.Errorf("entries %+v", es)
		}
		if ps, err := e.svc.List(context.Background(), proposals.Filter{Subject: ":.team:orders-value"}); err != nil || len(ps) != 1 {
			t.Errorf("listing by qualified subject: %v %v", ps, err)
		}
	})
}

// A caller without audit.WithWho (a front end calling the Service
// directly) is still named in the audit log.
func TestActorFromPrincipal(t *testing.T) {
	e := newEnv(t, t.TempDir(), nil)
	p, err := e.svc.Create(auth.WithPrincipal(context.Background(), owner), proposals.NewProposal{Subject: "orders-value", Schema: orderV2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Approve(auth.WithPrincipal(context.Background(), reviewer), p.ID, ""); err != nil {
		t.Fatal(err)
	}
	for action, want := range map[string]string{proposals.ActionCreate: owner.Name, proposals.ActionApprove: reviewer.Name, audit.SchemaRegister: owner.Name} {
		if es := e.entries(t, action); len(es) == 0 || es[0].Actor != want {
			t.Errorf("%s entries %+v, want actor %s", action, es, want)
		}
	}
}

// gate is a PrincipalDirectory that holds the approval that asks it
// (between its read of the proposal and its registration) until released.
type gate struct {
	asked, release chan struct{}
}

func (g gate) Principal(_ context.Context, name string) (auth.PrincipalRecord, error) {
	close(g.asked)
	<-g.release
	return auth.PrincipalRecord{Name: owner.Name, Roles: owner.Roles}, nil
}

// Two server processes on one database: while one approves (its
// registration under way), the other's rejection or approval loses with
// ErrNotPending, and the proposal ends approved with one version and one
// decision, not rejected with its schema registered anyway.
func TestDecisionsAcrossProcesses(t *testing.T) {
	for _, second := range []string{"reject", "approve"} {
		t.Run(second, func(t *testing.T) {
			eachEngine(t, func(t *testing.T, e *env) {
				g := gate{asked: make(chan struct{}), release: make(chan struct{})}
				a := proposals.NewService(sqlproposals.New(e.store.DB()), e.reg, e.streams, e.lin, proposals.Options{Principals: g})
				p := e.propose(t, owner, "orders-value", orderV2)
				done := make(chan error, 1)
				go func() {
					_, err := a.Approve(as(reviewer), p.ID, "ship it")
					done <- err
				}()
				<-g.asked
				var err error
				if second == "reject" {
					_, err = e.svc.Reject(as(reviewer2), p.ID, "no")
				} else {
					_, err = e.svc.Approve(as(reviewer2), p.ID, "")
				}
				if !errors.Is(err, proposals.ErrNotPending) || !strings.Contains(err.Error(), "being approved by rita") {
					t.Errorf("the other process's %s: %v, want not pending", second, err)
				}
				close(g.release)
				if err := <-done; err != nil {
					t.Fatalf("approval: %v", err)
				}
				got, err := e.svc.Get(context.Background(), p.ID)
				if err != nil || got.State != proposals.Approved || got.DecidedBy != reviewer.Name || got.Version != 2 {
					t.Errorf("proposal %+v, %v", got, err)
				}
				if n := len(e.entries(t, proposals.ActionApprove)) + len(e.entries(t, proposals.ActionReject)); n != 1 {
					t.Errorf("%d decisions audited", n)
				}
				if vs, _ := e.reg.Versions(context.Background(), "orders-value", false); len(vs) != 2 {
					t.Errorf("versions %v", vs)
				}
			})
		})
	}
}

// A pending proposal never shows an approval in progress, and a failed
// approval leaves it as it was (no claim left behind).
func TestFailedApprovalReleasesClaim(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.propose(t, owner, "orders-value", orderV2)
		e.register(t, owner, "orders-value", orderNoteInt)
		if _, err := e.svc.Approve(as(reviewer), p.ID, ""); !errors.Is(err, registry.ErrIncompatible) {
			t.Fatalf("got %v, want incompatible", err)
		}
		if _, err := e.svc.Reject(as(reviewer2), p.ID, "clashes"); err != nil {
			t.Errorf("rejecting after the failed approval: %v", err)
		}
	})
}

// The proposer's role is checked at approval too: a proposer made a
// reader since cannot register through a reviewer's approval.
func TestApproveDemotedProposer(t *testing.T) {
	dir := directory{owner.Name: {Name: owner.Name, Roles: owner.Roles}}
	e := newEnv(t, t.TempDir(), dir)
	p := e.propose(t, owner, "orders-value", orderV2)
	dir[owner.Name] = auth.PrincipalRecord{Name: owner.Name, Roles: []auth.Role{auth.RoleReader}}
	before := e.state(t)
	if _, err := e.svc.Approve(as(reviewer), p.ID, ""); !errors.Is(err, proposals.ErrForbidden) || !strings.Contains(err.Error(), "no longer has the role") {
		t.Errorf("got %v, want forbidden", err)
	}
	if after := e.state(t); after != before {
		t.Error("a refused approval changed state")
	}
}
