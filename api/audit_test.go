package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/accord/accord/audit"
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
