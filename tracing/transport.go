package tracing

import (
	"net/http"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// Transport returns a RoundTripper that adds the trace context of each
// request's context (traceparent, tracestate) to its headers, then sends
// it with base (http.DefaultTransport when nil).
func Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return transport{base}
}

type transport struct{ base http.RoundTripper }

func (t transport) RoundTrip(r *http.Request) (*http.Response, error) {
	p := otel.GetTextMapPropagator()
	if len(p.Fields()) > 0 {
		r = r.Clone(r.Context())
		p.Inject(r.Context(), propagation.HeaderCarrier(r.Header))
	}
	return t.base.RoundTrip(r)
}
