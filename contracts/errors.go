package contracts

import (
	"errors"
	"fmt"
)

// Error kinds. Each maps to one HTTP status and error_code in api/errors.go.
var (
	ErrStreamNotFound = errors.New("stream not found")
	ErrStreamExists   = errors.New("stream exists")
	// ErrSubjectTaken: a subject already belongs to another stream.
	ErrSubjectTaken  = errors.New("subject belongs to another stream")
	ErrInvalidStream = errors.New("invalid stream")
	// ErrForbidden: the caller may not do this (single writer, ownership).
	ErrForbidden = errors.New("forbidden")
	// ErrReviewRequired: the stream's schemas are registered only by
	// approving a proposal. It is an ErrForbidden (403), told apart for
	// the refusal metrics.
	ErrReviewRequired = fmt.Errorf("review required: %w", ErrForbidden)
	// ErrLintFailed: error-level lints block a registration.
	ErrLintFailed = errors.New("schema violates its stream's contract")
)

// Error is a contracts error: Kind is one of the Err* values, Message is
// for the caller.
type Error struct {
	Kind    error
	Message string
	// Lints are the findings behind ErrLintFailed.
	Lints []Lint
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Errorf returns an *Error of kind; stores (package sqlcontracts) report
// the domain's errors with it.
func Errorf(kind error, format string, args ...any) error { return errorf(kind, format, args...) }
