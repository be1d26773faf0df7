package api

import (
	"encoding/json"
	"net/http"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/registry"
)

// configBody is PUT /config's body: Confluent clients send the level as
// "compatibility" (older ones as "compatibilityLevel").
type configBody struct {
	Compatibility      string          `json:"compatibility,omitempty"`
	CompatibilityLevel string          `json:"compatibilityLevel,omitempty"`
	Normalize          *bool           `json:"normalize,omitempty"`
	Alias              string          `json:"alias,omitempty"`
	ValidateFields     *bool           `json:"validateFields,omitempty"`
	Group              string          `json:"compatibilityGroup,omitempty"`
	DefaultMetadata    json.RawMessage `json:"defaultMetadata,omitempty"`
	OverrideMetadata   json.RawMessage `json:"overrideMetadata,omitempty"`
	DefaultRuleSet     json.RawMessage `json:"defaultRuleSet,omitempty"`
	OverrideRuleSet    json.RawMessage `json:"overrideRuleSet,omitempty"`
}

func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) {
	subject, err := subjectParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	dtg, err := boolParam(r, "defaultToGlobal")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cfg, err := s.reg.GetConfig(r.Context(), subject, dtg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, cfg)
}

func (s *Server) putConfig(w http.ResponseWriter, r *http.Request) {
	subject, err := subjectParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body configBody
	if err := s.decode(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	level := body.Compatibility
	if level == "" {
		level = body.CompatibilityLevel
	}
	update := registry.Config{
		Compatibility: compat.Level(level), Normalize: body.Normalize, Alias: body.Alias,
		ValidateFields: body.ValidateFields, Group: body.Group,
		DefaultMetadata: body.DefaultMetadata, OverrideMetadata: body.OverrideMetadata,
		DefaultRuleSet: body.DefaultRuleSet, OverrideRuleSet: body.OverrideRuleSet,
	}
	cfg, err := s.reg.SetConfig(r.Context(), subject, update)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, configBody{
		Compatibility: string(cfg.Compatibility), Normalize: cfg.Normalize, Alias: cfg.Alias,
		ValidateFields: cfg.ValidateFields, Group: cfg.Group,
		DefaultMetadata: cfg.DefaultMetadata, OverrideMetadata: cfg.OverrideMetadata,
		DefaultRuleSet: cfg.DefaultRuleSet, OverrideRuleSet: cfg.OverrideRuleSet,
	})
}

func (s *Server) deleteConfig(w http.ResponseWriter, r *http.Request) {
	subject, err := subjectParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cfg, err := s.reg.DeleteConfig(r.Context(), subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, cfg)
}

type modeBody struct {
	Mode string `json:"mode"`
}

func (s *Server) getMode(w http.ResponseWriter, r *http.Request) {
	subject, err := subjectParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	dtg, err := boolParam(r, "defaultToGlobal")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.reg.GetMode(r.Context(), subject, dtg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, modeBody{m})
}

func (s *Server) putMode(w http.ResponseWriter, r *http.Request) {
	subject, err := subjectParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	force, err := boolParam(r, "force")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body modeBody
	if err := s.decode(r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.reg.SetMode(r.Context(), subject, body.Mode, force)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, modeBody{m})
}

func (s *Server) deleteMode(w http.ResponseWriter, r *http.Request) {
	subject, err := subjectParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.reg.DeleteMode(r.Context(), subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, modeBody{m})
}

func (s *Server) listContexts(w http.ResponseWriter, r *http.Request) {
	c, err := s.reg.Contexts(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, 200, c)
}
