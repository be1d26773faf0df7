package registry

import (
	"github.com/accord/accord/compat"
	"github.com/accord/accord/registry/bounded"
)

// CacheSizes bounds the registry's caches, so its memory follows these
// budgets and not the number of schemas and subjects stored (a million
// versions fit in the database, not in memory). A cache that is full
// evicts entries at random (package bounded); what is evicted is read
// from the store again when asked for. docs/limits.md lists the
// defaults and what each costs.
type CacheSizes struct {
	// SchemaBytes bounds the schemas by id held as stored: text,
	// references, metadata and rule set (weighed by their bytes plus a
	// fixed overhead per entry).
	SchemaBytes int64
	// ParsedBytes bounds parsed schemas, weighed by parsedWeight: this
	// budget holds the parsed forms of stored schemas
	// (what compatibility checks and ?format= answers need), and as much
	// again holds the parsed forms of request bodies (what a repeated
	// lookup or registration reuses).
	ParsedBytes int64
	// SubjectVersions bounds the subject views held (each subject's
	// versions with their fingerprints), counted in versions: a view of
	// ten versions weighs ten. Configs and modes are held for as many
	// subjects.
	SubjectVersions int64
}

// DefaultCacheSizes are the budgets of a registry made by New.
var DefaultCacheSizes = CacheSizes{
	SchemaBytes:     16 << 20,
	ParsedBytes:     32 << 20,
	SubjectVersions: 100_000,
}

// parsedWeight is what a parsed schema is taken to weigh: parsers build
// trees of small objects many times larger than the text. Measured with
// `go run ./bench/million -parsed-weight` (heap held per parsed schema of
// the seeded shapes, 130–900 bytes of text): Avro 15–17 bytes of heap per
// byte of text, Protobuf 33–45, JSON Schema 49–60 (its compiled
// validator); each also holds a few KiB whatever its size.
func parsedWeight(typ string, textLen int) int64 {
	per := int64(20)
	switch typ {
	case compat.TypeProtobuf:
		per = 40
	case compat.TypeJSON:
		per = 64
	}
	return per*int64(textLen) + 4096
}

// entryOverhead is the memory a cache entry costs besides its value's
// bytes: map slot, key, struct headers.
const entryOverhead = 256

// SetCacheSizes replaces the caches with empty ones of the given budgets
// (a zero field keeps its default). Call it before serving requests.
func (r *Registry) SetCacheSizes(s CacheSizes) {
	d := DefaultCacheSizes
	if s.SchemaBytes == 0 {
		s.SchemaBytes = d.SchemaBytes
	}
	if s.ParsedBytes == 0 {
		s.ParsedBytes = d.ParsedBytes
	}
	if s.SubjectVersions == 0 {
		s.SubjectVersions = d.SubjectVersions
	}
	r.sizes = s
	r.schemas = bounded.New[idKey](s.SchemaBytes, schemaWeight)
	r.parsed = bounded.New[idKey](s.ParsedBytes, func(s compat.Schema) int64 {
		return parsedWeight(s.Type(), len(s.Canonical())) + entryOverhead
	})
	r.prepared = bounded.New[[32]byte](s.ParsedBytes, func(p *prepared) int64 {
		return parsedWeight(p.schema.Type(), len(p.text)) + int64(len(p.text)) + entryOverhead
	})
	r.versions = newViewCache(s.SubjectVersions, func(v *subjectView) int64 { return int64(len(v.versions)) })
	r.configs = newViewCache[*Config](s.SubjectVersions, nil)
	r.modes = newViewCache[string](s.SubjectVersions, nil)
}

// schemaWeight is what a cached SchemaRecord costs.
func schemaWeight(rec *SchemaRecord) int64 {
	w := int64(len(rec.Schema)+len(rec.Metadata)+len(rec.RuleSet)+len(rec.Fingerprint)+len(rec.GUID)) + entryOverhead
	for _, ref := range rec.References {
		w += int64(len(ref.Name)+len(ref.Subject)) + 48
	}
	return w
}

// CacheSize is one cache's size against its budget.
type CacheSize struct {
	Name      string
	Entries   int
	Weight    int64 // bytes, or versions (views), or entries (configs, modes)
	Max       int64
	Evictions uint64
}

// CacheSizes reports the size of each cache now (for metrics and
// bench/million).
func (r *Registry) CacheSizes() []CacheSize {
	of := func(name string, s bounded.Stats) CacheSize {
		return CacheSize{Name: name, Entries: s.Entries, Weight: s.Weight, Max: s.Max, Evictions: s.Evictions}
	}
	return []CacheSize{
		of("schemas", r.schemas.Stats()),
		of("parsed", r.parsed.Stats()),
		of("prepared", r.prepared.Stats()),
		of("views", r.versions.stats()),
		of("configs", r.configs.stats()),
		of("modes", r.modes.stats()),
	}
}
