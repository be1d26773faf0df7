package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
)

// Every change is in the audit log with who, what, before/after and the
// request id; nothing can edit the log through the API.
func TestAuditLogRecordsChanges(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		v1 := `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
		v2 := `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"n","type":"int","default":0}]}`
		s.register("orders-value", map[string]string{"schema": v1})
		reg := s.do("POST", "/subjects/orders-value/versions", map[string]string{"schema": v2}, "X-Request-Id", "req-42")
		if reg.Status != 200 {
			t.Fatalf("register v2: %s", reg)
		}
		s.register("orders-value", map[string]string{"schema": v2}) // no change: no entry
		s.ok("PUT", "/config/orders-value", map[string]string{"compatibility": "FULL"}, nil)
		s.ok("PUT", "/mode/orders-value", map[string]string{"mode": "READONLY"}, nil)
		s.ok("DELETE", "/mode/orders-value", nil, nil)
		s.ok("DELETE", "/subjects/orders-value/versions/1", nil, nil)
		s.ok("DELETE", "/subjects/orders-value/versions/1?permanent=true", nil, nil)
		// A rejected change leaves no entry.
		if r := s.do("PUT", "/config/orders-value", map[string]string{"compatibility": "SIDEWAYS"}); r.Status != 422 {
			t.Fatalf("bad level: %s", r)
		}

		var entries []audit.Entry
		s.ok("GET", "/v1/audit?target=orders-value", nil, &entries)
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
			if e.Actor != "anonymous" || e.RequestID == "" || e.Context != "." || e.At.IsZero() {
				t.Errorf("entry %+v: want actor anonymous (auth off), a request id, context '.' and a time", e)
			}
		}
		want := []string{ // newest first
			audit.VersionDeleteHard, audit.VersionDelete, audit.ModeDelete, audit.ModeUpdate,
			audit.ConfigUpdate, audit.SchemaRegister, audit.SchemaRegister,
		}
		if len(actions) != len(want) {
			t.Fatalf("actions %v, want %v", actions, want)
		}
		for i := range want {
			if actions[i] != want[i] {
				t.Fatalf("actions %v, want %v", actions, want)
			}
		}
		// The second registration carries the caller's request id and the
		// version it created.
		regEntry := entries[5]
		var after struct {
			Version int    `json:"version"`
			Schema  string `json:"schema"`
		}
		if err := json.Unmarshal(regEntry.After, &after); err != nil || after.Version != 2 || after.Schema == "" || regEntry.RequestID != "req-42" {
			t.Errorf("registration entry %+v (after %+v, %v): want version 2 with its schema, request id req-42", regEntry, after, err)
		}
		// Config shows before and after.
		cfg := entries[4]
		if string(cfg.After) == "" || !json.Valid(cfg.Before) {
			t.Errorf("config entry without before/after: %+v", cfg)
		}

		// Filters and paging.
		var regs []audit.Entry
		s.ok("GET", "/v1/audit?action=schema.", nil, &regs)
		if len(regs) != 2 {
			t.Errorf("action=schema. selected %d entries, want 2", len(regs))
		}
		var page []audit.Entry
		s.ok("GET", "/v1/audit?target=orders-value&limit=2", nil, &page)
		var rest []audit.Entry
		s.ok("GET", "/v1/audit?target=orders-value&before="+strconv.FormatInt(page[1].ID, 10), nil, &rest)
		if len(page) != 2 || len(rest) != len(entries)-2 || rest[0].ID != entries[2].ID {
			t.Errorf("paging: %d then %d entries", len(page), len(rest))
		}
		if r := s.do("GET", "/v1/audit?since=yesterday", nil); r.Status != 400 {
			t.Errorf("bad since: %s, want 400", r)
		}

		// The log has no write route.
		for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			if r := s.do(m, "/v1/audit", nil); r.Status != http.StatusMethodNotAllowed {
				t.Errorf("%s /v1/audit: %s, want 405", m, r)
			}
		}
	})
}

// auditLog reads the whole audit log as the fixture's admin, newest first.
func (f *fixture) auditLog(t *testing.T) ([]audit.Entry, string) {
	t.Helper()
	r := f.as(t, admin, "GET", "/v1/audit?limit=1000", nil)
	var entries []audit.Entry
	if r.Status != 200 || json.Unmarshal(r.Body, &entries) != nil {
		t.Fatalf("GET /v1/audit: %s", r)
	}
	return entries, string(r.Body)
}

// entryOf returns the one entry of request id reqID with action.
func entryOf(t *testing.T, entries []audit.Entry, reqID, action string) audit.Entry {
	t.Helper()
	var found []audit.Entry
	for _, e := range entries {
		if e.RequestID == reqID && e.Action == action {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("request %s: %d %s entries, want 1 (log: %+v)", reqID, len(found), action, entries)
	}
	return found[0]
}

// doc decodes an entry's before or after document ({} for none).
func doc(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	m := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("audit document %s: %v", raw, err)
		}
	}
	return m
}

// TestAuditAuthAndStreamChanges: principal, token and stream changes are
// in the audit log with the signed-in principal as actor, the request id,
// and before/after documents without secrets; refused and failed requests
// write nothing.
func TestAuditAuthAndStreamChanges(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		f := startFixture(t, target, contracts.UnownedOpen)
		entries, _ := f.auditLog(t)
		// Start-up: the bootstrap is named as such; the fixture's stream by its owner.
		var boot, created int
		for _, e := range entries {
			if e.Actor == auth.BootstrapActor && (e.Action == auth.ActionPrincipalCreate && e.Target == admin || e.Action == auth.ActionTokenCreate) {
				boot++
			}
			if e.Action == contracts.ActionStreamCreate && e.Target == "orders" && e.Actor == svcOwner && e.Before == nil && doc(t, e.After)["owner"] == svcOwner {
				created++
			}
		}
		if boot != 2 || created != 1 {
			t.Errorf("start-up entries: %d bootstrap (want 2), %d stream.create by svc-owner (want 1): %+v", boot, created, entries)
		}

		step := func(who, method, path string, body any, status int, reqID string) response {
			t.Helper()
			r := f.as(t, who, method, path, body, "X-Request-Id", reqID)
			if r.Status != status {
				t.Fatalf("%s %s %s: %s, want %d", who, method, path, r, status)
			}
			return r
		}
		step(admin, "POST", "/v1/principals", map[string]any{"name": "pay-svc", "roles": []string{"service"}, "password": "pay password, long enough"}, 200, "p1")
		step(admin, "PATCH", "/v1/principals/pay-svc", map[string]any{"password": "another password, long enough", "roles": []string{"service", "reader"}}, 200, "p2")
		step(admin, "DELETE", "/v1/principals/pay-svc", nil, 200, "p3")
		var tok struct{ ID, Token string }
		must(t, "token", json.Unmarshal(step(svcOwner, "POST", "/v1/tokens", map[string]any{"description": "ci"}, 200, "t1").Body, &tok))
		step(svcOwner, "DELETE", "/v1/tokens/"+tok.ID, nil, 200, "t2")
		step(svcOwner, "DELETE", "/v1/tokens/"+tok.ID, nil, 200, "t3") // already revoked: no change
		step(svcOwner, "PATCH", "/v1/streams/orders", map[string]any{"description": "every order"}, 200, "s1")
		step(svcOwner, "POST", "/v1/streams/orders/transfer", map[string]any{"owner": svcOther}, 200, "s2")
		step(svcOther, "DELETE", "/v1/streams/orders", nil, 204, "s3")

		entries, raw := f.auditLog(t)
		for _, secret := range []string{"argon2", "password, long enough", tok.Token, "secret_hash"} {
			if strings.Contains(raw, secret) {
				t.Errorf("the audit log shows %q", secret)
			}
		}
		if _, sec, ok := auth.ParseToken(tok.Token); !ok || strings.Contains(raw, sec) || strings.Contains(raw, auth.HashSecret(sec)) {
			t.Errorf("the audit log shows the token's secret or its hash")
		}
		check := func(reqID, action, actor, target string, fn func(before, after map[string]any) bool) {
			t.Helper()
			e := entryOf(t, entries, reqID, action)
			before, after := doc(t, e.Before), doc(t, e.After)
			if e.Actor != actor || e.Target != target || e.At.IsZero() || !fn(before, after) {
				t.Errorf("%s entry: actor %q target %q, before %s after %s; want actor %q target %q", action, e.Actor, e.Target, e.Before, e.After, actor, target)
			}
		}
		check("p1", auth.ActionPrincipalCreate, admin, "pay-svc", func(b, a map[string]any) bool {
			return len(b) == 0 && a["name"] == "pay-svc" && a["has_password"] == true && a["disabled"] == false
		})
		check("p2", auth.ActionPrincipalUpdate, admin, "pay-svc", func(b, a map[string]any) bool {
			return len(b["roles"].([]any)) == 1 && len(a["roles"].([]any)) == 2 && a["password_changed"] == true && b["password_changed"] == nil
		})
		check("p3", auth.ActionPrincipalDisable, admin, "pay-svc", func(b, a map[string]any) bool {
			return b["disabled"] == false && a["disabled"] == true
		})
		check("t1", auth.ActionTokenCreate, svcOwner, tok.ID, func(b, a map[string]any) bool {
			return len(b) == 0 && a["id"] == tok.ID && a["principal"] == svcOwner && a["description"] == "ci"
		})
		check("t2", auth.ActionTokenRevoke, svcOwner, tok.ID, func(b, a map[string]any) bool {
			return b["revoked_at"] == nil && a["revoked_at"] != nil
		})
		check("s1", contracts.ActionStreamUpdate, svcOwner, "orders", func(b, a map[string]any) bool {
			return b["description"] == "" && a["description"] == "every order"
		})
		check("s2", contracts.ActionStreamTransfer, svcOwner, "orders", func(b, a map[string]any) bool {
			return b["owner"] == svcOwner && a["owner"] == svcOther
		})
		check("s3", contracts.ActionStreamDelete, svcOther, "orders", func(b, a map[string]any) bool {
			return b["name"] == "orders" && b["owner"] == svcOther && len(a) == 0
		})
		for _, e := range entries {
			if e.RequestID == "t3" {
				t.Errorf("revoking a revoked token was recorded: %+v", e)
			}
		}

		// Refused and failed requests record nothing.
		step(svcOwner, "POST", "/v1/streams", map[string]any{"name": "orders", "eventType": "state"}, 201, "s4")
		before, _ := f.auditLog(t)
		for _, c := range []struct {
			who, method, path string
			body              any
			status            int
		}{
			{reader, "POST", "/v1/principals", map[string]any{"name": "x", "roles": []string{"reader"}}, 403},
			{admin, "POST", "/v1/principals", map[string]any{"name": "pay-svc", "roles": []string{"reader"}}, 409},
			{admin, "POST", "/v1/principals", map[string]any{"name": "x", "roles": []string{"god"}}, 422},
			{admin, "PATCH", "/v1/principals/admin", map[string]any{"disabled": true}, 409},
			{admin, "PATCH", "/v1/principals/ghost", map[string]any{"disabled": true}, 404},
			{reader, "POST", "/v1/tokens", map[string]any{"principal": svcOwner}, 403},
			{admin, "POST", "/v1/tokens", map[string]any{"principal": "pay-svc"}, 422}, // disabled
			{reader, "DELETE", "/v1/tokens/" + f.spareToken, nil, 404},
			{svcOther, "PATCH", "/v1/streams/orders", map[string]any{"description": "mine"}, 403},
			{svcOwner, "PUT", "/v1/streams/orders", map[string]any{"owner": svcOther, "eventType": "state"}, 422},
			{svcOwner, "POST", "/v1/streams/orders/transfer", map[string]any{"owner": svcOwner}, 422},
			{svcOther, "POST", "/v1/streams/orders/transfer", map[string]any{"owner": svcOther}, 403},
			{svcOther, "DELETE", "/v1/streams/orders", nil, 403},
			{reviewer, "POST", "/v1/streams", map[string]any{"name": "reviews", "eventType": "state"}, 403},
			{svcOwner, "POST", "/v1/streams", map[string]any{"name": "orders", "eventType": "state"}, 409},
			{svcOther, "PUT", "/config/orders-value", map[string]string{"compatibility": "NONE"}, 403},
		} {
			step(c.who, c.method, c.path, c.body, c.status, "refused")
		}
		if after, _ := f.auditLog(t); len(after) != len(before) {
			t.Errorf("refused requests wrote %d entries: %+v", len(after)-len(before), after[:len(after)-len(before)])
		}
	})
}

// TestAuditSubjectClaims: under the claim policy the first writer's claim
// (made by its first registration: a config write claims nothing, see
// docs/security.md) and its release by a stream declaration are recorded,
// under the writer's name.
func TestAuditSubjectClaims(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		f := startFixture(t, target, contracts.UnownedClaim)
		if r := f.as(t, svcOther, "POST", "/subjects/legacy-value/versions", ordersKey, "X-Request-Id", "c1"); r.Status != 200 {
			t.Fatalf("first writer: %s", r)
		}
		if r := f.as(t, svcOwner, "PUT", "/config/legacy-value", map[string]string{"compatibility": "FULL"}, "X-Request-Id", "c2"); r.Status != 403 {
			t.Fatalf("second writer: %s", r)
		}
		if r := f.as(t, svcOther, "POST", "/v1/streams", map[string]any{"name": "legacy", "eventType": "state"}, "X-Request-Id", "c3"); r.Status != 201 {
			t.Fatalf("claimant declaring the stream: %s", r)
		}
		entries, _ := f.auditLog(t)
		claim := entryOf(t, entries, "c1", contracts.ActionSubjectClaim)
		if claim.Actor != svcOther || claim.Target != "legacy-value" || claim.Context != "." || doc(t, claim.After)["owner"] != svcOther {
			t.Errorf("claim entry %+v", claim)
		}
		entryOf(t, entries, "c1", audit.SchemaRegister)
		rel := entryOf(t, entries, "c3", contracts.ActionSubjectRelease)
		if rel.Actor != svcOther || rel.Target != "legacy-value" || doc(t, rel.Before)["owner"] != svcOther || rel.After != nil {
			t.Errorf("release entry %+v", rel)
		}
		entryOf(t, entries, "c3", contracts.ActionStreamCreate)
		for _, e := range entries {
			if e.RequestID == "c2" {
				t.Errorf("a refused write was recorded: %+v", e)
			}
		}
	})
}
