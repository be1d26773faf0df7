package api

// The DEK registry (/dek-registry/v1), what Confluent's client-side field
// encryption calls: Confluent's paths, bodies and error codes. Served
// only when Options.DEK is set; the dek package decides, these handlers
// translate. Who may write is in the route-policy table (routes.go) and, for DEKs,
// the subject's single writer (the dek service).

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/accord/accord/dek"
)

// kekName returns the {name} path segment, URL-decoded.
func (p *params) kekName() string {
	raw := chi.URLParam(p.r, "name")
	if p.r.URL.RawPath == "" {
		return raw
	}
	n, err := url.PathUnescape(raw)
	if err != nil {
		p.fail(&httpError{errBadRequest, "malformed KEK name " + raw})
	}
	return n
}

// dekVersion reads {version} when versioned, else the whole DEK: the
// latest for reads (Confluent's GET .../deks/{subject} is version 1, see
// getDEK), all versions (0) for deletes.
func (p *params) dekVersion(versioned bool, whole int) int {
	if !versioned {
		return whole
	}
	return p.version()
}

func (s *Server) listKEKs(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	deleted := p.bool("deleted")
	if p.err != nil {
		return p.err
	}
	names, err := s.dek.KEKNames(r.Context(), deleted)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, names)
	return nil
}

func (s *Server) getKEK(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	name, deleted := p.kekName(), p.bool("deleted")
	if p.err != nil {
		return p.err
	}
	k, err := s.dek.KEK(r.Context(), name, deleted)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) createKEK(w http.ResponseWriter, r *http.Request) error {
	var req dek.CreateKEK
	if err := s.decode(r, &req); err != nil {
		return err
	}
	k, err := s.dek.CreateKEK(r.Context(), req)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) updateKEK(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	name := p.kekName()
	if p.err != nil {
		return p.err
	}
	var req dek.UpdateKEK
	if err := s.decode(r, &req); err != nil {
		return err
	}
	k, err := s.dek.UpdateKEK(r.Context(), name, req)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) deleteKEK(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	name, permanent := p.kekName(), p.bool("permanent")
	if p.err != nil {
		return p.err
	}
	if err := s.dek.DeleteKEK(r.Context(), name, permanent); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) undeleteKEK(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	name := p.kekName()
	if p.err != nil {
		return p.err
	}
	if err := s.dek.UndeleteKEK(r.Context(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listDEKSubjects(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	name, deleted := p.kekName(), p.bool("deleted")
	if p.err != nil {
		return p.err
	}
	subjects, err := s.dek.DEKSubjects(r.Context(), name, deleted)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, subjects)
	return nil
}

func (s *Server) listDEKVersions(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	name, subject, deleted := p.kekName(), p.subject(), p.bool("deleted")
	if p.err != nil {
		return p.err
	}
	vs, err := s.dek.DEKVersions(r.Context(), name, subject, p.str("algorithm"), deleted)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, vs)
	return nil
}

// getDEK answers GET .../deks/{subject} (version 1, as Confluent's
// server: clients that rotate keys ask for versions/latest) and
// GET .../deks/{subject}/versions/{version}.
func (s *Server) getDEK(versioned bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := params{r: r}
		name, subject, deleted := p.kekName(), p.subject(), p.bool("deleted")
		version := p.dekVersion(versioned, 1)
		if p.err != nil {
			return p.err
		}
		d, err := s.dek.DEK(r.Context(), name, subject, version, p.str("algorithm"), deleted)
		if err != nil {
			return err
		}
		s.writeJSON(w, http.StatusOK, d)
		return nil
	}
}

func (s *Server) createDEK(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	name := p.kekName()
	if p.err != nil {
		return p.err
	}
	var req dek.CreateDEK
	if err := s.decode(r, &req); err != nil {
		return err
	}
	d, err := s.dek.CreateDEK(r.Context(), name, req)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) deleteDEK(versioned bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := params{r: r}
		name, subject, permanent := p.kekName(), p.subject(), p.bool("permanent")
		version := p.dekVersion(versioned, 0)
		if p.err != nil {
			return p.err
		}
		if err := s.dek.DeleteDEK(r.Context(), name, subject, version, p.str("algorithm"), permanent); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (s *Server) undeleteDEK(versioned bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := params{r: r}
		name, subject := p.kekName(), p.subject()
		version := p.dekVersion(versioned, 0)
		if p.err != nil {
			return p.err
		}
		if err := s.dek.UndeleteDEK(r.Context(), name, subject, version, p.str("algorithm")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
