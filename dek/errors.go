package dek

import (
	"errors"
	"fmt"
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

// Error is a DEK registry error: a kind above and the message callers see.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

func notFound(name string) error { return errorf(ErrKeyNotFound, "Key '%s' not found", name) }

// Errorf returns an Error of kind, for Stores.
func Errorf(kind error, format string, args ...any) error { return errorf(kind, format, args...) }
