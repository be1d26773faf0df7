// Command accord is the Accord schema registry and data-contract service.
//
//	accord serve [flags]     run the registry (Confluent-compatible REST API)
//	accord check|push|apply|export|import   the CLI for CI (see cli*.go)
//	accord version           print the version
//
// Run "accord serve --help" for the server's flags.
package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/accord/accord/metrics"
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

func run(args []string) int {
	if len(args) == 0 {
		usage()
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:])
	case "proxy":
		return proxyCmd(args[1:])
	case "check":
		return cliCheck(args[1:])
	case "push":
		return cliPush(args[1:])
	case "apply":
		return cliApply(args[1:])
	case "lineage":
		return cliLineage(args[1:])
	case "export":
		return cliExport(args[1:])
	case "import":
		return cliImport(args[1:])
	case "backup":
		return cliBackup(args[1:])
	case "restore":
		return cliRestore(args[1:])
	case "version", "--version":
		b := metrics.ReadBuild(version, commit)
		dirty := ""
		if b.Modified {
			dirty = " (modified)"
		}
		fmt.Printf("accord %s\ncommit %s%s\n%s\n", b.Version, b.Commit, dirty, b.GoVersion)
		return 0
	case "help", "-h", "--help":
		usage()
		return 0
	default:
		fmt.Fprintf(os.Stderr, "accord: unknown command %q\n\n", args[0])
		usage()
		return 2
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `Accord: schema registry and data-contract governance for event streams.

Usage:
  accord serve [flags]   run the server (accord serve --help for flags)
  accord proxy [flags]   run the validating Kafka proxy (accord proxy --help)
  accord check FILE      may this schema ship? compatibility, lints, impact (exit 0 yes, 1 no)
  accord push FILE       register schema files, references first (idempotent)
  accord apply -f DIR    make the server match a directory of YAML contracts (--dry-run: plan)
  accord lineage add|remove|list   declare who consumes and what derives from a stream
  accord export          write the registry as a JSON bundle
  accord import --from   copy a registry or bundle into Accord, keeping ids
  accord backup -o FILE  a consistent backup of the whole store, while it serves
  accord restore FILE    restore a backup into an empty store
  accord version         print the version

Every verb takes --help. The CLI verbs find the server in --url, ACCORD_URL
or ~/.config/accord/config.yaml (url, token), and authenticate with
--token/ACCORD_TOKEN (Bearer) or --user/--password (Basic).

Examples:
  accord serve                                   # SQLite in ./accord-data, on 127.0.0.1:8081
  accord serve --database-url postgres://user@db/accord --addr 0.0.0.0:8081 \
    --bootstrap-admin root --bootstrap-admin-password-file /run/secrets/accord-admin
`)
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
func parseDaemonFlags(verb string, fs *flag.FlagSet, args []string, lf logFlags) (log *slog.Logger, code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0, true
		}
		return nil, 2, true
	}
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
