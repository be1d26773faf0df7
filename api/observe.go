package api

// Observability of every request: metrics, a span, an access-log line.
// ServeHTTP hands each request to observe when any of them is on; observe
// reads the chi route template after routing (it gives the router a
// routing context up front), so labels and span names are templates,
// never raw paths. It is the one place requests are measured: routing
// changes need nothing here.

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// RequestObserver is told of every request and of what the handlers
// judge; package metrics implements it.
type RequestObserver interface {
	// RequestStarted is called as a request arrives, RequestDone once it
	// is answered, with its route template ("" when no route matched).
	RequestStarted()
	RequestDone(route, method string, status int, d time.Duration)
	// AuthFailed counts a request refused with 401 ("unauthenticated") or
	// 403 ("forbidden").
	AuthFailed(reason string)
	// Validated counts the verdicts of POST /v1/validate[/batch]: valid
	// and invalid records, and the check of each failure.
	Validated(valid, invalid int, failedChecks []string)
}

// RouteObserver is a RequestObserver that can resolve a route's series
// in advance: RouteRecorder returns the function that does what
// RequestDone does for route and method, without looking the series up
// per request. The server asks for each route's recorder once, as it
// registers the route (package metrics implements it).
type RouteObserver interface {
	RouteRecorder(route, method string) func(status int, d time.Duration)
}

// recordFunc records an answered request of a known route (RouteObserver).
type recordFunc = func(status int, d time.Duration)

// recorder returns the recorder of route and method when the observer
// resolves them in advance, else nil (observe then calls RequestDone).
func (s *Server) recorder(route, method string) recordFunc {
	if ro, ok := s.obs.(RouteObserver); ok {
		return ro.RouteRecorder(route, method)
	}
	return nil
}

// Route templates of requests answered before routing (and hotRoute,
// versionRoute: hotpath.go).
const (
	uiRoute      = "/ui/*"
	metricsRoute = "/metrics"
)

// epoch is the origin of the monotonic readings observe times requests
// with: time.Since reads one clock where time.Now reads two (each 100-200
// ns on a VM's kvm-clock, paid on every request).
var epoch = time.Now()

// propagator reads and writes W3C traceparent and tracestate headers.
var propagator = propagation.TraceContext{}

// observing reports whether observe must wrap requests.
func (s *Server) observing() bool { return s.obs != nil || s.tracer != nil || s.accessLog }

// observe serves r through serve, measuring it.
func (s *Server) observe(w http.ResponseWriter, r *http.Request) {
	start := time.Since(epoch)
	if s.obs != nil {
		s.obs.RequestStarted()
	}
	ctx := r.Context()
	// A schema the hot cache holds is served from memory without routing
	// (hotpath.go): it needs no routing context, and it gets a span only
	// inside a caller's sampled trace (see spanned).
	hotAnswer, hot := s.cached(r)
	var span trace.Span
	if s.tracer != nil {
		// Header.Get would canonicalise "traceparent" (an allocation)
		// on every request; most carry none.
		if len(r.Header["Traceparent"]) > 0 {
			ctx = propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
		}
		if spanned(ctx, hot) {
			ctx, span = s.tracer.Start(ctx, r.Method, serverSpan...)
		}
	}
	// A routing context made here is the one chi fills in (a router
	// given one uses it), so the template can be read afterwards. The UI
	// has its own router, which must start from a fresh one. A subject
	// version serveHot answers needs none (it notes its route), and
	// making one would cost the request a copy of itself; if serveHot
	// routes it after all, chi makes its own and the template is found
	// by matching (below).
	var rctx *chi.Context
	if !hot && !s.isUI(r.URL.Path) && !hotVersionRequest(r) {
		rctx = routeContexts.Get().(*chi.Context)
		rctx.Reset()
		rctx.Routes = s.router
		ctx = context.WithValue(ctx, chi.RouteCtxKey, rctx)
	}
	if ctx != r.Context() {
		r = r.WithContext(ctx)
	}
	sw := statusWriters.Get().(*statusWriter)
	*sw = statusWriter{ResponseWriter: w, hot: hotAnswer}
	defer func() {
		// Nothing holds either once the request is answered (chi pools
		// its routing contexts alike).
		if rctx != nil {
			routeContexts.Put(rctx)
		}
		*sw = statusWriter{}
		statusWriters.Put(sw)
	}()
	defer func() {
		route := sw.route
		if route == "" && rctx != nil {
			route = rctx.RoutePattern()
		}
		if route == "" && sw.status != http.StatusNotFound {
			// Answered before routing (401): find the route it was for.
			m := chi.NewRouteContext()
			if s.router.Match(m, r.Method, r.URL.Path) {
				route = m.RoutePattern()
			}
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		d := time.Since(epoch) - start
		if s.obs != nil {
			// The recorder a route's handler noted is for its own route;
			// a request answered elsewhere (refused before its handler,
			// 404) is looked up by route.
			if sw.record != nil && sw.recordRoute == route && sw.recordMethod == r.Method {
				sw.record(status, d)
			} else {
				s.obs.RequestDone(route, r.Method, status, d)
			}
		}
		if span != nil {
			s.endSpan(span, r.Method, route, status, w.Header())
		}
		if s.accessLog {
			attrs := []slog.Attr{
				slog.String("method", r.Method), slog.String("route", route), slog.Int("status", status),
				slog.Int64("bytes", sw.bytes), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.String("principal", sw.principal), slog.String("request_id", w.Header().Get("X-Request-Id")),
			}
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		}
	}()
	s.serve(sw, r)
}

// cached returns the answer to r when r is a fetch by id that serveHot
// will answer from memory (serveHot then takes it from the
// statusWriter rather than look it up again). (Should the entry go between this look and serveHot's,
// the request is routed as any other, with no span and its route found
// after the fact.)
func (s *Server) cached(r *http.Request) (answer, bool) {
	k, ok := hotKey(r)
	if !ok {
		return answer{}, false
	}
	return s.byID.Get(k)
}

// spanned decides whether a request gets a span of its own: every request
// does, except a fetch by id answered from memory (hot) outside a
// caller's sampled trace. That request is the hottest there is (a map
// look-up and a write, about a microsecond of work), and a recorded and
// exported span would cost it several times that (span, snapshot, OTLP
// encoding, their garbage: over 10% of a loopback fetch, 5% being the
// budget, docs/observability.md); a root span of it would tell an
// operator nothing the metrics do not. A caller that samples its trace
// still sees the fetch in it, and a caller's trace id (sampled or not)
// is still in the request's context, hence in its log lines.
func spanned(ctx context.Context, hot bool) bool {
	return !hot || trace.SpanContextFromContext(ctx).IsSampled()
}

// serverSpan is how observe starts a request's span (a slice made once:
// the options would otherwise be built per request).
var serverSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}

