package api

// The broker-side validation hook: POST /v1/validate checks one record,
// POST /v1/validate/batch many, against their streams' contracts (see
// contracts/validator). Brokers and proxies call it before accepting a
// produce request; a verdict is always 200, and a rejected record is
// {"valid":false} with the failures that say which record, which check and
// why. It is served with the stream API (Options.Contracts).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/accord/accord/contracts/validator"
)

// newValidateHandler serves the hook over a Validator reading this
// process's registry and streams.
func newValidateHandler(s *Server) *validateHandler {
	v := validator.New(NewLocalSource(s.reg, s.contracts), validator.Options{Logger: s.log, Refresh: 2 * time.Second})
	return &validateHandler{s: s, v: v}
}

func (s *Server) validateOne(w http.ResponseWriter, r *http.Request) error {
	return s.validator.one(w, r)
}
func (s *Server) validateBatch(w http.ResponseWriter, r *http.Request) error {
	return s.validator.batch(w, r)
}

type validateHandler struct {
	s *Server
	v *validator.Validator
}

// recordJSON is one record on the wire; key, value and header values are
// base64 (JSON null or absent: no key, a tombstone).
type recordJSON struct {
	Topic     string       `json:"topic"`
	Partition *int32       `json:"partition,omitempty"`
	Offset    *int64       `json:"offset,omitempty"`
	Producer  string       `json:"producer"`
	Key       []byte       `json:"key"`
	Value     []byte       `json:"value"`
	Headers   []headerJSON `json:"headers,omitempty"`
}

type headerJSON struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

func (rj *recordJSON) record() validator.Record {
	rec := validator.Record{Topic: rj.Topic, Partition: -1, Offset: -1, Producer: rj.Producer, Key: rj.Key, Value: rj.Value}
	if rj.Partition != nil {
		rec.Partition = *rj.Partition
	}
	if rj.Offset != nil {
		rec.Offset = *rj.Offset
	}
	for _, h := range rj.Headers {
		rec.Headers = append(rec.Headers, validator.Header{Key: h.Key, Value: h.Value})
	}
	return rec
}

// failureJSON is one failure, placed by the record's index in the request
// (and its partition and offset when the caller gave them).
type failureJSON struct {
	Record    int    `json:"record"`
	Partition *int32 `json:"partition,omitempty"`
	Offset    *int64 `json:"offset,omitempty"`
	validator.Failure
}

// verdictJSON answers both forms. Invalid counts the rejected records.
type verdictJSON struct {
	Valid    bool          `json:"valid"`
	Records  int           `json:"records"`
	Invalid  int           `json:"invalid"`
	Failures []failureJSON `json:"failures"`
	// FailuresOmitted counts failures beyond MaxBatchFailures, not listed.
	FailuresOmitted int `json:"failuresOmitted,omitempty"`
}

func (h validateHandler) one(w http.ResponseWriter, r *http.Request) error {
	var rj recordJSON
	if err := h.s.decode(r, &rj); err != nil {
		return err
	}
	if err := checkRecord(0, &rj); err != nil {
		return err
	}
	rec := rj.record()
	h.s.writeJSON(w, http.StatusOK, h.s.counted(render([]recordJSON{rj}, []validator.Verdict{h.v.Validate(r.Context(), &rec)})))
	return nil
}

// Bounds of POST /v1/validate/batch (docs/limits.md). The request is
// decoded record by record and validated in chunks, so the server holds at
// most one chunk of records and the failures it answers, whatever the
// body's size; one batch with 838,860 records once took it from 159 MB to
// 1.3 GB when the whole request and answer were held.
const (
	// MaxBatchRecords bounds the records of one batch (422 above it).
	MaxBatchRecords = 10_000
	// MaxBatchFailures bounds the failures one answer lists; the answer
	// still counts every invalid record and says how many failures it left
	// out.
	MaxBatchFailures = 1_000
	// batchChunk is how many records are decoded before they are validated.
	batchChunk = 256
)

