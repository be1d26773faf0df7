// Command accord is the Accord schema registry and data-contract service.
//
//	accord serve [flags]     run the registry (Confluent-compatible REST API)
//	accord version           print the version
//
// Run "accord serve --help" for the server's flags.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

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
	case "version", "--version":
		fmt.Println("accord", version)
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
  accord version         print the version

Examples:
  accord serve                                   # SQLite in ./accord-data, on 127.0.0.1:8081
  accord serve --database-url postgres://user@db/accord --addr 0.0.0.0:8081 \
    --bootstrap-admin root --bootstrap-admin-password-file /run/secrets/accord-admin
`)
}
