package api_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/dek"
	"github.com/accord/accord/dek/sqldek"
)

// dekServer serves the DEK registry with authentication on: root (admin),
// orders-svc (owner of stream orders), billing-svc (service) and alice
// (reader).
type dekServer struct {
	*server
	st    *accordtest.Stack
	creds map[string]string
}

func startDEKServer(t *testing.T, target string) *dekServer {
	t.Helper()
	_, rootTok, _, err := auth.NewToken()
	must(t, "token", err)
	st := accordtest.New(t, target, accordtest.Options{Unowned: contracts.UnownedOpen, Auth: true, Admin: "root", AdminSecret: rootTok, LineageMaxAge: -1})
	s := &dekServer{st: st, creds: map[string]string{"root": "Bearer " + rootTok}}
	for name, role := range map[string]auth.Role{"orders-svc": auth.RoleService, "billing-svc": auth.RoleService, "alice": auth.RoleReader} {
		_, err := st.Auth.CreatePrincipal(st.Ctx, auth.NewPrincipal{Name: name, Roles: []auth.Role{role}})
		must(t, "principal "+name, err)
		tok, err := st.Auth.IssueToken(st.Ctx, name, "test", time.Time{})
		must(t, "token "+name, err)
		s.creds[name] = "Bearer " + tok.Text
	}
	hs := httptest.NewServer(api.New(st.Registry, api.Options{Logger: st.Log, Auth: st.Auth, Contracts: st.Contracts, Audit: st.Audit, DEK: st.DEK}))
	t.Cleanup(hs.Close)
	s.server = &server{t: t, URL: hs.URL, HTTP: &http.Client{Transport: no5xx{t, hs.Client().Transport}, Timeout: 30 * time.Second}}
	if r := s.as(t, "orders-svc", "POST", "/v1/streams", map[string]any{"name": "orders", "eventType": "state", "visibility": "public"}); r.Status != 200 && r.Status != 201 {
		t.Fatalf("declaring stream orders: %s", r)
	}
	return s
}

