package tracing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Batcher is the span processor Setup installs. It batches ended spans for
// an exporter as the SDK's batch span processor does, with the same
// settings (OTEL_BSP_SCHEDULE_DELAY, _EXPORT_TIMEOUT, _MAX_QUEUE_SIZE,
// _MAX_EXPORT_BATCH_SIZE) and the same behaviour when its queue is full
// (the span is dropped, counted, and reported through otel.Handle), but
// without a channel send per span.
//
// Why not the SDK's: its processor hands each ended span to its export
// goroutine over a channel. When requests are sparser than the goroutine
// is fast, which is always on a registry whose hot read takes
// microseconds, that goroutine is parked, and every span wakes it (and
// often another OS thread for it): measured on 2 cores, that alone was
// about 4% of a cached GET /schemas/ids/{id}. Batcher appends under a
// mutex and wakes its goroutine only when a batch is full, when the
// schedule delay has passed, or to flush.
type Batcher struct {
	exp sdktrace.SpanExporter
	cfg BatchConfig

	mu      sync.Mutex
	queue   []sdktrace.ReadOnlySpan // ended, not yet handed to the exporter
	dropped uint64                  // refused since the last export: queue full

	spare []sdktrace.ReadOnlySpan // the other buffer, owned by run

	kick     chan struct{}   // a batch is full (capacity 1: one pending wake is enough)
	flush    chan chan error // ForceFlush's requests
	stop     chan struct{}   // closed by Shutdown
	done     chan struct{}   // closed when run has exported what was left
	stopped  atomic.Bool
	stopOnce sync.Once
}

var _ sdktrace.SpanProcessor = (*Batcher)(nil)

// BatchConfig is how Batcher batches; the zero value of a field means the
// SDK's default.
type BatchConfig struct {
	// ScheduleDelay is the longest a span waits before it is exported
	// (default 5 s).
	ScheduleDelay time.Duration
	// ExportTimeout bounds one export call (default 30 s).
	ExportTimeout time.Duration
	// MaxQueueSize bounds the spans held; more are dropped (default 2048).
	MaxQueueSize int
	// MaxExportBatchSize is the most spans in one export call (default 512,
	// at most MaxQueueSize).
	MaxExportBatchSize int
}

func (c BatchConfig) withDefaults() BatchConfig {
	if c.ScheduleDelay <= 0 {
		c.ScheduleDelay = sdktrace.DefaultScheduleDelay * time.Millisecond
	}
	if c.ExportTimeout <= 0 {
		c.ExportTimeout = sdktrace.DefaultExportTimeout * time.Millisecond
	}
	if c.MaxQueueSize <= 0 {
		c.MaxQueueSize = sdktrace.DefaultMaxQueueSize
	}
	if c.MaxExportBatchSize <= 0 {
		c.MaxExportBatchSize = sdktrace.DefaultMaxExportBatchSize
	}
	c.MaxExportBatchSize = min(c.MaxExportBatchSize, c.MaxQueueSize)
	return c
}

// BatchConfigFromEnv reads the OTEL_BSP_* variables through getenv: the
// delays in milliseconds, the sizes as counts, each a positive integer
// (unset: the default). A value that is not is an error, so that a typo
// does not silently leave the default in place.
func BatchConfigFromEnv(getenv func(string) string) (BatchConfig, error) {
	var c BatchConfig
	for _, v := range []struct {
		key string
		set func(n int)
	}{
		{"OTEL_BSP_SCHEDULE_DELAY", func(n int) { c.ScheduleDelay = time.Duration(n) * time.Millisecond }},
		{"OTEL_BSP_EXPORT_TIMEOUT", func(n int) { c.ExportTimeout = time.Duration(n) * time.Millisecond }},
		{"OTEL_BSP_MAX_QUEUE_SIZE", func(n int) { c.MaxQueueSize = n }},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", func(n int) { c.MaxExportBatchSize = n }},
	} {
		s := getenv(v.key)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return BatchConfig{}, fmt.Errorf("tracing: %s=%q: want a positive integer", v.key, s)
		}
		v.set(n)
	}
	return c.withDefaults(), nil
}

