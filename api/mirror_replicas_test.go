package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/registry/storetest"
)

// twoReplicas starts two API servers on one PostgreSQL database, each
// with its change feed, authentication on and contracts, and returns the
// admin's Authorization header.
func twoReplicas(t *testing.T) (root string, a, b *server) {
	target := storetest.PostgresSchema(t)
	_, adminTok, _, err := auth.NewToken()
	must(t, "token", err)
	newReplica := func() *server {
		st := accordtest.New(t, target, accordtest.Options{Auth: true, Admin: "root", AdminSecret: adminTok, Watch: true, LogWriter: io.Discard})
		hs := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, Auth: st.Auth, Contracts: st.Contracts, Audit: st.Audit}))
		t.Cleanup(hs.Close)
		return &server{t: t, URL: hs.URL, HTTP: &http.Client{Transport: no5xx{t, hs.Client().Transport}, Timeout: 30 * time.Second}}
	}
	return "Bearer " + adminTok, newReplica(), newReplica()
}

// TestStreamMirrorFollowsOtherReplicas: a version read on replica B
// mirrors the stream's new owner soon after a transfer made on replica A,
// as soon as B's change feed reports it (the mirror reads the contracts
// snapshot), not after a cache of B's expires: B's mirror was warmed just
// before the transfer, and the old per-subject cache kept an owner for
// 5 s.
func TestStreamMirrorFollowsOtherReplicas(t *testing.T) {
	root, a, b := twoReplicas(t)
	for _, name := range []string{"svc-one", "svc-two"} {
		if r := a.do("POST", "/v1/principals", map[string]any{"name": name, "roles": []string{"service"}, "password": name + "-password-1"}, "Authorization", root); r.Status != 200 {
			t.Fatalf("principal %s: %s", name, r)
		}
	}
	if r := a.do("POST", "/v1/streams", map[string]any{"name": "orders", "owner": "svc-one", "eventType": "measurement", "visibility": "public"}, "Authorization", root); r.Status != http.StatusCreated {
		t.Fatalf("stream: %s", r)
	}
	if r := a.do("POST", "/subjects/orders-value/versions", schemaBody(avroRecord("Order", `{"name":"id","type":"string"}`)), "Authorization", root); r.Status != 200 {
		t.Fatalf("register: %s", r)
	}
	owner := func() string {
		r := b.do("GET", "/subjects/orders-value/versions/1", nil, "Authorization", root)
		var v struct {
			Metadata struct{ Properties map[string]string }
		}
		if r.Status != 200 || json.Unmarshal(r.Body, &v) != nil {
			t.Fatalf("version on B: %s", r)
		}
		return v.Metadata.Properties[api.PropOwner]
	}
	if got := owner(); got != "svc-one" {
		t.Fatalf("owner on B before the transfer = %q, want svc-one", got)
	}
	if r := a.do("POST", "/v1/streams/orders/transfer", map[string]any{"owner": "svc-two"}, "Authorization", root); r.Status != 200 {
		t.Fatalf("transfer: %s", r)
	}
	start := time.Now()
	for owner() != "svc-two" {
		if time.Since(start) > 3*time.Second {
			t.Fatalf("replica B still mirrors svc-one 3 s after the transfer on A")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("B mirrored the new owner %v after the transfer", time.Since(start))
}
