package api_test

// Tests of what operators see: /metrics after known traffic, its label
// cardinality, who may read it, traces sent to an in-process OTLP
// receiver, and logs that never carry a secret. The stack is wired as
// accord serve wires it (cmd/accord/serve.go): the metrics package
// observes the store, the registry and every request.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	collector "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"

	"github.com/accord/accord/accordtest"
	"github.com/accord/accord/api"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/metrics"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/tracing"
)

// observed is a stack wired with metrics (and optionally tracing and an
// access log) behind an httptest server.
type observed struct {
	*server
	stack   *accordtest.Stack
	metrics *metrics.Server
	handler *api.Server
}

type observedOptions struct {
	auth         bool
	tracer       trace.Tracer
	accessLog    bool
	logs         io.Writer // the stack's and the server's logs (JSON)
	metricsToken string
	bare         bool // no metrics, no tracing: the server as it was before them
}

func startObserved(t testing.TB, target string, o observedOptions) *observed {
	m := metrics.NewServer(metrics.ReadBuild("test", ""))
	m.CountsTTL = 0 // every scrape reads the store
	opts := accordtest.Options{Observer: m, Auth: o.auth}
	if o.bare {
		opts.Observer = nil
	}
	if o.auth {
		opts.Admin, opts.AdminSecret = "root", "root-password-123"
	}
	var log *slog.Logger
	if o.logs != nil {
		opts.LogWriter, opts.LogLevel = o.logs, slog.LevelDebug
		log = slog.New(tracing.LogHandler(slog.NewJSONHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
	st := accordtest.New(t, target, opts)
	if log == nil {
		log = st.Log
	}
	m.Counts(st.Store.Counts, log)
	apiOpts := api.Options{
		Logger: log, Auth: st.Auth, Contracts: st.Contracts, Audit: st.Audit, Lineage: st.Lineage, Proposals: st.Proposals,
		Observer: m, Tracer: o.tracer, AccessLog: o.accessLog, Metrics: m.Handler(), MetricsToken: o.metricsToken,
	}
	if o.bare {
		apiOpts.Observer, apiOpts.Tracer, apiOpts.Metrics = nil, nil, nil
	}
	h := api.New(st.Registry, apiOpts)
	m.CacheStats(func() []registry.CacheStat {
		stats := append(st.Registry.CacheStats(), h.CacheStats()...)
		if st.Auth != nil {
			hits, misses := st.Auth.CacheStats()
			stats = append(stats, registry.CacheStat{Name: "auth", Hits: hits, Misses: misses})
		}
		return stats
	})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	tt, _ := t.(*testing.T)
	return &observed{server: &server{t: tt, URL: hs.URL, HTTP: hs.Client()}, stack: st, metrics: m, handler: h}
}

// scrape reads /metrics and parses it.
func scrape(t testing.TB, url string, header ...string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, body)
	}
	return fams
}

// value is the value of the series of name whose labels include want
// (label=value pairs); -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	total, found := 0.0, false
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			total += m.Untyped.GetValue()
		}
	}
	if !found {
		return -1
	}
	return total
}

const (
	orderV1   = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
	orderBad  = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"customer","type":"string"}]}`
	orderV2   = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"note","type":["null","string"],"default":null}]}`
	eventJSON = `{"type":"object","properties":{"id":{"type":"string"}}}`
)

