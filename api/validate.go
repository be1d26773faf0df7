package api

// The broker-side validation hook: POST /v1/validate checks one record,
// POST /v1/validate/batch many, against their streams' contracts (see
// contracts/validator). Brokers and proxies call it before accepting a
// produce request; a verdict is always 200, and a rejected record is
// {"valid":false} with the failures that say which record, which check and
// why. It is served with the stream API (Options.Contracts).

import (
	"fmt"
	"net/http"
	"time"

	"github.com/accord/accord/contracts/validator"
)

// newValidateHandler serves the hook over a Validator reading this
// process's registry and streams.
func newValidateHandler(s *Server) *validateHandler {
	v := validator.New(validator.NewLocalSource(s.reg, s.contracts, nil), validator.Options{Logger: s.log, Refresh: 2 * time.Second})
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

func (h validateHandler) batch(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Records []recordJSON `json:"records"`
	}
	if err := h.s.decode(r, &body); err != nil {
		return err
	}
	recs := make([]validator.Record, len(body.Records))
	for i := range body.Records {
		if err := checkRecord(i, &body.Records[i]); err != nil {
			return err
		}
		recs[i] = body.Records[i].record()
	}
	h.s.writeJSON(w, http.StatusOK, h.s.counted(render(body.Records, h.v.ValidateBatch(r.Context(), recs))))
	return nil
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
	for i, v := range vs {
		if v.Valid {
			continue
		}
		out.Valid = false
		out.Invalid++
		for _, f := range v.Failures {
			out.Failures = append(out.Failures, failureJSON{Record: i, Partition: in[i].Partition, Offset: in[i].Offset, Failure: f})
		}
	}
	return out
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
