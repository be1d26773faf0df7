package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/accord/accord/contracts/proxy"
	"github.com/accord/accord/contracts/validator"
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

func proxyCmd(args []string) int {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	listen := fs.String("listen", envOr("ACCORD_PROXY_LISTEN", "127.0.0.1:19092"), "address clients connect to (env ACCORD_PROXY_LISTEN); further brokers get listeners on the same host")
	upstream := fs.String("upstream", os.Getenv("ACCORD_PROXY_UPSTREAM"), "a bootstrap broker, host:port (env ACCORD_PROXY_UPSTREAM; required)")
	accordURL := fs.String("accord-url", envOr("ACCORD_URL", "http://127.0.0.1:8081"), "the Accord server the validator reads (env ACCORD_URL)")
	tokenFile := fs.String("token-file", "", "file holding the API token the proxy reads Accord with (or env ACCORD_TOKEN)")
	saslMode := fs.String("sasl", envOr("ACCORD_PROXY_SASL", "off"), "on: clients authenticate with SASL/PLAIN as Accord principals (password or API token); off: the client id names the producer")
	idMap := fs.String("client-id-map", "", "file of clientid=principal lines (with --sasl off)")
	principals := principalFlags{}
	fs.Var(principals, "principal", "clientid=principal (repeatable; with --sasl off)")
	logLevel := fs.String("log-level", envOr("ACCORD_LOG_LEVEL", "info"), "debug, info, warn or error (env ACCORD_LOG_LEVEL)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: accord proxy --upstream HOST:PORT [flags]

Runs a validating Kafka proxy: clients connect to --listen instead of the
brokers; every Produce request's records are checked against their streams'
contracts in Accord, and a batch with an invalid record is refused with
INVALID_RECORD without reaching the broker. The proxy connects upstream
without SASL or TLS.

Examples:
  accord proxy --upstream kafka:9092 --sasl on
  accord proxy --upstream kafka:9092 --principal orders-app=orders-svc --principal billing-app=billing-svc

Flags:
`)
		fs.PrintDefaults()
	}
	log, code, done := parseDaemonFlags("proxy", fs, args, logLevel)
	if done {
		return code
	}
	cfg, err := proxyConfig(*listen, *upstream, *accordURL, *tokenFile, *saslMode, *idMap, principals, os.Getenv, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "accord proxy: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
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
func proxyConfig(listen, upstream, accordURL, tokenFile, saslMode, idMap string, principals map[string]string, getenv func(string) string, log *slog.Logger) (proxy.Config, error) {
	cfg := proxy.Config{Listen: listen, Upstream: upstream, Logger: log, ClientIDs: map[string]string{}}
	if upstream == "" {
		return cfg, errors.New("--upstream HOST:PORT is required")
	}
	token := getenv("ACCORD_TOKEN")
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return cfg, fmt.Errorf("--token-file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	var authz string
	if token != "" {
		authz = "Bearer " + token
	}
	cfg.Validator = validator.New(validator.NewHTTPSource(accordURL, validator.HTTPOptions{Authorization: authz}), validator.Options{Logger: log, Refresh: 5 * time.Second})
	switch saslMode {
	case "on":
		if idMap != "" || len(principals) > 0 {
			return cfg, errors.New("--client-id-map and --principal apply with --sasl off only")
		}
		cfg.SASL = &proxy.AccordAuthenticator{BaseURL: accordURL}
	case "off":
		if idMap != "" {
			if err := readClientIDMap(idMap, cfg.ClientIDs); err != nil {
				return cfg, err
			}
		}
		for id, who := range principals {
			cfg.ClientIDs[id] = who
		}
	default:
		return cfg, fmt.Errorf("--sasl must be on or off, not %q", saslMode)
	}
	return cfg, nil
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
