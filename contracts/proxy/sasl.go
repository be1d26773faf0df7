package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrBadCredentials is wrapped by an Authenticator refusing credentials.
var ErrBadCredentials = errors.New("bad credentials")

// Authenticator checks SASL/PLAIN credentials and names their principal.
type Authenticator interface {
	Authenticate(ctx context.Context, user, password string) (principal string, err error)
}

// AccordAuthenticator checks credentials against an Accord server:
// GET /v1/whoami with HTTP Basic user:password (a password or an API
// token, as for the REST API).
type AccordAuthenticator struct {
	BaseURL string
	// Client sends the requests (http.DefaultClient when nil).
	Client *http.Client
}

// Authenticate implements Authenticator.
func (a *AccordAuthenticator) Authenticate(ctx context.Context, user, password string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(a.BaseURL, "/")+"/v1/whoami", nil)
	if err != nil {
		return "", fmt.Errorf("whoami: %w", err)
	}
	req.SetBasicAuth(user, password)
	c := a.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("whoami: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("whoami: reading the answer: %w", err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return "", fmt.Errorf("%w: user %q", ErrBadCredentials, user)
	default:
		return "", fmt.Errorf("whoami: status %d: %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	var me struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(body, &me); err != nil || me.Name == "" {
		return "", fmt.Errorf("whoami: unexpected answer %q", body)
	}
	return me.Name, nil
}

// handshake answers a SaslHandshake: PLAIN only.
func (s *session) handshake(h header, frame []byte) slot {
	req := h.req.(*kmsg.SASLHandshakeRequest)
	resp := req.ResponseKind().(*kmsg.SASLHandshakeResponse)
	resp.SetVersion(h.version)
	resp.SupportedMechanisms = []string{"PLAIN"}
	if err := req.ReadFrom(frame[h.bodyOff:]); err != nil || req.Mechanism != "PLAIN" || s.authenticated {
		resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
		if s.authenticated {
			resp.ErrorCode = kerr.IllegalSaslState.Code
		}
	} else if h.version == 0 {
		s.rawSASL = true
	}
	return slot{local: appendResponse(nil, h.corr, flexibleResponse(h.req), resp)}
}

// authenticate checks a PLAIN token: from a SaslAuthenticate request (h
// set) or a bare frame after a v0 handshake. A refusal closes the
// connection once answered.
func (s *session) authenticate(h *header, frame []byte) (slot, bool) {
	token := frame
	var resp *kmsg.SASLAuthenticateResponse
	if h != nil {
		req := h.req.(*kmsg.SASLAuthenticateRequest)
		resp = req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		resp.SetVersion(h.version)
		if err := req.ReadFrom(frame[h.bodyOff:]); err != nil {
			return s.saslAnswer(h, resp, fmt.Errorf("decoding SaslAuthenticate: %w", err)), false
		}
		token = req.SASLAuthBytes
	}
	err := s.plain(token)
	return s.saslAnswer(h, resp, err), err == nil
}

// plain verifies "authzid\x00user\x00password".
func (s *session) plain(token []byte) error {
	if s.authenticated {
		return errors.New("already authenticated")
	}
	parts := strings.SplitN(string(token), "\x00", 3)
	if len(parts) != 3 {
		return errors.New("malformed PLAIN token")
	}
	if parts[0] != "" && parts[0] != parts[1] {
		return fmt.Errorf("user %q may not act as %q", parts[1], parts[0])
	}
	who, err := s.p.cfg.SASL.Authenticate(s.ctx(), parts[1], parts[2])
	if err != nil {
		s.log.Warn("proxy: SASL/PLAIN refused", slog.String("user", parts[1]), slog.Any("err", err))
		return err
	}
	s.principal, s.authenticated = who, true
	s.log.Debug("proxy: SASL/PLAIN authenticated", slog.String("principal", who))
	return nil
}

func (s *session) saslAnswer(h *header, resp *kmsg.SASLAuthenticateResponse, err error) slot {
	if h == nil {
		// v0: an empty token says yes; a refusal just closes.
		if err != nil {
			return slot{local: []byte{}, closeAfter: true}
		}
		return slot{local: []byte{0, 0, 0, 0}}
	}
	if err != nil {
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		msg := "authentication failed: invalid credentials"
		if !errors.Is(err, ErrBadCredentials) {
			msg = "authentication failed: " + err.Error()
		}
		resp.ErrorMessage = &msg
	}
	return slot{local: appendResponse(nil, h.corr, flexibleResponse(h.req), resp), closeAfter: err != nil}
}
