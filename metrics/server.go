package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Server holds the metrics of accord serve. Create it with NewServer; it
// is safe for concurrent use. Its methods implement api.RequestObserver,
// registry.Observer and sqlstore.Observer.
type Server struct {
	// CountsTTL is how long counts read from the database are reused
	// (DefaultCountsTTL); set it before the first scrape.
	CountsTTL time.Duration

	reg *prometheus.Registry

	// HTTP, Accord's names.
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	// HTTP, Confluent's names.
	apiSuccess, apiFailure prometheus.Counter
	epRequests, epErrors   *prometheus.CounterVec
	epLatency              *prometheus.HistogramVec
	// series caches the label-resolved series of each (route, method,
	// status class): resolving labels hashes them, so the hot path does
	// it once per combination (a bounded set: routes are templates).
	series sync.Map // seriesKey → *requestSeries

	compatChecks   *prometheus.CounterVec
	compatDuration *prometheus.HistogramVec
	refused        *prometheus.CounterVec
	records        *prometheus.CounterVec
	failures       *prometheus.CounterVec
	authFailures   *prometheus.CounterVec

	dbCalls    *prometheus.HistogramVec
	dbErrors   *prometheus.CounterVec
	txDuration *prometheus.HistogramVec
	feedUp     prometheus.Gauge
	feedReconn prometheus.Counter
	feedLag    prometheus.Histogram
}

// NewServer returns the metrics of a server built as b (see ReadBuild),
// with the Go runtime, process and build-info metrics.
func NewServer(b Build) *Server {
	m := &Server{reg: newRegistry(b), CountsTTL: DefaultCountsTTL}
	f := factory{m.reg}
	rmsc := []string{"route", "method", "status_class"}
	m.requests = f.counterVec("accord_http_requests_total", "HTTP requests answered, by route template, method and status class.", rmsc...)
	m.duration = f.histogramVec("accord_http_request_duration_seconds", "Time to answer HTTP requests, by route template, method and status class.", rmsc...)
	m.inFlight = f.gauge("accord_http_requests_in_flight", "HTTP requests being served.")
	m.apiSuccess = f.counter("kafka_schema_registry_api_success_count", "API calls answered without an error (Confluent's api-success-count).")
	m.apiFailure = f.counter("kafka_schema_registry_api_failure_count", "API calls answered with an error, 4xx or 5xx (Confluent's api-failure-count).")
	m.epRequests = f.counterVec("kafka_schema_registry_jersey_metrics_request_count", "Requests per Confluent endpoint name (jersey-metrics <endpoint>.request).", "endpoint")
	m.epErrors = f.counterVec("kafka_schema_registry_jersey_metrics_request_error_count", "Requests answered with an HTTP error per Confluent endpoint name (jersey-metrics <endpoint>.request-error).", "endpoint")
	m.epLatency = f.histogramVec("kafka_schema_registry_jersey_metrics_request_latency_seconds", "Request latency per Confluent endpoint name (jersey-metrics <endpoint>.request-latency).", "endpoint")
	f.gaugeFunc("kafka_schema_registry_master_slave_role", "1: this instance is the primary. Every Accord replica writes (the database serialises writers), so every replica reports 1.", func() float64 { return 1 })

	m.compatChecks = f.counterVec("accord_compatibility_checks_total", "Compatibility checks of a candidate against a subject's versions, by format, level and result (compatible, incompatible).", "format", "level", "result")
	m.compatDuration = f.histogramVec("accord_compatibility_check_duration_seconds", "Time of compatibility checks, by format.", "format")
	m.refused = f.counterVec("accord_registrations_refused_total", "Registrations that stored nothing, by reason: incompatible, lint, ownership, review, invalid, read_only, other.", "reason")
	m.records = f.counterVec("accord_validation_records_total", "Records judged by POST /v1/validate, by verdict (valid, invalid).", "verdict")
	m.failures = f.counterVec("accord_validation_failures_total", "Failed checks in records judged by POST /v1/validate, by check (stream, frame, schema_id, payload, rules, producer, unavailable).", "check")
	m.authFailures = f.counterVec("accord_auth_failures_total", "Requests refused by authentication (unauthenticated) or authorization (forbidden).", "reason")

	m.dbCalls = f.histogramVec("accord_db_call_duration_seconds", "Database calls of the registry store, by operation (query, exec, commit).", "op")
	m.dbErrors = f.counterVec("accord_db_call_errors_total", "Failed database calls of the registry store, by operation.", "op")
	m.txDuration = f.histogramVec("accord_db_transaction_duration_seconds", "Registry write transactions, retries included, by result (ok, error).", "result")
	m.feedUp = f.gauge("accord_change_feed_up", "1 while the PostgreSQL change feed (LISTEN) is connected; 0 otherwise (always 0 on SQLite, which has none).")
	m.feedReconn = f.counter("accord_change_feed_reconnects_total", "Reconnections of the PostgreSQL change feed.")
	m.feedLag = f.histogram("accord_change_feed_lag_seconds", "Delay between a change committed on another replica and its notification here.")
	return m
}

