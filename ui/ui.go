package ui

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/accord/accord/api/errcode"
	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/registry"
)

// Options are the services the UI shows. A nil service turns its pages
// into a "this feature is off" notice; a nil Auth means authentication is
// off (an open server on loopback): no sign-in, everyone is anonymous and
// may do everything, as in the API.
type Options struct {
	Registry  *registry.Registry
	Contracts *contracts.Service
	Lineage   *lineage.Service
	Audit     *audit.Log
	Auth      *auth.Authenticator
	Proposals *proposals.Service
	Logger    *slog.Logger
}

// handler serves /ui and everything under it.
type handler struct {
	opts    Options
	log     *slog.Logger
	router  chi.Router
	pages   pageSet
	static  *staticFiles
	streams *streamCache
	// findings: the lineage's governance findings (findings.go).
	findings *findingsCache
	// search: the field-name index of /ui/search (search.go).
	search *searchCache
	// key signs CSRF tokens; random per process (see decisions.md).
	key   []byte
	reqID atomic.Uint64
	now   func() time.Time
}

// New returns the UI's handler; mount it at /ui and /ui/... .
func New(opts Options) http.Handler {
	h := &handler{opts: opts, log: opts.Logger, now: time.Now}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.key = make([]byte, 32)
	if _, err := rand.Read(h.key); err != nil {
		panic(fmt.Sprintf("ui: reading random key: %v", err)) // only if the system's random source fails
	}
	h.static = loadStatic()
	h.pages = loadPages(h.static)
	h.streams = newStreamCache(opts.Contracts)
	h.findings = &findingsCache{svc: opts.Lineage, log: h.log}
	h.search = &searchCache{h: h, log: h.log}
	h.router = h.routes()
	return h
}

// ServeHTTP sets the security headers every answer carries, then routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	id := r.Header.Get("X-Request-Id")
	if id == "" || len(id) > 128 {
		id = "ui-" + strconv.FormatUint(h.reqID.Add(1), 36)
	}
	hd.Set("X-Request-Id", id)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("ui: panic", slog.Any("panic", v), slog.String("path", r.URL.Path), slog.String("request", id))
			h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. The error was logged with request id "+id+".")
		}
	}()
	h.router.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), reqIDKey{}, id)))
}

type reqIDKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(reqIDKey{}).(string)
	return id
}

func (h *handler) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(middleware.GetHead) // HEAD answers as GET (links checkers, monitors)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		h.errorPage(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		// A 405 says what the page does accept (RFC 9110): a custom
		// handler loses the Allow chi's default sets.
		var allow []string
		if h.router.Match(chi.NewRouteContext(), http.MethodGet, r.URL.Path) {
			allow = append(allow, http.MethodGet, http.MethodHead) // HEAD: middleware.GetHead
		}
		if h.router.Match(chi.NewRouteContext(), http.MethodPost, r.URL.Path) {
			allow = append(allow, http.MethodPost)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		h.errorPage(w, r, http.StatusMethodNotAllowed, "This page does not accept "+r.Method+" requests.")
	})
	r.Get("/ui", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/", http.StatusMovedPermanently) })
	r.Get("/ui/static/{hash}/{file}", h.serveStatic)
	r.Get("/ui/login", h.loginPage)
	r.Post("/ui/login", h.login)
	r.Group(func(r chi.Router) {
		r.Use(h.session)
		r.Get("/ui/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/streams", http.StatusSeeOther) })
		r.Post("/ui/logout", h.logout)
		r.Get("/ui/streams", h.page(h.streamsPage))
		r.Get("/ui/search", h.page(h.searchPage))
		r.Get("/ui/streams/{name}", h.page(h.streamPage))
		r.Get("/ui/streams/{name}/diff", h.page(h.diffPage))
		r.Get("/ui/lineage", h.page(h.lineagePage))
		r.Get("/ui/proposals", h.page(h.proposalsPage))
		r.Get("/ui/proposals/{id}", h.page(h.proposalPage))
		r.Post("/ui/proposals/{id}/{decision}", h.page(h.decide))
		r.Get("/ui/audit", h.page(h.auditPage))
		r.Get("/ui/subjects", h.page(h.subjectsPage))
		r.Get("/ui/schemas/{id}", h.page(h.schemaPage))
	})
	return r
}

// pageFunc renders a page or returns an error that errorFor maps to a
// status and a friendly message.
type pageFunc func(w http.ResponseWriter, r *http.Request) error

func (h *handler) page(fn pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			status, msg := h.errorFor(r, err)
			h.errorPage(w, r, status, msg)
		}
	}
}

// Client errors of the UI's own (malformed queries, pages that do not
// exist, actions the page refuses). They are errcode kinds, so their
// statuses come from the one error map as the domain errors' do.

func badRequest(format string, args ...any) error {
	return errcode.New(errcode.ErrBadRequest, fmt.Sprintf(format, args...))
}

func notFound(format string, args ...any) error {
	return errcode.New(errcode.ErrNotFound, fmt.Sprintf(format, args...))
}

func forbidden(format string, args ...any) error {
	return errcode.New(auth.ErrForbidden, fmt.Sprintf(format, args...))
}

// errorFor maps an error to a status and a message through errcode, the
// map the API uses: the domain packages' typed errors decide, and only
// what is none of them is a 500 (logged, never shown).
func (h *handler) errorFor(r *http.Request, err error) (int, string) {
	if errors.Is(err, context.Canceled) {
		return 499, "the request was cancelled"
	}
	status, _ := errcode.Of(err)
	if status < 500 {
		return status, err.Error()
	}
	id := requestID(r.Context())
	h.log.Error("ui: request failed", slog.String("path", r.URL.Path), slog.String("request", id), slog.Any("err", err))
	return http.StatusInternalServerError, "Something went wrong on our side. The error was logged with request id " + id + "."
}

// query helpers: each malformed value is a 400, never a 500.

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("The query parameter %s=%q must be a whole number from %d to %d.", name, v, lo, hi)
	}
	return n, nil
}

// pathParam returns a path segment unescaped (chi matches the escaped
// path when the request has one).
func pathParam(r *http.Request, name string) (string, error) {
	if r.URL.RawPath == "" {
		return chi.URLParam(r, name), nil
	}
	v, err := url.PathUnescape(chi.URLParam(r, name))
	if err != nil {
		return "", badRequest("The path segment %q is not valid.", chi.URLParam(r, name))
	}
	return v, nil
}
