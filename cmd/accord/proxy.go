package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/accord/accord/contracts/proxy"
	"github.com/accord/accord/contracts/validator"
	"github.com/accord/accord/metrics"
	"github.com/accord/accord/tracing"
)

// principalFlags collects repeated --principal clientid=principal flags.
type principalFlags map[string]string

func (p principalFlags) String() string { return fmt.Sprint(map[string]string(p)) }

func (p principalFlags) Set(v string) error {
	id, who, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(id) == "" || strings.TrimSpace(who) == "" {
		return fmt.Errorf("want clientid=principal, got %q", v)
	}
	p[strings.TrimSpace(id)] = strings.TrimSpace(who)
	return nil
}

// proxyOptions are the flags of accord proxy.
type proxyOptions struct {
	listen, upstream, accordURL, tokenFile string
	sasl, idMap                            string
	principals                             map[string]string
	// tlsCert and tlsKey: the listeners' certificate and key (PEM files).
	tlsCert, tlsKey string
	// upstreamTLS: reach the brokers over TLS; upstreamCA: trust this PEM
	// bundle for them (rather than the system's roots), implying TLS.
	upstreamTLS bool
	upstreamCA  string
	// maxRequest and maxResponse bound frames, in bytes (0: the default).
	maxRequest, maxResponse int
	// idle closes silent client connections (0: the default).
	idle time.Duration
	// requestTimeout bounds reading one request once started (0: never);
	// maxConns bounds open client connections (0: no bound);
	// maxDecompressed bounds a partition's inflated batches.
	requestTimeout  time.Duration
	maxConns        int
	maxDecompressed int
}

