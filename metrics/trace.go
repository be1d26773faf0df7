package metrics

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// tracerName is the instrumentation scope of Accord's spans.
const tracerName = "github.com/accord/accord"

// startSpan starts a span with the global tracer provider: a no-op one
// unless package tracing installed an exporting one.
func startSpan(ctx context.Context, name string) (context.Context, func(error)) {
	ctx, span := otel.Tracer(tracerName).Start(ctx, name)
	return ctx, func(err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}

// Tracer is the tracer of Accord's spans (the global provider's).
func Tracer() trace.Tracer { return otel.Tracer(tracerName) }
