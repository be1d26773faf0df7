package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/accord/accord/api/errcode"
)

// ErrorBody is the Confluent error document.
type ErrorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// Errors of the HTTP layer itself (malformed or refused requests); their
// statuses and codes are errcode's, with every domain error's.
var (
	errBadRequest       = errcode.ErrBadRequest
	errUnprocessable    = errcode.ErrUnprocessable
	errTooLarge         = errcode.ErrTooLarge
	errUnsupportedMedia = errcode.ErrUnsupportedMedia
	errNotFound         = errcode.ErrNotFound
	errMethod           = errcode.ErrMethod
	errForbiddenOrigin  = errcode.ErrCrossSite
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
	status, code := errcode.Of(err)
	msg := errcode.Message(err)
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
	}
	s.writeJSON(w, status, ErrorBody{ErrorCode: code, Message: msg})
}
