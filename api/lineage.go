package api

// The lineage API (/v1/lineage), OpenLineage ingestion (POST
// /api/v1/lineage, the path of OpenLineage's HTTP transport) and impact
// analysis (POST /v1/streams/{name}/impact). Served only when
// Options.Lineage is set; the lineage package decides, these handlers
// translate.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/accord/accord/lineage"
	"github.com/accord/accord/registry"
)

// edgeBody is an edge as a client declares it.
type edgeBody struct {
	Kind    lineage.Kind `json:"kind"`
	From    string       `json:"from"`
	To      string       `json:"to"`
	Fields  []string     `json:"fields,omitempty"`
	Version int          `json:"version,omitempty"`
}

func (s *Server) putEdge(w http.ResponseWriter, r *http.Request) error {
	var b edgeBody
	if err := s.decode(r, &b); err != nil {
		return err
	}
	e, err := s.lineage.PutEdge(r.Context(), lineage.Edge{Kind: b.Kind, From: b.From, To: b.To, Fields: b.Fields, Version: b.Version})
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) listEdges(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := params{r: r}
	f := lineage.EdgeFilter{Kind: lineage.Kind(q.Get("kind")), Node: q.Get("node"), Source: lineage.Source(q.Get("source")), Stale: p.bool("stale")}
	if p.err != nil {
		return p.err
	}
	es, err := s.lineage.Edges(r.Context(), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, es)
	return nil
}

// deleteEdge removes a declared edge named by the query parameters kind,
// from and to.
func (s *Server) deleteEdge(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := s.lineage.DeleteEdge(r.Context(), lineage.Kind(q.Get("kind")), q.Get("from"), q.Get("to")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) lineageGraph(w http.ResponseWriter, r *http.Request) error {
	g, err := s.lineage.Whole(r.Context())
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, g)
	return nil
}

// walkLineage serves upstream and downstream walks; depth defaults to 1.
func (s *Server) walkLineage(dir lineage.Direction) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := params{r: r}
		depth := p.int("depth")
		if p.err != nil {
			return p.err
		}
		name, err := url.PathUnescape(chi.URLParam(r, "name"))
		if err != nil {
			return &httpError{errBadRequest, "malformed node name: " + err.Error()}
		}
		g, err := s.lineage.Walk(r.Context(), lineage.Node{Kind: lineage.NodeKind(chi.URLParam(r, "kind")), Name: name}, dir, depth)
		if err != nil {
			return err
		}
		s.writeJSON(w, http.StatusOK, g)
		return nil
	}
}

func (s *Server) dependencies(w http.ResponseWriter, r *http.Request) error {
	d, err := s.lineage.Dependencies(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) lineageFindings(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.lineage.Findings(r.Context())
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, fs)
	return nil
}

// openLineage takes an OpenLineage run event. Decoding is lenient, unlike
// the rest of the API: emitters send many facets Accord does not read.
func (s *Server) openLineage(w http.ResponseWriter, r *http.Request) error {
	raw, err := s.readBody(r)
	if err != nil {
		return err
	}
	var ev lineage.RunEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return &httpError{errBadRequest, "malformed OpenLineage run event: " + err.Error()}
	}
	res, err := s.lineage.Ingest(r.Context(), ev)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, res)
	return nil
}

// impactBody is a proposed schema for one of the stream's subjects (its
// value subject by default).
type impactBody struct {
	Subject    string               `json:"subject,omitempty"`
	Schema     string               `json:"schema"`
	SchemaType string               `json:"schemaType,omitempty"`
	References []registry.Reference `json:"references,omitempty"`
}

func (s *Server) impact(w http.ResponseWriter, r *http.Request) error {
	var b impactBody
	if err := s.decode(r, &b); err != nil {
		return err
	}
	if strings.TrimSpace(b.Schema) == "" {
		return &httpError{errUnprocessable, "schema is required: the proposed schema to analyse"}
	}
	imp, err := s.lineage.Impact(r.Context(), chi.URLParam(r, "name"), lineage.ImpactRequest{
		Subject: b.Subject,
		Schema:  registry.SchemaInput{Schema: b.Schema, SchemaType: strings.ToUpper(b.SchemaType), References: b.References},
	})
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, imp)
	return nil
}
