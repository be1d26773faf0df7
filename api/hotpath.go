package api

import (
	"bytes"
	"hash/maphash"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

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
	versions *bounded.Cache[versionKey, []byte]
	// byID maps a schema id to its encoded response (Server.byID).
	byID *bounded.Cache[idKey, []byte]
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
	encoded := func(b []byte) int64 { return int64(len(b)) + cacheEntryOverhead }
	return hotCaches{
		seed:     maphash.MakeSeed(),
		bodies:   bounded.New[uint64](budget, func(d decodedBody) int64 { return 2*int64(len(d.raw)) + cacheEntryOverhead }),
		versions: bounded.New[versionKey](budget, encoded),
		byID:     bounded.New[idKey](budget, encoded),
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
	if format == "default" {
		format = ""
	}
	m, err := s.mirror.of(r.Context(), v.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	k := versionKey{v.Subject, v.Version, v.Schema.ID, v.Deleted, format, m.key}
	body, ok := s.hot.versions.Get(k)
	if ok {
		s.hot.versionHits.Add(1)
	} else {
		s.hot.versionMisses.Add(1)
		b := versionBody(v)
		if err := s.formatted(r, &b, v.Schema, format); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := m.apply(&b); err != nil {
			s.writeError(w, r, err)
			return
		}
		if body, err = marshal(b); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.hot.versions.Put(k, body)
	}
	writeBody(w, 200, body)
}

// serveHot answers GET /schemas/ids/{id} (no query) from memory without
// routing when the schema has been served before. It reports whether it
// answered.
func (s *Server) serveHot(w http.ResponseWriter, r *http.Request) bool {
	k, ok := hotKey(r)
	if !ok {
		return false
	}
	body, ok := s.byID.Get(k)
	if !ok {
		s.hot.byIDMisses.Add(1)
		return false
	}
	s.hot.byIDHits.Add(1)
	s.setRequestID(w, r)
	writeBody(w, 200, body)
	return true
}

// hotKey is the cache key of a request serveHot may answer: GET
// /schemas/ids/{id} in the default context, without a query.
func hotKey(r *http.Request) (idKey, bool) {
	if r.Method != http.MethodGet || r.URL.RawQuery != "" {
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
