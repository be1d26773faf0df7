// Package cli is the accord command's client side: the verbs a person or
// a CI pipeline runs against an Accord server (check, push, apply,
// lineage, export, import) and against a store (backup, restore).
//
// Run is the whole command line as a function of its arguments, standard
// streams and context, so tests run it in-process (and measure its
// coverage) and cancelling the context is how Ctrl-C reaches a verb:
// apply then undoes the unit it was carrying out before it returns.
// The long-running verbs (serve, proxy) are wired in cmd/accord, which
// hands every other verb to Run.
//
// Like cmd/accord, this package is a composition root: backup and restore
// open the SQL store directly.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/accord/accord/metrics"
)

// Version and Commit name the build in `accord version` and in the
// User-Agent of requests; cmd/accord sets them from its link-time values.
var (
	Version = "dev"
	Commit  = ""
)

// runner is one run of the command: its standard streams and environment.
type runner struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// Run runs the accord command line args (without the program name) and
// returns the exit status: 0 done, 1 refused (by the server or a plan),
// 2 usage, file, credential or connection errors, 130 interrupted (ctx
// cancelled, as by Ctrl-C). The environment is read with os.Getenv.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	r := &runner{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	return r.run(ctx, args)
}

func (r *runner) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(r.stderr, usage)
		return exitUsage
	}
	verb, rest := args[0], args[1:]
	switch verb {
	case "check":
		return r.check(ctx, rest)
	case "push":
		return r.push(ctx, rest)
	case "apply":
		return r.apply(ctx, rest)
	case "lineage":
		return r.lineage(ctx, rest)
	case "export":
		return r.export(ctx, rest)
	case "import":
		return r.importCmd(ctx, rest)
	case "backup":
		return r.backup(ctx, rest)
	case "restore":
		return r.restore(ctx, rest)
	case "version", "--version":
		b := metrics.ReadBuild(Version, Commit)
		dirty := ""
		if b.Modified {
			dirty = " (modified)"
		}
		fmt.Fprintf(r.stdout, "accord %s\ncommit %s%s\n%s\n", b.Version, b.Commit, dirty, b.GoVersion)
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(r.stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(r.stderr, "accord: unknown command %q\n\n%s", verb, usage)
		return exitUsage
	}
}

// usage is `accord --help`.
const usage = `Accord: schema registry and data-contract governance for event streams.

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
`

// envOr is the environment variable key, or def when it is unset.
func (r *runner) envOr(key, def string) string {
	if v := r.getenv(key); v != "" {
		return v
	}
	return def
}
