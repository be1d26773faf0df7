package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/registry"
)

// ErrorBody is the Confluent error document.
type ErrorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// codes maps domain errors to HTTP status and Confluent error_code. It is
// the one place that does: handlers return errors and never pick codes.
var codes = []struct {
	err    error
	status int
	code   int
}{
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
	{auth.ErrUnauthenticated, 401, 40101},
	{auth.ErrForbidden, 403, 40301},
	{auth.ErrPrincipalNotFound, 404, 40461},
	{auth.ErrTokenNotFound, 404, 40462},
	{auth.ErrPrincipalExists, 409, 40961},
	{auth.ErrLastAdmin, 409, 40962},
	{auth.ErrInvalid, 422, 42261},
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
	{errBadRequest, 400, 400},
	{errUnprocessable, 422, 422},
	{errTooLarge, 413, 413},
	{errUnsupportedMedia, 415, 415},
	{errNotFound, 404, 404},
	{errMethod, 405, 405},
}

// Errors of the HTTP layer itself (malformed requests).
var (
	errBadRequest       = errors.New("bad request")
	errUnprocessable    = errors.New("unprocessable entity")
	errTooLarge         = errors.New("request entity too large")
	errUnsupportedMedia = errors.New("unsupported media type")
	errNotFound         = errors.New("HTTP 404 Not Found")
	errMethod           = errors.New("HTTP 405 Method Not Allowed")
)

// httpError is an error of the HTTP layer with its own message.
type httpError struct {
	kind error
	msg  string
}

func (e *httpError) Error() string { return e.msg }
func (e *httpError) Unwrap() error { return e.kind }

// writeError renders err as the Confluent error document. Unknown errors
// are 500/50001 and are logged: they are bugs or outages, never the
// client's fault.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := 500, 50001
	for _, c := range codes {
		if errors.Is(err, c.err) {
			status, code = c.status, c.code
			break
		}
	}
	msg := err.Error()
	if status >= 500 && r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		// The client went away mid-request (its context was canceled): not
		// a server failure, and nobody reads the answer. Nothing was
		// stored: the transaction rolled back with the context.
		s.log.Debug("request abandoned by the client", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("request_id", w.Header().Get("X-Request-Id")), slog.Any("err", err))
		w.WriteHeader(499) // nginx's "client closed request", for access logs
		return
	}
	if status >= 500 {
		s.log.Error("request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("request_id", w.Header().Get("X-Request-Id")), slog.Any("err", err))
		var de *registry.Error
		if !errors.As(err, &de) {
			msg = "Internal server error"
		}
	}
	s.writeJSON(w, status, ErrorBody{ErrorCode: code, Message: msg})
}