// Registry is where the server's metrics are registered; cmd/accord adds
// the store's collectors (Counts, pools, caches) to it.
func (m *Server) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Server) Handler() http.Handler { return handler(m.reg) }

type seriesKey struct {
	route, method string
	class         uint8
}

type requestSeries struct {
	requests, epRequests, epErrors prometheus.Counter
	duration, epLatency            prometheus.Observer
	failed                         bool
}

// RequestStarted counts a request in flight; RequestDone must follow.
func (m *Server) RequestStarted() { m.inFlight.Inc() }

// RequestDone records an answered request: route is its chi route
// template ("" when none matched), status its HTTP status.
func (m *Server) RequestDone(route, meth string, status int, d time.Duration) {
	m.inFlight.Dec()
	if route == "" {
		route = "unmatched"
	}
	k := seriesKey{route, meth, uint8(status / 100)}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, m.newSeries(route, meth, status))
	}
	s := v.(*requestSeries)
	secs := d.Seconds()
	s.requests.Inc()
	s.duration.Observe(secs)
	if s.failed {
		m.apiFailure.Inc()
	} else {
		m.apiSuccess.Inc()
	}
	if s.epRequests != nil {
		s.epRequests.Inc()
		s.epLatency.Observe(secs)
		if s.failed {
			s.epErrors.Inc()
		}
	}
}

func (m *Server) newSeries(route, meth string, status int) *requestSeries {
	meth, class := method(meth), statusClass(status)
	s := &requestSeries{
		requests: m.requests.WithLabelValues(route, meth, class),
		duration: m.duration.WithLabelValues(route, meth, class),
		failed:   status >= 400,
	}
	if ep := confluentEndpoint(meth, route); ep != "" {
		s.epRequests = m.epRequests.WithLabelValues(ep)
		s.epErrors = m.epErrors.WithLabelValues(ep)
		s.epLatency = m.epLatency.WithLabelValues(ep)
	}
	return s
}

// AuthFailed counts a request refused by authentication
// ("unauthenticated") or authorization ("forbidden").
func (m *Server) AuthFailed(reason string) { m.authFailures.WithLabelValues(reason).Inc() }

// Validated counts the verdicts of POST /v1/validate: valid records, and
// each failed check of the invalid ones.
func (m *Server) Validated(valid, invalid int, failedChecks []string) {
	m.records.WithLabelValues("valid").Add(float64(valid))
	m.records.WithLabelValues("invalid").Add(float64(invalid))
	for _, c := range failedChecks {
		m.failures.WithLabelValues(boundedCheck(c)).Inc()
	}
}

// boundedCheck keeps the check label within the validator's names.
func boundedCheck(c string) string {
	switch c {
	case "stream", "frame", "schema_id", "payload", "rules", "producer", "unavailable":
		return c
	}
	return "other"
}

// factory registers what it makes.
type factory struct{ reg prometheus.Registerer }

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) gaugeFunc(name, help string, fn func() float64) {
	f.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

func (f factory) histogram(name, help string) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: latencyBuckets})
	f.reg.MustRegister(h)
	return h
}

func (f factory) histogramVec(name, help string, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: latencyBuckets}, labels)
	f.reg.MustRegister(h)
	return h
}
