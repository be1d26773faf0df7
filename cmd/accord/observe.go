package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/accord/accord/metrics"
	"github.com/accord/accord/tracing"
)

// obsFlags are the observability flags of the daemons: where metrics are
// served and how they are guarded, and the access log.
type obsFlags struct {
	metricsAddr, metricsTokenFile, accessLog *string
}

// addObsFlags adds the flags; serve adds those of accord serve's HTTP
// listener (--metrics-token-file, --access-log).
func addObsFlags(fs *flag.FlagSet, serve bool) obsFlags {
	f := obsFlags{
		metricsAddr: fs.String("metrics-addr", os.Getenv("ACCORD_METRICS_ADDR"), "serve GET /metrics on this separate address, without authentication (env ACCORD_METRICS_ADDR); keep it internal"),
	}
	if serve {
		f.metricsTokenFile = fs.String("metrics-token-file", "", "file holding a token that may read /metrics on the API listener (Authorization: Bearer TOKEN) besides any principal")
		f.accessLog = fs.String("access-log", envOr("ACCORD_ACCESS_LOG", "on"), "on or off: one INFO line per request, method, route, status, bytes, duration, principal, request id (env ACCORD_ACCESS_LOG)")
	}
	return f
}

// observability is what the flags and the OTEL_* environment set up.
type observability struct {
	tracer       trace.Tracer // nil: tracing off
	shutdown     func(context.Context) error
	metricsAddr  string
	metricsToken string
	accessLog    bool
}

func (f obsFlags) setUp(ctx context.Context, log *slog.Logger) (*observability, error) {
	o := &observability{metricsAddr: *f.metricsAddr}
	if f.accessLog != nil {
		switch *f.accessLog {
		case "on":
			o.accessLog = true
		case "off":
		default:
			return nil, fmt.Errorf("--access-log must be on or off, not %q", *f.accessLog)
		}
	}
	if f.metricsTokenFile != nil && *f.metricsTokenFile != "" {
		b, err := os.ReadFile(*f.metricsTokenFile)
		if err != nil {
			return nil, fmt.Errorf("--metrics-token-file: %w", err)
		}
		if o.metricsToken = strings.TrimSpace(string(b)); len(o.metricsToken) < 16 {
			return nil, errors.New("--metrics-token-file: the token must have at least 16 characters")
		}
	}
	tp, shutdown, err := tracing.Setup(ctx, metrics.ReadBuild(version, commit).Version)
	if err != nil {
		return nil, err
	}
	o.shutdown = shutdown
	if tp != nil {
		o.tracer = metrics.Tracer()
		log.Info("tracing on: exporting spans over OTLP/HTTP")
	}
	return o, nil
}

// close flushes the spans still buffered.
func (o *observability) close(log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.shutdown(ctx); err != nil {
		log.Warn("flushing traces", slog.Any("err", err))
	}
}

// serveMetrics serves h at /metrics on --metrics-addr until ctx ends; it
// returns at once when no separate address is set.
func (o *observability) serveMetrics(ctx context.Context, log *slog.Logger, h http.Handler) error {
	if o.metricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", o.metricsAddr)
	if err != nil {
		return fmt.Errorf("--metrics-addr %s: %w", o.metricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info("metrics listening", slog.String("addr", ln.Addr().String()))
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener failed", slog.Any("err", err))
		}
	}()
	return nil
}
