package api

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/registry"
	"github.com/accord/accord/registry/bounded"
)

// Serializers repeat a few requests over and over: fetching a schema by id,
// and looking up or registering the schema they were built with. These
// caches keep those paths off the router, the JSON decoder and the encoder.
// All are bounded (keys come from clients) and hold only immutable values.
type hotCaches struct {
	seed maphash.Seed
	// bodies maps a hash of a request body to its decoded form.
	bodies *bounded.Cache[uint64, decodedBody]
	// versions maps a subject version to its encoded response.
	versions *bounded.Cache[versionKey, answer]
	// byID maps a schema id to its encoded response (Server.byID).
	byID *bounded.Cache[idKey, answer]
	// paths maps the path of a plain subject-version read to its encoded
	// response, valid while the registry's cache epoch and the streams'
	// snapshot are those it was made at (serveHotVersion).
	paths *bounded.Cache[string, pathAnswer]
	// Hits and misses of the caches, for CacheStats.
	byIDHits, byIDMisses, versionHits, versionMisses, bodyHits, bodyMisses atomic.Uint64
}

// CacheStats reports the HTTP layer's caches (encoded schemas by id,
// encoded versions, decoded request bodies), for the metrics.
func (s *Server) CacheStats() []registry.CacheStat {
	h := &s.hot
	return []registry.CacheStat{
		{Name: "http_schemas_by_id", Hits: h.byIDHits.Load(), Misses: h.byIDMisses.Load()},
		{Name: "http_versions", Hits: h.versionHits.Load(), Misses: h.versionMisses.Load()},
		{Name: "http_bodies", Hits: h.bodyHits.Load(), Misses: h.bodyMisses.Load()},
	}
}

type decodedBody struct {
	raw  []byte
	body registerBody
}

// pathAnswer is an answer of paths, with what it was made at and the
// length of its key (a path the caller chose: it weighs in the budget).
type pathAnswer struct {
	answer
	epoch, mirror uint64
	keyBytes      int
}

type versionKey struct {
	subject string
	version int
	id      int64
	deleted bool
	format  string // ?format=
	mirror  string // the stream's owner etc. (mirror.key): a transfer changes the key
}

// maxCachedBody bounds what is worth remembering per entry.
const maxCachedBody = 64 << 10

// cacheEntryOverhead is what an entry costs besides its bytes.
const cacheEntryOverhead = 128

// newHotCaches returns the caches, each bounded to budget bytes (the
// default schema budget when 0). A decoded body weighs twice its raw
// bytes (the raw copy kept to compare, and the decoded strings).
func newHotCaches(budget int64) hotCaches {
	if budget <= 0 {
		budget = registry.DefaultCacheSizes.SchemaBytes
	}
	encoded := func(a answer) int64 { return int64(len(a.body)) + cacheEntryOverhead }
	return hotCaches{
		seed:     maphash.MakeSeed(),
		bodies:   bounded.New[uint64](budget, func(d decodedBody) int64 { return 2*int64(len(d.raw)) + cacheEntryOverhead }),
		versions: bounded.New[versionKey](budget, encoded),
		byID:     bounded.New[idKey](budget, encoded),
		paths: bounded.New[string](budget, func(p pathAnswer) int64 {
			return int64(len(p.body)+p.keyBytes) + cacheEntryOverhead
		}),
	}
}

// decodeSchemaBody decodes a registration, lookup or compatibility body,
// remembering the result for identical bodies.
func (s *Server) decodeSchemaBody(r *http.Request) (registerBody, error) {
	raw, err := s.readBody(r)
	if err != nil {
		return registerBody{}, err
	}
	var h uint64
	if len(raw) <= maxCachedBody {
		h = maphash.Bytes(s.hot.seed, raw)
		if e, ok := s.hot.bodies.Get(h); ok && bytes.Equal(e.raw, raw) {
			s.hot.bodyHits.Add(1)
			return e.body, nil
		}
		s.hot.bodyMisses.Add(1)
	}
	var body registerBody
	if err := decodeJSON(raw, &body); err != nil {
		return registerBody{}, err
	}
	if len(raw) <= maxCachedBody {
		s.hot.bodies.Put(h, decodedBody{raw: raw, body: body})
	}
	return body, nil
}

