package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/compat"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry"
)

// schemaBody is the Confluent JSON shape of a schema, with the subject and
// version fields filled where the endpoint has them.
type schemaBody struct {
	Subject    string               `json:"subject,omitempty"`
	Version    int                  `json:"version,omitempty"`
	ID         int64                `json:"id,omitempty"`
	GUID       string               `json:"guid,omitempty"`
	SchemaType string               `json:"schemaType,omitempty"`
	References []registry.Reference `json:"references,omitempty"`
	Metadata   json.RawMessage      `json:"metadata,omitempty"`
	RuleSet    json.RawMessage      `json:"ruleSet,omitempty"`
	Schema     string               `json:"schema"`
	Deleted    bool                 `json:"deleted,omitempty"`
	MaxID      int64                `json:"maxId,omitempty"` // GET /schemas/ids/{id}?fetchMaxId=true
}

// toBody is a schema's response body. schemaType is always present (AVRO
// included), as Confluent has answered for years.
func toBody(rec *registry.SchemaRecord) schemaBody {
	return schemaBody{ID: rec.ID, GUID: rec.GUID, SchemaType: rec.Type, Schema: rec.Schema, References: rec.References, Metadata: rec.Metadata, RuleSet: rec.RuleSet}
}

// formatted replaces b's schema with rec's schema rendered as ?format=
// asks (see registry.Formatted); "" keeps the stored text.
func (s *Server) formatted(r *http.Request, b *schemaBody, rec *registry.SchemaRecord, format string) error {
	if format == "" {
		return nil
	}
	text, err := s.reg.Formatted(r.Context(), rec, format)
	if err != nil {
		return err
	}
	b.Schema = text
	return nil
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

func (s *Server) schemaTypes(w http.ResponseWriter, r *http.Request) error {
	s.writeJSON(w, 200, s.reg.Types())
	return nil
}

func (s *Server) schemaByID(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	id, hint, format, fetchMaxID := p.id(), p.str("subject"), p.format(), p.bool("fetchMaxId")
	if p.err != nil {
		return p.err
	}
	k := idKey{registry.ParseName(hint).Context, id}
	cacheable := format == "" && !fetchMaxID
	if cacheable {
		if a, ok := s.byID.Get(k); ok {
			a.write(w)
			return nil
		}
	}
	rec, err := s.reg.SchemaByID(r.Context(), id, hint)
	if err != nil {
		return err
	}
	b := toBody(rec)
	b.ID = 0
	if err := s.formatted(r, &b, rec, format); err != nil {
		return err
	}
	if fetchMaxID {
		if b.MaxID, err = s.reg.MaxSchemaID(r.Context(), hint); err != nil {
			return err
		}
	}
	body, err := marshal(b)
	if err != nil {
		return err
	}
	if cacheable {
		s.byID.Put(k, newAnswer(body))
	}
	writeBody(w, 200, body)
	return nil
}

func (s *Server) schemaTextByID(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	id, hint, format := p.id(), p.str("subject"), p.format()
	if p.err != nil {
		return p.err
	}
	rec, err := s.reg.SchemaByID(r.Context(), id, hint)
	if err != nil {
		return err
	}
	text, err := s.reg.Formatted(r.Context(), rec, format)
	if err != nil {
		return err
	}
	writeBody(w, 200, []byte(text))
	return nil
}

func (s *Server) subjectsByID(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.versionsOfID(r)
	if err != nil {
		return err
	}
	p := params{r: r}
	offset, limit := p.page()
	if p.err != nil {
		return p.err
	}
	out := []string{}
	for _, v := range vs {
		if !slices.Contains(out, v.Subject) {
			out = append(out, v.Subject)
		}
	}
	s.writeJSON(w, 200, paged(out, offset, limit))
	return nil
}

func (s *Server) versionsByID(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.versionsOfID(r)
	if err != nil {
		return err
	}
	type subjectVersion struct {
		Subject string `json:"subject"`
		Version int    `json:"version"`
	}
	p := params{r: r}
	offset, limit := p.page()
	if p.err != nil {
		return p.err
	}
	out := make([]subjectVersion, 0, len(vs))
	for _, v := range vs {
		out = append(out, subjectVersion{v.Subject, v.Version})
	}
	s.writeJSON(w, 200, paged(out, offset, limit))
	return nil
}

func (s *Server) versionsOfID(r *http.Request) ([]registry.SchemaVersion, error) {
	p := params{r: r}
	id, hint, deleted := p.id(), p.str("subject"), p.bool("deleted")
	if p.err != nil {
		return nil, p.err
	}
	return s.reg.VersionsByID(r.Context(), id, hint, deleted)
}

func (s *Server) listSchemas(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	f := registry.SchemaFilter{
		SubjectPrefix:  p.str("subjectPrefix"),
		IncludeDeleted: p.bool("deleted"),
		LatestOnly:     p.bool("latestOnly"),
	}
	f.Offset, f.Limit = p.page()
	if p.err != nil {
		return p.err
	}
	a := newArrayWriter(w)
	err := s.reg.WalkSchemas(r.Context(), f, func(v registry.SchemaVersion) error {
		b, _, err := s.mirroredVersion(r.Context(), v)
		if err != nil {
			return err
		}
		return a.add(b)
	})
	if err != nil {
		return s.failStream(a, r, err)
	}
	a.finish()
	return nil
}

// listSubjects streams the subject names (see liststream.go): Confluent's
// offset and limit page them, and without them the whole list is written
// as it is read, a page at a time.
func (s *Server) listSubjects(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	prefix, deleted, deletedOnly := p.str("subjectPrefix"), p.bool("deleted"), p.bool("deletedOnly")
	offset, limit := p.page()
	if p.err != nil {
		return p.err
	}
	q := registry.SubjectList{Prefix: prefix, Offset: offset, Limit: limit}
	switch {
	case deletedOnly:
		q.Deleted = registry.DeletedOnly
	case deleted:
		q.Deleted = registry.WithDeleted
	}
	a := newArrayWriter(w)
	if err := s.reg.WalkSubjects(r.Context(), q, func(name string) error { return a.add(name) }); err != nil {
		return s.failStream(a, r, err)
	}
	a.finish()
	return nil
}

func (s *Server) listVersions(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	subject, deleted, deletedOnly, asNegative := p.subject(), p.bool("deleted"), p.bool("deletedOnly"), p.bool("deletedAsNegative")
	offset, limit := p.page()
	if p.err != nil {
		return p.err
	}
	vs, err := s.reg.Versions(r.Context(), subject, deleted || deletedOnly)
	if err != nil {
		return err
	}
	switch {
	case asNegative:
		// As Confluent: every version, soft-deleted ones negated; it
		// wins over deletedOnly.
		all, err := s.reg.Versions(r.Context(), subject, true)
		if err != nil {
			return err
		}
		live := vs
		if deleted || deletedOnly {
			if live, err = s.reg.Versions(r.Context(), subject, false); err != nil && !errors.Is(err, registry.ErrSubjectNotFound) {
				return err
			}
		}
		vs = make([]int, len(all))
		for i, v := range all {
			vs[i] = v
			if !slices.Contains(live, v) {
				vs[i] = -v
			}
		}
	case deletedOnly:
		live, err := s.reg.Versions(r.Context(), subject, false)
		if err != nil && !errors.Is(err, registry.ErrSubjectNotFound) {
			return err
		}
		vs = without(vs, live)
	}
	s.writeJSON(w, 200, paged(vs, offset, limit))
	return nil
}

// without returns the elements of all that are not in live (what
// deletedOnly asks for); never nil, so it encodes as [].
func without[T comparable](all, live []T) []T {
	out := []T{}
	for _, v := range all {
		if !slices.Contains(live, v) {
			out = append(out, v)
		}
	}
	return out
}

// schemaRequest is what registration, lookup and compatibility requests
// share: the subject, the flags and the schema body.
type schemaRequest struct {
	subject   string
	format    string // ?format= of the response
	body      registerBody
	in        registry.SchemaInput
	normalize bool
}

func (s *Server) readSchemaRequest(r *http.Request, p *params) (schemaRequest, error) {
	req := schemaRequest{subject: p.subject(), normalize: p.bool("normalize"), format: p.format()}
	if p.err != nil {
		return req, p.err
	}
	var err error
	if req.body, err = s.decodeSchemaBody(r); err != nil {
		return req, err
	}
	req.normalize = req.normalize || req.body.Normalize
	req.in, err = req.body.input()
	return req, err
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	force := p.bool("force")
	req, err := s.readSchemaRequest(r, &p)
	if err != nil {
		return err
	}
	// Confluent's force=true skips the compatibility checks. Accord honours
	// it for admins only (who could set NONE anyway); from anyone else it
	// is ignored, so a service cannot bypass its subject's level.
	force = force && (s.auth == nil || auth.Require(r.Context(), "POST /subjects/{subject}/versions?force=true", auth.RoleAdmin) == nil)
	rr := registry.RegisterRequest{SchemaInput: req.in, Normalize: req.normalize, Force: force}
	if req.body.ID > 0 {
		rr.ID = int64(req.body.ID)
	}
	if req.body.Version > 0 {
		rr.Version = int(req.body.Version)
	}
	v, err := s.reg.Register(r.Context(), req.subject, rr)
	if err != nil {
		return err
	}
	// Confluent's RegisterSchemaResponse: the stored schema as a whole
	// (clients read id; newer ones also guid and version).
	b := toBody(v.Schema)
	b.Version = v.Version
	if err := s.formatted(r, &b, v.Schema, req.format); err != nil {
		return err
	}
	s.writeJSON(w, 200, b)
	return nil
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	deleted := p.bool("deleted")
	req, err := s.readSchemaRequest(r, &p)
	if err != nil {
		return err
	}
	v, err := s.reg.Lookup(r.Context(), req.subject, req.in, req.normalize, deleted)
	if err != nil {
		return err
	}
	s.writeVersion(w, r, v, req.format)
	return nil
}

func (s *Server) getVersion(w http.ResponseWriter, r *http.Request) error {
	v, err := s.version(r)
	if err != nil {
		return err
	}
	s.writeVersion(w, r, v, r.URL.Query().Get("format"))
	return nil
}

func (s *Server) getVersionSchema(w http.ResponseWriter, r *http.Request) error {
	v, err := s.version(r)
	if err != nil {
		return err
	}
	text, err := s.reg.Formatted(r.Context(), v.Schema, r.URL.Query().Get("format"))
	if err != nil {
		return err
	}
	writeBody(w, 200, []byte(text))
	return nil
}

func (s *Server) version(r *http.Request) (registry.SchemaVersion, error) {
	p := params{r: r}
	subject, version, deleted := p.subject(), p.version(), p.bool("deleted")
	if p.err != nil {
		return registry.SchemaVersion{}, p.err
	}
	return s.reg.Version(r.Context(), subject, version, deleted)
}

func (s *Server) referencedBy(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	subject, version := p.subject(), p.version()
	offset, limit := p.page()
	if p.err != nil {
		return p.err
	}
	ids, err := s.reg.ReferencedBy(r.Context(), subject, version)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, paged(ids, offset, limit))
	return nil
}

