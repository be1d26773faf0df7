// Package api serves Accord over HTTP: the Confluent Schema Registry REST
// API (so existing serializers and clients work unmodified), the DEK
// registry (/dek-registry/v1), and Accord's own /v1 API over the services
// the Options name: streams and their contracts, the validation hook
// (POST /v1/validate, over LocalSource), lineage and OpenLineage,
// proposals, principals and tokens, the audit log, admin dump and import,
// health, metrics; it mounts the web UI (package ui) under /ui.
//
// One route-policy table (routes.go) drives both routing and
// authorization: every route has its roles and ownership rule there. One
// error map (package api/errcode) turns domain errors into an HTTP status
// and a Confluent error_code. The middleware every route shares lives
// here: request ids, body limits, content types, panic recovery, and the
// fetch-by-id hot path served before the router.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"go.opentelemetry.io/otel/trace"

	"github.com/accord/accord/audit"
	"github.com/accord/accord/auth"
	"github.com/accord/accord/backup"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/dek"
	"github.com/accord/accord/lineage"
	"github.com/accord/accord/proposals"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/bounded"
)

// DefaultMaxBodyBytes bounds request bodies unless Options says otherwise.
const DefaultMaxBodyBytes = 16 << 20

// Version and CommitID are what GET /v1/metadata/version answers (set at
// build time with -ldflags "-X github.com/accord/accord/api.Version=…").
var (
	Version  = "dev"
	CommitID = "unknown"
)

// ContentType is what the Confluent API answers with.
const ContentType = "application/vnd.schemaregistry.v1+json"

// Options configures a Server. The zero value is usable.
type Options struct {
	Logger       *slog.Logger
	MaxBodyBytes int64 // DefaultMaxBodyBytes when 0
	// Auth authenticates requests; nil serves everyone (see api/auth.go;
	// who may call what is routes.go's).
	Auth *auth.Authenticator
	// Contracts serves /v1/streams and guards subject writes; nil: neither.
	Contracts *contracts.Service
	// Audit serves GET /v1/audit; nil: not served.
	Audit *audit.Log
	// Streams mirrors subjects' streams into version responses (see
	// api/mirror.go); Contracts when nil.
	Streams StreamDirectory
	// Lineage serves /v1/lineage, POST /api/v1/lineage (OpenLineage) and
	// POST /v1/streams/{name}/impact (see api/lineage.go); nil: none.
	Lineage *lineage.Service
	// Proposals serves /v1/proposals (see api/proposals.go); nil: not served.
	Proposals *proposals.Service
	// Backups serves GET /v1/admin/dump and POST /v1/admin/import (see
	// api/backup.go); nil: not served.
	Backups *backup.Service
	// DEK serves the DEK registry, /dek-registry/v1 (see api/dek.go);
	// nil: not served.
	DEK *dek.Service
	// UI serves /ui and /ui/... (the reviewers' web UI, package ui). It
	// runs before the API's authentication: it signs people in with its
	// own session cookie. nil: not served.
	UI http.Handler
	// SchemaCacheBytes bounds each of the HTTP layer's caches of encoded
	// answers (schemas by id, subject versions) and of decoded request
	// bodies; registry.DefaultCacheSizes.SchemaBytes when 0.
	SchemaCacheBytes int64
	// Readiness backs /health/ready, /health/startup and /v1/health (see
	// api/health.go); nil: the registry's Ping.
	Readiness Readiness

	// Observability (see api/observe.go). Observer is told of every
	// request (package metrics); nil: none.
	Observer RequestObserver
	// Tracer makes a span of every request, child of the caller's W3C
	// traceparent; nil: no spans.
	Tracer trace.Tracer
	// AccessLog logs one line per request at INFO.
	AccessLog bool
	// Metrics serves GET /metrics on this listener (nil: not served):
	// open when authentication is off, else to any principal or to
	// MetricsToken.
	Metrics      http.Handler
	MetricsToken string
}

