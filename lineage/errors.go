package lineage

import (
	"errors"
	"fmt"
)

// Error kinds; errors of this package wrap one of them (test with
// errors.Is). The API maps each to an HTTP status.
var (
	ErrInvalid   = errors.New("invalid lineage request")
	ErrNotFound  = errors.New("lineage not found")
	ErrForbidden = errors.New("forbidden")
	// ErrConflict: the edge contradicts the graph (a second producer).
	ErrConflict = errors.New("lineage conflict")
)

// Error is a lineage error with a message for the caller.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}
