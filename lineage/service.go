package lineage

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry"
)

// Streams is where the Service reads stream contracts: the contracts
// service's Snapshot, whose Generation changes with it.
type Streams interface {
	Snapshot(ctx context.Context) (*contracts.Snapshot, error)
	Generation() uint64
}

// Options configures a Service. The zero value is usable.
type Options struct {
	Logger *slog.Logger
	// MaxAge bounds how old the in-memory index may be before a query
	// starts a background reload, served the old index meanwhile
	// (DefaultMaxAge when 0; negative: reload on every query, waiting).
	// It is how changes made by other replicas show up; writes made in
	// this process (edges through this Service, contracts through a
	// contracts.Service) show at once.
	MaxAge time.Duration
	// StaleAfter: a stored edge not seen for this long is reported stale
	// (DefaultStaleAfter when 0).
	StaleAfter time.Duration
	// JobOwners maps OpenLineage jobs to their owning services, first
	// match wins; see Service.Ingest for the other ways an owner is found.
	JobOwners []JobOwner
	// Clusters maps Kafka bootstrap servers ("host:port", as OpenLineage
	// names them in kafka://host:port) to registry contexts. Empty: every
	// cluster is the default context. Otherwise a dataset of an unlisted
	// cluster is ignored, and Ingest says why.
	Clusters map[string]string
}

// Defaults of Options.
const (
	DefaultMaxAge     = 5 * time.Second
	DefaultStaleAfter = 30 * 24 * time.Hour
)

// Service serves the lineage graph. Each call reads the caller from its
// context (auth.FromContext); a context without a principal
// (authentication off) may do everything. It is safe for concurrent use.
type Service struct {
	store   *SQLStore
	streams Streams
	reg     *registry.Registry
	opts    Options
	now     func() time.Time

	cur    atomic.Pointer[index]
	writes atomic.Uint64 // bumped by every write made through this Service
	mu     sync.Mutex    // one reload at a time
}

// NewService returns a Service over store; streams supplies the contracts'
// owners and consumers, reg the registered schemas impact analysis and
// OpenLineage ingestion compare with.
func NewService(store *SQLStore, streams Streams, reg *registry.Registry, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.StaleAfter == 0 {
		opts.StaleAfter = DefaultStaleAfter
	}
	return &Service{store: store, streams: streams, reg: reg, opts: opts, now: func() time.Time { return time.Now().UTC() }}
}

