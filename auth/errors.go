package auth

import (
	"errors"

	"github.com/accord/accord/fault"
)

// Error kinds. Errors returned by this package wrap one of them (test with
// errors.Is); the API maps each kind to an HTTP status and error_code in
// one table (api/errors.go). Their messages are written for the caller.
var (
	// ErrUnauthenticated: no credentials, or credentials that prove nothing
	// (unknown principal, wrong password, unknown, expired or revoked
	// token, disabled principal). The message never says which.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: the caller is known but lacks the role the action needs.
	ErrForbidden = errors.New("forbidden")
	// ErrPrincipalNotFound: no principal has that name.
	ErrPrincipalNotFound = errors.New("principal not found")
	// ErrPrincipalExists: a principal with that name already exists.
	ErrPrincipalExists = errors.New("principal exists")
	// ErrTokenNotFound: no token has that id (or the caller may not see it).
	ErrTokenNotFound = errors.New("token not found")
	// ErrInvalid: a malformed request (bad name, role, password, expiry).
	ErrInvalid = errors.New("invalid request")
	// ErrLastAdmin: the change would leave no enabled admin, and so nobody
	// able to manage principals.
	ErrLastAdmin = errors.New("last admin")
)

// Error is an error of one of the kinds above with a message for the
// caller (the one shape of package fault).
type Error = fault.Error

// Errorf returns an *Error of kind with a formatted message for the caller.
func Errorf(kind error, format string, args ...any) error { return fault.Errorf(kind, format, args...) }