// writeVersion writes a subject version, encoded once per version and
// stream mirror.
func (s *Server) writeVersion(w http.ResponseWriter, r *http.Request, v registry.SchemaVersion, format string) {
	a, err := s.versionAnswer(r, v, format)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a.write(w)
}

// versionAnswer is writeVersion's answer.
func (s *Server) versionAnswer(r *http.Request, v registry.SchemaVersion, format string) (answer, error) {
	if format == "default" {
		format = ""
	}
	m, err := s.mirror.of(r.Context(), v.Subject)
	if err != nil {
		return answer{}, err
	}
	k := versionKey{v.Subject, v.Version, v.Schema.ID, v.Deleted, format, m.key}
	if a, ok := s.hot.versions.Get(k); ok {
		s.hot.versionHits.Add(1)
		return a, nil
	}
	s.hot.versionMisses.Add(1)
	b := versionBody(v)
	if err := s.formatted(r, &b, v.Schema, format); err != nil {
		return answer{}, err
	}
	if err := m.apply(&b); err != nil {
		return answer{}, err
	}
	body, err := marshal(b)
	if err != nil {
		return answer{}, err
	}
	a := newAnswer(body)
	s.hot.versions.Put(k, a)
	return a, nil
}

// answer is an encoded 200 answer of a cache, with its Content-Length
// header value made once (see contentTypeValue for why values are
// assigned).
type answer struct {
	body   []byte
	length []string
}

func newAnswer(body []byte) answer {
	return answer{body: body, length: []string{strconv.Itoa(len(body))}}
}

func (a answer) write(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = contentTypeValue
	h["Content-Length"] = a.length
	w.WriteHeader(200)
	w.Write(a.body)
}

// Route templates of the reads serveHot answers; their rows of the table
// say who may call them (hotRouteRoles).
const (
	hotRoute     = "/schemas/ids/{id}"
	versionRoute = "/subjects/{subject}/versions/{version}"
)

// hotRoles are the roles of the routes serveHot answers.
type hotRoles struct{ byID, version []auth.Role }

// hotRouteRoles reads the roles of serveHot's routes from the table, and
// panics (in New) when a row is missing or has an ownership check, which
// serveHot would skip.
func (s *Server) hotRouteRoles() hotRoles {
	roles := func(pattern string) []auth.Role {
		for _, rt := range s.table {
			if rt.method == http.MethodGet && rt.pattern == pattern {
				for _, rule := range rt.rules {
					if rule.check != nil {
						panic(fmt.Sprintf("api: GET %s is answered before routing (hotpath.go), which checks roles only: its rule %q needs routing", pattern, rule.Name))
					}
				}
				return rt.roles
			}
		}
		panic(fmt.Sprintf("api: GET %s is answered before routing (hotpath.go) but has no row in the route-policy table", pattern))
	}
	return hotRoles{byID: roles(hotRoute), version: roles(versionRoute)}
}

// serveHot answers, without the router and its middleware, the two reads
// serializers repeat (bench/run.sh's fetch and version): GET
// /schemas/ids/{id} when the encoded schema is cached, and GET
// /subjects/{subject}/versions/{version}. Only the plain forms: no query
// (?format, ?deleted, ?subject go through the router), no body, no
// escaped characters in the path, not under /contexts/. They get what the
// router would give them: authentication has run (p is the caller, nil
// with authentication off), the roles of their rows are checked (a caller
// the row refuses is routed, to be refused there), a request id, the
// subject's alias resolved, the stream mirror. It reports whether it
// answered (an error is an answer).
func (s *Server) serveHot(w http.ResponseWriter, r *http.Request, p *auth.Principal) bool {
	if !plainGet(r) {
		return false
	}
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/schemas/ids/"):
		if p != nil && !p.HasAny(s.hotRoles.byID...) {
			return false
		}
		return s.serveHotID(w, r)
	case strings.HasPrefix(path, "/subjects/"):
		if p != nil && !p.HasAny(s.hotRoles.version...) {
			return false
		}
		return s.serveHotVersion(w, r)
	}
	return false
}

