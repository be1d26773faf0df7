package proxy

import (
	"context"
	"time"
)

// Observer is told what the proxy does, for metrics and traces; package
// metrics implements it (Config.Observer). The proxy imports no metrics or
// tracing library. Methods must be cheap and safe for concurrent use.
type Observer interface {
	// StartSpan begins a span under ctx (one per Produce request); end is
	// called once with its outcome.
	StartSpan(ctx context.Context, name string) (_ context.Context, end func(error))
	// ConnOpened and ConnClosed bracket each client connection.
	ConnOpened()
	ConnClosed()
	// BytesIn counts bytes read from clients, BytesOut bytes written to
	// them (Kafka frames, size prefixes included).
	BytesIn(n int)
	BytesOut(n int)
	// Validated reports one partition's batches of a Produce request:
	// how many records were judged, how many were invalid, and the check
	// of each failure (validator.Check names); refused is true when the
	// partition was refused.
	Validated(records, invalid int, failedChecks []string, refused bool)
	// Upstream reports how long the brokers took to answer a forwarded
	// request.
	Upstream(d time.Duration)
}

// nopObserver is the Observer of a Config without one.
type nopObserver struct{}

func (nopObserver) StartSpan(ctx context.Context, _ string) (context.Context, func(error)) {
	return ctx, func(error) {}
}
func (nopObserver) ConnOpened()                        {}
func (nopObserver) ConnClosed()                        {}
func (nopObserver) BytesIn(int)                        {}
func (nopObserver) BytesOut(int)                       {}
func (nopObserver) Validated(int, int, []string, bool) {}
func (nopObserver) Upstream(time.Duration)             {}
