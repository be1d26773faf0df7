package fault_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/accord/accord/fault"
)

var errMissing = errors.New("missing")

// TestKindAndCause: callers find the kind, the cause and the error itself
// through wrapping, and read only the message.
func TestKindAndCause(t *testing.T) {
	err := fmt.Errorf("reading: %w", &fault.Error{Kind: errMissing, Message: "no such thing", Cause: context.Canceled})
	if !errors.Is(err, errMissing) || !errors.Is(err, context.Canceled) {
		t.Fatalf("kind or cause lost: %v", err)
	}
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Message != "no such thing" {
		t.Fatalf("errors.As: %v", fe)
	}
	if got := fault.Errorf(errMissing, "subject %q", "a").Error(); got != `subject "a"` {
		t.Fatalf("message: %s", got)
	}
	if errors.Is(fault.New(errMissing, "x"), context.Canceled) {
		t.Fatal("an error without a cause matched one")
	}
}
