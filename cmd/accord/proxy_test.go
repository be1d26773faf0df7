package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/accord/accord/contracts/proxy"
)

func TestProxyConfig(t *testing.T) {
	env := func(string) string { return "" }
	dir := t.TempDir()
	m := filepath.Join(dir, "ids")
	if err := os.WriteFile(m, []byte("# ids\norders-app = orders-svc\n\nbilling-app=billing-svc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := proxyConfig("127.0.0.1:0", "kafka:9092", "http://a", "", "off", m, map[string]string{"x": "y", "orders-app": "other"}, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SASL != nil || cfg.ClientIDs["orders-app"] != "other" || cfg.ClientIDs["billing-app"] != "billing-svc" || cfg.ClientIDs["x"] != "y" {
		t.Errorf("client ids: %+v", cfg.ClientIDs)
	}
	cfg, err = proxyConfig("127.0.0.1:0", "kafka:9092", "http://a", "", "on", "", nil, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.SASL.(*proxy.AccordAuthenticator); !ok {
		t.Errorf("--sasl on: %T", cfg.SASL)
	}
	for name, c := range map[string][]string{
		"no upstream":   {"", "off", ""},
		"bad sasl":      {"k:1", "maybe", ""},
		"map with sasl": {"k:1", "on", m},
		"missing map":   {"k:1", "off", filepath.Join(dir, "none")},
	} {
		if _, err := proxyConfig("127.0.0.1:0", c[0], "http://a", "", c[1], c[2], nil, env, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := os.WriteFile(m, []byte("nonsense\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := proxyConfig("127.0.0.1:0", "k:1", "http://a", "", "off", m, nil, env, nil); err == nil {
		t.Error("a malformed map line was accepted")
	}
	if code := run([]string{"proxy", "--sasl", "sometimes", "--upstream", "k:1"}); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
}
