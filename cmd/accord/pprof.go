//go:build pprof

package main

// Profiling of the benchmarks (bench/run.sh with PPROF=ADDR): a binary
// built with -tags pprof serves net/http/pprof on ACCORD_PPROF_ADDR, a
// listener of its own, so that the API's routes and the route-policy
// table are untouched. Release builds have no such listener.

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

func init() {
	addr := os.Getenv("ACCORD_PPROF_ADDR")
	if addr == "" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof listener", slog.Any("err", err))
		}
	}()
}