// NewBatcher starts a Batcher exporting to exp; Shutdown stops it.
func NewBatcher(exp sdktrace.SpanExporter, cfg BatchConfig) *Batcher {
	cfg = cfg.withDefaults()
	b := &Batcher{
		exp:   exp,
		cfg:   cfg,
		queue: make([]sdktrace.ReadOnlySpan, 0, cfg.MaxExportBatchSize),
		spare: make([]sdktrace.ReadOnlySpan, 0, cfg.MaxExportBatchSize),
		kick:  make(chan struct{}, 1),
		flush: make(chan chan error),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go b.run()
	return b
}

// OnStart does nothing: spans are exported when they end.
func (*Batcher) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd queues s for export, or drops it when the queue is full.
func (b *Batcher) OnEnd(s sdktrace.ReadOnlySpan) {
	if b.stopped.Load() || !s.SpanContext().IsSampled() {
		return
	}
	b.mu.Lock()
	if len(b.queue) >= b.cfg.MaxQueueSize {
		b.dropped++
		b.mu.Unlock()
		return
	}
	b.queue = append(b.queue, s)
	full := len(b.queue) == b.cfg.MaxExportBatchSize
	b.mu.Unlock()
	if full {
		select {
		case b.kick <- struct{}{}:
		default: // a wake is already pending
		}
	}
}

// run exports what is queued whenever a batch fills, the schedule delay
// passes, a flush asks, or the processor stops.
func (b *Batcher) run() {
	defer close(b.done)
	t := time.NewTimer(b.cfg.ScheduleDelay)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			if err := b.export(); err != nil {
				otel.Handle(err)
			}
			return
		case reply := <-b.flush:
			reply <- b.export()
		case <-t.C:
			if err := b.export(); err != nil {
				otel.Handle(err)
			}
		case <-b.kick:
			if err := b.export(); err != nil {
				otel.Handle(err)
			}
		}
		t.Reset(b.cfg.ScheduleDelay)
	}
}

// export hands everything queued to the exporter, MaxExportBatchSize
// spans per call. Only run calls it.
func (b *Batcher) export() error {
	b.mu.Lock()
	spans, dropped := b.queue, b.dropped
	b.queue, b.dropped = b.spare, 0
	b.mu.Unlock()
	var errs []error
	if dropped > 0 {
		errs = append(errs, fmt.Errorf("tracing: %d spans dropped: more than OTEL_BSP_MAX_QUEUE_SIZE=%d waited for export", dropped, b.cfg.MaxQueueSize))
	}
	for rest := spans; len(rest) > 0; {
		n := min(len(rest), b.cfg.MaxExportBatchSize)
		ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ExportTimeout)
		if err := b.exp.ExportSpans(ctx, rest[:n]); err != nil {
			errs = append(errs, fmt.Errorf("tracing: exporting %d spans: %w", n, err))
		}
		cancel()
		rest = rest[n:]
	}
	clear(spans) // let the spans go
	b.spare = spans[:0]
	return errors.Join(errs...)
}

// ForceFlush exports every span that ended before it was called.
func (b *Batcher) ForceFlush(ctx context.Context) error {
	if b.stopped.Load() {
		return nil
	}
	reply := make(chan error, 1)
	select {
	case b.flush <- reply:
	case <-b.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown exports what is queued, then shuts the exporter down. Spans
// that end afterwards are dropped. Only the first call does anything.
func (b *Batcher) Shutdown(ctx context.Context) error {
	err := error(nil)
	b.stopOnce.Do(func() {
		b.stopped.Store(true)
		close(b.stop)
		select {
		case <-b.done:
		case <-ctx.Done():
			err = ctx.Err()
			return
		}
		err = b.exp.Shutdown(ctx)
	})
	return err
}
