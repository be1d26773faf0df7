package api_test

// Regression tests for the trust holes of issue 12 that the authorization
// suite (authz_matrix_test.go) does not pin by itself: forgeable requests
// (hole 2), claims under ACCORD_UNOWNED_SUBJECTS=claim (hole 4) and a
// route-less path that used to panic. Each refusal must leave every table
// as it was.

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/contracts"
)

// TestForgeableRequestsRefused: what a page on another origin can make a
// browser send with cached Basic credentials changes nothing, on /v1 and
// Confluent routes; the same request from a program (or a same-origin
// page) with a JSON content type goes through.
func TestForgeableRequestsRefused(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		f := startFixture(t, target, contracts.UnownedOpen)
		// The reviewer's token as a Basic password: what a browser caches
		// after answering the prompt.
		basic := func(who string) string {
			tok := strings.TrimPrefix(f.creds[who], "Bearer ")
			return "Basic " + base64.StdEncoding.EncodeToString([]byte(who+":"+tok))
		}
		approve := "/v1/proposals/" + f.proposal + "/approve"
		raw := func(method, path, body string, header ...string) response {
			t.Helper()
			req, err := http.NewRequest(method, f.URL+path, strings.NewReader(body))
			must(t, "request", err)
			if body == "" {
				req.Body, req.ContentLength = http.NoBody, 0
			}
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			resp, err := f.HTTP.Do(req)
			must(t, method+" "+path, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
		}
		origin := "http://" + strings.TrimPrefix(f.URL, "http://")
		before := f.state(t)
		for _, c := range []struct {
			what, method, path, body string
			header                   []string
			status, code             int
		}{
			{"text/plain form, empty body", "POST", approve, "", []string{"Content-Type", "text/plain", "Authorization", basic(reviewer)}, 415, 415},
			{"no content type, empty body", "POST", approve, "", []string{"Authorization", basic(reviewer)}, 415, 415},
			{"urlencoded form", "POST", approve, "comment=ok", []string{"Content-Type", "application/x-www-form-urlencoded", "Authorization", basic(reviewer)}, 415, 415},
			{"multipart form", "POST", approve, "--x--", []string{"Content-Type", "multipart/form-data; boundary=x", "Authorization", basic(reviewer)}, 415, 415},
			{"JSON from another site", "POST", approve, `{}`, []string{"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site", "Authorization", basic(reviewer)}, 403, 40303},
			{"JSON from a sibling site", "POST", approve, `{}`, []string{"Content-Type", "application/json", "Sec-Fetch-Site", "same-site", "Authorization", basic(reviewer)}, 403, 40303},
			{"JSON from another origin", "POST", approve, `{}`, []string{"Content-Type", "application/json", "Origin", "https://evil.example", "Authorization", basic(reviewer)}, 403, 40303},
			{"JSON from an opaque origin", "POST", approve, `{}`, []string{"Content-Type", "application/json", "Origin", "null", "Authorization", basic(reviewer)}, 403, 40303},
			{"Confluent register from another origin", "POST", "/subjects/orders-value/versions", `{"schema":"\"string\""}`,
				[]string{"Content-Type", "application/vnd.schemaregistry.v1+json", "Origin", "https://evil.example", "Authorization", basic(svcOwner)}, 403, 40303},
			{"Confluent register as a text/plain form", "POST", "/subjects/orders-value/versions", `{"schema":"\"string\""}`,
				[]string{"Content-Type", "text/plain", "Authorization", basic(svcOwner)}, 415, 415},
			{"Confluent delete from another site", "DELETE", "/subjects/orders-value", "", []string{"Sec-Fetch-Site", "cross-site", "Authorization", basic(svcOwner)}, 403, 40303},
			{"stream delete from another origin", "DELETE", "/v1/streams/orders", "", []string{"Origin", "https://evil.example", "Authorization", basic(svcOwner)}, 403, 40303},
		} {
			wantError(t, c.what, raw(c.method, c.path, c.body, c.header...), c.status, c.code)
		}
		if after := f.state(t); after != before {
			t.Fatalf("forged requests changed the database:%s", lineDiff(before, after))
		}
		// Reads from anywhere are fine: they change nothing.
		if r := raw("GET", "/v1/proposals/"+f.proposal, "", "Sec-Fetch-Site", "cross-site", "Authorization", basic(reviewer)); r.Status != 200 {
			t.Errorf("cross-site read: %s", r)
		}
		// A program (no browser headers) and a same-origin page get through,
		// also with an empty body.
		if r := raw("POST", "/v1/proposals/"+f.proposal+"/approve", "", "Content-Type", "application/json",
			"Origin", origin, "Sec-Fetch-Site", "same-origin", "Authorization", basic(reviewer)); r.Status != 200 {
			t.Errorf("same-origin approval with an empty JSON body: %s", r)
		}
		if r := raw("DELETE", "/config/orders-value", "", "Authorization", basic(svcOwner)); r.Status != 200 {
			t.Errorf("bodyless DELETE without content type (what clients send): %s", r)
		}
	})
}