// endSpan names span after its route template, sets its attributes (one
// call: the SDK grows its attribute slice per call) and ends it. An
// unsampled span records nothing, so it is only ended.
func (s *Server) endSpan(span trace.Span, method, route string, status int, h http.Header) {
	if span.IsRecording() {
		span.SetName(s.spanName(method, route))
		attrs := [4]attribute.KeyValue{
			attribute.String("http.request.method", method),
			attribute.Int("http.response.status_code", status),
			attribute.String("accord.request_id", h.Get("X-Request-Id")),
		}
		n := 3
		if route != "" {
			attrs[n] = attribute.String("http.route", route)
			n++
		}
		span.SetAttributes(attrs[:n]...)
		if status >= 500 {
			span.SetStatus(otelcodes.Error, http.StatusText(status))
		}
	}
	span.End()
}

// spanKey is a span name's method and route template.
type spanKey struct{ method, route string }

// spanNames holds "METHOD /route/{template}" for every route of the
// table and the routes answered before routing, made once in New so that
// naming a span allocates nothing.
func (s *Server) spanNames() map[spanKey]string {
	names := map[spanKey]string{}
	add := func(method, route string) { names[spanKey{method, route}] = method + " " + route }
	for _, rt := range s.table {
		add(rt.method, rt.pattern)
	}
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
		add(m, hotRoute)
		add(m, uiRoute)
		add(m, metricsRoute)
	}
	return names
}

// spanName is a request span's name: its method and route template, or
// its method alone when no route matched.
func (s *Server) spanName(method, route string) string {
	if route == "" {
		return method
	}
	if name, ok := s.spanNameOf[spanKey{method, route}]; ok {
		return name
	}
	return method + " " + route
}

// Pools of what observe needs per request: the hot path allocates
// little, and these would be most of it.
var (
	routeContexts = sync.Pool{New: func() any { return chi.NewRouteContext() }}
	statusWriters = sync.Pool{New: func() any { return new(statusWriter) }}
)

// statusWriter records what a response's status and size were, and
// carries what observe learns from serve (the route of a request
// answered before routing, the principal).
type statusWriter struct {
	http.ResponseWriter
	status    int
	bytes     int64
	route     string
	principal string
	hot       answer // the cached answer to a fetch by id (cached)
	// record is the metrics recorder of recordRoute and recordMethod,
	// noted by the handler of that route (noteRecorder).
	record                    recordFunc
	recordRoute, recordMethod string
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush keeps streaming responses streaming.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// noteRoute tells observe the route template of a request answered
// before routing; noteWho the principal it was made by.
func noteRoute(w http.ResponseWriter, route string) {
	if sw, ok := w.(*statusWriter); ok {
		sw.route = route
	}
}

// noteRecorder tells observe the metrics recorder of the route (a
// template) and method whose handler is serving the request.
func noteRecorder(w http.ResponseWriter, rec recordFunc, route, method string) {
	if rec == nil {
		return
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.record, sw.recordRoute, sw.recordMethod = rec, route, method
	}
}

func noteWho(w http.ResponseWriter, name string) {
	if sw, ok := w.(*statusWriter); ok {
		sw.principal = name
	}
}

// serveMetrics serves GET /metrics on the API listener: to anyone when
// authentication is off, else to the holder of the metrics token or any
// authenticated principal (every principal holds at least the reader's
// rights).
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	noteRoute(w, metricsRoute)
	s.setRequestID(w, r)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.writeError(w, r, &httpError{errMethod, "HTTP 405 Method Not Allowed"})
		return
	}
	if s.auth != nil && !s.metricsTokenOK(r) {
		p, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		noteWho(w, p.Name)
	}
	s.metrics.ServeHTTP(w, r)
}

// metricsTokenOK reports whether r carries the dedicated metrics token
// (Authorization: Bearer TOKEN), compared in constant time.
func (s *Server) metricsTokenOK(r *http.Request) bool {
	if s.metricsToken == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.metricsToken)) == 1
}
