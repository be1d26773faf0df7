package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Reads by something other than subject/version or id: a schema's GUID
// (what header-based serializers send) and a subject's metadata (what
// serializers configured with use.latest.with.metadata ask for).

// schemaByGUID serves GET /schemas/guids/{guid}: Confluent's SchemaString
// (no id: the GUID may name the schema in several contexts).
func (s *Server) schemaByGUID(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	format := p.format()
	if p.err != nil {
		return p.err
	}
	rec, err := s.reg.SchemaByGUID(r.Context(), chi.URLParam(r, "guid"))
	if err != nil {
		return err
	}
	b := toBody(rec)
	b.ID = 0
	if err := s.formatted(r, &b, rec, format); err != nil {
		return err
	}
	s.writeJSON(w, 200, b)
	return nil
}

// idsByGUID serves GET /schemas/guids/{guid}/ids: [{context, id}].
func (s *Server) idsByGUID(w http.ResponseWriter, r *http.Request) error {
	ids, err := s.reg.SchemaIDsByGUID(r.Context(), chi.URLParam(r, "guid"))
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, ids)
	return nil
}

// latestWithMetadata serves GET /subjects/{subject}/metadata?key=K&value=V…:
// the newest version whose metadata properties hold every pair (keys and
// values pair up in order; extra ones of either are ignored, as Confluent
// does).
func (s *Server) latestWithMetadata(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	subject, deleted, format := p.subject(), p.bool("deleted"), p.format()
	if p.err != nil {
		return p.err
	}
	q := r.URL.Query()
	keys, values := q["key"], q["value"]
	props := make(map[string]string, min(len(keys), len(values)))
	for i := 0; i < len(keys) && i < len(values); i++ {
		props[keys[i]] = values[i]
	}
	v, err := s.reg.LatestWithMetadata(r.Context(), subject, props, deleted)
	if err != nil {
		return err
	}
	s.writeVersion(w, r, v, format)
	return nil
}
