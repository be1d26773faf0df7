package api_test

// The proposals API through the real stack, with authentication on, on
// both engines: who may propose, decide and withdraw, what each writes
// (the proposal, the registration, the audit log) and that refusals
// change nothing.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/registry/storetest"
)

// propServer is a server with streams, lineage and proposals, and the
// principals root (admin), rita and rob (reviewers), orders-svc (owner of
// stream "orders", whose key and value version 1 are registered),
// billing-svc (service) and alice (reader).
type propServer struct {
	*server
	creds map[string]string
}

var (
	propV1 = avroRecord("Order", `{"name":"id","type":"string"}`)
	// propV2 adds an optional field; propV3 another.
	propV2 = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"note","type":"string","default":""}`)
	propV3 = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"total","type":"long","default":0}`)
	// propClash is compatible with propV1 but not with propV2 (note's type).
	propClash = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"note","type":"int","default":0}`)
	// propBad adds a field without a default: not BACKWARD.
	propBad = avroRecord("Order", `{"name":"id","type":"string"}`, `{"name":"customer","type":"string"}`)
)

// newPropStack is the stack of a proposals server: authentication on
// (admin bootstrapped with secret unless admin is empty), lineage and
// proposals.
func newPropStack(t *testing.T, target, admin, secret string) *accordtest.Stack {
	t.Helper()
	return accordtest.New(t, target, accordtest.Options{Unowned: contracts.UnownedOpen, Auth: true, Admin: admin, AdminSecret: secret, LineageMaxAge: -1})
}

// propHandler serves st's registry, contracts, lineage, proposals and
// audit log with authentication.
func propHandler(st *accordtest.Stack) http.Handler {
	return api.New(st.Registry, api.Options{Logger: st.Log, Auth: st.Auth, Contracts: st.Contracts, Audit: st.Audit, Lineage: st.Lineage, Proposals: st.Proposals})
}

func startPropServer(t *testing.T, target string) *propServer {
	t.Helper()
	_, rootTok, _, err := auth.NewToken()
	must(t, "token", err)
	st := newPropStack(t, target, "root", rootTok)
	authn := st.Auth
	s := &propServer{creds: map[string]string{"root": "Bearer " + rootTok}}
	for name, role := range map[string]auth.Role{"rita": auth.RoleReviewer, "rob": auth.RoleReviewer, "orders-svc": auth.RoleService, "billing-svc": auth.RoleService, "alice": auth.RoleReader} {
		_, err := authn.CreatePrincipal(st.Ctx, auth.NewPrincipal{Name: name, Roles: []auth.Role{role}})
		must(t, "principal "+name, err)
		tok, err := authn.IssueToken(st.Ctx, name, "test", time.Time{})
		must(t, "token "+name, err)
		s.creds[name] = "Bearer " + tok.Text
	}
	hs := httptest.NewServer(propHandler(st))
	t.Cleanup(hs.Close)
	s.server = &server{t: t, URL: hs.URL, HTTP: &http.Client{Transport: no5xx{t, asAdmin{s.creds["root"], hs.Client().Transport}}, Timeout: 30 * time.Second}}
	for _, c := range []struct {
		who, method, path string
		body              any
	}{
		{"orders-svc", "POST", "/v1/streams", map[string]any{"name": "orders", "eventType": "state", "visibility": "public"}},
		{"orders-svc", "POST", "/subjects/orders-key/versions", schemaBody(`"string"`)},
		{"orders-svc", "POST", "/subjects/orders-value/versions", schemaBody(propV1)},
		{"root", "POST", "/v1/lineage/edges", map[string]any{"kind": "consumes", "from": "orders", "to": "billing-svc", "fields": []string{"id"}}},
	} {
		if r := s.as(t, c.who, c.method, c.path, c.body); r.Status/100 != 2 {
			t.Fatalf("set-up %s %s as %s: %s", c.method, c.path, c.who, r)
		}
	}
	return s
}

// as sends a request as name with extra header pairs.
func (s *propServer) as(t *testing.T, name, method, path string, body any, header ...string) response {
	t.Helper()
	r, err := s.send(method, path, body, append([]string{"Authorization", s.creds[name]}, header...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// state reads, as root, what a refused request must not change.
func (s *propServer) state(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{"/v1/proposals", "/subjects/orders-value/versions?deleted=true", "/subjects/orders-key/versions?deleted=true", "/v1/audit?limit=1000", "/v1/streams"} {
		r := s.as(t, "root", "GET", p, nil)
		fmt.Fprintf(&b, "%s -> %s\n", p, r)
	}
	return b.String()
}

// answer is a proposal answer.
type answer struct {
	Proposal proposals.Proposal `json:"proposal"`
	Report   *proposals.Report  `json:"report"`
}

func decodeAnswer(t *testing.T, what string, r response, status int) answer {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %s, want %d", what, r, status)
	}
	var a answer
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("%s: decoding %s: %v", what, r.Body, err)
	}
	return a
}

// auditOf returns the audit entries the query selects, newest first.
func (s *propServer) auditOf(t *testing.T, query string) []audit.Entry {
	t.Helper()
	var es []audit.Entry
	if err := json.Unmarshal(s.as(t, "root", "GET", "/v1/audit?"+query, nil).Body, &es); err != nil {
		t.Fatal(err)
	}
	return es
}

func TestProposalsHTTP(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		s := startPropServer(t, target)
		created := decodeAnswer(t, "create", s.as(t, "orders-svc", "POST", "/v1/proposals",
			map[string]any{"stream": "orders", "schema": propV2, "description": "add a note"}), 201)
		p := created.Proposal
		if p.ID <= 0 || p.Subject != "orders-value" || p.Stream != "orders" || p.SchemaType != "AVRO" || p.Proposer != "orders-svc" ||
			p.State != proposals.Pending || p.BaseVersion != 1 || p.Description != "add a note" {
			t.Errorf("created %+v", p)
		}
		rep := created.Report
		if rep == nil || !rep.Compatible || rep.Level != "BACKWARD" || rep.Impact == nil || len(rep.Impact.Consumers) != 1 {
			t.Errorf("report %+v", rep)
		}
		// The same schema again (CI reruns): 200 and the same proposal.
		again := decodeAnswer(t, "create again", s.as(t, "orders-svc", "POST", "/v1/proposals",
			map[string]any{"subject": "orders-value", "schemaType": "AVRO", "schema": propV2}), 200)
		if again.Proposal.ID != p.ID {
			t.Errorf("create again: proposal %d, want %d", again.Proposal.ID, p.ID)
		}
		es := s.auditOf(t, "action=proposal.create")
		if len(es) != 1 || es[0].Actor != "orders-svc" || es[0].Target != "orders-value" {
			t.Errorf("proposal.create entries %+v", es)
		}

		// Reads.
		got := decodeAnswer(t, "get", s.as(t, "alice", "GET", fmt.Sprintf("/v1/proposals/%d", p.ID), nil), 200)
		if got.Proposal.ID != p.ID || got.Report == nil || !got.Report.Compatible {
			t.Errorf("get %+v", got)
		}
		var list struct{ Proposals []proposals.Proposal }
		for _, c := range []struct {
			query string
			n     int
		}{
			{"", 1}, {"?state=pending&stream=orders", 1}, {"?state=approved", 0}, {"?subject=orders-value&proposer=orders-svc", 1},
			{"?proposer=rita", 0}, {"?limit=1", 1}, {fmt.Sprintf("?before=%d", p.ID), 0},
		} {
			r := s.as(t, "alice", "GET", "/v1/proposals"+c.query, nil)
			if err := json.Unmarshal(r.Body, &list); r.Status != 200 || err != nil || len(list.Proposals) != c.n {
				t.Errorf("list %s: %s, want %d proposals", c.query, r, c.n)
			}
		}

		// Client mistakes: never a 500, never a change.
		before := s.state(t)
		for _, c := range []struct {
			who, method, path string
			body              any
			status, code      int
			msg               string
		}{
			{"alice", "GET", "/v1/proposals/abc", nil, 404, 40491, "not found"},
			{"alice", "GET", "/v1/proposals/0", nil, 404, 40491, "not found"},
			{"alice", "GET", fmt.Sprintf("/v1/proposals/%d", p.ID+100), nil, 404, 40491, "not found"},
			{"rita", "POST", "/v1/proposals/abc/approve", nil, 404, 40491, "not found"},
			{"rita", "POST", fmt.Sprintf("/v1/proposals/%d/reject", p.ID+100), nil, 404, 40491, "not found"},
			{"alice", "GET", "/v1/proposals?state=open", nil, 400, 400, "state"},
			{"alice", "GET", "/v1/proposals?limit=x", nil, 400, 400, "limit"},
			{"orders-svc", "POST", "/v1/proposals", `{"stream":`, 400, 400, "malformed"},
			{"orders-svc", "POST", "/v1/proposals", "", 400, 400, "empty"},
			{"orders-svc", "POST", "/v1/proposals", map[string]any{"stream": "orders", "schema": propV3, "colour": "red"}, 422, 422, "colour"},
			{"rita", "POST", fmt.Sprintf("/v1/proposals/%d/approve", p.ID), `{"comment":`, 400, 400, "malformed"},
			{"rita", "POST", fmt.Sprintf("/v1/proposals/%d/approve", p.ID), map[string]any{"comment": "x", "extra": 1}, 422, 422, "extra"},
			{"orders-svc", "POST", "/v1/proposals", map[string]any{"stream": "nope", "schema": propV3}, 404, 40471, "nope"},
			{"orders-svc", "POST", "/v1/proposals", map[string]any{"schema": propV3}, 422, 42291, "subject"},
			{"orders-svc", "POST", "/v1/proposals", map[string]any{"stream": "orders", "subject": "other-value", "schema": propV3}, 422, 42291, "not a subject of stream orders"},
			{"orders-svc", "POST", "/v1/proposals", map[string]any{"stream": "orders", "schema": `{"type":"record"`}, 422, 42201, "invalid schema"},
			{"orders-svc", "POST", "/v1/proposals", map[string]any{"stream": "orders", "key": true, "schema": `"string"`}, 409, 40992, "already is version 1"},
			{"orders-svc", "POST", "/v1/proposals", map[string]any{"stream": "orders", "schema": propBad}, 409, 409, "READER_FIELD_MISSING_DEFAULT_VALUE"},
			// Who may not.
			{"alice", "POST", "/v1/proposals", map[string]any{"stream": "orders", "schema": propV3}, 403, 40301, "requires the role"},
			{"rita", "POST", "/v1/proposals", map[string]any{"stream": "orders", "schema": propV3}, 403, 40301, "requires the role"},
			{"billing-svc", "POST", "/v1/proposals", map[string]any{"stream": "orders", "schema": propV3}, 403, 40301, "orders-svc"},
			{"alice", "POST", fmt.Sprintf("/v1/proposals/%d/approve", p.ID), nil, 403, 40301, "reviewer"},
			{"billing-svc", "POST", fmt.Sprintf("/v1/proposals/%d/approve", p.ID), nil, 403, 40301, "reviewer"},
			{"orders-svc", "POST", fmt.Sprintf("/v1/proposals/%d/approve", p.ID), nil, 403, 40301, "reviewer"},
			{"orders-svc", "POST", fmt.Sprintf("/v1/proposals/%d/reject", p.ID), nil, 403, 40301, "reviewer"},
			{"billing-svc", "POST", fmt.Sprintf("/v1/proposals/%d/withdraw", p.ID), nil, 403, 40301, "proposer"},
			{"rita", "POST", fmt.Sprintf("/v1/proposals/%d/withdraw", p.ID), nil, 403, 40301, "requires the role"},
		} {
			what := fmt.Sprintf("%s %s as %s", c.method, c.path, c.who)
			wantError(t, what, s.as(t, c.who, c.method, c.path, c.body), c.status, c.code, c.msg)
		}
		s.unchangedAs(t, "refused requests", before)

		// An admin's own proposal: admins may decide, but not their own.
		mine := decodeAnswer(t, "admin proposes", s.as(t, "root", "POST", "/v1/proposals", map[string]any{"stream": "orders", "schema": propV3}), 201).Proposal
		before = s.state(t)
		wantError(t, "admin approves its own", s.as(t, "root", "POST", fmt.Sprintf("/v1/proposals/%d/approve", mine.ID), nil), 403, 40301, "separation of duties")
		s.unchangedAs(t, "approving one's own proposal", before)

		// A reviewer approves: registered as the proposer, in the approval's request.
		r := s.as(t, "rita", "POST", fmt.Sprintf("/v1/proposals/%d/approve", p.ID), map[string]any{"comment": "fine by me"}, "X-Request-Id", "approve-1")
		approved := decodeAnswer(t, "approve", r, 200).Proposal
		if approved.State != proposals.Approved || approved.DecidedBy != "rita" || approved.Comment != "fine by me" || approved.Version != 2 || approved.SchemaID <= 0 || approved.DecidedAt == nil {
			t.Errorf("approved %+v", approved)
		}
		var latest struct{ ID, Version int64 }
		s.ok("GET", "/subjects/orders-value/versions/latest", nil, &latest)
		if latest.Version != 2 || latest.ID != approved.SchemaID {
			t.Errorf("latest version %+v, approved %+v", latest, approved)
		}
		es = s.auditOf(t, "action=proposal.approve")
		if len(es) != 1 || es[0].Actor != "rita" || es[0].Target != "orders-value" || es[0].RequestID != "approve-1" {
			t.Errorf("proposal.approve entries %+v", es)
		} else {
			var doc proposals.Proposal
			if err := json.Unmarshal(es[0].After, &doc); err != nil || doc.ID != p.ID || doc.Version != 2 || doc.SchemaID != approved.SchemaID || doc.Proposer != "orders-svc" || doc.Comment != "fine by me" {
				t.Errorf("proposal.approve after %s (%v)", es[0].After, err)
			}
		}
		es = s.auditOf(t, "action=schema.register&target=orders-value&limit=1")
		if len(es) != 1 || es[0].Actor != "orders-svc" || es[0].RequestID != "approve-1" || !strings.Contains(string(es[0].After), `"version":2`) {
			t.Errorf("the approved version's registration entry %+v, want actor orders-svc and request approve-1", es)
		}
		// Decided: the stored outcome, no report; no second decision.
		got = decodeAnswer(t, "get approved", s.as(t, "alice", "GET", fmt.Sprintf("/v1/proposals/%d", p.ID), nil), 200)
		if got.Report != nil || got.Proposal.State != proposals.Approved || got.Proposal.Version != 2 {
			t.Errorf("approved proposal read back %+v", got)
		}
		before = s.state(t)
		wantError(t, "approve again", s.as(t, "rob", "POST", fmt.Sprintf("/v1/proposals/%d/approve", p.ID), nil), 409, 40991, "approved by rita")
		wantError(t, "withdraw approved", s.as(t, "orders-svc", "POST", fmt.Sprintf("/v1/proposals/%d/withdraw", p.ID), nil), 409, 40991, "not pending")
		s.unchangedAs(t, "deciding a decided proposal", before)

		// Reject and withdraw.
		rejected := decodeAnswer(t, "reject", s.as(t, "rob", "POST", fmt.Sprintf("/v1/proposals/%d/reject", mine.ID), map[string]any{"comment": "not now"}), 200).Proposal
		if rejected.State != proposals.Rejected || rejected.DecidedBy != "rob" || rejected.Comment != "not now" || rejected.Version != 0 {
			t.Errorf("rejected %+v", rejected)
		}
		if es := s.auditOf(t, "action=proposal.reject"); len(es) != 1 || es[0].Actor != "rob" || es[0].Target != "orders-value" {
			t.Errorf("proposal.reject entries %+v", es)
		}
		w := decodeAnswer(t, "propose to withdraw", s.as(t, "orders-svc", "POST", "/v1/proposals", map[string]any{"stream": "orders", "schema": propV3}), 201).Proposal
		withdrawn := decodeAnswer(t, "withdraw", s.as(t, "orders-svc", "POST", fmt.Sprintf("/v1/proposals/%d/withdraw", w.ID), nil), 200).Proposal
		if withdrawn.State != proposals.Withdrawn || withdrawn.DecidedBy != "orders-svc" {
			t.Errorf("withdrawn %+v", withdrawn)
		}
		if es := s.auditOf(t, "action=proposal.withdraw"); len(es) != 1 || es[0].Actor != "orders-svc" {
			t.Errorf("proposal.withdraw entries %+v", es)
		}
		var vs []int
		s.ok("GET", "/subjects/orders-value/versions", nil, &vs)
		if len(vs) != 2 {
			t.Errorf("versions %v: a reject or withdraw registered something", vs)
		}
	})
}

// unchangedAs fails the test if state moved from before.
func (s *propServer) unchangedAs(t *testing.T, what, before string) {
	t.Helper()
	if after := s.state(t); after != before {
		t.Errorf("%s changed state:\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

// An approval after a competing registration the proposal is
// incompatible with fails with the registry's 409; the proposal stays
// pending and nothing changes.
func TestProposalApproveAfterCompetingRegistration(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		s := startPropServer(t, target)
		p := decodeAnswer(t, "create", s.as(t, "orders-svc", "POST", "/v1/proposals", map[string]any{"stream": "orders", "schema": propV2}), 201).Proposal
		if r := s.as(t, "orders-svc", "POST", "/subjects/orders-value/versions", schemaBody(propClash)); r.Status != 200 {
			t.Fatalf("competing registration: %s", r)
		}
		before := s.state(t)
		wantError(t, "approve", s.as(t, "rita", "POST", fmt.Sprintf("/v1/proposals/%d/approve", p.ID), map[string]any{"comment": "ok"}), 409, 409, "incompatible", "version 2")
		s.unchangedAs(t, "a failed approval", before)
		got := decodeAnswer(t, "get", s.as(t, "rita", "GET", fmt.Sprintf("/v1/proposals/%d", p.ID), nil), 200)
		if got.Proposal.State != proposals.Pending || got.Report == nil || got.Report.Compatible || len(got.Report.Differences) == 0 {
			t.Errorf("after the failed approval: %+v", got)
		}
	})
}

// A review-required stream refuses direct registrations by its owner,
// accepts an admin's and the one an approval makes.
func TestProposalReviewRequired(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		s := startPropServer(t, target)
		r := s.as(t, "orders-svc", "PATCH", "/v1/streams/orders", map[string]any{"reviewRequired": true})
		if st := decodeStream(t, r); r.Status != 200 || !st.ReviewRequired {
			t.Fatalf("turning review on: %s", r)
		}
		before := s.state(t)
		wantError(t, "owner registers", s.as(t, "orders-svc", "POST", "/subjects/orders-value/versions", schemaBody(propV2)), 403, 40301,
			"requires review", "accord check FILE --stream orders --propose")
		wantError(t, "owner registers the key", s.as(t, "orders-svc", "POST", "/subjects/orders-key/versions", schemaBody(`"long"`)), 403, 40301,
			"--stream orders --key --propose")
		s.unchangedAs(t, "refused registrations", before)
		// Re-registering the live schema writes nothing and stays allowed.
		if r := s.as(t, "orders-svc", "POST", "/subjects/orders-value/versions", schemaBody(propV1)); r.Status != 200 {
			t.Errorf("re-registering the live schema: %s", r)
		}
		p := decodeAnswer(t, "create", s.as(t, "orders-svc", "POST", "/v1/proposals", map[string]any{"stream": "orders", "schema": propV2}), 201).Proposal
		a := decodeAnswer(t, "approve", s.as(t, "rita", "POST", fmt.Sprintf("/v1/proposals/%d/approve", p.ID), nil), 200).Proposal
		if a.Version != 2 {
			t.Errorf("approved %+v", a)
		}
		if es := s.auditOf(t, "action=schema.register&target=orders-value&limit=1"); len(es) != 1 || es[0].Actor != "orders-svc" {
			t.Errorf("registration entry %+v", es)
		}
		if r := s.as(t, "root", "POST", "/subjects/orders-value/versions", schemaBody(propV3)); r.Status != 200 {
			t.Errorf("admin registers: %s", r)
		}
		// A PATCH that does not name it keeps it.
		r = s.as(t, "orders-svc", "PATCH", "/v1/streams/orders", map[string]any{"description": "orders"})
		if st := decodeStream(t, r); !st.ReviewRequired {
			t.Errorf("a PATCH dropped reviewRequired: %s", r)
		}
		// Review is a control over the owner: only an admin lifts it.
		before = s.state(t)
		wantError(t, "owner turns review off", s.as(t, "orders-svc", "PATCH", "/v1/streams/orders", map[string]any{"reviewRequired": false}), 403, 40301,
			"only an admin may turn off review of stream orders")
		s.unchangedAs(t, "refused review change", before)
		r = s.as(t, "root", "PATCH", "/v1/streams/orders", map[string]any{"reviewRequired": false})
		if st := decodeStream(t, r); r.Status != 200 || st.ReviewRequired {
			t.Errorf("admin turning review off: %s", r)
		}
	})
}

// secondServer is another server process on s's database (its own store
// connection, caches and proposals service), as a second replica behind
// a load balancer would be.
func (s *propServer) secondServer(t *testing.T, target string) *propServer {
	t.Helper()
	hs := httptest.NewServer(propHandler(newPropStack(t, target, "", "")))
	t.Cleanup(hs.Close)
	return &propServer{server: &server{t: t, URL: hs.URL, HTTP: &http.Client{Transport: no5xx{t, hs.Client().Transport}, Timeout: 30 * time.Second}}, creds: s.creds}
}

// Two server processes on one PostgreSQL database: a reviewer approves
// through one while another rejects through the other. One decision
// wins, the other is a 409, and the outcome is whole: approved with its
// version registered, or rejected with nothing registered (never a
// rejected proposal whose schema was registered anyway).
func TestProposalDecisionsAcrossServers(t *testing.T) {
	target := storetest.PostgresSchema(t)
	a := startPropServer(t, target)
	b := a.secondServer(t, target)
	fields := []string{`{"name":"id","type":"string"}`}
	versions := func() int {
		var vs []int
		if err := json.Unmarshal(a.as(t, "root", "GET", "/subjects/orders-value/versions", nil).Body, &vs); err != nil {
			t.Fatal(err)
		}
		return len(vs)
	}
	won := map[int]int{}
	for round := range 12 {
		fields = append(fields, fmt.Sprintf(`{"name":"f%d","type":"string","default":""}`, round))
		p := decodeAnswer(t, "create", a.as(t, "orders-svc", "POST", "/v1/proposals",
			map[string]any{"stream": "orders", "schema": avroRecord("Order", fields...)}), 201).Proposal
		before := versions()
		var (
			wg                    sync.WaitGroup
			approve, reject       response
			approveErr, rejectErr error
			approveP              = fmt.Sprintf("/v1/proposals/%d/approve", p.ID)
			rejectP               = fmt.Sprintf("/v1/proposals/%d/reject", p.ID)
		)
		// The goroutines only send: t.Fatal must be called from the
		// test's own goroutine, so their errors are checked after Wait.
		wg.Add(2)
		go func() {
			defer wg.Done()
			approve, approveErr = a.send("POST", approveP, nil, "Authorization", a.creds["rita"])
		}()
		go func() {
			defer wg.Done()
			reject, rejectErr = b.send("POST", rejectP, nil, "Authorization", b.creds["rob"])
		}()
		wg.Wait()
		if err := errors.Join(approveErr, rejectErr); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		got := decodeAnswer(t, "get", a.as(t, "root", "GET", fmt.Sprintf("/v1/proposals/%d", p.ID), nil), 200).Proposal
		switch {
		case approve.Status == 200 && reject.Status == 409:
			if got.State != proposals.Approved || got.Version != before+1 || versions() != before+1 {
				t.Fatalf("round %d: approval won, but the proposal is %+v and there are %d versions (were %d)", round, got, versions(), before)
			}
		case reject.Status == 200 && approve.Status == 409:
			if got.State != proposals.Rejected || versions() != before {
				t.Fatalf("round %d: rejection won, but the proposal is %+v and there are %d versions (were %d)", round, got, versions(), before)
			}
		default:
			t.Fatalf("round %d: approve %s, reject %s: want one 200 and one 409", round, approve, reject)
		}
		won[approve.Status]++
		if n := len(a.auditOf(t, "action=proposal.&target=orders-value&limit=1000")); n != 2*(round+1) {
			t.Fatalf("round %d: %d proposal entries, want a create and one decision per round", round, n)
		}
	}
	t.Logf("approvals won %d rounds, rejections %d", won[200], won[409])
}
