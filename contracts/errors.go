package contracts

import (
	"errors"
	"fmt"

	"github.com/accord/accord/fault"
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
// for the caller; a lint refusal's Details are its findings (the one
// shape of package fault).
type Error = fault.Error

// Errorf returns an *Error of kind; stores (package sqlcontracts) report
// the domain's errors with it.
func Errorf(kind error, format string, args ...any) error { return errorf(kind, format, args...) }

func errorf(kind error, format string, args ...any) error { return fault.Errorf(kind, format, args...) }
