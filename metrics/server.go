package metrics

import (
	"net/http"
	"sync"
	"sync/atomic"
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
	// routes holds the recorder of each (route, method): resolving
	// labels hashes them, so it is done once per route, method and
	// status class (a bounded set: routes are templates).
	routes sync.Map // routeKey → *RouteSeries

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

// routeKey is a route template and a request method.
type routeKey struct{ route, method string }

// requestSeries are the label-resolved series of one route, method and
// status class.
type requestSeries struct {
	requests, epRequests, epErrors prometheus.Counter
	duration, epLatency            prometheus.Observer
	failed                         bool
}

// RouteSeries records the requests of one route template and method.
// Its series are resolved once per status class, on the class's first
// request (a series appears in /metrics once it has counted a request,
// as before), so recording a request does no map look-up and allocates
// nothing. Get one with Route, once, where the route is registered.
type RouteSeries struct {
	m             *Server
	route, method string
	byClass       [6]atomic.Pointer[requestSeries] // by status/100, 1xx..5xx (0 unused)
}

// Route returns the recorder of route (a template; "" is "unmatched")
// and method. Routes are templates, so the set is bounded.
func (m *Server) Route(route, meth string) *RouteSeries {
	if route == "" {
		route = "unmatched"
	}
	meth = method(meth)
	k := routeKey{route, meth}
	if v, ok := m.routes.Load(k); ok {
		return v.(*RouteSeries)
	}
	v, _ := m.routes.LoadOrStore(k, &RouteSeries{m: m, route: route, method: meth})
	return v.(*RouteSeries)
}

// RouteRecorder is Route as api.RouteObserver asks for it: the function
// that records an answered request of route and method.
func (m *Server) RouteRecorder(route, meth string) func(status int, d time.Duration) {
	return m.Route(route, meth).Done
}

// Done records an answered request of the route: status is its HTTP
// status, d the time it took. It ends what RequestStarted began.
func (rs *RouteSeries) Done(status int, d time.Duration) {
	m := rs.m
	m.inFlight.Dec()
	class := min(max(status/100, 1), 5) // statusClass's classes
	s := rs.byClass[class].Load()
	if s == nil {
		rs.byClass[class].CompareAndSwap(nil, m.newSeries(rs.route, rs.method, status))
		s = rs.byClass[class].Load()
	}
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

// RequestStarted counts a request in flight; RequestDone must follow.
func (m *Server) RequestStarted() { m.inFlight.Inc() }

// RequestDone records an answered request: route is its chi route
// template ("" when none matched), status its HTTP status. A caller that
// knows the route in advance records through its RouteSeries instead,
// which saves the look-up.
func (m *Server) RequestDone(route, meth string, status int, d time.Duration) {
	m.Route(route, meth).Done(status, d)
}

// newSeries resolves the series of route, meth (already bounded by
// method) and status's class. Two requests of a new class may both
// resolve it: WithLabelValues returns the same series to both.
func (m *Server) newSeries(route, meth string, status int) *requestSeries {
	class := statusClass(status)
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
