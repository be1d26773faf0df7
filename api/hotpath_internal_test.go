package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/auth"
)

// TestHotReadsAnswerAsRouted: the reads serveHot answers before routing
// (GET /schemas/ids/{id}, GET /subjects/{s}/versions/{v}) answer exactly
// what the router's handlers answer for the same request (forced through
// the router by a query parameter that changes nothing): status, body
// (stream mirror included), Confluent error code, headers; through an
// alias, for deleted and missing versions, malformed versions and ids. The
// forms serveHot leaves to the router (escaped subjects, queries,
// contexts, bodies) and callers their rows refuse are not answered by it.
func TestHotReadsAnswerAsRouted(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		st := accordtest.New(t, target, accordtest.Options{Auth: true, Admin: "root", AdminSecret: "root-password-1", Watch: true})
		s := New(st.Registry, Options{Logger: st.Log, Auth: st.Auth, Contracts: st.Contracts, Audit: st.Audit})
		root := "Basic " + base64.StdEncoding.EncodeToString([]byte("root:root-password-1"))
		request := func(method, path, body string) *http.Request {
			var r *http.Request
			if body == "" {
				r = httptest.NewRequest(method, path, nil)
			} else {
				r = httptest.NewRequest(method, path, strings.NewReader(body))
				r.Header.Set("Content-Type", ContentType)
			}
			r.Header.Set("Authorization", root)
			return r
		}
		call := func(method, path, body string) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, request(method, path, body))
			if w.Code >= 300 {
				t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
			}
			return w
		}
		call("POST", "/v1/principals", `{"name":"orders-svc","roles":["service"],"password":"orders-password-1"}`)
		call("POST", "/v1/streams", `{"name":"orders","owner":"orders-svc","eventType":"measurement","visibility":"public"}`)
		var reg struct{ ID int }
		for _, field := range []string{"id", "note"} {
			schema, _ := json.Marshal(`{"type":"record","name":"Order","fields":[{"name":"` + field + `","type":"string","default":""}]}`)
			json.Unmarshal(call("POST", "/subjects/orders-value/versions", `{"schema":`+string(schema)+`}`).Body.Bytes(), &reg)
		}
		call("DELETE", "/subjects/orders-value/versions/2", "")
		call("PUT", "/config/orders", `{"alias":"orders-value"}`)
		call("GET", "/schemas/ids/1", "") // cached from here on

		p, err := st.Auth.AuthenticateHeader(st.Ctx, root)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			path   string
			status int
			code   int // Confluent error_code of an error
		}{
			{"/subjects/orders-value/versions/1", 200, 0},
			{"/subjects/orders-value/versions/latest", 200, 0},
			{"/subjects/orders-value/versions/-1", 200, 0},
			{"/subjects/orders/versions/1", 200, 0},           // the alias
			{"/subjects/orders-value/versions/2", 404, 40402}, // soft-deleted
			{"/subjects/orders-value/versions/3", 404, 40402},
			{"/subjects/nobody/versions/1", 404, 40401},
			{"/subjects/orders-value/versions/one", 422, 42202},
			{"/subjects/orders-value/versions/0", 422, 42202},
			{"/schemas/ids/1", 200, 0},
		} {
			hot := httptest.NewRecorder()
			if !s.serveHot(hot, request("GET", c.path, ""), p) {
				t.Errorf("GET %s was not answered before routing", c.path)
				continue
			}
			query := "?deleted=false"
			if strings.HasPrefix(c.path, "/schemas/ids/") {
				query = "?fetchMaxId=false"
			}
			routed := httptest.NewRecorder()
			s.ServeHTTP(routed, request("GET", c.path+query, ""))
			if hot.Code != c.status || routed.Code != c.status {
				t.Errorf("GET %s: status %d before routing, %d routed; want %d (%s)", c.path, hot.Code, routed.Code, c.status, hot.Body)
			}
			if !bytes.Equal(hot.Body.Bytes(), routed.Body.Bytes()) {
				t.Errorf("GET %s: before routing\n%s\nrouted\n%s", c.path, hot.Body, routed.Body)
			}
			if c.code != 0 {
				var e struct {
					Code int `json:"error_code"`
				}
				if json.Unmarshal(hot.Body.Bytes(), &e); e.Code != c.code {
					t.Errorf("GET %s: error_code %d, want %d", c.path, e.Code, c.code)
				}
			}
			if c.status == 200 && strings.Contains(c.path, "/versions/") && !strings.Contains(hot.Body.String(), `"accord.owner":"orders-svc"`) {
				t.Errorf("GET %s: %s lacks the stream mirror", c.path, hot.Body)
			}
			for _, h := range []string{"Content-Type", "Content-Length"} {
				if hot.Header().Get(h) != routed.Header().Get(h) {
					t.Errorf("GET %s: %s %q before routing, %q routed", c.path, h, hot.Header().Get(h), routed.Header().Get(h))
				}
			}
			if hot.Header().Get("X-Request-Id") == "" {
				t.Errorf("GET %s: no X-Request-Id", c.path)
			}
		}

		for _, c := range []struct {
			method, path, body string
			p                  *auth.Principal
		}{
			{"GET", "/subjects/orders%2Fvalue/versions/1", "", p}, // escaped: the router unescapes
			{"GET", "/subjects/orders-value/versions/1?deleted=true", "", p},
			{"GET", "/contexts/.ctx/subjects/orders-value/versions/1", "", p},
			{"GET", "/subjects/orders-value/versions/1", "{}", p}, // a body: limits checks it
			{"GET", "/subjects/orders-value/versions/1/schema", "", p},
			{"GET", "/subjects/orders-value/versions/", "", p},
			{"GET", "/subjects//versions/1", "", p},
			{"HEAD", "/subjects/orders-value/versions/1", "", p},
			{"DELETE", "/subjects/orders-value/versions/1", "", p},
			{"GET", "/schemas/ids/1", "", &auth.Principal{Name: "no-role"}}, // its row refuses it
			{"GET", "/subjects/orders-value/versions/1", "", &auth.Principal{Name: "no-role"}},
			{"GET", "/schemas/ids/2", "", p}, // not cached yet
		} {
			if s.serveHot(httptest.NewRecorder(), request(c.method, c.path, c.body), c.p) {
				t.Errorf("%s %s (body %q, roles %v) was answered before routing", c.method, c.path, c.body, c.p.Roles)
			}
		}
	})
}
