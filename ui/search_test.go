package ui_test

import (
	"strings"
	"testing"
	"time"
)

// Search finds streams by field name (every format), owner, consumer,
// tag or domain and format, and says why each matched.
func TestSearch(t *testing.T) {
	e := newEnv(t, true)
	e.seed()
	c := e.client().signedIn(t, "rita")
	get := func(q string) string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			a := c.get(t, "/ui/search?q="+q)
			wantStatus(t, q, a, 200)
			if !strings.Contains(a.body, "still being indexed") || time.Now().After(deadline) {
				return a.body
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, tc := range []struct {
		q, stream, why string
	}{
		{"total", "orders", "field total"},                 // Avro field
		{"amount", "payments", "field amount"},             // Protobuf field
		{"orders-svc", "orders", "owner orders-svc"},       // owner
		{"billing", "orders", "consumer billing-svc"},      // consumer
		{"sales", "orders", "domain sales"},                // domain
		{"core", "orders", "tag core"},                     // label
		{"PROTOBUF", "payments", "format PROTOBUF"},        // format
		{"customer.email", "orders", "PII customer.email"}, // PII tag
	} {
		body := get(tc.q)
		if !strings.Contains(body, `href="/ui/streams/`+tc.stream+`"`) || !strings.Contains(body, tc.why) {
			t.Errorf("search %q: want %s matched by %q in\n%.3000s", tc.q, tc.stream, tc.why, body)
		}
	}
	if body := get("zzz-nothing"); !strings.Contains(body, "<strong>0</strong> streams match") {
		t.Errorf("search for nothing: %.2000s", body)
	}
	wantStatus(t, "long query", c.get(t, "/ui/search?q="+strings.Repeat("x", 201)), 400)
	wantContains(t, "header search", c.get(t, "/ui/streams"), `action="/ui/search"`)
}