func proxyCmd(args []string) int {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	var o proxyOptions
	fs.StringVar(&o.listen, "listen", envOr("ACCORD_PROXY_LISTEN", "127.0.0.1:19092"), "address clients connect to (env ACCORD_PROXY_LISTEN); further brokers get listeners on the same host")
	fs.StringVar(&o.upstream, "upstream", os.Getenv("ACCORD_PROXY_UPSTREAM"), "a bootstrap broker, host:port (env ACCORD_PROXY_UPSTREAM; required)")
	fs.StringVar(&o.accordURL, "accord-url", envOr("ACCORD_URL", "http://127.0.0.1:8081"), "the Accord server the validator reads (env ACCORD_URL)")
	fs.StringVar(&o.tokenFile, "token-file", "", "file holding the API token the proxy reads Accord with (or env ACCORD_TOKEN)")
	fs.StringVar(&o.sasl, "sasl", envOr("ACCORD_PROXY_SASL", "off"), "on: clients authenticate with SASL/PLAIN as Accord principals (password or API token); off: the client id names the producer")
	fs.StringVar(&o.idMap, "client-id-map", "", "file of clientid=principal lines (with --sasl off)")
	principals := principalFlags{}
	fs.Var(principals, "principal", "clientid=principal (repeatable; with --sasl off)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate (chain) clients see: the listeners serve TLS only (with --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.BoolVar(&o.upstreamTLS, "upstream-tls", false, "connect to the brokers over TLS, verified against the system's roots (or --upstream-ca)")
	fs.StringVar(&o.upstreamCA, "upstream-ca", "", "PEM bundle of the CAs the brokers' certificates are verified against; implies --upstream-tls")
	fs.IntVar(&o.maxRequest, "max-request-bytes", proxy.DefaultMaxFrameBytes, "largest client request accepted; a larger one closes the connection")
	fs.IntVar(&o.maxResponse, "max-response-bytes", proxy.DefaultMaxFrameBytes, "largest broker answer passed on; a larger one closes the client's connection")
	fs.DurationVar(&o.idle, "idle-timeout", 10*time.Minute, "close a client connection that sends nothing for this long (as brokers' connections.max.idle.ms; 0: never)")
	logs := addLogFlags(fs)
	obsF := addObsFlags(fs, false)
	fs.DurationVar(&o.requestTimeout, "request-timeout", 30*time.Second, "close a client connection whose request, once started, has not fully arrived after this long (0: never)")
	fs.IntVar(&o.maxConns, "max-connections", proxy.DefaultMaxConnections, "client connections open at once, over all listeners; more wait in the listen backlog (0: no bound)")
	fs.IntVar(&o.maxDecompressed, "max-decompressed-bytes", proxy.DefaultMaxDecompressedBytes, "what one partition's compressed batches of a produce request may inflate to; more is refused as corrupt")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: accord proxy --upstream HOST:PORT [flags]

Runs a validating Kafka proxy: clients connect to --listen instead of the
brokers; every Produce request's records are checked against their streams'
contracts in Accord, and a batch with an invalid record is refused with
INVALID_RECORD without reaching the broker. The proxy connects upstream
without SASL, over TLS with --upstream-tls or --upstream-ca.

Examples:
  accord proxy --upstream kafka:9092 --sasl on --tls-cert proxy.pem --tls-key proxy-key.pem
  accord proxy --upstream kafka:9092 --principal orders-app=orders-svc --principal billing-app=billing-svc
  accord proxy --upstream kafka:9093 --upstream-ca kafka-ca.pem --sasl on
  accord proxy --upstream kafka:9092 --sasl on --metrics-addr 127.0.0.1:9091

Metrics: GET /metrics (Prometheus) on --metrics-addr when set. Traces: a span
per Produce request over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set.

Flags:
`)
		fs.PrintDefaults()
	}
	log, code, done := parseDaemonFlags("proxy", fs, args, logs)
	if done {
		return code
	}
	o.principals = principals
	cfg, err := proxyConfig(o, os.Getenv, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "accord proxy: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	obs, err := obsF.setUp(ctx, log)
	if err != nil {
		log.Error("accord proxy: observability", slog.Any("err", err))
		return 1
	}
	defer obs.close(log)
	m := metrics.NewProxy(metrics.ReadBuild(version, commit))
	cfg.Observer = m
	if err := obs.serveMetrics(ctx, log, m.Handler()); err != nil {
		log.Error("accord proxy", slog.Any("err", err))
		return 1
	}
	if v, ok := cfg.Validator.(*validator.Validator); ok {
		go v.Run(ctx)
	}
	p, err := proxy.New(cfg)
	if err != nil {
		log.Error("accord proxy", slog.Any("err", err))
		return 1
	}
	if err := p.Run(ctx); err != nil {
		log.Error("accord proxy failed", slog.Any("err", err))
		return 1
	}
	return 0
}

// proxyConfig turns the flags into a proxy.Config.
func proxyConfig(o proxyOptions, getenv func(string) string, log *slog.Logger) (proxy.Config, error) {
	cfg := proxy.Config{Listen: o.listen, Upstream: o.upstream, Logger: log, ClientIDs: map[string]string{}}
	if o.upstream == "" {
		return cfg, errors.New("--upstream HOST:PORT is required")
	}
	for name, v := range map[string]int{"--max-request-bytes": o.maxRequest, "--max-response-bytes": o.maxResponse} {
		if v < 0 || v > math.MaxInt32 {
			return cfg, fmt.Errorf("%s must be between 0 (the default, %d) and %d", name, proxy.DefaultMaxFrameBytes, math.MaxInt32)
		}
	}
	cfg.MaxRequestBytes, cfg.MaxResponseBytes = int32(o.maxRequest), int32(o.maxResponse)
	cfg.IdleTimeout = o.idle
	if o.idle == 0 {
		cfg.IdleTimeout = -1 // never
	}
	cfg.RequestTimeout, cfg.MaxConnections, cfg.MaxDecompressedBytes = o.requestTimeout, o.maxConns, o.maxDecompressed
	if o.requestTimeout == 0 {
		cfg.RequestTimeout = -1 // never
	}
	if o.maxConns == 0 {
		cfg.MaxConnections = -1 // no bound
	}
	if o.maxConns < 0 || o.maxDecompressed < 0 {
		return cfg, errors.New("--max-connections and --max-decompressed-bytes must not be negative")
	}
	if err := proxyTLS(o, &cfg); err != nil {
		return cfg, err
	}
	token := getenv("ACCORD_TOKEN")
	if o.tokenFile != "" {
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return cfg, fmt.Errorf("--token-file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	var authz string
	if token != "" {
		authz = "Bearer " + token
	}
	// The validator's requests to Accord carry the trace of the Produce
	// request that needed them (W3C traceparent).
	client := &http.Client{Transport: tracing.Transport(nil)}
	cfg.Validator = validator.New(validator.NewHTTPSource(o.accordURL, validator.HTTPOptions{Authorization: authz, Client: client}), validator.Options{Logger: log, Refresh: 5 * time.Second})
	switch o.sasl {
	case "on":
		if o.idMap != "" || len(o.principals) > 0 {
			return cfg, errors.New("--client-id-map and --principal apply with --sasl off only")
		}
		cfg.SASL = &proxy.AccordAuthenticator{BaseURL: o.accordURL}
	case "off":
		if o.idMap != "" {
			if err := readClientIDMap(o.idMap, cfg.ClientIDs); err != nil {
				return cfg, err
			}
		}
		for id, who := range o.principals {
			cfg.ClientIDs[id] = who
		}
	default:
		return cfg, fmt.Errorf("--sasl must be on or off, not %q", o.sasl)
	}
	return cfg, nil
}

// proxyTLS reads the TLS flags into cfg.
func proxyTLS(o proxyOptions, cfg *proxy.Config) error {
	var err error
	if cfg.TLS, err = listenerTLS(o.tlsCert, o.tlsKey); err != nil {
		return err
	}
	if o.upstreamCA != "" {
		pem, err := os.ReadFile(o.upstreamCA)
		if err != nil {
			return fmt.Errorf("--upstream-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--upstream-ca %s: no PEM certificate in it", o.upstreamCA)
		}
		cfg.UpstreamTLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	} else if o.upstreamTLS {
		cfg.UpstreamTLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return nil
}

// readClientIDMap reads clientid=principal lines; blank lines and lines
// starting with # are skipped.
func readClientIDMap(path string, into map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--client-id-map: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := principalFlags(into).Set(line); err != nil {
			return fmt.Errorf("--client-id-map %s line %d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("--client-id-map: %w", err)
	}
	return nil
}