func (s *dekServer) as(t *testing.T, name, method, path string, body any) response {
	t.Helper()
	r, err := s.send(method, path, body, "Authorization", s.creds[name])
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// keys lists, as root, everything stored (soft-deleted keys included), so
// a test can show that a refused request changed nothing.
func (s *dekServer) keys(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{"/dek-registry/v1/keks?deleted=true", "/dek-registry/v1/keks/k1?deleted=true",
		"/dek-registry/v1/keks/k1/deks?deleted=true", "/dek-registry/v1/keks/k1/deks/orders-value/versions?deleted=true",
		"/dek-registry/v1/keks/k1/deks/orders-value/versions/latest?deleted=true"} {
		fmt.Fprintf(&b, "%s -> %s\n", p, s.as(t, "root", "GET", p, nil))
	}
	return b.String()
}

const (
	keks = "/dek-registry/v1/keks"
	k1   = keks + "/k1"
	deks = k1 + "/deks"
	dekV = deks + "/orders-value/versions"
)

var wrapped1, wrapped2 = base64.StdEncoding.EncodeToString([]byte("wrapped key one")), base64.StdEncoding.EncodeToString([]byte("wrapped key two"))

// TestDEKRegistry runs Confluent's key-registry life cycle against the
// running server: shapes, versions, soft and permanent deletes, undeletes
// and the error codes of each refusal, on both engines.
func TestDEKRegistry(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		s := startDEKServer(t, target)
		svc := "orders-svc"
		want := func(what string, r response, status int, body string) {
			t.Helper()
			if r.Status != status {
				t.Fatalf("%s: %s, want %d", what, r, status)
			}
			if body != "" && !jsonEqual(t, body, string(r.Body)) {
				t.Errorf("%s: body %s, want %s", what, r.Body, body)
			}
		}
		var kek dek.KEK
		r := s.as(t, svc, "POST", keks, map[string]any{"name": "k1", "kmsType": "aws", "kmsKeyId": "arn:aws:kms:eu:1:key/x", "kmsProps": map[string]string{"region": "eu"}, "doc": "orders"})
		want("create KEK", r, 200, "")
		must(t, "decode KEK", json.Unmarshal(r.Body, &kek))
		if kek.KMSType != "aws-kms" || kek.Ts == 0 || kek.Deleted || kek.Shared || kek.KMSProps["region"] != "eu" {
			t.Errorf("created KEK %s: kmsType normalized to aws-kms, ts set, live", r.Body)
		}
		want("get KEK", s.as(t, "alice", "GET", k1, nil), 200, string(r.Body))
		want("list KEKs", s.as(t, "alice", "GET", keks, nil), 200, `["k1"]`)
		before := s.keys(t)
		wantError(t, "same KEK again", s.as(t, svc, "POST", keks, map[string]any{"name": "k1", "kmsType": "aws-kms", "kmsKeyId": "arn:aws:kms:eu:1:key/x", "kmsProps": map[string]string{"region": "eu"}, "doc": "orders"}), 409, 40971, "k1")
		if after := s.keys(t); after != before {
			t.Errorf("a refused KEK changed the keys:\nbefore %s\nafter %s", before, after)
		}

		r = s.as(t, svc, "POST", deks, map[string]any{"subject": "orders-value", "encryptedKeyMaterial": wrapped1})
		want("create DEK", r, 200, "")
		var d dek.DEK
		must(t, "decode DEK", json.Unmarshal(r.Body, &d))
		if d.KEKName != "k1" || d.Subject != "orders-value" || d.Version != 1 || d.Algorithm != dek.AES256GCM || d.EncryptedKeyMaterial != wrapped1 || d.KeyMaterial != "" || d.Ts == 0 {
			t.Errorf("created DEK %s", r.Body)
		}
		want("get DEK", s.as(t, "alice", "GET", deks+"/orders-value", nil), 200, string(r.Body))
		want("get DEK version 1", s.as(t, "alice", "GET", dekV+"/1?algorithm=AES256_GCM", nil), 200, string(r.Body))
		want("DEK version 2", s.as(t, svc, "POST", deks, map[string]any{"subject": "orders-value", "version": 2, "algorithm": "AES256_GCM", "encryptedKeyMaterial": wrapped2}), 200, "")
		want("another algorithm", s.as(t, svc, "POST", deks, map[string]any{"subject": "orders-value", "algorithm": "AES256_SIV", "encryptedKeyMaterial": wrapped1}), 200, "")
		want("versions", s.as(t, "alice", "GET", dekV, nil), 200, `[1,2]`)
		want("SIV versions", s.as(t, "alice", "GET", dekV+"?algorithm=AES256_SIV", nil), 200, `[1]`)
		if r := s.as(t, "alice", "GET", dekV+"/latest", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"version":2`) {
			t.Errorf("latest DEK: %s", r)
		}
		if r := s.as(t, "alice", "GET", dekV+"/-1", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"version":2`) {
			t.Errorf("DEK version -1 (what rotating clients ask): %s", r)
		}
		want("subjects", s.as(t, "alice", "GET", deks, nil), 200, `["orders-value"]`)

		// Refusals: each with Confluent's code, none changing anything.
		before = s.keys(t)
		for _, c := range []struct {
			what, who, method, path string
			body                    any
			status, code            int
			msg                     string
		}{
			{"same DEK version again", svc, "POST", deks, map[string]any{"subject": "orders-value", "encryptedKeyMaterial": wrapped1}, 409, 40971, "orders-value"},
			{"DEK without key material", svc, "POST", deks, map[string]any{"subject": "orders-value", "version": 3}, 422, 42271, "encryptedKeyMaterial"},
			{"DEK with key material in clear", svc, "POST", deks, map[string]any{"subject": "orders-value", "version": 3, "keyMaterial": wrapped1}, 422, 422, "keyMaterial"},
			{"DEK material not base64", svc, "POST", deks, map[string]any{"subject": "orders-value", "version": 3, "encryptedKeyMaterial": "not base64!"}, 422, 42271, "base64"},
			{"DEK version 0 or less", svc, "POST", deks, map[string]any{"subject": "orders-value", "version": -2, "encryptedKeyMaterial": wrapped1}, 422, 42271, "version"},
			{"unknown algorithm", svc, "POST", deks, map[string]any{"subject": "orders-value", "version": 3, "algorithm": "ROT13", "encryptedKeyMaterial": wrapped1}, 422, 42271, "algorithm"},
			{"empty subject", svc, "POST", deks, map[string]any{"subject": "", "encryptedKeyMaterial": wrapped1}, 422, 42271, "subject"},
			{"DEK of a missing KEK", svc, "POST", keks + "/nope/deks", map[string]any{"subject": "orders-value", "encryptedKeyMaterial": wrapped1}, 404, 40470, "nope"},
			{"invalid KEK name", svc, "POST", keks, map[string]any{"name": "1bad", "kmsType": "aws-kms", "kmsKeyId": "x"}, 422, 42271, "name"},
			{"KEK without kmsKeyId", svc, "POST", keks, map[string]any{"name": "k2", "kmsType": "aws-kms"}, 422, 42271, "kmsKeyId"},
			{"KEK without kmsType", svc, "POST", keks, map[string]any{"name": "k2", "kmsKeyId": "x"}, 422, 42271, "kmsType"},
			{"missing KEK", "alice", "GET", keks + "/nope", nil, 404, 40470, "nope"},
			{"missing DEK", "alice", "GET", deks + "/payments-value", nil, 404, 40470, "payments-value"},
			{"missing DEK version", "alice", "GET", dekV + "/9", nil, 404, 40470, "orders-value"},
			{"invalid DEK version", "alice", "GET", dekV + "/first", nil, 422, 42202, "version"},
			{"bad algorithm parameter", "alice", "GET", deks + "/orders-value?algorithm=ROT13", nil, 422, 42271, "algorithm"},
			{"soft-delete a KEK with live DEKs", "root", "DELETE", k1, nil, 422, 42272, "k1"},
			{"permanently delete a live DEK", svc, "DELETE", dekV + "/2?permanent=true", nil, 404, 40471, "orders-value"},
			{"permanently delete a live KEK", "root", "DELETE", k1 + "?permanent=true", nil, 422, 42272, "k1"},
			// Authorization: DEKs are their subject's owner's, KEK changes the admins'.
			{"DEK of another service's subject", "billing-svc", "POST", deks, map[string]any{"subject": "orders-value", "version": 3, "encryptedKeyMaterial": wrapped1}, 403, 40301, "orders-svc"},
			{"delete another service's DEK", "billing-svc", "DELETE", dekV + "/1", nil, 403, 40301, "orders-svc"},
			{"reader creates a KEK", "alice", "POST", keks, map[string]any{"name": "k2", "kmsType": "aws-kms", "kmsKeyId": "x"}, 403, 40301, "admin or service"},
			{"service changes a KEK", svc, "PUT", k1, map[string]any{"doc": "mine"}, 403, 40301, "admin"},
			{"service deletes a KEK", svc, "DELETE", k1, nil, 403, 40301, "admin"},
		} {
			wantError(t, c.what, s.as(t, c.who, c.method, c.path, c.body), c.status, c.code, c.msg)
		}
		if after := s.keys(t); after != before {
			t.Errorf("refused requests changed the keys:\nbefore %s\nafter %s", before, after)
		}

		// A shared KEK: Accord holds no KMS credentials, so it cannot
		// generate the DEK; the client must send it wrapped.
		want("shared KEK", s.as(t, "root", "POST", keks, map[string]any{"name": "shared1", "kmsType": "local-kms", "kmsKeyId": "k", "shared": true}), 200, "")
		wantError(t, "generated DEK", s.as(t, svc, "POST", keks+"/shared1/deks", map[string]any{"subject": "orders-value"}), 422, 42271, "shared", "KMS")
		want("wrapped DEK under a shared KEK", s.as(t, svc, "POST", keks+"/shared1/deks", map[string]any{"subject": "orders-value", "encryptedKeyMaterial": wrapped1}), 200, "")

		// PUT changes doc, props or shared; other fields stay.
		r = s.as(t, "root", "PUT", k1, map[string]any{"doc": "orders keys", "shared": false})
		want("update KEK", r, 200, "")
		must(t, "decode KEK", json.Unmarshal(r.Body, &kek))
		if kek.Doc != "orders keys" || kek.KMSKeyID != "arn:aws:kms:eu:1:key/x" || kek.KMSProps["region"] != "eu" {
			t.Errorf("updated KEK %s", r.Body)
		}

		// Soft delete, undelete, permanent delete.
		want("soft-delete DEK version 2", s.as(t, svc, "DELETE", dekV+"/2", nil), 204, "")
		want("versions without deleted", s.as(t, "alice", "GET", dekV, nil), 200, `[1]`)
		want("versions with deleted", s.as(t, "alice", "GET", dekV+"?deleted=true", nil), 200, `[1,2]`)
		wantError(t, "deleted version", s.as(t, "alice", "GET", dekV+"/2", nil), 404, 40470)
		if r := s.as(t, "alice", "GET", dekV+"/2?deleted=true", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"deleted":true`) {
			t.Errorf("deleted version with deleted=true: %s", r)
		}
		want("undelete version 2", s.as(t, svc, "POST", dekV+"/2/undelete", nil), 204, "")
		want("versions after undelete", s.as(t, "alice", "GET", dekV, nil), 200, `[1,2]`)
		want("soft-delete every version", s.as(t, svc, "DELETE", deks+"/orders-value", nil), 204, "")
		want("soft-delete the SIV DEK", s.as(t, svc, "DELETE", deks+"/orders-value?algorithm=AES256_SIV", nil), 204, "")
		want("subjects without deleted", s.as(t, "alice", "GET", deks, nil), 200, `[]`)
		want("soft-delete KEK", s.as(t, "root", "DELETE", k1, nil), 204, "")
		wantError(t, "deleted KEK", s.as(t, "alice", "GET", k1, nil), 404, 40470, "k1")
		want("list KEKs without deleted", s.as(t, "alice", "GET", keks, nil), 200, `["shared1"]`)
		want("list KEKs with deleted", s.as(t, "alice", "GET", keks+"?deleted=true", nil), 200, `["k1","shared1"]`)
		wantError(t, "undelete a DEK of a deleted KEK", s.as(t, svc, "POST", deks+"/orders-value/undelete", nil), 404, 40472, "k1")
		wantError(t, "DEK under a deleted KEK", s.as(t, svc, "POST", deks, map[string]any{"subject": "orders-value", "version": 5, "encryptedKeyMaterial": wrapped1}), 404, 40470, "k1")
		wantError(t, "remove a KEK with DEKs", s.as(t, "root", "DELETE", k1+"?permanent=true", nil), 422, 42272, "k1")
		want("remove the DEKs", s.as(t, svc, "DELETE", deks+"/orders-value?permanent=true", nil), 204, "")
		want("remove the SIV DEK", s.as(t, svc, "DELETE", deks+"/orders-value/versions/1?permanent=true&algorithm=AES256_SIV", nil), 204, "")
		want("undelete KEK", s.as(t, "root", "POST", k1+"/undelete", nil), 204, "")
		want("soft-delete KEK again", s.as(t, "root", "DELETE", k1, nil), 204, "")
		// Creating a soft-deleted KEK again, the same key, undeletes it (Confluent).
		want("create as undelete", s.as(t, svc, "POST", keks, map[string]any{"name": "k1", "kmsType": "aws-kms", "kmsKeyId": "arn:aws:kms:eu:1:key/x", "kmsProps": map[string]string{"region": "eu"}, "doc": "orders keys"}), 200, "")
		want("delete again", s.as(t, "root", "DELETE", k1, nil), 204, "")
		want("remove KEK", s.as(t, "root", "DELETE", k1+"?permanent=true", nil), 204, "")
		wantError(t, "removed KEK", s.as(t, "alice", "GET", k1+"?deleted=true", nil), 404, 40470, "k1")
		wantError(t, "removed DEK", s.as(t, "alice", "GET", deks+"/orders-value?deleted=true", nil), 404, 40470)

		// Every change is in the audit log, in its transaction; no key in clear anywhere.
		var entries []struct{ Action, Actor, Target string }
		r = s.as(t, "root", "GET", "/v1/audit?limit=1000", nil)
		must(t, "audit", json.Unmarshal(r.Body, &entries))
		counts := map[string]int{}
		for _, e := range entries {
			counts[e.Action]++
			if e.Action == dek.ActionDEKCreate && (e.Target != "orders-value" || e.Actor != svc) {
				t.Errorf("dek.create entry %+v: target is the subject, actor the caller", e)
			}
		}
		for action, n := range map[string]int{dek.ActionKEKCreate: 3, dek.ActionKEKUpdate: 1, dek.ActionKEKDelete: 3, dek.ActionKEKUndelete: 1, dek.ActionKEKDeleteHard: 1,
			dek.ActionDEKCreate: 4, dek.ActionDEKDelete: 4, dek.ActionDEKUndelete: 1, dek.ActionDEKDeleteHard: 3} {
			if counts[action] != n {
				t.Errorf("audit: %d %s entries, want %d (all: %v)", counts[action], action, counts[action], counts)
			}
		}
		if strings.Contains(string(r.Body), "keyMaterial\"") {
			t.Errorf("audit log holds a keyMaterial field: %s", r.Body)
		}
	})
}

// TestDEKRegistryMaxKeys checks the bound on stored keys: past MaxKeys a
// create is 409/40972 and stores nothing.
func TestDEKRegistryMaxKeys(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		st := accordtest.New(t, target, accordtest.Options{})
		svc := dek.NewService(sqldek.New(st.Store.DB()), dek.Options{MaxKeys: 2})
		for _, name := range []string{"a", "b", "c"} {
			_, err := svc.CreateKEK(st.Ctx, dek.CreateKEK{Name: name, KMSType: "local-kms", KMSKeyID: "x"})
			if name == "c" {
				if !errors.Is(err, dek.ErrTooManyKeys) {
					t.Fatalf("third KEK: %v, want ErrTooManyKeys", err)
				}
				continue
			}
			must(t, "KEK "+name, err)
		}
		for v := 1; v <= 3; v++ {
			_, err := svc.CreateDEK(st.Ctx, "a", dek.CreateDEK{Subject: "s", Version: v, EncryptedKeyMaterial: wrapped1})
			if v == 3 {
				if !errors.Is(err, dek.ErrTooManyKeys) {
					t.Fatalf("third DEK: %v, want ErrTooManyKeys", err)
				}
				continue
			}
			must(t, "DEK", err)
		}
		if names, err := svc.KEKNames(st.Ctx, true); err != nil || len(names) != 2 {
			t.Errorf("KEKs %v (%v), want 2", names, err)
		}
		if vs, err := svc.DEKVersions(st.Ctx, "a", "s", "", true); err != nil || len(vs) != 2 {
			t.Errorf("DEK versions %v (%v), want 2", vs, err)
		}
	})
}
