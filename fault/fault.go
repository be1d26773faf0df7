// Package fault is the one shape of Accord's domain errors. Each domain
// package (registry, contracts, auth, lineage, proposals, dek) declares its
// kinds as sentinel errors and returns them as a *Error: Kind is the
// sentinel, which callers test with errors.Is and which api/errcode maps,
// in one table, to an HTTP status and a Confluent error code; Message is
// written for the caller and shown as it is.
//
// It depends on nothing in Accord, so every layer can use it.
package fault

import "fmt"

// Error is a domain error of a kind, with a message for the caller.
type Error struct {
	// Kind is the package's sentinel error saying what went wrong.
	Kind error
	// Message is what the caller reads.
	Message string
	// Details are structured reasons (compatibility messages, lint
	// findings) that the message summarises.
	Details []string
	// Cause is the failure behind the error, when there is one (a
	// database error behind a store error), so callers can tell a
	// canceled request from a broken database. It is never shown to the
	// caller.
	Cause error
}

func (e *Error) Error() string { return e.Message }

// Unwrap exposes the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

// Errorf returns an *Error of kind with a formatted message.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// New returns an *Error of kind with msg.
func New(kind error, msg string) error { return &Error{Kind: kind, Message: msg} }
