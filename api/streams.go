package api

// The native stream API (/v1/streams) and the single-writer guard on the
// Confluent subject writes. Both are served only when Options.Contracts is
// set; the contracts package decides everything, these handlers translate.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry"
)

// LintHeader carries the lint findings of a registration (one value per
// finding, "severity ID at location: message"). The registration body
// stays the Confluent {"id": N} document that every client decodes.
const LintHeader = "X-Accord-Lint"

// streamBody is what a client writes: a Stream without its timestamps.
type streamBody struct {
	Name          string               `json:"name"`
	Owner         string               `json:"owner,omitempty"`
	EventType     contracts.EventType  `json:"eventType"`
	Visibility    contracts.Visibility `json:"visibility,omitempty"`
	Description   string               `json:"description,omitempty"`
	Strategy      contracts.Strategy   `json:"subjectStrategy,omitempty"`
	KeySubject    string               `json:"keySubject,omitempty"`
	ValueSubjects []string             `json:"valueSubjects,omitempty"`
	Tags          contracts.Tags       `json:"tags"`
	Compatibility compat.Level         `json:"compatibility,omitempty"`
	LintErrors    contracts.LintErrors `json:"lintErrors,omitempty"`
	Consumers     []contracts.Consumer `json:"consumers,omitempty"`
	// Validation is the hook's check switches; absent (or null in a
	// patch) turns every check on, and checks a document omits stay on.
	Validation *contracts.Validation `json:"validation,omitempty"`
	// ReviewRequired: registrations need an approved proposal (absent:
	// false, so a PUT without it turns review off).
	ReviewRequired bool `json:"reviewRequired,omitempty"`
}

func (b streamBody) stream() contracts.Stream {
	st := contracts.Stream{
		Name: b.Name, Owner: b.Owner, EventType: b.EventType, Visibility: b.Visibility, Description: b.Description,
		Strategy: b.Strategy, KeySubject: b.KeySubject, ValueSubjects: b.ValueSubjects, Tags: b.Tags,
		Compatibility: b.Compatibility, LintErrors: b.LintErrors, Consumers: b.Consumers, ReviewRequired: b.ReviewRequired,
	}
	if b.Validation != nil {
		st.Validation = *b.Validation
	}
	return st
}

func bodyOf(st contracts.Stream) streamBody {
	return streamBody{
		Name: st.Name, Owner: st.Owner, EventType: st.EventType, Visibility: st.Visibility, Description: st.Description,
		Strategy: st.Strategy, KeySubject: st.KeySubject, ValueSubjects: st.ValueSubjects, Tags: st.Tags,
		Compatibility: st.Compatibility, LintErrors: st.LintErrors, Consumers: st.Consumers, Validation: &st.Validation,
		ReviewRequired: st.ReviewRequired,
	}
}

func (s *Server) createStream(w http.ResponseWriter, r *http.Request) error {
	var body streamBody
	if err := s.decode(r, &body); err != nil {
		return err
	}
	st, err := s.contracts.Create(r.Context(), body.stream())
	s.mirror.reset()
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusCreated, st)
	return nil
}

func (s *Server) listStreams(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := contracts.Filter{
		Owner: q.Get("owner"), EventType: contracts.EventType(q.Get("type")),
		Visibility: contracts.Visibility(q.Get("visibility")), Tag: q.Get("tag"),
	}
	if f.EventType != "" && !slices.Contains(contracts.EventTypes, f.EventType) {
		return &httpError{errBadRequest, "query parameter type=" + q.Get("type") + " is not state, delta, notification, measurement or hybrid"}
	}
	if f.Visibility != "" && f.Visibility != contracts.Public && f.Visibility != contracts.Private {
		return &httpError{errBadRequest, "query parameter visibility=" + q.Get("visibility") + " is not public or private"}
	}
	sts, err := s.contracts.List(r.Context(), f)
	if err != nil {
		return err
	}
	if sts == nil {
		sts = []contracts.Stream{}
	}
	s.writeJSON(w, 200, sts)
	return nil
}

func (s *Server) getStream(w http.ResponseWriter, r *http.Request) error {
	st, err := s.contracts.Get(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, st)
	return nil
}

