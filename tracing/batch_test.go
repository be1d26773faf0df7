package tracing

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// recorder is a span exporter that remembers the size of every export,
// and blocks in ExportSpans while gate is set and open.
type recorder struct {
	mu       sync.Mutex
	batches  []int
	names    []string
	shutdown bool
	gate     chan struct{} // nil: never blocks
	entered  chan struct{} // told when an export starts (nil: not told)
}

func (r *recorder) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if r.entered != nil {
		r.entered <- struct{}{}
	}
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, len(spans))
	for _, s := range spans {
		r.names = append(r.names, s.Name())
	}
	return nil
}

func (r *recorder) Shutdown(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shutdown = true
	return nil
}

func (r *recorder) exported() (total int, batches []int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.batches {
		total += n
	}
	return total, append([]int(nil), r.batches...)
}

// endSpans starts and ends n spans through a provider using b.
func endSpans(t *testing.T, b *Batcher, n int, opts ...sdktrace.TracerProviderOption) {
	t.Helper()
	tp := sdktrace.NewTracerProvider(append([]sdktrace.TracerProviderOption{sdktrace.WithSpanProcessor(b)}, opts...)...)
	tr := tp.Tracer("test")
	for range n {
		_, s := tr.Start(context.Background(), "op")
		s.End()
	}
}

// eventually waits up to 5 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestBatcherExportsFullBatchesWithoutWaiting(t *testing.T) {
	rec := &recorder{}
	b := NewBatcher(rec, BatchConfig{ScheduleDelay: time.Hour, MaxExportBatchSize: 4})
	defer b.Shutdown(context.Background())
	endSpans(t, b, 10)
	// The schedule delay is an hour: only full batches wake the exporter.
	eventually(t, "two full batches", func() bool { n, _ := rec.exported(); return n >= 8 })
	if err := b.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	total, batches := rec.exported()
	if total != 10 {
		t.Fatalf("exported %d spans (batches %v), want 10", total, batches)
	}
	for _, n := range batches {
		if n > 4 {
			t.Errorf("a batch of %d spans, over MaxExportBatchSize 4 (%v)", n, batches)
		}
	}
}

func TestBatcherExportsAfterScheduleDelay(t *testing.T) {
	rec := &recorder{}
	b := NewBatcher(rec, BatchConfig{ScheduleDelay: 20 * time.Millisecond})
	defer b.Shutdown(context.Background())
	endSpans(t, b, 1)
	eventually(t, "the lone span's export", func() bool { n, _ := rec.exported(); return n == 1 })
}

func TestBatcherDropsWhenQueueFull(t *testing.T) {
	var mu sync.Mutex
	var handled []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { mu.Lock(); handled = append(handled, err); mu.Unlock() }))
	defer otel.SetErrorHandler(prev)

	rec := &recorder{gate: make(chan struct{}), entered: make(chan struct{}, 10)}
	b := NewBatcher(rec, BatchConfig{ScheduleDelay: time.Hour, MaxQueueSize: 2, MaxExportBatchSize: 2})
	defer b.Shutdown(context.Background())
	endSpans(t, b, 2) // a full batch: the exporter takes it and blocks
	<-rec.entered
	endSpans(t, b, 3) // two fit in the queue, one is dropped
	close(rec.gate)
	// The kick of the second full batch exports it, and reports the drop.
	eventually(t, "the queued spans' export", func() bool { n, _ := rec.exported(); return n == 4 })
	eventually(t, "the drop's report", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(handled) == 1
	})
	if !strings.Contains(handled[0].Error(), "1 spans dropped") {
		t.Errorf("reported %v, want 1 span dropped", handled[0])
	}
}

func TestBatcherShutdownExportsWhatIsLeft(t *testing.T) {
	rec := &recorder{}
	b := NewBatcher(rec, BatchConfig{ScheduleDelay: time.Hour})
	endSpans(t, b, 3)
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := rec.exported(); n != 3 || !rec.shutdown {
		t.Fatalf("after Shutdown: %d spans exported, exporter shut down %v; want 3, true", n, rec.shutdown)
	}
	endSpans(t, b, 2) // after Shutdown: dropped
	if err := b.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if n, _ := rec.exported(); n != 3 {
		t.Fatalf("%d spans exported, want the 3 ended before Shutdown", n)
	}
}

// recordOnly records spans without sampling them: they end, and must not
// be exported.
type recordOnly struct{}

func (recordOnly) ShouldSample(sdktrace.SamplingParameters) sdktrace.SamplingResult {
	return sdktrace.SamplingResult{Decision: sdktrace.RecordOnly}
}
func (recordOnly) Description() string { return "record only" }

func TestBatcherSkipsUnsampledSpans(t *testing.T) {
	rec := &recorder{}
	b := NewBatcher(rec, BatchConfig{ScheduleDelay: time.Hour})
	defer b.Shutdown(context.Background())
	endSpans(t, b, 3, sdktrace.WithSampler(recordOnly{}))
	if err := b.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := rec.exported(); n != 0 {
		t.Fatalf("%d unsampled spans exported", n)
	}
}

func TestBatcherForceFlushHonoursContext(t *testing.T) {
	rec := &recorder{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	b := NewBatcher(rec, BatchConfig{ScheduleDelay: time.Hour})
	defer func() { close(rec.gate); b.Shutdown(context.Background()) }()
	endSpans(t, b, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := b.ForceFlush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ForceFlush with a stuck exporter: %v, want the context's deadline", err)
	}
}

func TestBatchConfigFromEnv(t *testing.T) {
	def := BatchConfig{ScheduleDelay: 5 * time.Second, ExportTimeout: 30 * time.Second, MaxQueueSize: 2048, MaxExportBatchSize: 512}
	for _, c := range []struct {
		name    string
		env     map[string]string
		want    BatchConfig
		wantErr string
	}{
		{"unset: the SDK's defaults", nil, def, ""},
		{"all set", map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "200", "OTEL_BSP_EXPORT_TIMEOUT": "1000", "OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "10"},
			BatchConfig{ScheduleDelay: 200 * time.Millisecond, ExportTimeout: time.Second, MaxQueueSize: 100, MaxExportBatchSize: 10}, ""},
		{"batch larger than the queue", map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "100"},
			BatchConfig{ScheduleDelay: 5 * time.Second, ExportTimeout: 30 * time.Second, MaxQueueSize: 100, MaxExportBatchSize: 100}, ""},
		{"not a number", map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "5s"}, BatchConfig{}, "OTEL_BSP_SCHEDULE_DELAY"},
		{"zero", map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "0"}, BatchConfig{}, "OTEL_BSP_MAX_QUEUE_SIZE"},
		{"negative", map[string]string{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "-1"}, BatchConfig{}, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := BatchConfigFromEnv(func(k string) string { return c.env[k] })
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}