// snapshot returns a current index. A write made through this Service
// since the index was built forces a reload (callers read their own
// writes); an index that is merely older than MaxAge is served as it is
// while one background reload refreshes it, so a page or an impact check
// never waits for a rebuild that other replicas' changes made necessary.
func (svc *Service) snapshot(ctx context.Context) (*index, error) {
	ix := svc.cur.Load()
	if svc.fresh(ix) {
		return ix, nil
	}
	if ix != nil && ix.gen == svc.localGen() && svc.opts.MaxAge > 0 {
		svc.refreshInBackground(ctx)
		return ix, nil
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if ix := svc.cur.Load(); svc.fresh(ix) {
		return ix, nil
	}
	return svc.load(ctx)
}

// refreshInBackground starts a reload unless one is running.
func (svc *Service) refreshInBackground(ctx context.Context) {
	if !svc.mu.TryLock() {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	go func() {
		defer svc.mu.Unlock()
		defer cancel()
		if ix := svc.cur.Load(); svc.fresh(ix) {
			return
		}
		if _, err := svc.load(ctx); err != nil {
			svc.opts.Logger.Warn("lineage: background reload failed; serving the previous index", slog.Any("err", err))
		}
	}()
}

func (svc *Service) fresh(ix *index) bool {
	return ix != nil && ix.gen == svc.localGen() && svc.opts.MaxAge > 0 && svc.now().Sub(ix.built) < svc.opts.MaxAge
}

// localGen counts the writes made in this process that the index
// reflects: edges written through this Service, and stream contracts
// written through the Streams when they count theirs (contracts.Service).
func (svc *Service) localGen() uint64 {
	g := svc.writes.Load()
	if svc.streams != nil {
		g += svc.streams.Generation()
	}
	return g
}

// Reload rebuilds the index from the database now.
func (svc *Service) Reload(ctx context.Context) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	_, err := svc.load(ctx)
	return err
}

func (svc *Service) load(ctx context.Context) (*index, error) {
	gen := svc.localGen() // read first: a write racing the load forces another
	stored, err := svc.store.All(ctx)
	if err != nil {
		return nil, err
	}
	var streams []contracts.Stream
	if svc.streams != nil {
		snap, err := svc.streams.Snapshot(ctx)
		if err != nil {
			return nil, fmt.Errorf("lineage: reading stream contracts: %w", err)
		}
		streams = snap.All() // shared: read only
	}
	ix := buildIndex(stored, streams, svc.now())
	ix.gen = gen
	svc.cur.Store(ix)
	return ix, nil
}

// PutEdge declares an edge (source api), replacing the caller's previous
// declaration of it. Admins may declare any edge; a service only edges
// that are its own: its produces and consumes edges, and derived_from
// edges into streams it produces. A produces edge naming another service
// than the stream's producer is ErrConflict.
func (svc *Service) PutEdge(ctx context.Context, e Edge) (Edge, error) {
	if err := e.normalize(); err != nil {
		return Edge{}, err
	}
	ix, err := svc.snapshot(ctx)
	if err != nil {
		return Edge{}, err
	}
	if err := svc.mayWrite(ctx, ix, &e); err != nil {
		return Edge{}, err
	}
	if e.Kind == Produces {
		for _, p := range ix.producers(e.To) {
			if p != e.From {
				return Edge{}, errorf(ErrConflict, "stream %s is produced by %s: a stream has one producer, its owner (transfer the stream to change it)", e.To, p)
			}
		}
	}
	now := svc.now()
	e.Sources, e.FirstSeen, e.LastSeen, e.Drift = []Source{SourceAPI}, now, now, nil
	if _, err := svc.store.Put(ctx, e); err != nil {
		return Edge{}, err
	}
	svc.writes.Add(1)
	return e, nil
}

// DeleteEdge removes a declared (api) edge; the same callers as PutEdge
// may. Contract edges change with their stream; learned edges age.
func (svc *Service) DeleteEdge(ctx context.Context, kind Kind, from, to string) error {
	e := Edge{Kind: kind, From: from, To: to}
	if err := e.normalize(); err != nil {
		return err
	}
	ix, err := svc.snapshot(ctx)
	if err != nil {
		return err
	}
	if err := svc.mayWrite(ctx, ix, &e); err != nil {
		return err
	}
	if err := svc.store.Delete(ctx, e.Kind, e.From, e.To, SourceAPI); err != nil {
		return err
	}
	svc.writes.Add(1)
	return nil
}

// mayWrite checks that the caller may declare or remove e.
func (svc *Service) mayWrite(ctx context.Context, ix *index, e *Edge) error {
	p := auth.FromContext(ctx)
	if p == nil || p.IsAdmin() {
		return nil
	}
	if !p.Has(auth.RoleService) {
		return errorf(ErrForbidden, "declaring lineage edges requires the role admin or service; principal %s is neither", p.Name)
	}
	switch e.Kind {
	case Produces, Consumes:
		if e.Service() == p.Name {
			return nil
		}
		return errorf(ErrForbidden, "principal %s may declare only its own edges, not %s (of %s)", p.Name, e.Key(), e.Service())
	}
	if slices.Contains(ix.producers(e.To), p.Name) {
		return nil
	}
	return errorf(ErrForbidden, "principal %s may declare derived_from edges only into streams it produces; %s is not one", p.Name, e.To)
}

// EdgeFilter selects edges; empty fields match everything.
type EdgeFilter struct {
	Kind   Kind
	Node   string // either end, or the service owning a job at either end
	Source Source
	// Stale: only edges not seen for Options.StaleAfter.
	Stale bool
}

// Edges lists the graph's edges matching f.
func (svc *Service) Edges(ctx context.Context, f EdgeFilter) ([]Edge, error) {
	ix, err := svc.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := []Edge{}
	for i := range ix.edges {
		e := &ix.edges[i]
		if (f.Kind != "" && e.Kind != f.Kind) || (f.Node != "" && e.From != f.Node && e.To != f.Node && (e.Job == nil || e.Job.Owner != f.Node)) ||
			(f.Source != "" && !slices.Contains(e.Sources, f.Source)) || (f.Stale && !svc.stale(e)) {
			continue
		}
		out = append(out, *e)
	}
	return out, nil
}

// stale: no source still vouches for e. Contract edges hold as long as
// the contract does.
func (svc *Service) stale(e *Edge) bool {
	return !slices.Contains(e.Sources, SourceContract) && svc.now().Sub(e.LastSeen) > svc.opts.StaleAfter
}
