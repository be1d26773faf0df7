package ui

// Sessions and CSRF.
//
// The session cookie holds an API token, never a password: signing in
// with a name and password issues a token for the principal (12 h,
// description "ui session") that sign-out revokes; signing in with a
// token stores that token, which sign-out leaves alone (it is the user's,
// perhaps used elsewhere). Every request verifies the token with the
// Authenticator as an API call would (Bearer), so revocation, expiry and
// disabling apply to the UI exactly as to the API, with its 30 s cache.
// The cookie is HttpOnly and SameSite=Strict, Secure on TLS.
//
// The cookie value is "<kind>.<token>" (kind p: issued at sign-in, t:
// the user's own). The kind is not signed: changing it only decides
// whether sign-out revokes a token the holder may revoke anyway.
//
// Every POST form carries a CSRF token: an HMAC, under a random key held
// by the process, of the session's token ("anonymous" when authentication
// is off). A cross-site page can neither read it nor compute it. A
// restart changes the key: a form loaded before it fails once with a page
// asking to retry. The sign-in form has no session yet: its token is the
// HMAC of a random nonce the sign-in page sets in its own cookie
// (accord_login). A token the same for everyone would let any page that
// fetched it sign a victim's browser in as the attacker (login CSRF), and
// what the victim then proposes, decides or reads would be in the
// attacker's session.

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
)

const (
	sessionCookie = "accord_session"
	loginCookie   = "accord_login"
	// SessionTTL is how long a session signed in with a password lasts.
	SessionTTL = 12 * time.Hour
	// SessionDescription names the tokens sign-in issues.
	SessionDescription = "ui session"
	maxFormBytes       = 64 << 10
)

type sessionKey struct{}

// sess is the signed-in state of a request.
type sess struct {
	principal *auth.Principal // nil when authentication is off
	token     string          // the session's token ("" when authentication is off)
	issued    bool            // the token was issued at sign-in (revoked at sign-out)
}

func sessionFrom(r *http.Request) *sess {
	s, _ := r.Context().Value(sessionKey{}).(*sess)
	if s == nil {
		return &sess{}
	}
	return s
}

// session authenticates the request from its cookie and puts the
// principal and the audit identity in the context, as the API's
// authenticate and who middlewares do. Without a valid session a page
// request is sent to the sign-in page.
func (h *handler) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := &sess{}
		ctx := r.Context()
		if h.opts.Auth != nil {
			c, err := r.Cookie(sessionCookie)
			if err != nil || c.Value == "" {
				h.toLogin(w, r)
				return
			}
			kind, tok, _ := strings.Cut(c.Value, ".")
			p, err := h.opts.Auth.AuthenticateHeader(ctx, "Bearer "+tok)
			if errors.Is(err, auth.ErrUnauthenticated) {
				clearSession(w, r)
				h.toLogin(w, r)
				return
			}
			if err != nil {
				status, msg := h.errorFor(r, err)
				h.errorPage(w, r, status, msg)
				return
			}
			s = &sess{principal: p, token: tok, issued: kind == "p"}
			ctx = auth.WithPrincipal(ctx, p)
		}
		who := audit.Who{RequestID: requestID(ctx)}
		if s.principal != nil {
			who.Actor = s.principal.Name
		}
		ctx = audit.WithWho(ctx, who)
		ctx = contextWithSession(ctx, s)
		r = r.WithContext(ctx)
		if r.Method == http.MethodPost && !h.checkCSRF(w, r, s.csrfSubject()) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *sess) csrfSubject() string {
	if s.token == "" {
		return "anonymous"
	}
	return "session:" + s.token
}

// toLogin answers a request without a session: 303 to the sign-in page,
// coming back to the page asked for.
func (h *handler) toLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = "/ui/streams"
	}
	http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// csrfToken returns the token forms of subject carry.
func (h *handler) csrfToken(subject string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("accord-ui-csrf\x00" + subject))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF parses the POST form and checks its token; on failure it
// answers 403.
func (h *handler) checkCSRF(w http.ResponseWriter, r *http.Request, subject string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "The form could not be read: "+err.Error())
		return false
	}
	got := r.PostForm.Get("csrf")
	if got == "" || !hmac.Equal([]byte(got), []byte(h.csrfToken(subject))) {
		h.errorPage(w, r, http.StatusForbidden, "The form expired or did not come from this site (CSRF check failed). Go back, reload the page and try again.")
		return false
	}
	return true
}

