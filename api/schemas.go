package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/registry"
)

// schemaBody is the Confluent JSON shape of a schema, with the subject and
// version fields filled where the endpoint has them.
type schemaBody struct {
	Subject    string               `json:"subject,omitempty"`
	Version    int                  `json:"version,omitempty"`
	ID         int64                `json:"id,omitempty"`
	SchemaType string               `json:"schemaType,omitempty"`
	References []registry.Reference `json:"references,omitempty"`
	Metadata   json.RawMessage      `json:"metadata,omitempty"`
	RuleSet    json.RawMessage      `json:"ruleSet,omitempty"`
	Schema     string               `json:"schema"`
	Deleted    bool                 `json:"deleted,omitempty"`
}

func toBody(rec *registry.SchemaRecord) schemaBody {
	b := schemaBody{ID: rec.ID, Schema: rec.Schema, References: rec.References, Metadata: rec.Metadata, RuleSet: rec.RuleSet}
	if rec.Type != compat.TypeAvro {
		b.SchemaType = rec.Type
	}
	return b
}

func versionBody(v registry.SchemaVersion) schemaBody {
	b := toBody(v.Schema)
	b.Subject, b.Version, b.Deleted = v.Subject, v.Version, v.Deleted
	return b
}

// registerBody is the body of registration, lookup and compatibility
// requests: every field a Confluent client may send.
type registerBody struct {
	Schema              string               `json:"schema"`
	SchemaType          string               `json:"schemaType,omitempty"`
	References          []registry.Reference `json:"references,omitempty"`
	Metadata            json.RawMessage      `json:"metadata,omitempty"`
	RuleSet             json.RawMessage      `json:"ruleSet,omitempty"`
	Subject             string               `json:"subject,omitempty"`
	Version             int32                `json:"version,omitempty"`
	ID                  int32                `json:"id,omitempty"`
	GUID                string               `json:"guid,omitempty"`
	Normalize           bool                 `json:"normalize,omitempty"`
	SchemaTagsToAdd     json.RawMessage      `json:"schemaTagsToAdd,omitempty"`
	SchemaTagsToRemove  json.RawMessage      `json:"schemaTagsToRemove,omitempty"`
	PropagateSchemaTags bool                 `json:"propagateSchemaTags,omitempty"`
}

func (b registerBody) input() (registry.SchemaInput, error) {
	for _, doc := range []struct {
		name string
		raw  json.RawMessage
	}{{"metadata", b.Metadata}, {"ruleSet", b.RuleSet}} {
		if len(doc.raw) > 0 && string(doc.raw) != "null" && doc.raw[0] != '{' {
			return registry.SchemaInput{}, &httpError{errUnprocessable, fmt.Sprintf("field %q must be a JSON object", doc.name)}
		}
	}
	return registry.SchemaInput{Schema: b.Schema, SchemaType: b.SchemaType, References: b.References, Metadata: b.Metadata, RuleSet: b.RuleSet}, nil
}

func idParam(r *http.Request) (int64, error) {
	raw := chi.URLParam(r, "id")
	id, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		return 0, &registry.Error{Kind: registry.ErrSchemaNotFound, Message: fmt.Sprintf("Schema %s not found", raw)}
	}
	return id, nil
}

func versionParam(r *http.Request) (int, error) {
	return registry.ParseVersion(chi.URLParam(r, "version"))
}

func (s *Server) schemaTypes(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, 200, s.reg.Types())
}

func (s *Server) schemaByID(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hint := r.URL.Query().Get("subject")
	ctx := registry.ParseName(hint).Context
	if body, ok := s.byID.Load(idKey{ctx, id}); ok {
		writeBody(w, 200, body.([]byte))
		return
	}
	rec, err := s.reg.SchemaByID(r.Context(), id, hint)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b := toBody(rec)
	b.ID = 0
	body, err := marshal(b)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.byID.Store(idKey{ctx, id}, body)
	writeBody(w, 200, body)
}

