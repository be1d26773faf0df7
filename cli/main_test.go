package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// TestMain lets a test run the CLI as a process of its own (to kill it,
// see TestImportSurvivesKill): the test binary re-executes itself with
// ACCORD_TEST_RUN_MAIN=1 and acts as `accord`, as cmd/accord wires it.
func TestMain(m *testing.M) {
	if os.Getenv("ACCORD_TEST_RUN_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