func (s *Server) deleteVersion(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	subject, version, permanent := p.subject(), p.version(), p.bool("permanent")
	if p.err != nil {
		return p.err
	}
	v, err := s.reg.DeleteVersion(r.Context(), subject, version, permanent)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, v)
	return nil
}

func (s *Server) deleteSubject(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	subject, permanent := p.subject(), p.bool("permanent")
	if p.err != nil {
		return p.err
	}
	vs, err := s.reg.DeleteSubject(r.Context(), subject, permanent)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, vs)
	return nil
}

func (s *Server) checkCompatibility(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	verbose := p.bool("verbose")
	version := 0
	if chi.URLParam(r, "version") != "" {
		version = p.version()
	}
	req, err := s.readSchemaRequest(r, &p)
	if err != nil {
		return err
	}
	res, err := s.reg.CheckCompatibility(r.Context(), req.subject, version, req.in, req.normalize)
	if err != nil {
		return err
	}
	out := struct {
		IsCompatible bool               `json:"is_compatible"`
		Messages     []string           `json:"messages,omitempty"`
		Differences  []compat.Violation `json:"differences,omitempty"`
		Impact       *lineage.Impact    `json:"impact,omitempty"`
	}{IsCompatible: res.Compatible}
	if verbose {
		out.Messages = res.Messages()
		if out.Messages == nil {
			out.Messages = []string{}
		}
		out.Differences = res.Violations
		out.Impact = s.impactOf(r, req)
	}
	s.writeJSON(w, 200, out)
	return nil
}

// impactOf is the downstream impact of a proposed schema when its subject
// belongs to a stream and lineage is served; nil otherwise. A failure to
// compute it does not fail the compatibility answer: it is logged.
func (s *Server) impactOf(r *http.Request, req schemaRequest) *lineage.Impact {
	if s.lineage == nil {
		return nil
	}
	m, err := s.mirror.of(r.Context(), req.subject)
	if err != nil || m.props == nil {
		return nil
	}
	imp, err := s.lineage.Impact(r.Context(), m.props[PropStream], lineage.ImpactRequest{Subject: req.subject, Schema: req.in})
	if err != nil {
		s.log.Warn("impact for a compatibility report", slog.String("subject", req.subject), slog.Any("err", err))
		return nil
	}
	return &imp
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