func TestMetricsAfterKnownTraffic(t *testing.T) {
	accordtest.EachEngine(t, func(t *testing.T, target string) {
		s := startObserved(t, target, observedOptions{})
		before := scrape(t, s.URL)
		if v := value(before, "kafka_schema_registry_registered_count"); v != 0 {
			t.Fatalf("registered_count on an empty store = %v", v)
		}

		s.ok("POST", "/subjects/orders-value/versions", map[string]any{"schema": orderV1}, nil)
		s.ok("POST", "/subjects/orders-value/versions", map[string]any{"schema": orderV2}, nil)
		s.ok("POST", "/subjects/events-value/versions", map[string]any{"schema": eventJSON, "schemaType": "JSON"}, nil)
		if r := s.do("POST", "/subjects/orders-value/versions", map[string]any{"schema": orderBad}); r.Status != 409 {
			t.Fatalf("incompatible registration: %v", r)
		}
		for range 5 {
			s.ok("GET", "/schemas/ids/1", nil, nil)
		}
		for _, subj := range []string{"nope-1", "nope-2"} {
			if r := s.do("GET", "/subjects/"+subj+"/versions", nil); r.Status != 404 {
				t.Fatalf("unknown subject: %v", r)
			}
		}
		s.ok("DELETE", "/subjects/orders-value/versions/1", nil, nil)

		after := scrape(t, s.URL)
		delta := func(name string, labels ...string) float64 {
			return value(after, name, labels...) - max(0, value(before, name, labels...))
		}
		for _, c := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"accord_http_requests_total", []string{"route", "/subjects/{subject}/versions", "method", "POST", "status_class", "2xx"}, 3},
			{"accord_http_requests_total", []string{"route", "/subjects/{subject}/versions", "method", "POST", "status_class", "4xx"}, 1},
			{"accord_http_requests_total", []string{"route", "/schemas/ids/{id}", "method", "GET", "status_class", "2xx"}, 5},
			{"accord_http_requests_total", []string{"route", "/subjects/{subject}/versions", "method", "GET", "status_class", "4xx"}, 2},
			{"accord_http_request_duration_seconds", []string{"route", "/schemas/ids/{id}", "method", "GET"}, 5},
			{"kafka_schema_registry_jersey_metrics_request_count", []string{"endpoint", "schemas.ids.get-schema"}, 5},
			{"kafka_schema_registry_jersey_metrics_request_count", []string{"endpoint", "subjects.versions.register"}, 4},
			{"kafka_schema_registry_jersey_metrics_request_error_count", []string{"endpoint", "subjects.versions.register"}, 1},
			{"kafka_schema_registry_jersey_metrics_request_latency_seconds", []string{"endpoint", "subjects.versions.register"}, 4},
			// 3 + 1 + 5 + 2 + 1 requests, and the first scrape.
			{"kafka_schema_registry_api_failure_count", nil, 3},
			{"kafka_schema_registry_api_success_count", nil, 10},
			{"accord_registrations_refused_total", []string{"reason", "incompatible"}, 1},
			{"accord_compatibility_checks_total", []string{"format", "AVRO", "level", "BACKWARD", "result", "incompatible"}, 1},
			// The first version has nothing to be checked against.
			{"accord_compatibility_checks_total", []string{"format", "AVRO", "level", "BACKWARD", "result", "compatible"}, 1},
			{"accord_compatibility_check_duration_seconds", []string{"format", "AVRO"}, 2},
			{"accord_cache_hits_total", []string{"cache", "http_schemas_by_id"}, 4},
			{"kafka_schema_registry_registered_count", nil, 3},
			{"kafka_schema_registry_deleted_count", nil, 1},
			{"kafka_schema_registry_schemas_created", []string{"schema_type", "AVRO"}, 2},
			{"kafka_schema_registry_schemas_created", []string{"schema_type", "JSON"}, 1},
			{"kafka_schema_registry_schemas_deleted", []string{"schema_type", "AVRO"}, 1},
			{"accord_schemas", nil, 3},
			{"accord_subjects", nil, 2},
		} {
			if got := delta(c.name, c.labels...); got != c.want {
				t.Errorf("%s%v moved by %v, want %v", c.name, c.labels, got, c.want)
			}
		}
		if v := value(after, "accord_db_transaction_duration_seconds", "result", "ok"); v < 3 {
			t.Errorf("db transactions observed: %v, want at least the 3 registrations and the delete", v)
		}
		if v := value(after, "accord_db_call_duration_seconds", "op", "query"); v <= 0 {
			t.Errorf("no database query observed (%v)", v)
		}
		if v := value(after, "accord_http_requests_in_flight"); v != 1 { // the scrape itself
			t.Errorf("in flight during a scrape = %v, want 1", v)
		}
		for _, name := range []string{"accord_build_info", "kafka_schema_registry_master_slave_role", "kafka_schema_registry_node_count", "go_goroutines"} {
			if value(after, name) < 1 {
				t.Errorf("%s missing or 0", name)
			}
		}
	})
}

