package registry

import (
	"context"
	"time"

	"github.com/accord/accord/compat"
)

// Observer is told what the registry does, for metrics and traces; package
// metrics implements it, and cmd/accord installs it with SetObserver. The
// registry imports no metrics or tracing library: this interface is the
// whole of its instrumentation. Methods must be cheap and safe for
// concurrent use.
type Observer interface {
	// StartSpan begins a span named name under ctx (a compatibility
	// check); end is called once with the outcome.
	StartSpan(ctx context.Context, name string) (_ context.Context, end func(error))
	// CompatibilityChecked reports one check of a candidate of format
	// against a subject's versions under level: whether it passed and how
	// long it took.
	CompatibilityChecked(format string, level compat.Level, compatible bool, d time.Duration)
	// RegistrationRefused reports a registration that stored nothing
	// because of err (incompatible, refused by the Policy, invalid, ...).
	RegistrationRefused(err error)
}

// SetObserver installs o (nil removes it). Call it before serving requests.
func (r *Registry) SetObserver(o Observer) { r.obs = o }

// CacheStat is one cache's hit and miss counts since the process started.
type CacheStat struct {
	Name         string
	Hits, Misses uint64
}

// CacheStats reports the registry's caches: schemas by id, parsed schemas,
// prepared (parsed request) schemas, subject views, configs and modes.
func (r *Registry) CacheStats() []CacheStat {
	stat := func(name string, c *hitCounter) CacheStat {
		return CacheStat{Name: name, Hits: c.hits.Load(), Misses: c.misses.Load()}
	}
	return []CacheStat{
		stat("schemas", &r.schemaHits),
		stat("parsed", &r.parsedHits),
		stat("prepared", &r.preparedHits),
		stat("views", &r.versions.hitCounter),
		stat("configs", &r.configs.hitCounter),
		stat("modes", &r.modes.hitCounter),
	}
}

// checkSpan starts the span and clock of a compatibility check; done
// reports it. Without an observer both cost nothing.
func (r *Registry) checkSpan(ctx context.Context) (context.Context, func(format string, level compat.Level, vs []compat.Violation, err error)) {
	if r.obs == nil {
		return ctx, func(string, compat.Level, []compat.Violation, error) {}
	}
	start := time.Now()
	ctx, end := r.obs.StartSpan(ctx, "compatibility check")
	return ctx, func(format string, level compat.Level, vs []compat.Violation, err error) {
		end(err)
		if err == nil {
			r.obs.CompatibilityChecked(format, level, len(vs) == 0, time.Since(start))
		}
	}
}

// refused reports a failed registration to the observer.
func (r *Registry) refused(err error) {
	if r.obs != nil && err != nil {
		r.obs.RegistrationRefused(err)
	}
}
