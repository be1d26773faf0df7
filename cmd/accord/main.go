// Command accord is the Accord schema registry and data-contract service,
// and its command-line client, in one binary.
//
//	accord serve [flags]   run the registry (serve.go wires it)
//	accord proxy [flags]   run the validating Kafka proxy (proxy.go)
//	accord check|push|apply|lineage|export|import|backup|restore|version
//	                       the CLI verbs: package cli, run in-process by its tests
//
// This package is wiring only: the daemons' flags and services here, every
// other verb handed to cli.Run with a context that Ctrl-C (SIGINT) or
// SIGTERM cancels.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/accord/accord/cli"
	"github.com/accord/accord/tracing"
)

// version and commit are set at build time with -ldflags
// "-X main.version=... -X main.commit=..." (deploy/build-image.sh does);
// otherwise they come from the module's build information.
var (
	version = "dev"
	commit  = ""
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run runs the command line args. The daemons handle their own signals
// (they drain on SIGTERM); the CLI verbs get a context cancelled by the
// first SIGINT or SIGTERM, after which the default handling is back, so a
// second Ctrl-C ends the process at once (e.g. during apply's rollback).
func run(args []string) int {
	cli.Version, cli.Commit = version, commit
	if len(args) > 0 {
		switch args[0] {
		case "serve":
			return serve(args[1:])
		case "proxy":
			return proxyCmd(args[1:])
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)
	return cli.Run(ctx, args, os.Stdin, os.Stdout, os.Stderr)
}

// logFlags are the logging flags of the long-running verbs.
type logFlags struct{ level, format *string }

func addLogFlags(fs *flag.FlagSet) logFlags {
	return logFlags{
		level:  fs.String("log-level", envOr("ACCORD_LOG_LEVEL", "info"), "debug, info, warn or error (env ACCORD_LOG_LEVEL)"),
		format: fs.String("log-format", envOr("ACCORD_LOG_FORMAT", "text"), "text (logfmt) or json (env ACCORD_LOG_FORMAT)"),
	}
}

// parseDaemonFlags parses the flags of a long-running verb (serve, proxy)
// and builds its logger from --log-level and --log-format; lines logged
// with a context holding a span carry its trace_id. done is true when the
// verb should exit at once with code (--help, or a bad flag already
// reported).
//
// --help prints the usage on stdout (so `accord serve --help | less`
// works), flags spelled --flag; a flag error prints it on stderr.
func parseDaemonFlags(verb string, fs *flag.FlagSet, args []string, lf logFlags) (log *slog.Logger, code int, done bool) {
	var usage strings.Builder
	fs.SetOutput(&usage)
	if err := fs.Parse(args); err != nil {
		out := io.Writer(os.Stderr)
		code = 2
		if errors.Is(err, flag.ErrHelp) {
			out, code = os.Stdout, 0
		}
		fmt.Fprint(out, cli.LongFlags(usage.String()))
		return nil, code, true
	}
	fs.SetOutput(os.Stderr)
	var level slog.Level
	if err := level.UnmarshalText([]byte(*lf.level)); err != nil {
		fmt.Fprintf(os.Stderr, "accord %s: bad --log-level %q\n", verb, *lf.level)
		return nil, 2, true
	}
	h, err := logHandler(os.Stderr, *lf.format, level)
	if err != nil {
		fmt.Fprintf(os.Stderr, "accord %s: %v\n", verb, err)
		return nil, 2, true
	}
	return slog.New(h), 0, false
}

// logHandler writes logs to w in format (text or json) at level and
// above, with trace ids.
func logHandler(w io.Writer, format string, level slog.Level) (slog.Handler, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text", "":
		return tracing.LogHandler(slog.NewTextHandler(w, opts)), nil
	case "json":
		return tracing.LogHandler(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("bad --log-format %q: text or json", format)
}

// listenerTLS is the TLS configuration of a listener serving cert and key
// (PEM files); nil, nil when neither is set. Both daemons (serve, proxy)
// take the pair as --tls-cert and --tls-key.
func listenerTLS(cert, key string) (*tls.Config, error) {
	switch {
	case cert == "" && key == "":
		return nil, nil
	case cert == "" || key == "":
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}