func (h validateHandler) batch(w http.ResponseWriter, r *http.Request) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := expectDelim(dec, '{', "a JSON object"); err != nil {
		return err
	}
	out := verdictJSON{Valid: true, Failures: []failureJSON{}}
	chunk := make([]recordJSON, 0, batchChunk)
	recs := make([]validator.Record, batchChunk)
	verdicts := make([]validator.Verdict, batchChunk)
	flush := func() error {
		if err := r.Context().Err(); err != nil {
			return err // the caller left: stop validating
		}
		for i := range chunk {
			recs[i] = chunk[i].record()
		}
		h.v.ValidateInto(r.Context(), recs[:len(chunk)], verdicts)
		out.add(out.Records, chunk, verdicts[:len(chunk)])
		out.Records += len(chunk)
		chunk = chunk[:0]
		clear(recs)
		return nil
	}
	seen := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return batchDecodeErr(err)
		}
		if key != "records" {
			return &httpError{errUnprocessable, fmt.Sprintf("Unrecognized field: %q", key)}
		}
		if seen {
			return &httpError{errUnprocessable, `field "records" is given twice`}
		}
		seen = true
		if err := expectDelim(dec, '[', `"records" as an array`); err != nil {
			return err
		}
		for i := 0; dec.More(); i++ {
			if i >= MaxBatchRecords {
				return &httpError{errUnprocessable, fmt.Sprintf("records: more than %d records: the limit of one batch is %d", MaxBatchRecords, MaxBatchRecords)}
			}
			chunk = append(chunk, recordJSON{})
			if err := dec.Decode(&chunk[len(chunk)-1]); err != nil {
				return batchDecodeErr(err)
			}
			if err := checkRecord(i, &chunk[len(chunk)-1]); err != nil {
				return err
			}
			if len(chunk) == batchChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := expectDelim(dec, ']', "the end of the records array"); err != nil {
			return err
		}
	}
	if err := expectDelim(dec, '}', "the end of the object"); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return &httpError{errBadRequest, "malformed JSON: unexpected data after the document"}
	}
	if len(chunk) > 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	h.s.writeJSON(w, http.StatusOK, h.s.counted(out))
	return nil
}

// expectDelim reads the next token and requires it to be d.
func expectDelim(dec *json.Decoder, d json.Delim, want string) error {
	tok, err := dec.Token()
	if err != nil {
		return batchDecodeErr(err)
	}
	if tok != d {
		return &httpError{errUnprocessable, fmt.Sprintf("request body: want %s, found %v", want, tok)}
	}
	return nil
}

// batchDecodeErr maps an error met decoding the batch as decodeJSON maps
// its own: over-long 413, unknown fields and wrong types 422, the rest 400.
func batchDecodeErr(err error) error {
	var mbe *http.MaxBytesError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return &httpError{errTooLarge, fmt.Sprintf("request body exceeds the limit of %d bytes", mbe.Limit)}
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return &httpError{errUnprocessable, "Unrecognized field: " + strings.TrimPrefix(err.Error(), "json: unknown field ")}
	case errors.As(err, &te):
		return &httpError{errUnprocessable, fmt.Sprintf("field %q must be %s, not %s", te.Field, te.Type, te.Value)}
	case errors.Is(err, io.EOF):
		return &httpError{errBadRequest, "malformed JSON: unexpected end of the request body"}
	}
	return &httpError{errBadRequest, "malformed JSON: " + err.Error()}
}

// checkRecord refuses requests the hook cannot judge (a client error, not
// a verdict).
func checkRecord(i int, rj *recordJSON) error {
	if rj.Topic == "" {
		return &httpError{errUnprocessable, fmt.Sprintf("record %d has no topic", i)}
	}
	return nil
}

func render(in []recordJSON, vs []validator.Verdict) verdictJSON {
	out := verdictJSON{Valid: true, Records: len(vs), Failures: []failureJSON{}}
	out.add(0, in, vs)
	return out
}

// add counts the verdicts of records first, first+1, … and lists their
// failures up to MaxBatchFailures.
func (out *verdictJSON) add(first int, in []recordJSON, vs []validator.Verdict) {
	for i, v := range vs {
		if v.Valid {
			continue
		}
		out.Valid = false
		out.Invalid++
		for _, f := range v.Failures {
			if len(out.Failures) >= MaxBatchFailures {
				out.FailuresOmitted++
				continue
			}
			out.Failures = append(out.Failures, failureJSON{Record: first + i, Partition: in[i].Partition, Offset: in[i].Offset, Failure: f})
		}
	}
}

// counted reports out's verdicts to the observer and returns it.
func (s *Server) counted(out verdictJSON) verdictJSON {
	if s.obs != nil {
		checks := make([]string, len(out.Failures))
		for i, f := range out.Failures {
			checks[i] = string(f.Check)
		}
		s.obs.Validated(out.Records-out.Invalid, out.Invalid, checks)
	}
	return out
}
