package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
)

// Long lists (GET /subjects, GET /schemas) are written as they are read
// from the store, a page at a time (registry.WalkSubjects), so a request
// holds one page and one buffer, not the whole list: a registry of a
// million versions answers them in constant memory.

// streamFlushBytes is how much of a list is buffered before it is sent.
// A list that fits is sent whole with its Content-Length, and an error
// met before the first flush is an ordinary error answer.
const streamFlushBytes = 64 << 10

// arrayWriter writes a JSON array one element at a time.
type arrayWriter struct {
	w       http.ResponseWriter
	buf     bytes.Buffer
	enc     *json.Encoder
	n       int
	started bool // the status line and part of the array were sent
}

func newArrayWriter(w http.ResponseWriter) *arrayWriter {
	a := &arrayWriter{w: w}
	a.enc = json.NewEncoder(&a.buf)
	a.enc.SetEscapeHTML(false) // as marshal
	a.buf.WriteByte('[')
	return a
}

// add appends v to the array.
func (a *arrayWriter) add(v any) error {
	if a.n > 0 {
		a.buf.WriteByte(',')
	}
	a.n++
	if err := a.enc.Encode(v); err != nil {
		return fmt.Errorf("encoding response: %w", err)
	}
	a.buf.Truncate(a.buf.Len() - 1) // Encode's newline
	if a.buf.Len() >= streamFlushBytes {
		if !a.started {
			a.w.Header().Set("Content-Type", ContentType)
			a.w.WriteHeader(http.StatusOK)
			a.started = true
		}
		if _, err := a.w.Write(a.buf.Bytes()); err != nil {
			return fmt.Errorf("writing response: %w", err)
		}
		a.buf.Reset()
	}
	return nil
}

// finish ends the array: the whole answer with its length when nothing
// was sent yet, else the rest.
func (a *arrayWriter) finish() {
	a.buf.WriteByte(']')
	if !a.started {
		h := a.w.Header()
		h.Set("Content-Type", ContentType)
		h.Set("Content-Length", strconv.Itoa(a.buf.Len()))
		a.w.WriteHeader(http.StatusOK)
	}
	a.w.Write(a.buf.Bytes())
}

// failStream handles an error met while listing: before anything was sent it
// is returned for the ordinary error answer; after, the status is
// already 200, so the connection is cut (http.ErrAbortHandler) and the
// client sees a truncated answer, never a short list that looks whole.
func (s *Server) failStream(a *arrayWriter, r *http.Request, err error) error {
	if !a.started {
		return err
	}
	s.log.Error("listing stopped midway; connection closed", slog.String("path", r.URL.Path), slog.Any("err", err))
	panic(http.ErrAbortHandler)
}
