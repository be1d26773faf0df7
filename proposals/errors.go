package proposals

import (
	"errors"
	"fmt"
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

// Error is an error of one of the kinds above with a message for the
// caller.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Errorf returns an *Error of kind with a formatted message for the
// caller (for front ends that refuse a request in the package's terms).
func Errorf(kind error, format string, args ...any) error {
	return errorf(kind, format, args...)
}