// putStream replaces a stream's contract; an omitted owner keeps the
// current one (owners change by transfer only).
func (s *Server) putStream(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	var body streamBody
	if err := s.decode(r, &body); err != nil {
		return err
	}
	return s.updateStream(w, r, name, func(cur *contracts.Stream) error {
		next := body
		if next.Name == "" {
			next.Name = name
		}
		if next.Owner == "" {
			next.Owner = cur.Owner
		}
		*cur = next.stream()
		return nil
	})
}

// patchStream applies a JSON merge patch (RFC 7396) to the stream's
// contract.
func (s *Server) patchStream(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	raw, err := s.readBody(r)
	if err != nil {
		return err
	}
	var patch map[string]any
	if err := decodeJSON(raw, &patch); err != nil {
		return err
	}
	return s.updateStream(w, r, name, func(cur *contracts.Stream) error {
		doc, err := json.Marshal(bodyOf(*cur))
		if err != nil {
			return err
		}
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			return err
		}
		merged, err := json.Marshal(mergePatch(m, patch))
		if err != nil {
			return err
		}
		var next streamBody
		if err := decodeJSON(merged, &next); err != nil {
			return err
		}
		*cur = next.stream()
		return nil
	})
}

func (s *Server) updateStream(w http.ResponseWriter, r *http.Request, name string, fn func(*contracts.Stream) error) error {
	st, err := s.contracts.Update(r.Context(), name, fn)
	s.mirror.reset()
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, st)
	return nil
}

// mergePatch applies an RFC 7396 merge patch to doc.
func mergePatch(doc map[string]any, patch map[string]any) map[string]any {
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(doc, k)
		case map[string]any:
			sub, _ := doc[k].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
			}
			doc[k] = mergePatch(sub, pv)
		default:
			doc[k] = v
		}
	}
	return doc
}

func (s *Server) deleteStream(w http.ResponseWriter, r *http.Request) error {
	err := s.contracts.Delete(r.Context(), chi.URLParam(r, "name"))
	s.mirror.reset()
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) transferStream(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Owner string `json:"owner"`
	}
	if err := s.decode(r, &body); err != nil {
		return err
	}
	st, err := s.contracts.TransferOwnership(r.Context(), chi.URLParam(r, "name"), strings.TrimSpace(body.Owner))
	s.mirror.reset()
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, st)
	return nil
}

func (s *Server) streamTransfers(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.contracts.Transfers(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, ts)
	return nil
}

// lintBody asks for the lints of a proposed schema, or with no schema of
// the latest registered ones; subject picks one of the stream's subjects
// (the value subject by default for a proposed schema).
type lintBody struct {
	Subject    string               `json:"subject,omitempty"`
	Schema     string               `json:"schema,omitempty"`
	SchemaType string               `json:"schemaType,omitempty"`
	References []registry.Reference `json:"references,omitempty"`
}

type lintAnswer struct {
	Lints []contracts.Lint `json:"lints"`
	// Blocking: registering the linted schemas would be refused.
	Blocking bool `json:"blocking"`
}

func (s *Server) lintStream(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	raw, err := s.readBody(r)
	if err != nil {
		return err
	}
	var body lintBody
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := decodeJSON(raw, &body); err != nil {
			return err
		}
	}
	var in *registry.SchemaInput
	if body.Schema != "" {
		in = &registry.SchemaInput{Schema: body.Schema, SchemaType: body.SchemaType, References: body.References}
	}
	lints, err := s.contracts.Lint(r.Context(), name, body.Subject, in)
	if err != nil {
		return err
	}
	st, err := s.contracts.Get(r.Context(), name)
	if err != nil {
		return err
	}
	ans := lintAnswer{Lints: lints}
	for _, l := range lints {
		ans.Blocking = ans.Blocking || (l.Severity == contracts.SeverityError && st.LintErrors == contracts.LintBlock)
	}
	s.writeJSON(w, 200, ans)
	return nil
}

// withLints serves a registration with its lint findings in LintHeader
// (the registry's policy, contracts.BeforeRegister, collects them).
func (s *Server) withLints(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.contracts == nil {
			next(w, r)
			return
		}
		ctx, f := contracts.WithFindings(r.Context())
		next(&lintWriter{ResponseWriter: w, findings: f}, r.WithContext(ctx))
	}
}

// lintWriter adds the findings of a registration to its response headers.
type lintWriter struct {
	http.ResponseWriter
	findings *contracts.Findings
	wrote    bool
}

func (w *lintWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		for _, l := range w.findings.Lints() {
			w.Header().Add(LintHeader, l.String())
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *lintWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}