// serveHotID answers GET /schemas/ids/{id} from memory when the schema
// has been served before (observe may have looked it up already).
func (s *Server) serveHotID(w http.ResponseWriter, r *http.Request) bool {
	a, ok := lookedUp(w)
	if !ok {
		k, isHot := hotKey(r)
		if !isHot {
			return false
		}
		if a, ok = s.byID.Get(k); !ok {
			s.hot.byIDMisses.Add(1)
			return false
		}
	}
	s.hot.byIDHits.Add(1)
	noteRoute(w, hotRoute)
	noteRecorder(w, s.hotRecord.byID, hotRoute, http.MethodGet)
	s.setRequestID(w, r)
	a.write(w)
	return true
}

// serveHotVersion answers GET /subjects/{subject}/versions/{version} as
// the route's handler does (getVersion), after resolving the subject's
// alias as aliasPath does.
func (s *Server) serveHotVersion(w http.ResponseWriter, r *http.Request) bool {
	subject, version, ok := hotVersionPath(r.URL.Path)
	if !ok {
		return false
	}
	noteRoute(w, versionRoute)
	noteRecorder(w, s.hotRecord.version, versionRoute, http.MethodGet)
	s.setRequestID(w, r)
	defer func() { // as the router's recoverer
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.writeError(w, r, fmt.Errorf("panic: %v", v))
		}
	}()
	// The answer this path got, if nothing the registry caches and no
	// stream changed since: epoch and mirror are read before the reads
	// that make a new answer, so a change during them voids it.
	epoch, current := s.reg.CacheEpoch()
	mv, ok, err := s.mirror.version(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return true
	}
	current = current && ok
	if current {
		if a, ok := s.hot.paths.Get(r.URL.Path); ok && a.epoch == epoch && a.mirror == mv {
			s.hot.versionHits.Add(1)
			a.write(w)
			return true
		}
	}
	target, err := s.reg.ResolveAlias(r.Context(), subject, false)
	if err != nil {
		s.writeError(w, r, err)
		return true
	}
	n, err := registry.ParseVersion(version)
	if err != nil {
		s.writeError(w, r, err)
		return true
	}
	v, err := s.reg.Version(r.Context(), target, n, false)
	if err != nil {
		s.writeError(w, r, err)
		return true
	}
	a, err := s.versionAnswer(r, v, "")
	if err != nil {
		s.writeError(w, r, err)
		return true
	}
	if current {
		s.hot.paths.Put(r.URL.Path, pathAnswer{a, epoch, mv, len(r.URL.Path)})
	}
	a.write(w)
	return true
}

// hotVersionRequest reports whether r is a subject-version read serveHot
// may answer.
func hotVersionRequest(r *http.Request) bool {
	if !plainGet(r) || !strings.HasPrefix(r.URL.Path, "/subjects/") {
		return false
	}
	_, _, ok := hotVersionPath(r.URL.Path)
	return ok
}

// hotVersionPath splits /subjects/{subject}/versions/{version}, both
// segments non-empty.
func hotVersionPath(path string) (subject, version string, ok bool) {
	rest := path[len("/subjects/"):]
	i := strings.IndexByte(rest, '/')
	if i <= 0 {
		return "", "", false
	}
	subject, rest = rest[:i], rest[i:]
	version, ok = strings.CutPrefix(rest, "/versions/")
	if !ok || version == "" || strings.IndexByte(version, '/') >= 0 {
		return "", "", false
	}
	return subject, version, true
}

// plainGet reports whether r is a GET serveHot may answer: no query, no
// body, nothing escaped in the path.
func plainGet(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.RawQuery == "" && r.URL.RawPath == "" && r.ContentLength == 0
}

// lookedUp returns the cached answer observe found for this request.
func lookedUp(w http.ResponseWriter) (answer, bool) {
	if sw, ok := w.(*statusWriter); ok && sw.hot.body != nil {
		return sw.hot, true
	}
	return answer{}, false
}

// hotKey is the cache key of a request serveHot may answer: GET
// /schemas/ids/{id} in the default context, without a query.
func hotKey(r *http.Request) (idKey, bool) {
	if !plainGet(r) {
		return idKey{}, false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/schemas/ids/")
	if !ok || len(rest) == 0 || len(rest) > 10 {
		return idKey{}, false
	}
	id, err := strconv.ParseInt(rest, 10, 32)
	if err != nil {
		return idKey{}, false
	}
	return idKey{registry.DefaultContext, id}, true
}