// TestMetricsCardinalityBounded sends requests naming 10,000 distinct
// subjects (registering 500 of them): no label carries a subject, and the
// number of series stays what the routes make.
func TestMetricsCardinalityBounded(t *testing.T) {
	s := startObserved(t, t.TempDir(), observedOptions{})
	const subjects, registered = 10_000, 500
	serve := func(method, path, body string) int {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		s.handler.ServeHTTP(w, req)
		return w.Code
	}
	reg := fmt.Sprintf(`{"schema":%q}`, orderV1)
	for i := range subjects {
		subj := fmt.Sprintf("subject-%05d-value", i)
		if i < registered {
			if code := serve("POST", "/subjects/"+subj+"/versions", reg); code != 200 {
				t.Fatalf("registering %s: %d", subj, code)
			}
		}
		serve("GET", "/subjects/"+subj+"/versions/latest", "")
		serve("POST", "/subjects/"+subj, reg)
		serve("GET", "/contexts/.ctx"+fmt.Sprint(i%100)+"/subjects/"+subj+"/versions", "")
	}
	fams := scrape(t, s.URL)
	series := 0
	for name, f := range fams {
		for _, m := range f.Metric {
			series++
			for _, l := range m.Label {
				if strings.Contains(l.GetValue(), "subject-") || strings.Contains(l.GetValue(), ".ctx") {
					t.Fatalf("%s has label %s=%q: a subject leaked into a label", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
	routes := 0
	for _, m := range fams["accord_http_requests_total"].Metric {
		_ = m
		routes++
	}
	t.Logf("%d series in all, %d request series, after %d subjects", series, routes, subjects)
	if routes > 20 {
		t.Errorf("%d request series for 4 kinds of request", routes)
	}
	if series > 1000 {
		t.Errorf("%d series after %d subjects: cardinality is not bounded", series, subjects)
	}
	if got := value(fams, "accord_subjects"); got != registered {
		t.Errorf("accord_subjects = %v, want %d", got, registered)
	}
}

func TestMetricsAccess(t *testing.T) {
	t.Run("auth off: open", func(t *testing.T) {
		s := startObserved(t, t.TempDir(), observedOptions{})
		scrape(t, s.URL)
	})
	t.Run("auth on", func(t *testing.T) {
		const token = "metrics-token-0123456789"
		s := startObserved(t, t.TempDir(), observedOptions{auth: true, metricsToken: token})
		ctx := context.Background()
		if _, err := s.stack.Auth.CreatePrincipal(ctx, auth.NewPrincipal{Name: "viewer", Roles: []auth.Role{auth.RoleReader}, Password: "viewer-password-1"}); err != nil {
			t.Fatal(err)
		}
		get := func(header ...string) int {
			req, _ := http.NewRequest("GET", s.URL+"/metrics", nil)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		basic := func(user, pass string) string {
			return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
		}
		for _, c := range []struct {
			name   string
			header []string
			want   int
		}{
			{"no credentials", nil, 401},
			{"wrong token", []string{"Authorization", "Bearer metrics-token-wrong-000"}, 401},
			{"wrong password", []string{"Authorization", basic("viewer", "nope")}, 401},
			{"reader", []string{"Authorization", basic("viewer", "viewer-password-1")}, 200},
			{"metrics token", []string{"Authorization", "Bearer " + token}, 200},
		} {
			if got := get(c.header...); got != c.want {
				t.Errorf("%s: %d, want %d", c.name, got, c.want)
			}
		}
		if r := s.do("POST", "/metrics", nil); r.Status != 405 {
			t.Errorf("POST /metrics: %v", r)
		}
		fams := scrape(t, s.URL, "Authorization", "Bearer "+token)
		if v := value(fams, "accord_auth_failures_total", "reason", "unauthenticated"); v < 3 {
			t.Errorf("authentication failures = %v, want at least 3", v)
		}
		// The reader's second scrape and the failures remembered are hits.
		get("Authorization", basic("viewer", "viewer-password-1"))
		fams = scrape(t, s.URL, "Authorization", "Bearer "+token)
		if hits, misses := value(fams, "accord_cache_hits_total", "cache", "auth"), value(fams, "accord_cache_misses_total", "cache", "auth"); hits < 1 || misses < 1 {
			t.Errorf("auth cache: %v hits, %v misses", hits, misses)
		}
	})
}

// otlpReceiver is an OTLP/HTTP trace endpoint that keeps what it gets.
type otlpReceiver struct {
	discard bool // accept exports without reading them (benchmarks)
	mu      sync.Mutex
	spans   []receivedSpan
}

type receivedSpan struct {
	name            string
	traceID, parent string
	attrs           map[string]string
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if o.discard {
		return
	}
	var req collector.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "bad export", 400)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				attrs := map[string]string{}
				for _, kv := range sp.Attributes {
					if v, ok := kv.Value.GetValue().(*commonpb.AnyValue_IntValue); ok {
						attrs[kv.Key] = fmt.Sprint(v.IntValue)
					} else {
						attrs[kv.Key] = kv.Value.GetStringValue()
					}
				}
				o.spans = append(o.spans, receivedSpan{sp.Name, hex.EncodeToString(sp.TraceId), hex.EncodeToString(sp.ParentSpanId), attrs})
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	b, _ := proto.Marshal(&collector.ExportTraceServiceResponse{})
	w.Write(b)
}

// installTracing exports the global tracer provider's spans to a new
// receiver until the test ends.
func installTracing(t testing.TB, discard bool) (*otlpReceiver, *sdktrace.TracerProvider) {
	rcv := &otlpReceiver{discard: discard}
	hs := httptest.NewServer(rcv)
	t.Cleanup(hs.Close)
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(hs.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() {
		tp.Shutdown(context.Background())
		otel.SetTracerProvider(prev)
	})
	return rcv, tp
}

func TestTracingExportsSpansOverOTLP(t *testing.T) {
	rcv, tp := installTracing(t, false)
	var logs syncBuffer
	s := startObserved(t, t.TempDir(), observedOptions{tracer: metrics.Tracer(), accessLog: true, logs: &logs})

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	r := s.do("POST", "/subjects/orders-value/versions", map[string]any{"schema": orderV1},
		"traceparent", "00-"+traceID+"-"+parentID+"-01")
	if r.Status != 200 {
		t.Fatalf("register: %v", r)
	}
	s.do("POST", "/subjects/orders-value/versions", map[string]any{"schema": orderV2})
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	spans := append([]receivedSpan(nil), rcv.spans...)
	rcv.mu.Unlock()
	var server *receivedSpan
	inTrace := map[string]int{}
	for i, sp := range spans {
		if sp.traceID == traceID {
			inTrace[sp.name]++
			if sp.name == "POST /subjects/{subject}/versions" {
				server = &spans[i]
			}
		}
	}
	if server == nil {
		t.Fatalf("no request span in trace %s; got %+v", traceID, spans)
	}
	if server.parent != parentID {
		t.Errorf("request span's parent = %s, want the caller's %s", server.parent, parentID)
	}
	if server.attrs["http.route"] != "/subjects/{subject}/versions" || server.attrs["http.response.status_code"] != "200" {
		t.Errorf("request span attributes: %v", server.attrs)
	}
	if inTrace["db transaction"] != 1 {
		t.Errorf("db transaction spans in the trace: %v", inTrace)
	}
	// The second registration checks compatibility (in its own trace).
	checks := 0
	for _, sp := range spans {
		if sp.name == "compatibility check" {
			checks++
		}
	}
	if checks != 1 {
		t.Errorf("compatibility check spans: %d, want 1 (%v)", checks, spans)
	}
	if !strings.Contains(logs.String(), `"trace_id":"`+traceID+`"`) {
		t.Errorf("no log line carries trace id %s:\n%s", traceID, logs.String())
	}
}

// TestTracingCachedFetchByID pins down which fetches by id get a span:
// the first (served from the store, routed) does; one served from the
// hot cache does only inside a caller's sampled trace, as that caller's
// child; an unsampled caller's trace id still reaches the log lines.
func TestTracingCachedFetchByID(t *testing.T) {
	rcv, tp := installTracing(t, false)
	var logs syncBuffer
	s := startObserved(t, t.TempDir(), observedOptions{tracer: metrics.Tracer(), accessLog: true, logs: &logs})
	s.ok("POST", "/subjects/orders-value/versions", map[string]any{"schema": orderV1}, nil)
	const (
		sampledTrace, unsampledTrace, parent = "11111111111111111111111111111111", "22222222222222222222222222222222", "00f067aa0ba902b7"
	)
	exported := func() int {
		if err := tp.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return len(rcv.spans)
	}
	named := func(name string) []receivedSpan {
		if err := tp.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		var out []receivedSpan
		for _, sp := range rcv.spans {
			if sp.name == name {
				out = append(out, sp)
			}
		}
		return out
	}
	const fetch = "GET /schemas/ids/{id}"
	// Whether the registration left the encoded schema in the hot cache
	// or not, the first fetch below fills it; count from there.
	s.ok("GET", "/schemas/ids/1", nil, nil)
	base := len(named(fetch))
	n := exported()
	for range 5 {
		s.ok("GET", "/schemas/ids/1", nil, nil)
	}
	if got := exported(); got != n {
		t.Errorf("cached fetches without a traceparent made %d spans, want none", got-n)
	}
	if r := s.do("GET", "/schemas/ids/1", nil, "traceparent", "00-"+sampledTrace+"-"+parent+"-01"); r.Status != 200 {
		t.Fatalf("fetch in a sampled trace: %v", r)
	}
	if r := s.do("GET", "/schemas/ids/1", nil, "traceparent", "00-"+unsampledTrace+"-"+parent+"-00"); r.Status != 200 {
		t.Fatalf("fetch in an unsampled trace: %v", r)
	}
	got := named(fetch)[base:]
	if len(got) != 1 || got[0].traceID != sampledTrace || got[0].parent != parent {
		t.Fatalf("fetch spans after the cached fetches: %+v, want one in trace %s, child of %s", got, sampledTrace, parent)
	}
	if got[0].attrs["http.route"] != "/schemas/ids/{id}" || got[0].attrs["http.response.status_code"] != "200" {
		t.Errorf("cached fetch span attributes: %v", got[0].attrs)
	}
	// Not cached (no such schema): routed, and spanned.
	if r := s.do("GET", "/schemas/ids/999", nil); r.Status != 404 {
		t.Fatalf("unknown id: %v", r)
	}
	if all := named(fetch); len(all) != base+2 {
		t.Errorf("fetch spans: %d, want %d (the unknown id's too)", len(all), base+2)
	}
	for _, id := range []string{sampledTrace, unsampledTrace} {
		if !strings.Contains(logs.String(), `"trace_id":"`+id+`"`) {
			t.Errorf("no access log line carries trace id %s", id)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsNeverCarrySecrets logs everything (debug, access log, JSON) while
// passwords and tokens travel in every way they can, then looks for them.
func TestLogsNeverCarrySecrets(t *testing.T) {
	var logs syncBuffer
	const metricsToken = "metrics-secret-token-98765"
	s := startObserved(t, t.TempDir(), observedOptions{auth: true, accessLog: true, logs: &logs, metricsToken: metricsToken})
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	root := basic("root", "root-password-123")
	secrets := []string{"root-password-123", "svc-password-456", metricsToken, root}

	r := s.do("POST", "/v1/principals", map[string]any{"name": "orders-svc", "roles": []string{"service"}, "password": "svc-password-456"}, "Authorization", root)
	if r.Status != 201 && r.Status != 200 {
		t.Fatalf("create principal: %v", r)
	}
	var tok struct{ Token string }
	r = s.do("POST", "/v1/tokens", map[string]any{"principal": "orders-svc"}, "Authorization", root)
	if err := json.Unmarshal(r.Body, &tok); err != nil || tok.Token == "" {
		t.Fatalf("issue token: %v", r)
	}
	secrets = append(secrets, tok.Token, basic("orders-svc", tok.Token))
	s.do("GET", "/subjects", nil, "Authorization", "Bearer "+tok.Token)
	s.do("GET", "/subjects", nil, "Authorization", basic("orders-svc", "svc-password-456"))
	s.do("GET", "/subjects", nil, "Authorization", basic("orders-svc", "svc-password-wrong"))
	s.do("GET", "/subjects", nil, "Authorization", "Bearer "+tok.Token+"x")
	s.do("PATCH", "/v1/principals/orders-svc", map[string]any{"password": "svc-password-789"}, "Authorization", root)
	secrets = append(secrets, "svc-password-789", "svc-password-wrong")
	scrape(t, s.URL, "Authorization", "Bearer "+metricsToken)

	out := logs.String()
	if !strings.Contains(out, `"msg":"request"`) || !strings.Contains(out, `"principal":"root"`) {
		t.Fatalf("the access log is missing:\n%s", out)
	}
	for _, secret := range secrets {
		if strings.Contains(out, secret) {
			t.Errorf("a secret (%.6s…) is in the logs", secret)
		}
	}
	// Nor the token's random part alone.
	if parts := strings.Split(tok.Token, "_"); len(parts) == 3 && strings.Contains(out, parts[2]) {
		t.Errorf("the token's secret part is in the logs")
	}
}
