package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/accord/accord/contracts/proxy"
)

// Proxy holds the metrics of accord proxy and implements proxy.Observer.
type Proxy struct {
	reg      *prometheus.Registry
	records  *prometheus.CounterVec
	batches  *prometheus.CounterVec
	failures *prometheus.CounterVec
	bytesIn  prometheus.Counter
	bytesOut prometheus.Counter
	upstream prometheus.Histogram
	conns    prometheus.Gauge
}

var _ proxy.Observer = (*Proxy)(nil)

// NewProxy returns the metrics of a proxy built as b.
func NewProxy(b Build) *Proxy {
	m := &Proxy{reg: newRegistry(b)}
	f := factory{m.reg}
	m.records = f.counterVec("accord_proxy_records_total", "Produced records judged, by verdict (valid, invalid).", "verdict")
	m.batches = f.counterVec("accord_proxy_batches_total", "Partitions' batches of Produce requests judged, by outcome (forwarded, refused).", "outcome")
	m.failures = f.counterVec("accord_proxy_refusals_total", "Failed checks in refused records, by check (stream, frame, schema_id, payload, rules, producer, unavailable).", "check")
	m.bytesIn = f.counter("accord_proxy_client_bytes_in_total", "Bytes read from clients.")
	m.bytesOut = f.counter("accord_proxy_client_bytes_out_total", "Bytes written to clients.")
	m.upstream = f.histogram("accord_proxy_upstream_latency_seconds", "Time the brokers took to answer forwarded requests.")
	m.conns = f.gauge("accord_proxy_connections", "Open client connections.")
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Proxy) Handler() http.Handler { return handler(m.reg) }

// StartSpan implements proxy.Observer.
func (m *Proxy) StartSpan(ctx context.Context, name string) (context.Context, func(error)) {
	return startSpan(ctx, name)
}

// ConnOpened implements proxy.Observer.
func (m *Proxy) ConnOpened() { m.conns.Inc() }

// ConnClosed implements proxy.Observer.
func (m *Proxy) ConnClosed() { m.conns.Dec() }

// BytesIn implements proxy.Observer.
func (m *Proxy) BytesIn(n int) { m.bytesIn.Add(float64(n)) }

// BytesOut implements proxy.Observer.
func (m *Proxy) BytesOut(n int) { m.bytesOut.Add(float64(n)) }

// Validated implements proxy.Observer.
func (m *Proxy) Validated(records, invalid int, failedChecks []string, refused bool) {
	m.records.WithLabelValues("valid").Add(float64(records - invalid))
	m.records.WithLabelValues("invalid").Add(float64(invalid))
	outcome := "forwarded"
	if refused {
		outcome = "refused"
	}
	m.batches.WithLabelValues(outcome).Inc()
	for _, c := range failedChecks {
		m.failures.WithLabelValues(boundedCheck(c)).Inc()
	}
}

// Upstream implements proxy.Observer.
func (m *Proxy) Upstream(d time.Duration) { m.upstream.Observe(d.Seconds()) }
