package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// httpFamilies is the text of the request metrics m exposes, for
// comparing two servers' /metrics output.
func httpFamilies(t *testing.T, m *Server) string {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range fams {
		if strings.HasPrefix(f.GetName(), "accord_http_") || strings.HasPrefix(f.GetName(), "kafka_schema_registry_api_") ||
			strings.HasPrefix(f.GetName(), "kafka_schema_registry_jersey_") {
			fmt.Fprintln(&b, f.GetName())
			for _, mt := range f.GetMetric() {
				fmt.Fprintln(&b, " ", metricText(mt))
			}
		}
	}
	return b.String()
}

func metricText(m *dto.Metric) string {
	var labels []string
	for _, l := range m.GetLabel() {
		labels = append(labels, l.GetName()+"="+l.GetValue())
	}
	switch {
	case m.Counter != nil:
		return fmt.Sprint(labels, " ", m.Counter.GetValue())
	case m.Gauge != nil:
		return fmt.Sprint(labels, " ", m.Gauge.GetValue())
	case m.Histogram != nil:
		return fmt.Sprint(labels, " ", m.Histogram.GetSampleCount(), " ", m.Histogram.GetSampleSum())
	}
	return fmt.Sprint(labels)
}

// TestRouteSeriesMetricsAsRequestDone: recording through a route's
// RouteSeries (resolved once, as the API does per route) exposes exactly
// what RequestDone exposes for the same traffic, series appear only once
// a request of their class was counted, and a warm RouteSeries records
// without allocating.
func TestRouteSeriesMetricsAsRequestDone(t *testing.T) {
	type req struct {
		route, method string
		status        int
	}
	traffic := []req{
		{"/schemas/ids/{id}", "GET", 200}, {"/schemas/ids/{id}", "GET", 200}, {"/schemas/ids/{id}", "GET", 404},
		{"/subjects/{subject}/versions", "POST", 200}, {"/subjects/{subject}/versions", "POST", 409},
		{"/subjects/{subject}/versions", "POST", 500}, {"/subjects/{subject}/versions", "POST", 101},
		{"", "GET", 404}, {"/config", "BREW", 405}, {"/config", "PUT", 200}, {"/schemas/ids/{id}", "GET", 999},
	}
	byName, byRoute := NewServer(Build{}), NewServer(Build{})
	routes := map[[2]string]*RouteSeries{}
	for _, r := range traffic {
		k := [2]string{r.route, r.method}
		if routes[k] == nil {
			routes[k] = byRoute.Route(r.route, r.method)
		}
	}
	if got := httpFamilies(t, byRoute); strings.Contains(got, "route=") {
		t.Fatalf("series exposed before any request:\n%s", got)
	}
	for _, r := range traffic {
		byName.RequestStarted()
		byName.RequestDone(r.route, r.method, r.status, 3*time.Millisecond)
		byRoute.RequestStarted()
		routes[[2]string{r.route, r.method}].Done(r.status, 3*time.Millisecond)
	}
	want, got := httpFamilies(t, byName), httpFamilies(t, byRoute)
	if got != want {
		t.Fatalf("through RouteSeries:\n%s\nthrough RequestDone:\n%s", got, want)
	}
	// What the old per-request look-up exposed for this traffic.
	for _, s := range []string{
		"[method=GET route=unmatched status_class=4xx] 1\n",
		"[method=OTHER route=/config status_class=4xx] 1\n",
		"[method=POST route=/subjects/{subject}/versions status_class=1xx] 1\n",
		"[method=GET route=/schemas/ids/{id} status_class=5xx] 1\n", // 999
		"[method=GET route=/schemas/ids/{id} status_class=2xx] 2 0.006\n",
		"kafka_schema_registry_api_failure_count\n  [] 6\n",
		"[endpoint=subjects.versions.register] 2\n", // errors: 409, 500
	} {
		if !strings.Contains(got, s) {
			t.Errorf("no series with %s:\n%s", s, got)
		}
	}

	rs := byRoute.Route("/schemas/ids/{id}", "GET")
	if rs != routes[[2]string{"/schemas/ids/{id}", "GET"}] {
		t.Error("Route resolved the same route and method twice")
	}
	if n := testing.AllocsPerRun(1000, func() {
		byRoute.RequestStarted()
		rs.Done(200, time.Millisecond)
	}); n != 0 {
		t.Errorf("a warm RouteSeries allocates %v per request, want 0", n)
	}
}
