package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/accord/accord/api"
)

// TestHotVersionAnswersFollowChanges: a plain subject-version read keeps
// its encoded answer by path while nothing the registry caches and no
// stream changed (api hotpath.go, registry.CacheEpoch). Every kind of
// change it depends on must void it at once on the replica that made it,
// and on another replica when its change feed reports it: a new latest
// version, a soft delete, an alias moved, a stream transferred.
func TestHotVersionAnswersFollowChanges(t *testing.T) {
	root, a, b := twoReplicas(t)
	do := func(s *server, method, path string, body any, want int) response {
		t.Helper()
		r := s.do(method, path, body, "Authorization", root)
		if r.Status != want {
			t.Fatalf("%s %s: %s, want %d", method, path, r, want)
		}
		return r
	}
	for _, name := range []string{"svc-one", "svc-two"} {
		do(a, "POST", "/v1/principals", map[string]any{"name": name, "roles": []string{"service"}, "password": name + "-password-1"}, 200)
	}
	do(a, "POST", "/v1/streams", map[string]any{"name": "orders", "owner": "svc-one", "eventType": "measurement", "visibility": "public"}, http.StatusCreated)
	field := func(n int) string {
		return `{"name":"f` + string(rune('0'+n)) + `","type":["null","string"],"default":null}`
	}
	register := func(s *server, subject string, n int) {
		t.Helper()
		fields := []string{`{"name":"id","type":"string"}`}
		for i := 1; i < n; i++ {
			fields = append(fields, field(i))
		}
		do(s, "POST", "/subjects/"+subject+"/versions", schemaBody(avroRecord("Order", fields...)), 200)
	}
	type version struct {
		Subject  string
		Version  int
		Metadata struct{ Properties map[string]string }
	}
	read := func(s *server, path string) (version, int) {
		t.Helper()
		r := s.do("GET", path, nil, "Authorization", root)
		var v version
		if r.Status == 200 {
			must(t, "decoding "+path, json.Unmarshal(r.Body, &v))
		}
		return v, r.Status
	}
	// eventually waits for check to hold of what s answers for path, on
	// the replica that did not write, within 5 s; on the one that did,
	// it must hold at once.
	eventually := func(s *server, path string, once bool, check func(version, int) bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			v, status := read(s, path)
			if check(v, status) {
				return
			}
			if once || time.Now().After(deadline) {
				t.Fatalf("GET %s: %+v (%d), still the answer before the change", path, v, status)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	register(a, "orders-value", 1)
	register(a, "other-value", 1)
	register(a, "other-value", 2)
	paths := []string{"/subjects/orders-value/versions/latest", "/subjects/orders-value/versions/2", "/subjects/alias-value/versions/latest"}
	warm := func() {
		for _, s := range []*server{a, b} {
			for _, p := range paths {
				read(s, p)
				read(s, p)
			}
		}
	}

	// A new latest version.
	warm()
	register(a, "orders-value", 2)
	for _, s := range []*server{a, b} {
		eventually(s, paths[0], s == a, func(v version, _ int) bool { return v.Version == 2 })
		eventually(s, paths[1], s == a, func(_ version, status int) bool { return status == 200 })
	}

	// A soft delete.
	warm()
	do(a, "DELETE", "/subjects/orders-value/versions/2", nil, 200)
	for _, s := range []*server{a, b} {
		eventually(s, paths[1], s == a, func(_ version, status int) bool { return status == 404 })
		eventually(s, paths[0], s == a, func(v version, _ int) bool { return v.Version == 1 })
	}

	// An alias set, then moved.
	do(a, "PUT", "/config/alias-value", map[string]any{"alias": "orders-value"}, 200)
	for _, s := range []*server{a, b} {
		eventually(s, paths[2], s == a, func(v version, _ int) bool { return v.Subject == "orders-value" })
	}
	warm()
	do(a, "PUT", "/config/alias-value", map[string]any{"alias": "other-value"}, 200)
	for _, s := range []*server{a, b} {
		eventually(s, paths[2], s == a, func(v version, _ int) bool { return v.Subject == "other-value" && v.Version == 2 })
	}

	// A stream transferred: the mirror changes, nothing the registry
	// caches does.
	warm()
	do(a, "POST", "/v1/streams/orders/transfer", map[string]any{"owner": "svc-two"}, 200)
	for _, s := range []*server{a, b} {
		eventually(s, paths[0], s == a, func(v version, _ int) bool { return v.Metadata.Properties[api.PropOwner] == "svc-two" })
	}
}
