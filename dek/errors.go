package dek

import (
	"errors"

	"github.com/accord/accord/fault"
)

// Errors of the DEK registry; api maps each to Confluent's status and
// error_code (in parentheses).
var (
	ErrKeyNotFound       = errors.New("key not found")        // 404 (40470)
	ErrKeyNotSoftDeleted = errors.New("key not soft-deleted") // 404 (40471)
	ErrKeySoftDeleted    = errors.New("key soft-deleted")     // 404 (40472)
	ErrAlreadyExists     = errors.New("key already exists")   // 409 (40971)
	ErrTooManyKeys       = errors.New("too many keys")        // 409 (40972)
	ErrInvalidKey        = errors.New("invalid key")          // 422 (42271)
	ErrReferenceExists   = errors.New("key referenced")       // 422 (42272)
)

// Error is a DEK registry error: Kind is one of the Err* values, Message
// is for the caller (the one shape of package fault).
type Error = fault.Error

func notFound(name string) error { return errorf(ErrKeyNotFound, "Key '%s' not found", name) }

// Errorf returns an Error of kind, for Stores.
func Errorf(kind error, format string, args ...any) error { return errorf(kind, format, args...) }

func errorf(kind error, format string, args ...any) error { return fault.Errorf(kind, format, args...) }