// Server is the HTTP front of a registry.
type Server struct {
	reg     *registry.Registry
	log     *slog.Logger
	maxBody int64
	router  chi.Router
	// byID caches the encoded body of GET /schemas/ids/{id}: schemas are
	// immutable, so the hottest read is a map lookup and a write. Bounded
	// by Options.SchemaCacheBytes.
	byID *bounded.Cache[idKey, answer]
	hot  hotCaches
	auth *auth.Authenticator // nil: authentication off

	contracts *contracts.Service // nil: no streams (see streams.go)
	audit     *audit.Log         // nil: GET /v1/audit is not served
	lineage   *lineage.Service   // nil: no lineage routes
	proposals *proposals.Service // nil: no /v1/proposals
	backups   *backup.Service    // nil: no /v1/admin/dump, /v1/admin/import
	dek       *dek.Service       // nil: no /dek-registry/v1
	mirror    *mirrorCache
	ui        http.Handler     // nil: no /ui
	validator *validateHandler // nil without contracts
	// table is the route-policy table (routes.go) of this server.
	table []route
	open  map[routeKey]bool // its open routes (openPath)
	// hotRoles may call the routes answered before routing (hotpath.go),
	// from their rows of the table.
	hotRoles hotRoles
	// hotRecord are the metrics recorders of those routes (RouteObserver).
	hotRecord struct{ byID, version recordFunc }
	ready     *readiness

	obs          RequestObserver // nil: none
	tracer       trace.Tracer    // nil: no spans
	accessLog    bool
	metrics      http.Handler // nil: no /metrics here
	metricsToken string
	observed     bool // any of the above: requests go through observe
	spanNameOf   map[spanKey]string
}

type idKey struct {
	ctx string
	id  int64
}

// New returns a Server for reg.
func New(reg *registry.Registry, opts Options) *Server {
	s := &Server{reg: reg, log: opts.Logger, maxBody: opts.MaxBodyBytes, auth: opts.Auth, contracts: opts.Contracts, audit: opts.Audit, lineage: opts.Lineage, proposals: opts.Proposals, backups: opts.Backups, dek: opts.DEK}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	s.hot = newHotCaches(opts.SchemaCacheBytes)
	s.byID = s.hot.byID
	check := reg.Ping
	if opts.Readiness != nil {
		check = opts.Readiness.Ready
	}
	s.ready = &readiness{check: check, log: s.log}
	s.ui = opts.UI
	s.obs, s.tracer, s.accessLog = opts.Observer, opts.Tracer, opts.AccessLog
	s.metrics, s.metricsToken = opts.Metrics, opts.MetricsToken
	s.observed = s.observing()
	dir := opts.Streams
	if dir == nil && opts.Contracts != nil {
		dir = opts.Contracts
	}
	s.mirror = newMirrorCache(dir)
	if s.contracts != nil {
		s.validator = newValidateHandler(s)
	}
	s.table = s.routeTable()
	s.open = openRoutes(s.table)
	s.hotRoles = s.hotRouteRoles()
	s.hotRecord.byID = s.recorder(hotRoute, http.MethodGet)
	s.hotRecord.version = s.recorder(versionRoute, http.MethodGet)
	s.spanNameOf = s.spanNames()
	s.router = s.routes()
	s.checkRoutes(s.router)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.observed {
		s.observe(w, r) // metrics, span, access log; then serve
		return
	}
	s.serve(w, r)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.isUI(r.URL.Path) {
		noteRoute(w, uiRoute)
		s.ui.ServeHTTP(w, r) // its own sessions, CSRF and error pages
		return
	}
	if s.metrics != nil && r.URL.Path == metricsRoute {
		s.serveMetrics(w, r)
		return
	}
	p, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if p != nil {
		noteWho(w, p.Name)
	}
	if s.serveHot(w, r, p) {
		return
	}
	if p != nil {
		r = r.WithContext(auth.WithPrincipal(r.Context(), p))
	}
	s.router.ServeHTTP(w, r)
}

