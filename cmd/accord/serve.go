package main

import (
	"context"
	"crypto/tls"
	"database/sql"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/netutil"

	"github.com/accord/accord/api"
	"github.com/accord/accord/compat/avro"
	"github.com/accord/accord/compat/jsonschema"
	"github.com/accord/accord/compat/protobuf"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/contracts/sqlcontracts"
	"github.com/accord/accord/contracts/validator"
	"github.com/accord/accord/dek"
	"github.com/accord/accord/dek/sqldek"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/lineage/sqllineage"
	"github.com/accord/accord/metrics"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/proposals/sqlproposals"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/sqlstore"
	"github.com/accord/accord/ui"
)

func serve(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", envOr("ACCORD_ADDR", "127.0.0.1:8081"), "address to listen on (env ACCORD_ADDR)")
	dataDir := fs.String("data-dir", envOr("ACCORD_DATA_DIR", "./accord-data"), "folder of the embedded SQLite store (env ACCORD_DATA_DIR)")
	dbURL := fs.String("database-url", os.Getenv("ACCORD_DATABASE_URL"), "PostgreSQL URL (postgres://...); when set, used instead of SQLite (env ACCORD_DATABASE_URL)")
	maxBody := fs.Int64("max-body-bytes", api.DefaultMaxBodyBytes, "largest request body accepted")
	logs := addLogFlags(fs)
	obsF := addObsFlags(fs, true)
	maxConns := fs.Int("max-connections", envInt("ACCORD_MAX_CONNECTIONS", DefaultMaxConnections), "client connections open at once; more wait in the listen backlog (env ACCORD_MAX_CONNECTIONS; 0: no bound)")
	readTimeout := fs.Duration("read-timeout", DefaultReadTimeout, "time to read a whole request, headers and body (a slow body is cut off after it)")
	authMode := fs.String("auth", os.Getenv("ACCORD_AUTH"), "on or off (env ACCORD_AUTH); default off on a loopback address, on elsewhere (where off is refused)")
	bootAdmin := fs.String("bootstrap-admin", os.Getenv("ACCORD_BOOTSTRAP_ADMIN"), "create this admin principal if missing (env ACCORD_BOOTSTRAP_ADMIN); its password or token comes from --bootstrap-admin-password-file or env "+bootstrapSecretEnv)
	bootFile := fs.String("bootstrap-admin-password-file", "", "file holding the bootstrap admin's password or API token (acc_...)")
	tlsCert := fs.String("tls-cert", os.Getenv("ACCORD_TLS_CERT"), "PEM certificate (chain): serve HTTPS only, with --tls-key (env ACCORD_TLS_CERT)")
	tlsKey := fs.String("tls-key", os.Getenv("ACCORD_TLS_KEY"), "PEM private key of --tls-cert (env ACCORD_TLS_KEY)")
	schemaCache := fs.Int("schema-cache-mib", envInt("ACCORD_SCHEMA_CACHE_MIB", int(registry.DefaultCacheSizes.SchemaBytes>>20)), "MiB of schemas by id held in memory, as stored and as encoded answers, each (env ACCORD_SCHEMA_CACHE_MIB)")
	parsedCache := fs.Int("parsed-cache-mib", envInt("ACCORD_PARSED_CACHE_MIB", int(registry.DefaultCacheSizes.ParsedBytes>>20)), "MiB of parsed schemas held in memory, of stored schemas and of request bodies, each (env ACCORD_PARSED_CACHE_MIB)")
	memLimit := fs.Int("memory-limit-mib", envInt("ACCORD_MEMORY_LIMIT_MIB", -1), "soft limit of the Go heap in MiB: -1 derives it from the cache budgets (capped at 90% of the container's memory limit; GOMEMLIMIT, when set, wins), 0 sets none (env ACCORD_MEMORY_LIMIT_MIB)")
	subjectCache := fs.Int("subject-cache-versions", envInt("ACCORD_SUBJECT_CACHE_VERSIONS", int(registry.DefaultCacheSizes.SubjectVersions)), "subject versions held in memory (subject views; configs and modes of as many subjects) (env ACCORD_SUBJECT_CACHE_VERSIONS)")
	defTimeout, envErr := envDuration("ACCORD_DB_TIMEOUT", sqlstore.DefaultTimeout)
	dbTimeout := fs.Duration("db-timeout", defTimeout, "deadline of each database call (a transaction gets twice it); a stalled database fails requests after it instead of hanging them (env ACCORD_DB_TIMEOUT)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: accord serve [flags]

Runs the registry. With no flags it stores data in SQLite under ./accord-data
and listens on 127.0.0.1:8081.

Examples:
  accord serve
  accord serve --data-dir /var/lib/accord --addr 127.0.0.1:9000
  ACCORD_DATABASE_URL=postgres://accord@db:5432/accord accord serve
  accord serve --addr :8443 --tls-cert server.pem --tls-key server-key.pem
  accord serve --metrics-addr 127.0.0.1:9090 --log-format json --access-log off
  OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318 accord serve

Metrics: GET /metrics (Prometheus) on --addr (any principal, or the token
of --metrics-token-file, when authentication is on), or on --metrics-addr
instead. Traces: OpenTelemetry over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT
(or _TRACES_ENDPOINT) is set.

Flags:
`)
		fs.PrintDefaults()
	}
	log, code, done := parseDaemonFlags("serve", fs, args, logs)
	if done {
		return code
	}
	if envErr != nil {
		fmt.Fprintf(os.Stderr, "accord serve: %v\n", envErr)
		return 2
	}
	if *dbTimeout <= 0 {
		fmt.Fprintf(os.Stderr, "accord serve: --db-timeout must be positive, not %v\n", *dbTimeout)
		return 2
	}
	if *schemaCache < 1 || *parsedCache < 1 || *subjectCache < 1 {
		fmt.Fprintf(os.Stderr, "accord serve: --schema-cache-mib, --parsed-cache-mib and --subject-cache-versions must be at least 1\n")
		return 2
	}
	caches := registry.CacheSizes{SchemaBytes: int64(*schemaCache) << 20, ParsedBytes: int64(*parsedCache) << 20, SubjectVersions: int64(*subjectCache)}
	if code := applyMemoryLimit(log, *memLimit, caches); code != 0 {
		return code
	}
	authCfg, err := resolveAuth(*addr, *authMode, *bootAdmin, *bootFile, os.Getenv)
	if err != nil {
		log.Error("accord serve: authentication", slog.Any("err", err))
		return 1
	}
	tlsCfg, err := listenerTLS(*tlsCert, *tlsKey)
	if err != nil {
		log.Error("accord serve: TLS", slog.Any("err", err))
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	obs, err := obsF.setUp(ctx, log)
	if err != nil {
		log.Error("accord serve: observability", slog.Any("err", err))
		return 1
	}
	defer obs.close(log)
	if err := runServer(ctx, log, serverConfig{addr: *addr, dataDir: *dataDir, dbURL: *dbURL, maxBody: *maxBody, dbTimeout: *dbTimeout, caches: caches, limits: connLimits{maxConns: *maxConns, readTimeout: *readTimeout}}, authCfg, tlsCfg, obs); err != nil {
		log.Error("accord serve failed", slog.Any("err", err))
		return 1
	}
	return 0
}

// serverConfig is what runServer needs from the flags.
type serverConfig struct {
	addr, dataDir, dbURL string
	maxBody              int64
	dbTimeout            time.Duration
	caches               registry.CacheSizes // zero fields: the defaults
	limits               connLimits
}

func runServer(ctx context.Context, log *slog.Logger, cfg serverConfig, authCfg authConfig, tlsCfg *tls.Config, obs *observability) error {
	addr, maxBody := cfg.addr, cfg.maxBody
	target, where := cfg.dataDir, "sqlite in "+cfg.dataDir
	if cfg.dbURL != "" {
		target, where = cfg.dbURL, "postgresql"
	} else {
		lock, err := lockDataDir(cfg.dataDir) // one process per SQLite folder
		if err != nil {
			return err
		}
		defer lock.release()
	}
	m := metrics.NewServer(metrics.ReadBuild(version, commit))
	store, err := sqlstore.Open(ctx, target, sqlstore.WithLogger(log), sqlstore.WithTimeout(cfg.dbTimeout), sqlstore.WithObserver(m))
	if err != nil {
		return fmt.Errorf("opening store (%s): %w", where, openHint(err))
	}
	defer store.Close()
	authn, err := authCfg.setUp(ctx, log, store)
	if err != nil {
		return err
	}

	reg := registry.New(store, log, avro.Format{}, protobuf.Format{}, jsonschema.Format{})
	reg.SetObserver(m)
	reg.SetCacheSizes(cfg.caches)
	m.Counts(store.Counts, log)
	m.Pools(map[string]*sql.DB{"accord": store.DB().Write})
	if db := store.DB(); db.Read != db.Write {
		m.Pools(map[string]*sql.DB{"accord_read": db.Read})
	}
	unowned, err := contracts.ParseUnownedPolicy(os.Getenv("ACCORD_UNOWNED_SUBJECTS"))
	if err != nil {
		return fmt.Errorf("ACCORD_UNOWNED_SUBJECTS: %w", err)
	}
	copts := contracts.Options{Unowned: unowned, Logger: log}
	if authn != nil { // transfers go to enabled services only
		copts.Principals = authn
	}
	streams := contracts.NewService(sqlcontracts.New(store.DB()), reg, copts)
	reg.SetPolicy(streams)                      // single writer and event-type lints on every registration
	reg.OnChange(streams.Changed)               // other replicas' stream writes reach the contracts snapshot
	reg.SetRuleChecker(validator.RuleChecker{}) // rules compile at registration
	linOpts := lineage.Options{Logger: log}
	if linOpts.JobOwners, err = lineage.ParseJobOwners(os.Getenv("ACCORD_LINEAGE_JOB_OWNERS")); err != nil {
		return fmt.Errorf("ACCORD_LINEAGE_JOB_OWNERS: %w", err)
	}
	if linOpts.Clusters, err = lineage.ParseClusters(os.Getenv("ACCORD_LINEAGE_CLUSTERS")); err != nil {
		return fmt.Errorf("ACCORD_LINEAGE_CLUSTERS: %w", err)
	}
	graph := lineage.NewService(sqllineage.New(store.DB()), streams, reg, linOpts)
	reg.OnChange(graph.Changed) // other replicas' lineage edge writes, applied as they come (PostgreSQL)
	propOpts := proposals.Options{Logger: log}
	if authn != nil { // approvals register as the proposer's current self
		propOpts.Principals = authn
	}
	props := proposals.NewService(sqlproposals.New(store.DB()), reg, streams, graph, propOpts)
	keys := dek.NewService(sqldek.New(store.DB()), dek.Options{Writers: streams}) // DEKs: their subject's writer
	go func() {
		if err := reg.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("cache invalidation feed stopped", slog.Any("err", err))
		}
	}()
	go func() { // build the lineage index now, not on the first query
		if err := graph.Reload(ctx); err != nil && ctx.Err() == nil {
			log.Warn("loading the lineage index", slog.Any("err", err))
		}
	}()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	web := ui.New(ui.Options{Registry: reg, Contracts: streams, Lineage: graph, Audit: store.Audit(), Auth: authn, Proposals: props, Logger: log})
	apiOpts := api.Options{Logger: log, MaxBodyBytes: maxBody, Auth: authn, Contracts: streams, Audit: store.Audit(), Lineage: graph, Proposals: props, UI: web,
		Readiness: store, Backups: newBackups(store, graph, streams, authn, log), DEK: keys, SchemaCacheBytes: cfg.caches.SchemaBytes,
		Observer: m, Tracer: obs.tracer, AccessLog: obs.accessLog, MetricsToken: obs.metricsToken}
	if obs.metricsAddr == "" {
		apiOpts.Metrics = m.Handler()
	} else if err := obs.serveMetrics(ctx, log, m.Handler()); err != nil {
		return err
	}
	handler := api.New(reg, apiOpts)
	m.CacheStats(func() []registry.CacheStat {
		stats := append(reg.CacheStats(), handler.CacheStats()...)
		if authn != nil {
			hits, misses := authn.CacheStats()
			stats = append(stats, registry.CacheStat{Name: "auth", Hits: hits, Misses: misses})
		}
		return stats
	})
	srv, ln := boundedServer(handler, ln, cfg.limits)
	scheme := "http"
	if tlsCfg != nil {
		tlsCfg.NextProtos = []string{"h2", "http/1.1"}
		ln, scheme = tls.NewListener(ln, tlsCfg), "https"
	}
	log.Info("accord listening", slog.String("addr", ln.Addr().String()), slog.String("scheme", scheme), slog.String("store", where))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// openHint adds what to do to SQLite's terse errors about files it may
// not write.
func openHint(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "unable to open database file") || strings.Contains(msg, "readonly database") {
		return fmt.Errorf("%w (the data folder or %s is not writable by this user, or is on a read-only file system)", err, sqlstore.FileName)
	}
	return err
}

// envDuration reads a duration (such as 5s or 1500ms) from the
// environment; def when unset.
func envDuration(key string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return def, fmt.Errorf("%s=%q: not a duration such as 5s or 1500ms", key, v)
	}
	return d, nil
}

// Connection bounds of accord serve (docs/limits.md).
const (
	// DefaultMaxConnections bounds the connections served at once. Each
	// costs a goroutine and about 8 KiB of buffers while idle; 4096 keeps
	// that under 64 MiB with room for the requests' own work.
	DefaultMaxConnections = 4096
	// DefaultReadTimeout bounds reading one request, body included: a
	// 16 MiB body needs 280 KB/s to arrive in time.
	DefaultReadTimeout = time.Minute
	// DefaultWriteTimeout bounds a request's handling and answer once its
	// headers are read: a client that stops reading is cut off.
	DefaultWriteTimeout = 2 * time.Minute
)

// connLimits are the serve flags that bound connections.
type connLimits struct {
	maxConns    int
	readTimeout time.Duration
}

// boundedServer serves handler on ln within lim: at most lim.maxConns
// connections at once (0: no bound) and a slow client holds one only so
// long: headers within ReadHeaderTimeout, the whole request within
// lim.readTimeout, the answer within WriteTimeout, an idle keep-alive
// connection IdleTimeout.
func boundedServer(handler http.Handler, ln net.Listener, lim connLimits) (*http.Server, net.Listener) {
	readTimeout := lim.readTimeout
	if readTimeout <= 0 {
		readTimeout = DefaultReadTimeout
	}
	if lim.maxConns > 0 {
		// Past the bound, clients wait in the listen backlog.
		ln = netutil.LimitListener(ln, lim.maxConns)
	}
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(10*time.Second, readTimeout),
		ReadTimeout:       readTimeout,
		WriteTimeout:      max(DefaultWriteTimeout, readTimeout),
		IdleTimeout:       2 * time.Minute,
	}, ln
}

// envInt is envOr for an integer; a malformed value keeps def.
func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
