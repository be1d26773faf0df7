package api

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"

	"github.com/accord/accord/api/errcode"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/registry"
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
//
// A 5xx never carries the error's text, which may name the database, its
// user, host and port: the client reads a fixed message with the request
// id, and the log has the details under that id. A store call that ran out
// of time (the database stalled, see registry/sqlstore/deadline.go) is
// Confluent's 50002 "operation timed out"; other store failures 50001.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := errcode.Of(err)
	if s.obs != nil && (status == 401 || status == 403) {
		reason := "unauthenticated"
		if status == 403 {
			reason = "forbidden"
		}
		s.obs.AuthFailed(reason)
	}
	msg := errcode.Message(err)
	if status >= 500 && r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		// The client went away mid-request (its context was canceled): not
		// a server failure, and nobody reads the answer. Nothing was
		// stored: the transaction rolled back with the context.
		s.log.DebugContext(r.Context(), "request abandoned by the client", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("request_id", w.Header().Get("X-Request-Id")), slog.Any("err", err))
		w.WriteHeader(499) // nginx's "client closed request", for access logs
		return
	}
	if status >= 500 {
		id := w.Header().Get("X-Request-Id")
		if id == "" {
			s.setRequestID(w, r)
			id = w.Header().Get("X-Request-Id")
		}
		code, msg = internalError(err, code, id)
		s.log.ErrorContext(r.Context(), "request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("request_id", id), slog.Int("error_code", code), slog.Any("err", err))
	}
	var te *auth.ThrottledError
	if errors.As(err, &te) {
		w.Header().Set("Retry-After", strconv.Itoa(te.Seconds()))
	}
	s.writeJSON(w, status, ErrorBody{ErrorCode: code, Message: msg})
}

// internalError is the code and the message a client reads for a server
// failure: fixed text and the request id, nothing from err's text.
func internalError(err error, code int, requestID string) (int, string) {
	switch {
	case timedOut(err):
		return 50002, "Operation timed out: the database did not answer in time (request id " + requestID + ")"
	case errors.Is(err, registry.ErrStore):
		return 50001, "Error in the backend data store (request id " + requestID + ")"
	}
	return code, "Internal server error (request id " + requestID + ")"
}

// timedOut reports whether err comes from a deadline: a database call's
// (the caller's context is still live, writeError checked) or the
// network's.
func timedOut(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
