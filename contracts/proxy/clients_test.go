package proxy_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/accord/accord/contracts/proxy"
	"github.com/accord/accord/contracts/validator"
)

// TestPlainStringKeys: key checks are opt-in per stream (validation.key),
// and even then wait for a key schema: a producer sending plain string
// keys with valid values is not refused; null keys always pass.
func TestPlainStringKeys(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	v := validator.New(validator.NewHTTPSource(w.URL, validator.HTTPOptions{Authorization: basic("root", rootPassword)}),
		validator.Options{Logger: w.log, Refresh: 50 * time.Millisecond, Recheck: -1})
	p := startProxy(t, c, proxy.Config{Validator: v, SASL: &proxy.AccordAuthenticator{BaseURL: w.URL}})
	cl := newClient(t, p, kgo.SASL(plain.Auth{User: "orders-svc", Pass: ordersPassword}.AsMechanism()))
	ctx := context.Background()
	enc := w.formats[0].encode
	keyed := func(id string) *kgo.Record {
		r := record("orders", id, enc(id, 1))
		r.Key = []byte("order-" + id)
		return r
	}
	if err := cl.ProduceSync(ctx, keyed("1")).FirstErr(); err != nil {
		t.Fatalf("a plain string key with key checks off (the default): %v", err)
	}
	w.patch(t, "/v1/streams/orders", `{"validation":{"key":true}}`)
	time.Sleep(100 * time.Millisecond) // the validator's Refresh
	if err := cl.ProduceSync(ctx, keyed("2")).FirstErr(); err != nil {
		t.Fatalf("a plain string key with key checks on but no key schema: %v", err)
	}
	w.post(t, "/subjects/orders-key/versions", map[string]any{"schema": `"string"`})
	time.Sleep(100 * time.Millisecond)
	if err := cl.ProduceSync(ctx, keyed("3")).FirstErr(); !errors.Is(err, kerr.InvalidRecord) {
		t.Fatalf("a plain key once the key schema is registered: %v, want INVALID_RECORD", err)
	}
	if err := cl.ProduceSync(ctx, record("orders", "4", enc("4", 1))).FirstErr(); err != nil {
		t.Fatalf("a null key with key checks on: %v", err)
	}
	if got := consume(t, c, "orders", 3); len(got) != 3 || idOf(got[2]) != "4" {
		t.Fatalf("consumed %d records", len(got))
	}
}

// patch sends a JSON merge patch as root and wants a 2xx.
func (w *world) patch(t testing.TB, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, w.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", basic("root", rootPassword))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("PATCH %s: %d", path, resp.StatusCode)
	}
}

// TestSASLVersionsAdvertised: with SASL on, ApiVersions advertises the
// proxy's own SASL versions, whatever the broker says (or omits), so
// clients that choose the handshake from it (older librdkafka) can
// authenticate.
func TestSASLVersionsAdvertised(t *testing.T) {
	for _, tc := range []struct {
		name   string
		broker []kmsg.ApiVersionsResponseApiKey
	}{
		{"broker without SASL", []kmsg.ApiVersionsResponseApiKey{{ApiKey: 0, MaxVersion: 12}, {ApiKey: 18, MaxVersion: 4}}},
		{"broker with other SASL versions", []kmsg.ApiVersionsResponseApiKey{{ApiKey: 17, MinVersion: 1, MaxVersion: 1}, {ApiKey: 36, MinVersion: 1, MaxVersion: 7}, {ApiKey: 0, MaxVersion: 13}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := kmsg.NewPtrApiVersionsResponse()
			resp.ApiKeys = tc.broker
			if err := proxy.CapVersionsSASL(resp); err != nil {
				t.Fatal(err)
			}
			got := map[int16][2]int16{}
			for _, k := range resp.ApiKeys {
				if _, dup := got[k.ApiKey]; dup {
					t.Errorf("key %d advertised twice", k.ApiKey)
				}
				got[k.ApiKey] = [2]int16{k.MinVersion, k.MaxVersion}
			}
			if got[17] != [2]int16{0, 1} || got[36] != [2]int16{0, 2} {
				t.Errorf("SaslHandshake %v, SaslAuthenticate %v: want [0 1] and [0 2]", got[17], got[36])
			}
			if got[0][1] > 12 {
				t.Errorf("Produce still capped: %v", got[0])
			}
		})
	}
	// And through a running proxy, as a client sees it.
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), SASL: &proxy.AccordAuthenticator{BaseURL: w.URL}})
	cl := newClient(t, p, kgo.SASL(plain.Auth{User: "orders-svc", Pass: ordersPassword}.AsMechanism()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := cl.Request(ctx, kmsg.NewPtrApiVersionsRequest())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range r.(*kmsg.ApiVersionsResponse).ApiKeys {
		if k.ApiKey == 17 && k.MaxVersion != 1 || k.ApiKey == 36 && k.MaxVersion != 2 {
			t.Errorf("through the proxy: key %d v%d-%d", k.ApiKey, k.MinVersion, k.MaxVersion)
		}
	}
}