func (s *Server) schemaTextByID(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := s.reg.SchemaByID(r.Context(), id, r.URL.Query().Get("subject"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeBody(w, 200, []byte(rec.Schema))
}

func (s *Server) subjectsByID(w http.ResponseWriter, r *http.Request) {
	s.byIDList(w, r, func(vs []registry.SchemaVersion) any {
		out := []string{}
		seen := map[string]bool{}
		for _, v := range vs {
			if !seen[v.Subject] {
				seen[v.Subject] = true
				out = append(out, v.Subject)
			}
		}
		return out
	})
}

func (s *Server) versionsByID(w http.ResponseWriter, r *http.Request) {
	type sv struct {
		Subject string `json:"subject"`
		Version int    `json:"version"`
	}
	s.byIDList(w, r, func(vs []registry.SchemaVersion) any {
		out := make([]sv, 0, len(vs))
		for _, v := range vs {
			out = append(out, sv{v.Subject, v.Version})
		}
		return out
	})
}

func (s *Server) byIDList(w http.ResponseWriter, r *http.Request, render func([]registry.SchemaVersion) any) {
	id, err := idParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	deleted, err := boolParam(r, "deleted")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, err := s.reg.VersionsByID(r.Context(), id, r.URL.Query().Get("subject"), deleted)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, render(vs))
}

func (s *Server) listSchemas(w http.ResponseWriter, r *http.Request) {
	var f registry.SchemaFilter
	var err error
	f.SubjectPrefix = r.URL.Query().Get("subjectPrefix")
	if f.IncludeDeleted, err = boolParam(r, "deleted"); err == nil {
		if f.LatestOnly, err = boolParam(r, "latestOnly"); err == nil {
			if f.Offset, err = intParam(r, "offset"); err == nil {
				f.Limit, err = intParam(r, "limit")
			}
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, err := s.reg.Schemas(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]schemaBody, 0, len(vs))
	for _, v := range vs {
		out = append(out, versionBody(v))
	}
	s.writeJSON(w, 200, out)
}

func (s *Server) listSubjects(w http.ResponseWriter, r *http.Request) {
	deleted, err := boolParam(r, "deleted")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	deletedOnly, err := boolParam(r, "deletedOnly")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	prefix := r.URL.Query().Get("subjectPrefix")
	subs, err := s.reg.Subjects(r.Context(), prefix, deleted || deletedOnly)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if deletedOnly {
		live, err := s.reg.Subjects(r.Context(), prefix, false)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		isLive := map[string]bool{}
		for _, l := range live {
			isLive[l] = true
		}
		out := []string{}
		for _, sub := range subs {
			if !isLive[sub] {
				out = append(out, sub)
			}
		}
		subs = out
	}
	s.writeJSON(w, 200, subs)
}

func (s *Server) listVersions(w http.ResponseWriter, r *http.Request) {
	subject, err := subjectParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	deleted, err := boolParam(r, "deleted")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	deletedOnly, err := boolParam(r, "deletedOnly")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, err := s.reg.Versions(r.Context(), subject, deleted || deletedOnly)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if deletedOnly {
		live, err := s.reg.Versions(r.Context(), subject, false)
		if err != nil && !errors.Is(err, registry.ErrSubjectNotFound) {
			s.writeError(w, r, err)
			return
		}
		out := []int{}
		for _, v := range vs {
			if !slices.Contains(live, v) {
				out = append(out, v)
			}
		}
		vs = out
	}
	s.writeJSON(w, 200, vs)
}

// readSchemaRequest reads the subject and the schema body shared by
// registration, lookup and compatibility requests.
func (s *Server) readSchemaRequest(r *http.Request) (string, registerBody, registry.SchemaInput, error) {
	subject, err := subjectParam(r)
	if err != nil {
		return "", registerBody{}, registry.SchemaInput{}, err
	}
	body, err := s.decodeSchemaBody(r)
	if err != nil {
		return "", registerBody{}, registry.SchemaInput{}, err
	}
	in, err := body.input()
	return subject, body, in, err
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	subject, body, in, err := s.readSchemaRequest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	normalize, err := boolParam(r, "normalize")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req := registry.RegisterRequest{SchemaInput: in, Normalize: normalize || body.Normalize}
	if body.ID > 0 {
		req.ID = int64(body.ID)
	}
	if body.Version > 0 {
		req.Version = int(body.Version)
	}
	v, err := s.reg.Register(r.Context(), subject, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}{v.Schema.ID, v.Version})
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) {
	subject, _, in, err := s.readSchemaRequest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	normalize, err := boolParam(r, "normalize")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	deleted, err := boolParam(r, "deleted")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.reg.Lookup(r.Context(), subject, in, normalize, deleted)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeVersion(w, r, v)
}

func (s *Server) getVersion(w http.ResponseWriter, r *http.Request) {
	v, ok := s.version(w, r)
	if ok {
		s.writeVersion(w, r, v)
	}
}

func (s *Server) getVersionSchema(w http.ResponseWriter, r *http.Request) {
	v, ok := s.version(w, r)
	if ok {
		writeBody(w, 200, []byte(v.Schema.Schema))
	}
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) (registry.SchemaVersion, bool) {
	subject, err := subjectParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return registry.SchemaVersion{}, false
	}
	version, err := versionParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return registry.SchemaVersion{}, false
	}
	deleted, err := boolParam(r, "deleted")
	if err != nil {
		s.writeError(w, r, err)
		return registry.SchemaVersion{}, false
	}
	v, err := s.reg.Version(r.Context(), subject, version, deleted)
	if err != nil {
		s.writeError(w, r, err)
		return registry.SchemaVersion{}, false
	}
	return v, true
}

func (s *Server) referencedBy(w http.ResponseWriter, r *http.Request) {
	subject, err := subjectParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	version, err := versionParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ids, err := s.reg.ReferencedBy(r.Context(), subject, version)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, ids)
}

func (s *Server) deleteVersion(w http.ResponseWriter, r *http.Request) {
	subject, err := subjectParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	version, err := versionParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	permanent, err := boolParam(r, "permanent")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.reg.DeleteVersion(r.Context(), subject, version, permanent)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, v)
}

func (s *Server) deleteSubject(w http.ResponseWriter, r *http.Request) {
	subject, err := subjectParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	permanent, err := boolParam(r, "permanent")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, err := s.reg.DeleteSubject(r.Context(), subject, permanent)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, vs)
}

func (s *Server) checkCompatibility(w http.ResponseWriter, r *http.Request) {
	subject, body, in, err := s.readSchemaRequest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	version := 0
	if chi.URLParam(r, "version") != "" {
		if version, err = versionParam(r); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	verbose, err := boolParam(r, "verbose")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	normalize, err := boolParam(r, "normalize")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.reg.CheckCompatibility(r.Context(), subject, version, in, normalize || body.Normalize)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := struct {
		IsCompatible bool               `json:"is_compatible"`
		Messages     []string           `json:"messages,omitempty"`
		Differences  []compat.Violation `json:"differences,omitempty"`
	}{IsCompatible: res.Compatible}
	if verbose {
		out.Messages = compat.Messages(res.Violations)
		if out.Messages == nil {
			out.Messages = []string{}
		}
		out.Differences = res.Violations
	}
	s.writeJSON(w, 200, out)
}

// marshal encodes v as the API does everywhere: without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding response: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
