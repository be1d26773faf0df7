package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry"
)

var _ registry.Observer = (*Server)(nil)

// CompatibilityChecked implements registry.Observer.
func (m *Server) CompatibilityChecked(format string, level compat.Level, compatible bool, d time.Duration) {
	result := "incompatible"
	if compatible {
		result = "compatible"
	}
	format, lvl := boundedFormat(format), boundedLevel(level)
	m.compatChecks.WithLabelValues(format, lvl, result).Inc()
	m.compatDuration.WithLabelValues(format).Observe(d.Seconds())
}

// RegistrationRefused implements registry.Observer: it counts the refusal
// under its reason.
func (m *Server) RegistrationRefused(err error) {
	m.refused.WithLabelValues(RefusalReason(err)).Inc()
}

// RefusalReason classifies why a registration stored nothing: incompatible,
// lint (the stream's event-type lints), review (the stream requires a
// proposal), ownership (another service owns the stream), invalid (a bad
// schema, subject or reference), read_only (the subject's mode), or other
// (the store failed, the client left).
func RefusalReason(err error) string {
	switch {
	case errors.Is(err, registry.ErrIncompatible):
		return "incompatible"
	case errors.Is(err, contracts.ErrLintFailed):
		return "lint"
	case errors.Is(err, contracts.ErrReviewRequired):
		return "review"
	case errors.Is(err, contracts.ErrForbidden):
		return "ownership"
	case errors.Is(err, registry.ErrOperationNotPermitted):
		return "read_only"
	case errors.Is(err, registry.ErrInvalidSchema), errors.Is(err, registry.ErrInvalidSubject), errors.Is(err, registry.ErrInvalidVersion):
		return "invalid"
	}
	return "other"
}

// StartSpan implements registry.Observer and sqlstore.Observer with the
// global OpenTelemetry tracer.
func (m *Server) StartSpan(ctx context.Context, name string) (context.Context, func(error)) {
	return startSpan(ctx, name)
}

func boundedFormat(f string) string {
	switch f {
	case "AVRO", "PROTOBUF", "JSON":
		return f
	}
	return "other"
}

func boundedLevel(l compat.Level) string {
	for _, known := range compat.Levels {
		if l == known {
			return string(l)
		}
	}
	return "other"
}