// isUI reports whether path is the web UI's.
func (s *Server) isUI(path string) bool {
	return s.ui != nil && (path == "/ui" || strings.HasPrefix(path, "/ui/"))
}

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	// Authorization is per route (guard, from the table in routes.go);
	// who runs before it: its checks may write (subject claims), and the
	// audit log must name the caller.
	r.Use(s.recoverer, s.requestID, s.limits, s.sameOrigin, contextPath, s.aliasPath, s.who)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &httpError{errNotFound, "HTTP 404 Not Found"})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &httpError{errMethod, "HTTP 405 Method Not Allowed"})
	})

	s.mount(r)
	return r
}

// Routes returns the server's routes, for chi.Walk: tests enumerate them
// to check that every route has its row in the authorization suite.
func (s *Server) Routes() chi.Routes { return s.router }

// recoverer turns a panic into a logged 500 instead of a dropped
// connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// requestID tags every response (and error log) with a request id, the
// caller's X-Request-Id when it sends one.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.setRequestID(w, r)
		next.ServeHTTP(w, r)
	})
}

// limits bounds bodies and refuses content types that are not JSON.
func (s *Server) limits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.maxBody {
			s.writeError(w, r, &httpError{errTooLarge, fmt.Sprintf("request body of %d bytes exceeds the limit of %d bytes", r.ContentLength, s.maxBody)})
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
			if ct := r.Header.Get("Content-Type"); ct != "" && !jsonContentType(ct) {
				s.writeError(w, r, &httpError{errUnsupportedMedia, fmt.Sprintf("unsupported content type %q: send application/vnd.schemaregistry.v1+json or application/json", ct)})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func jsonContentType(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	switch ct {
	case "application/json", "application/x-ndjson", "application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json", "application/octet-stream", "*/*":
		return true
	}
	return false
}

// writeJSON encodes v without HTML escaping (schemas contain < and >).
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshal(v)
	if err != nil {
		s.log.Error("encoding response", slog.Any("err", err))
		status, body = 500, []byte(`{"error_code":50001,"message":"Internal server error"}`)
	}
	writeBody(w, status, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = contentTypeValue
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

// contentTypeValue is the Content-Type header of every answer, one slice
// shared by all: header values are assigned rather than Set, which makes
// a slice per call (and canonicalizes the name) on every request. Sharing
// is safe: nothing changes a header's slice in place (Header.Add appends
// to it, which copies a slice of capacity 1; net/http clones the map).
var contentTypeValue = []string{ContentType}

// decode reads a JSON body strictly: unknown fields and trailing data are
// client errors, an over-long body is 413.
func (s *Server) decode(r *http.Request, v any) error {
	raw, err := s.readBody(r)
	if err != nil {
		return err
	}
	return decodeJSON(raw, v)
}

// readBody reads the whole body, within the size limit.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &httpError{errTooLarge, fmt.Sprintf("request body exceeds the limit of %d bytes", s.maxBody)}
		}
		return nil, &httpError{errBadRequest, "reading request body: " + err.Error()}
	}
	return raw, nil
}

func decodeJSON(raw []byte, v any) error {
	// A JSON null decodes into a struct as nothing at all, so it would act
	// as {}: every body is a JSON object, and null is refused as one.
	if t := bytes.TrimSpace(raw); bytes.Equal(t, []byte("null")) {
		return &httpError{errUnprocessable, "request body must be a JSON object, not null"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		switch {
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return &httpError{errUnprocessable, "Unrecognized field: " + strings.TrimPrefix(err.Error(), "json: unknown field ")}
		case errors.Is(err, io.EOF):
			return &httpError{errBadRequest, "request body is empty: a JSON document is required"}
		default:
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return &httpError{errUnprocessable, fmt.Sprintf("field %q must be %s, not %s", te.Field, te.Type, te.Value)}
			}
			return &httpError{errBadRequest, "malformed JSON: " + err.Error()}
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &httpError{errBadRequest, "malformed JSON: unexpected data after the document"}
	}
	return nil
}
