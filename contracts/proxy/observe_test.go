package proxy_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/accord/accord/contracts/proxy"
	"github.com/accord/accord/metrics"
)

// TestProxyMetrics produces known records through a proxy observed by
// package metrics and reads its /metrics.
func TestProxyMetrics(t *testing.T) {
	w := startAccord(t)
	c := startCluster(t, 1, 1, "orders")
	m := metrics.NewProxy(metrics.ReadBuild("test", ""))
	p := startProxy(t, c, proxy.Config{Validator: w.validator(), SASL: &proxy.AccordAuthenticator{BaseURL: w.URL}, Observer: m})
	cl := newClient(t, p, kgo.SASL(plain.Auth{User: "orders-svc", Pass: ordersPassword}.AsMechanism()))
	enc := w.formats[0].encode
	ctx := context.Background()
	for i, v := range [][]byte{enc("a", 1), enc("b", 2), enc("c", 3), enc("d", -1), []byte(`{"id":"e"}`)} {
		err := cl.ProduceSync(ctx, record("orders", string(rune('a'+i)), v)).FirstErr()
		if valid := i < 3; valid != (err == nil) || !valid && !errors.Is(err, kerr.InvalidRecord) {
			t.Fatalf("record %d: %v", i, err)
		}
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	p2 := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p2.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	val := func(name string, label ...string) float64 {
		total := 0.0
		for _, s := range fams[name].GetMetric() {
			if len(label) == 2 && (len(s.Label) == 0 || s.Label[0].GetValue() != label[1]) {
				continue
			}
			switch {
			case s.Counter != nil:
				total += s.Counter.GetValue()
			case s.Gauge != nil:
				total += s.Gauge.GetValue()
			case s.Histogram != nil:
				total += float64(s.Histogram.GetSampleCount())
			}
		}
		return total
	}
	for _, c := range []struct {
		name  string
		label []string
		want  float64
	}{
		{"accord_proxy_records_total", []string{"verdict", "valid"}, 3},
		{"accord_proxy_records_total", []string{"verdict", "invalid"}, 2},
		{"accord_proxy_batches_total", []string{"outcome", "forwarded"}, 3},
		{"accord_proxy_batches_total", []string{"outcome", "refused"}, 2},
		{"accord_proxy_refusals_total", []string{"check", "rules"}, 1},
	} {
		if got := val(c.name, c.label...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.label, got, c.want)
		}
	}
	if got := val("accord_proxy_connections"); got < 1 {
		t.Errorf("open connections = %v while a client is connected", got)
	}
	cl.Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if strings.Contains(rec.Body.String(), "\naccord_proxy_connections 0\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("connections not back to 0 after the client closed:\n%s", rec.Body.String())
		}
	}
	if got := val("accord_proxy_refusals_total"); got < 2 {
		t.Errorf("refusals by check: %v in all, want at least 2", got)
	}
	if val("accord_proxy_client_bytes_in_total") <= 0 || val("accord_proxy_client_bytes_out_total") <= 0 {
		t.Error("no bytes counted")
	}
	// Three forwarded Produce requests at least, and the metadata the
	// client asked for.
	if got := val("accord_proxy_upstream_latency_seconds"); got < 3 {
		t.Errorf("upstream answers timed: %v", got)
	}
}
