package lineage

import (
	"errors"

	"github.com/accord/accord/fault"
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

// Error is a lineage error: Kind is one of the Err* values, Message is
// for the caller (the one shape of package fault).
type Error = fault.Error

func errorf(kind error, format string, args ...any) error { return fault.Errorf(kind, format, args...) }