// TestClaimsUnderClaimPolicy: under ACCORD_UNOWNED_SUBJECTS=claim a stream
// update cannot take a subject another service claimed (as create cannot),
// and naming a subject in PUT /config does not claim it.
func TestClaimsUnderClaimPolicy(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		f := startFixture(t, target, contracts.UnownedClaim)
		if r := f.as(t, svcOther, "POST", "/subjects/taken-value/versions", ordersKey); r.Status != 200 {
			t.Fatalf("svc-other claiming taken-value: %s", r)
		}
		// A stream whose value subjects are named by record (so a subject
		// can be added to it).
		if r := f.as(t, svcOwner, "POST", "/v1/streams", map[string]any{"name": "events", "eventType": "measurement", "subjectStrategy": "record", "valueSubjects": []string{"com.acme.Click"}}); r.Status != 201 {
			t.Fatalf("declaring events: %s", r)
		}
		before := f.state(t)
		take := []string{"com.acme.Click", "taken-value"}
		wantError(t, "PATCH adding a subject claimed by another", f.as(t, svcOwner, "PATCH", "/v1/streams/events", map[string]any{"valueSubjects": take}), 403, 40301, "claimed by svc-other")
		wantError(t, "PUT adding a subject claimed by another", f.as(t, svcOwner, "PUT", "/v1/streams/events",
			map[string]any{"eventType": "measurement", "subjectStrategy": "record", "valueSubjects": take}), 403, 40301, "claimed by svc-other")
		wantError(t, "creating over it", f.as(t, svcOwner, "POST", "/v1/streams", map[string]any{"name": "taken", "eventType": "state"}), 403, 40301, "claimed by svc-other")
		// A config change names a subject but does not claim it.
		wantError(t, "PUT /config on an unclaimed subject", f.as(t, svcOther, "PUT", "/config/payments-value", map[string]string{"compatibility": "NONE"}), 403, 40301, "nobody claimed")
		wantError(t, "PUT /mode on an unclaimed subject", f.as(t, svcOther, "PUT", "/mode/payments-value", map[string]string{"mode": "READONLY"}), 403, 40301, "nobody claimed")
		if after := f.state(t); after != before {
			t.Fatalf("refused requests changed the database:%s", lineDiff(before, after))
		}
		// The claim stands: its claimant still writes it, and the rightful
		// owner of payments declares its stream.
		if r := f.as(t, svcOther, "PUT", "/config/taken-value", map[string]string{"compatibility": "NONE"}); r.Status != 200 {
			t.Errorf("claimant changing its config: %s", r)
		}
		if r := f.as(t, svcOwner, "POST", "/v1/streams", map[string]any{"name": "payments", "eventType": "state"}); r.Status != 201 {
			t.Errorf("declaring payments: %s", r)
		}
		// An admin may move a claimed subject into a stream.
		if r := f.as(t, admin, "PATCH", "/v1/streams/events", map[string]any{"valueSubjects": take}); r.Status != 200 {
			t.Errorf("admin adding the claimed subject: %s", r)
		}
	})
}

// TestNoRouteNoPanic: paths no route serves are 404 (401 anonymously),
// never a 500; POST /v1 used to panic in the role switch.
func TestNoRouteNoPanic(t *testing.T) {
	f := startFixture(t, t.TempDir(), contracts.UnownedOpen)
	for _, c := range []struct{ method, path string }{
		{"POST", "/v1"}, {"POST", "/v1/"}, {"DELETE", "/v1"}, {"PUT", "/"}, {"POST", "/v1/streams/orders/nope"},
		{"POST", "/config/a/b"}, {"PATCH", "/mode"}, {"POST", "/contexts/.x"},
	} {
		r := f.as(t, admin, c.method, c.path, map[string]any{})
		if r.Status != 404 && r.Status != 405 {
			t.Errorf("%s %s as admin: %s, want 404 or 405", c.method, c.path, r)
		}
		wantError(t, c.method+" "+c.path+" anonymously", f.as(t, anon, c.method, c.path, map[string]any{}), 401, 40101)
	}
}
