package sqlstore

import (
	"context"
	"time"
)

// Observer is told what the store does, for metrics and traces; package
// metrics implements it (install it with WithObserver). Methods must be
// cheap and safe for concurrent use.
type Observer interface {
	// Query reports one database call of the registry's store: op is
	// "query", "exec" or "commit"; err is nil for a QueryRow, whose error
	// surfaces at Scan.
	Query(op string, d time.Duration, err error)
	// StartSpan begins a span (one transaction, retries included); end
	// is called once with its outcome.
	StartSpan(ctx context.Context, name string) (_ context.Context, end func(error))
	// Transaction reports a finished Update: its duration, retries
	// included, and its outcome.
	Transaction(d time.Duration, err error)
	// FeedUp reports whether the PostgreSQL change feed (LISTEN) is
	// connected; FeedReconnect counts each reconnection; FeedLag reports
	// how long after its commit a change from another replica arrived.
	FeedUp(up bool)
	FeedReconnect()
	FeedLag(d time.Duration)
}

// WithObserver installs o.
func WithObserver(o Observer) Option {
	return func(opts *options) { opts.observer = o }
}

// observed times a database call for the observer, when there is one.
func observed[T any](o Observer, op string, call func() (T, error)) (T, error) {
	if o == nil {
		return call()
	}
	start := time.Now()
	v, err := call()
	o.Query(op, time.Since(start), err)
	return v, err
}
