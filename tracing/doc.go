// Package tracing turns OpenTelemetry tracing on from the standard OTEL_*
// environment variables, and ties logs and outgoing requests to traces.
//
// Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (and OTEL_SDK_DISABLED is not
// true, and OTEL_TRACES_EXPORTER is not none). Spans are exported with
// OTLP over HTTP (protobuf); the exporter itself reads the other
// OTEL_EXPORTER_OTLP_* variables (headers, timeout, compression,
// certificates), the SDK reads OTEL_TRACES_SAMPLER[_ARG], Batcher (the
// span processor, cheaper per span than the SDK's batch processor) reads
// the OTEL_BSP_* batch settings, and OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES name the service (default "accord"). Only the
// http/protobuf protocol is built in: asking for grpc, or a batch setting
// that is not a positive integer, is an error at start-up rather than a
// silent fallback.
//
// W3C trace context (traceparent, tracestate) is the propagator: incoming
// requests continue their caller's trace, and Transport carries it on
// outgoing ones.
package tracing
