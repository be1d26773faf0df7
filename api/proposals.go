package api

// The proposals API (/v1/proposals): schema changes awaiting review.
// Served only when Options.Proposals is set; the proposals package decides
// who may do what, these handlers translate.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/accord/accord/proposals"
	"github.com/accord/accord/registry"
)

// proposalBody is POST /v1/proposals: a subject, or a stream whose value
// subject (key subject with "key": true) is meant.
type proposalBody struct {
	Subject     string               `json:"subject"`
	Stream      string               `json:"stream"`
	Key         bool                 `json:"key"`
	SchemaType  string               `json:"schemaType"`
	Schema      string               `json:"schema"`
	References  []registry.Reference `json:"references"`
	Description string               `json:"description"`
}

// proposalAnswer is a proposal with its report; the report is computed
// live and only for pending proposals (a decided one carries its outcome).
type proposalAnswer struct {
	Proposal proposals.Proposal `json:"proposal"`
	Report   *proposals.Report  `json:"report,omitempty"`
}

func (s *Server) createProposal(w http.ResponseWriter, r *http.Request) error {
	var b proposalBody
	if err := s.decode(r, &b); err != nil {
		return err
	}
	subject, err := s.proposalSubject(r, b)
	if err != nil {
		return err
	}
	p, created, err := s.proposals.Propose(r.Context(), proposals.NewProposal{
		Subject: subject, SchemaType: b.SchemaType, Schema: b.Schema, References: b.References, Description: b.Description,
	})
	if err != nil {
		return err
	}
	rep, err := s.proposals.Report(r.Context(), p)
	if err != nil {
		return fmt.Errorf("proposal %d was recorded, but its report failed: %w", p.ID, err)
	}
	status := http.StatusOK // the pending proposal of the same schema
	if created {
		status = http.StatusCreated
	}
	s.writeJSON(w, status, proposalAnswer{Proposal: p, Report: &rep})
	return nil
}

// proposalSubject resolves the body's subject: given, or the stream's
// value (or key) subject. A subject given with a stream must be one of
// the stream's.
func (s *Server) proposalSubject(r *http.Request, b proposalBody) (string, error) {
	if b.Stream == "" {
		if b.Key {
			return "", proposals.Errorf(proposals.ErrInvalid, `"key" selects the key subject of a "stream"; give the stream`)
		}
		return b.Subject, nil
	}
	if s.contracts == nil {
		return "", proposals.Errorf(proposals.ErrInvalid, "this server has no streams: give the subject")
	}
	st, err := s.contracts.Get(r.Context(), b.Stream)
	if err != nil {
		return "", err
	}
	if b.Subject != "" {
		want := registry.ParseName(strings.TrimSpace(b.Subject)).String()
		for _, subj := range st.Subjects() {
			if subj == want {
				return want, nil
			}
		}
		return "", proposals.Errorf(proposals.ErrInvalid, "subject %s is not a subject of stream %s (%s)", b.Subject, st.Name, strings.Join(st.Subjects(), ", "))
	}
	if b.Key {
		if st.KeySubject == "" {
			return "", proposals.Errorf(proposals.ErrInvalid, "stream %s has no key subject", st.Name)
		}
		return st.KeySubject, nil
	}
	return st.ValueSubjects[0], nil
}

func (s *Server) listProposals(w http.ResponseWriter, r *http.Request) error {
	p := params{r: r}
	f := proposals.Filter{
		State: proposals.State(p.str("state")), Stream: p.str("stream"), Subject: p.str("subject"), Proposer: p.str("proposer"),
		Limit: p.int("limit"), BeforeID: int64(p.int("before")),
	}
	if p.err != nil {
		return p.err
	}
	if f.State != "" && !f.State.Valid() {
		return &httpError{errBadRequest, fmt.Sprintf("query parameter state=%q is not pending, approved, rejected or withdrawn", f.State)}
	}
	ps, err := s.proposals.List(r.Context(), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, 200, map[string]any{"proposals": ps})
	return nil
}

// proposalID reads the {id} path segment; anything but a positive id is
// a proposal that does not exist.
func proposalID(r *http.Request) (int64, error) {
	raw := chi.URLParam(r, "id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, proposals.Errorf(proposals.ErrNotFound, "proposal %q not found", raw)
	}
	return id, nil
}

func (s *Server) getProposal(w http.ResponseWriter, r *http.Request) error {
	id, err := proposalID(r)
	if err != nil {
		return err
	}
	p, err := s.proposals.Get(r.Context(), id)
	if err != nil {
		return err
	}
	out := proposalAnswer{Proposal: p}
	if p.State == proposals.Pending {
		rep, err := s.proposals.Report(r.Context(), p)
		if err != nil {
			return err
		}
		out.Report = &rep
	}
	s.writeJSON(w, 200, out)
	return nil
}

// decideProposal serves approve, reject and withdraw: an optional body
// {"comment": "..."}.
func (s *Server) decideProposal(decide func(ctx context.Context, id int64, comment string) (proposals.Proposal, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := proposalID(r)
		if err != nil {
			return err
		}
		raw, err := s.readBody(r)
		if err != nil {
			return err
		}
		var b struct {
			Comment string `json:"comment"`
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			if err := decodeJSON(raw, &b); err != nil {
				return err
			}
		}
		p, err := decide(r.Context(), id, b.Comment)
		if err != nil {
			return err
		}
		s.writeJSON(w, 200, proposalAnswer{Proposal: p})
		return nil
	}
}