func setSession(w http.ResponseWriter, r *http.Request, value string, expires time.Time) {
	c := &http.Cookie{Name: sessionCookie, Value: value, Path: "/ui", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
	if !expires.IsZero() {
		c.Expires = expires
	}
	http.SetCookie(w, c)
}

func clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/ui", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// safeNext returns next when it is a path of the UI on this server, else
// the streams page: sign-in must not redirect anywhere else (open
// redirect).
func safeNext(next string) string {
	const def = "/ui/streams"
	if next == "" || strings.ContainsAny(next, "\\\r\n\t") || strings.HasPrefix(next, "//") {
		return def
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return def
	}
	if u.Path != "/ui" && !strings.HasPrefix(u.Path, "/ui/") || strings.Contains(u.Path, "/../") || strings.HasSuffix(u.Path, "/..") {
		return def
	}
	if u.Path == "/ui/login" {
		return def
	}
	return u.RequestURI()
}

type loginData struct {
	Next     string
	Error    string
	Username string
	CSRF     string
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if h.opts.Auth == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	h.renderLogin(w, r, http.StatusOK, loginData{Next: next})
}

func (h *handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	nonce := loginNonce(r)
	if nonce == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			h.errorPage(w, r, http.StatusInternalServerError, "The sign-in form could not be made; try again.")
			return
		}
		nonce = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: nonce, Path: "/ui/login", MaxAge: int(SessionTTL / time.Second),
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	}
	d.CSRF = h.csrfToken("login:" + nonce)
	h.render(w, r, status, "login", "Sign in", "", d)
}

// loginNonce is the sign-in form's nonce from its cookie, "" when absent.
func loginNonce(r *http.Request) string {
	c, err := r.Cookie(loginCookie)
	if err != nil || len(c.Value) < 16 || len(c.Value) > 64 {
		return ""
	}
	return c.Value
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	if h.opts.Auth == nil {
		http.Redirect(w, r, "/ui/streams", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.renderLogin(w, r, http.StatusBadRequest, loginData{Error: "The form could not be read."})
		return
	}
	f := r.PostForm
	d := loginData{Next: safeNext(f.Get("next")), Username: strings.TrimSpace(f.Get("username"))}
	nonce := loginNonce(r)
	if got := f.Get("csrf"); got == "" || nonce == "" || !hmac.Equal([]byte(got), []byte(h.csrfToken("login:"+nonce))) {
		d.Error = "The sign-in form expired. Please try again."
		h.renderLogin(w, r, http.StatusForbidden, d)
		return
	}
	ctx := r.Context()
	token := strings.TrimSpace(f.Get("token"))
	var (
		p      *auth.Principal
		err    error
		cookie string
		until  time.Time
	)
	switch {
	case token != "":
		_, err = h.opts.Auth.AuthenticateHeader(ctx, "Bearer "+token)
		cookie = "t." + token
	case d.Username != "" && f.Get("password") != "":
		basic := base64.StdEncoding.EncodeToString([]byte(d.Username + ":" + f.Get("password")))
		p, err = h.opts.Auth.AuthenticateHeaderFrom(ctx, "Basic "+basic, r.RemoteAddr)
		if err == nil {
			ctx = audit.WithWho(auth.WithPrincipal(ctx, p), audit.Who{Actor: p.Name, RequestID: requestID(ctx)})
			until = h.now().Add(SessionTTL)
			var tok auth.IssuedToken
			tok, err = h.opts.Auth.IssueToken(ctx, p.Name, SessionDescription, until)
			cookie = "p." + tok.Text
		}
	default:
		d.Error = "Enter a username and password, or an API token."
		h.renderLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	if errors.Is(err, auth.ErrUnauthenticated) {
		d.Error = "Sign-in failed: the credentials are not valid (or the principal is disabled, or the token expired or was revoked)."
		h.renderLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	var te *auth.ThrottledError
	if errors.As(err, &te) {
		w.Header().Set("Retry-After", strconv.Itoa(te.Seconds()))
		d.Error = "Sign-in refused: " + te.Error() + "."
		h.renderLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	if err != nil {
		status, msg := h.errorFor(r, err)
		h.errorPage(w, r, status, msg)
		return
	}
	h.endPreviousSession(r)
	setSession(w, r, cookie, until)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// endPreviousSession revokes the token of a password session the browser
// still holds when it signs in again, so no cookie-less token lives on
// for its 12 hours. The token must verify first: a forged cookie naming
// someone else's token id must not revoke it.
func (h *handler) endPreviousSession(r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return
	}
	kind, tok, _ := strings.Cut(c.Value, ".")
	if kind != "p" {
		return
	}
	p, err := h.opts.Auth.AuthenticateHeader(r.Context(), "Bearer "+tok)
	if err != nil {
		return
	}
	ctx := audit.WithWho(auth.WithPrincipal(r.Context(), p), audit.Who{Actor: p.Name, RequestID: requestID(r.Context())})
	h.revokeSession(ctx, tok)
}

// revokeSession revokes a token issued at sign-in.
func (h *handler) revokeSession(ctx context.Context, tok string) {
	id, _, ok := auth.ParseToken(tok)
	if !ok {
		return
	}
	if _, err := h.opts.Auth.RevokeToken(ctx, id); err != nil && !errors.Is(err, auth.ErrTokenNotFound) {
		h.log.Warn("ui: revoking a session token", "token", id, "err", err)
	}
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	s := sessionFrom(r)
	if s.issued && h.opts.Auth != nil {
		h.revokeSession(r.Context(), s.token)
	}
	clearSession(w, r)
	if h.opts.Auth == nil {
		http.Redirect(w, r, "/ui/streams", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}
