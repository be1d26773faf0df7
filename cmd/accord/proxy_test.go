package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/contracts/proxy"
)

func TestProxyConfig(t *testing.T) {
	env := func(string) string { return "" }
	dir := t.TempDir()
	m := filepath.Join(dir, "ids")
	if err := os.WriteFile(m, []byte("# ids\norders-app = orders-svc\n\nbilling-app=billing-svc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := func(upstream, sasl, idMap string, principals map[string]string) proxyOptions {
		return proxyOptions{listen: "127.0.0.1:0", upstream: upstream, accordURL: "http://a", sasl: sasl, idMap: idMap, principals: principals}
	}
	cfg, err := proxyConfig(opts("kafka:9092", "off", m, map[string]string{"x": "y", "orders-app": "other"}), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SASL != nil || cfg.ClientIDs["orders-app"] != "other" || cfg.ClientIDs["billing-app"] != "billing-svc" || cfg.ClientIDs["x"] != "y" {
		t.Errorf("client ids: %+v", cfg.ClientIDs)
	}
	if cfg.TLS != nil || cfg.UpstreamTLS != nil {
		t.Errorf("TLS without TLS flags: %v, %v", cfg.TLS, cfg.UpstreamTLS)
	}
	cfg, err = proxyConfig(opts("kafka:9092", "on", "", nil), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.SASL.(*proxy.AccordAuthenticator); !ok {
		t.Errorf("--sasl on: %T", cfg.SASL)
	}
	for name, o := range map[string]proxyOptions{
		"no upstream":   opts("", "off", "", nil),
		"bad sasl":      opts("k:1", "maybe", "", nil),
		"map with sasl": opts("k:1", "on", m, nil),
		"missing map":   opts("k:1", "off", filepath.Join(dir, "none"), nil),
	} {
		if _, err := proxyConfig(o, env, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := os.WriteFile(m, []byte("nonsense\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := proxyConfig(opts("k:1", "off", m, nil), env, nil); err == nil {
		t.Error("a malformed map line was accepted")
	}
	if code := run([]string{"proxy", "--sasl", "sometimes", "--upstream", "k:1"}); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
}

func TestProxyConfigTLSAndLimits(t *testing.T) {
	env := func(string) string { return "" }
	dir := t.TempDir()
	cert, key := accordtest.WriteSelfSigned(t, dir)
	base := proxyOptions{listen: "127.0.0.1:0", upstream: "kafka:9093", accordURL: "http://a", sasl: "on"}

	o := base
	o.tlsCert, o.tlsKey, o.upstreamCA = cert, key, cert
	o.maxRequest, o.maxResponse = 1<<20, 2<<20
	cfg, err := proxyConfig(o, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLS == nil || len(cfg.TLS.Certificates) != 1 {
		t.Errorf("--tls-cert: %+v", cfg.TLS)
	}
	if cfg.UpstreamTLS == nil || cfg.UpstreamTLS.RootCAs == nil {
		t.Errorf("--upstream-ca: %+v", cfg.UpstreamTLS)
	}
	if cfg.MaxRequestBytes != 1<<20 || cfg.MaxResponseBytes != 2<<20 {
		t.Errorf("limits: %d, %d", cfg.MaxRequestBytes, cfg.MaxResponseBytes)
	}

	o = base
	o.upstreamTLS = true
	if cfg, err = proxyConfig(o, env, nil); err != nil || cfg.UpstreamTLS == nil || cfg.UpstreamTLS.RootCAs != nil || cfg.TLS != nil {
		t.Errorf("--upstream-tls: %+v, %v", cfg.UpstreamTLS, err)
	}

	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(*proxyOptions){
		"cert without key":      func(o *proxyOptions) { o.tlsCert = cert },
		"key without cert":      func(o *proxyOptions) { o.tlsKey = key },
		"key is not a key":      func(o *proxyOptions) { o.tlsCert, o.tlsKey = cert, cert },
		"missing CA file":       func(o *proxyOptions) { o.upstreamCA = filepath.Join(dir, "none.pem") },
		"CA file without a PEM": func(o *proxyOptions) { o.upstreamCA = notPEM },
		"negative limit":        func(o *proxyOptions) { o.maxRequest = -1 },
		"limit over 2 GiB":      func(o *proxyOptions) { o.maxResponse = 1 << 31 },
	} {
		o := base
		f(&o)
		if _, err := proxyConfig(o, env, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
