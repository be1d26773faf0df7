// Package errcode is the one mapping of Accord's errors to HTTP: each
// domain error kind (registry, auth, contracts, lineage, proposals) and
// each kind of malformed request gets an HTTP status and a Confluent
// error_code. The API (package api) renders the result as the Confluent
// error document, the web UI (package ui) as an error page with the same
// status; handlers never pick codes. TestEveryDomainErrorHasARow keeps the
// table total: a new exported error kind without a row fails it.
package errcode

import (
	"errors"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/backup"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/dek"
	"github.com/accord/accord/fault"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/registry"
)

// Kinds of malformed or refused requests, raised by the HTTP layers
// themselves (wrap one with New).
var (
	ErrBadRequest       = errors.New("bad request")
	ErrUnprocessable    = errors.New("unprocessable entity")
	ErrTooLarge         = errors.New("request entity too large")
	ErrUnsupportedMedia = errors.New("unsupported media type")
	ErrNotFound         = errors.New("HTTP 404 Not Found")
	ErrMethod           = errors.New("HTTP 405 Method Not Allowed")
	// ErrCrossSite: a state-changing request a browser sent on behalf of
	// another site or origin (see api/csrf.go).
	ErrCrossSite = errors.New("cross-site request")
)

// Row maps one error kind.
type Row struct {
	Kind   error
	Status int
	// Code is the Confluent error_code.
	Code int
}

// Table is the mapping, first match wins (errors.Is).
var Table = []Row{
	{registry.ErrSubjectNotFound, 404, 40401},
	{registry.ErrVersionNotFound, 404, 40402},
	{registry.ErrSchemaNotFound, 404, 40403},
	{registry.ErrSubjectSoftDeleted, 404, 40404},
	{registry.ErrSubjectNotSoftDeleted, 404, 40405},
	{registry.ErrVersionSoftDeleted, 404, 40406},
	{registry.ErrVersionNotSoftDeleted, 404, 40407},
	{registry.ErrSubjectConfigNotFound, 404, 40408},
	{registry.ErrSubjectModeNotFound, 404, 40409},
	{registry.ErrIncompatible, 409, 409},
	{registry.ErrInvalidSchema, 422, 42201},
	{registry.ErrInvalidVersion, 422, 42202},
	{registry.ErrInvalidCompatibility, 422, 42203},
	{registry.ErrInvalidMode, 422, 42204},
	{registry.ErrOperationNotPermitted, 422, 42205},
	{registry.ErrReferenceExists, 422, 42206},
	{registry.ErrInvalidSubject, 422, 42208},
	{registry.ErrContextNotEmpty, 422, 42211},
	{registry.ErrStore, 500, 50001},
	// Out of ids, or a caller-chosen id outside 1..2^31-1: the registry
	// wraps it in an ErrOperationNotPermitted (42205) when it answers.
	{registry.ErrIDOutOfRange, 422, 42205},
	// The stores' own sentinels: the registry turns them into the kinds
	// above, so one reaching a caller is a bug.
	{registry.ErrNotFound, 500, 50001},
	{registry.ErrConflict, 500, 50001},

	{auth.ErrUnauthenticated, 401, 40101},
	{auth.ErrThrottled, 429, 42901},
	{auth.ErrForbidden, 403, 40301},
	{auth.ErrPrincipalNotFound, 404, 40461},
	{auth.ErrTokenNotFound, 404, 40462},
	{auth.ErrPrincipalExists, 409, 40961},
	{auth.ErrLastAdmin, 409, 40962},
	{auth.ErrInvalid, 422, 42261},

	{contracts.ErrReviewRequired, 403, 40301},
	{contracts.ErrStreamNotFound, 404, 40471},
	{contracts.ErrStreamExists, 409, 40971},
	{contracts.ErrSubjectTaken, 409, 40972},
	{contracts.ErrForbidden, 403, 40301},
	{contracts.ErrInvalidStream, 422, 42271},
	{contracts.ErrLintFailed, 422, 42272},

	{lineage.ErrNotFound, 404, 40481},
	{lineage.ErrConflict, 409, 40981},
	{lineage.ErrForbidden, 403, 40301},
	{lineage.ErrInvalid, 422, 42281},

	{proposals.ErrNotFound, 404, 40491},
	{proposals.ErrNotPending, 409, 40991},
	{proposals.ErrAlreadyRegistered, 409, 40992},
	{proposals.ErrForbidden, 403, 40301},
	{proposals.ErrInvalid, 422, 42291},

	{backup.ErrConflict, 409, 40951},
	{backup.ErrInvalid, 422, 42251},
	{backup.ErrTruncated, 422, 42251},

	// The DEK registry's codes are Confluent's (its DekRegistry errors);
	// some numbers are also Accord's own /v1 codes, on other routes.
	{dek.ErrKeyNotFound, 404, 40470},
	{dek.ErrKeyNotSoftDeleted, 404, 40471},
	{dek.ErrKeySoftDeleted, 404, 40472},
	{dek.ErrAlreadyExists, 409, 40971},
	{dek.ErrTooManyKeys, 409, 40972},
	{dek.ErrInvalidKey, 422, 42271},
	{dek.ErrReferenceExists, 422, 42272},

	{ErrBadRequest, 400, 400},
	{ErrUnprocessable, 422, 422},
	{ErrTooLarge, 413, 413},
	{ErrUnsupportedMedia, 415, 415},
	{ErrNotFound, 404, 404},
	{ErrMethod, 405, 405},
	{ErrCrossSite, 403, 40303},
}

// Of returns the status and error_code of err: its kind's row, or
// 500/50001 when err is of no kind (a bug or an outage, never the
// client's fault).
func Of(err error) (status, code int) {
	for _, r := range Table {
		if errors.Is(err, r.Kind) {
			return r.Status, r.Code
		}
	}
	return 500, 50001
}

// Message is what the caller reads for err: its own message, written for
// the caller, except for server failures, whose details (a database
// error, a panic) stay in the log. The registry's store errors keep their
// message, as Confluent's do ("error in the backend data store").
func Message(err error) string {
	if status, _ := Of(err); status < 500 {
		return err.Error()
	}
	if errors.Is(err, registry.ErrStore) {
		return err.Error()
	}
	return "Internal server error"
}

// Error is an error of a kind above with its own message (the one shape
// of package fault).
type Error = fault.Error

// New returns an *Error of kind with msg.
func New(kind error, msg string) error { return fault.New(kind, msg) }
