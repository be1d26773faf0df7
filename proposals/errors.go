package proposals

import (
	"errors"

	"github.com/accord/accord/fault"
)

// Error kinds. Each maps to one HTTP status and error_code in
// api/errors.go. Registry and contracts errors (invalid schema,
// incompatible, lint failure, single writer) pass through as they are.
var (
	// ErrNotFound: no proposal has that id (404/40491).
	ErrNotFound = errors.New("proposal not found")
	// ErrNotPending: the proposal was decided already (409/40991).
	ErrNotPending = errors.New("proposal not pending")
	// ErrAlreadyRegistered: the schema already is a version of the
	// subject, so there is nothing to review (409/40992).
	ErrAlreadyRegistered = errors.New("schema already registered")
	// ErrForbidden: the caller may not do this (403/40301).
	ErrForbidden = errors.New("forbidden")
	// ErrInvalid: a malformed request (422/42291).
	ErrInvalid = errors.New("invalid proposal request")
)

// Error is a proposals error: Kind is one of the Err* values, Message is
// for the caller (the one shape of package fault).
type Error = fault.Error

// Errorf returns an *Error of kind with a formatted message for the
// caller (for front ends that refuse a request in the package's terms).
func Errorf(kind error, format string, args ...any) error {
	return errorf(kind, format, args...)
}

func errorf(kind error, format string, args ...any) error { return fault.Errorf(kind, format, args...) }
