package registry

import (
	"errors"
	"fmt"

	"github.com/accord/accord/fault"
)

// Storage-level errors. Stores wrap these; the registry turns them into its
// domain errors.
var (
	// ErrNotFound: the row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique key (schema id, version) already exists.
	ErrConflict = errors.New("conflict")
	// ErrIDOutOfRange: a caller-chosen id outside 1..MaxID, or no id left
	// to allocate in the context.
	ErrIDOutOfRange = errors.New("schema id out of range")
)

// Domain errors. Each maps to one Confluent error code in the api package
// (api/errors.go); handlers never choose codes themselves. Errors returned by
// Registry wrap exactly one of these, with a message meant for the caller.
var (
	ErrSubjectNotFound       = errors.New("subject not found")                    // 40401
	ErrVersionNotFound       = errors.New("version not found")                    // 40402
	ErrSchemaNotFound        = errors.New("schema not found")                     // 40403
	ErrSubjectSoftDeleted    = errors.New("subject soft-deleted")                 // 40404
	ErrSubjectNotSoftDeleted = errors.New("subject not soft-deleted")             // 40405
	ErrVersionSoftDeleted    = errors.New("version soft-deleted")                 // 40406
	ErrVersionNotSoftDeleted = errors.New("version not soft-deleted")             // 40407
	ErrSubjectConfigNotFound = errors.New("subject compatibility not configured") // 40408
	ErrSubjectModeNotFound   = errors.New("subject mode not configured")          // 40409
	ErrIncompatible          = errors.New("incompatible schema")                  // 409
	ErrInvalidSchema         = errors.New("invalid schema")                       // 42201
	ErrInvalidVersion        = errors.New("invalid version")                      // 42202
	ErrInvalidCompatibility  = errors.New("invalid compatibility level")          // 42203
	ErrInvalidMode           = errors.New("invalid mode")                         // 42204
	ErrOperationNotPermitted = errors.New("operation not permitted")              // 42205
	ErrReferenceExists       = errors.New("reference exists")                     // 42206
	ErrInvalidSubject        = errors.New("invalid subject")                      // 42208
	ErrContextNotEmpty       = errors.New("context not empty")                    // 42211
	ErrStore                 = errors.New("store error")                          // 50001
)

// Error is a domain error: Kind is one of the Err* values above and
// Message is what the caller reads; Details carries structured reasons
// (compatibility messages) and Cause the failure behind an ErrStore (the
// one shape of package fault).
type Error = fault.Error

// Unwrap exposes the kind and, for store errors, the cause.

func errorf(kind error, format string, args ...any) error { return fault.Errorf(kind, format, args...) }

// storeErr wraps an unexpected storage failure.
func storeErr(op string, err error) error {
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	return &Error{Kind: ErrStore, Message: fmt.Sprintf("error in the backend data store: %s: %v", op, err), Cause: err}
}
