package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/registry"
)

// configBody is PUT /config's body and answer. Confluent clients send the
// level as "compatibility" (older ones as "compatibilityLevel", which the
// embedded Config reads).
type configBody struct {
	Compatibility compat.Level `json:"compatibility,omitempty"`
	registry.Config
}

func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	subject, dtg := p.subject(), p.bool("defaultToGlobal")
	if p.err != nil {
		return p.err
	}
	cfg, err := s.reg.GetConfig(r.Context(), subject, dtg)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, cfg)
	return nil
}

func (s *Server) putConfig(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	subject := p.subject()
	if p.err != nil {
		return p.err
	}
	var body configBody
	if err := s.decode(r, &body); err != nil {
		return err
	}
	update := body.Config
	if body.Compatibility != "" {
		update.Compatibility = body.Compatibility
	}
	cfg, err := s.reg.SetConfig(r.Context(), subject, update)
	if err != nil {
		return err
	}
	level := cfg.Compatibility
	cfg.Compatibility = ""
	s.writeJSON(w, 200, configBody{Compatibility: level, Config: cfg})
	return nil
}

func (s *Server) deleteConfig(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	subject := p.subject()
	if p.err != nil {
		return p.err
	}
	cfg, err := s.reg.DeleteConfig(r.Context(), subject)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, cfg)
	return nil
}

type modeBody struct {
	Mode string `json:"mode"`
}

func (s *Server) getMode(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	subject, dtg := p.subject(), p.bool("defaultToGlobal")
	if p.err != nil {
		return p.err
	}
	m, err := s.reg.GetMode(r.Context(), subject, dtg)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, modeBody{m})
	return nil
}

func (s *Server) putMode(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	subject, force := p.subject(), p.bool("force")
	if p.err != nil {
		return p.err
	}
	var body modeBody
	if err := s.decode(r, &body); err != nil {
		return err
	}
	m, err := s.reg.SetMode(r.Context(), subject, body.Mode, force)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, modeBody{m})
	return nil
}

func (s *Server) deleteMode(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	subject := p.subject()
	if p.err != nil {
		return p.err
	}
	m, err := s.reg.DeleteMode(r.Context(), subject)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, modeBody{m})
	return nil
}

// listContexts serves GET /contexts, filtered by contextPrefix and paged
// with offset and limit as Confluent's (contexts are few: the list is
// read whole).
func (s *Server) listContexts(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	prefix := p.str("contextPrefix")
	offset, limit := p.page()
	if p.err != nil {
		return p.err
	}
	all, err := s.reg.Contexts(r.Context())
	if err != nil {
		return err
	}
	c := all[:0:0]
	for _, x := range all {
		if strings.HasPrefix(x, prefix) {
			c = append(c, x)
		}
	}
	s.writeJSON(w, 200, paged(c, offset, limit))
	return nil
}

// deleteContext serves DELETE /contexts/{context}: an empty context leaves
// the list (204); one with subjects is 42211.
func (s *Server) deleteContext(w http.ResponseWriter, r *http.Request) error {
	name, err := url.PathUnescape(chi.URLParam(r, "context"))
	if err != nil {
		return &httpError{errBadRequest, "malformed context: " + err.Error()}
	}
	if err := s.reg.DeleteContext(r.Context(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
