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
	// It is how other replicas' contract changes show up (and their edge
	// writes, when Changed is not wired to the feed); edge writes made in this
	// process, and through Changed other replicas' too, are applied to the
	// index at once, and contract writes made in this process (through a
	// contracts.Service) show at the next query.
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
	store   Store
	streams Streams
	reg     *registry.Registry
	opts    Options
	now     func() time.Time

	// cur is the index queries read, under ixMu's read lock; applying a
	// write to it or swapping in a rebuilt one takes the write lock.
	cur  atomic.Pointer[index]
	ixMu sync.RWMutex
	// dirty is bumped when a committed write could not be applied to the
	// index: the next query then waits for a full reload.
	dirty atomic.Uint64
	// notBefore (Unix nanoseconds): an index built earlier is out of date
	// and reloaded in the background (see Changed).
	notBefore atomic.Int64
	mu        sync.Mutex // one reload at a time
	// applyMu orders the re-reading and applying of written edges (so the
	// last applied is the last read), and guards reloading: the edges
	// applied while a reload runs, applied again to what it built.
	applyMu   sync.Mutex
	reloading map[pairKey]bool
	// applied orders what writes read back in their transaction (see
	// applyRead): applySeq counts applications to the index, appliedAt
	// holds the count at which each pair was last applied, and rows read
	// before a count below appliedFloor are read again. Under applyMu;
	// applySeq is read without it.
	applySeq     atomic.Uint64
	appliedAt    map[pairKey]uint64
	appliedFloor uint64
	// pending are other replicas' edge changes the feed announced, not
	// yet applied; draining: a goroutine applies them (Changed).
	pmu      sync.Mutex
	pending  map[pairKey]bool
	draining bool

	// walk is the impact walk, (*index).impact when nil; the benchmarks
	// swap in the one it replaced to compare them in one run.
	walk func(ix *index, stream string, changes []FieldChange) Impact
}

// NewService returns a Service over store; streams supplies the contracts'
// owners and consumers, reg the registered schemas impact analysis and
// OpenLineage ingestion compare with.
func NewService(store Store, streams Streams, reg *registry.Registry, opts Options) *Service {
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

// read returns a current index, read-locked until done is called. Edge
// writes made through this Service are in it already (see applyWritten);
// a stream contract written in this process since it was built forces a
// reload first (callers read their own writes); an index that is merely
// older than MaxAge is served as it is while one background reload
// refreshes it, so a page or an impact check never waits for a rebuild
// that other replicas' changes made necessary. Hold it briefly: an edge
// write waits for the readers of the index it updates.
func (svc *Service) read(ctx context.Context) (ix *index, done func(), err error) {
	if err := svc.ensure(ctx); err != nil {
		return nil, nil, err
	}
	svc.ixMu.RLock()
	return svc.cur.Load(), svc.ixMu.RUnlock, nil
}

// ensure makes sure there is an index to serve (see read).
func (svc *Service) ensure(ctx context.Context) error {
	ix := svc.cur.Load()
	if svc.fresh(ix) {
		return nil
	}
	if ix != nil && ix.gen.Load() == svc.localGen() && svc.opts.MaxAge > 0 {
		svc.refreshInBackground(ctx)
		return nil
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if ix := svc.cur.Load(); svc.fresh(ix) {
		return nil
	}
	if ix := svc.cur.Load(); ix != nil && svc.applyContracts(ctx, ix) {
		return nil
	}
	_, err := svc.load(ctx)
	return err
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
	return ix != nil && ix.gen.Load() == svc.localGen() && svc.opts.MaxAge > 0 && svc.now().Sub(ix.built) < svc.opts.MaxAge &&
		ix.built.UnixNano() >= svc.notBefore.Load()
}

// localGen counts what made the index out of date in this process: edge
// writes that could not be applied to it, and stream contracts written
// through the Streams when they count theirs (contracts.Service).
func (svc *Service) localGen() uint64 {
	g := svc.dirty.Load()
	if svc.streams != nil {
		g += svc.streams.Generation()
	}
	return g
}

// Changed takes a change of the registry's change feed (wire it with
// registry.Registry.OnChange, so one feed connection serves the registry,
// the contracts snapshot and the lineage index). Each edge write of
// another replica sends a notice naming the edges it changed (on
// PostgreSQL; SQLite serves one process); they are applied to the index
// as a local write is, without a reload, on a goroutine of Changed's own
// so that the feed's other listeners do not wait for the database. When
// the feed (re)connects, notices may have been missed: the index is then
// reloaded in the background, the old one served meanwhile. Contract
// changes of other replicas show through the MaxAge reload.
func (svc *Service) Changed(c registry.Change) {
	switch {
	case c.Lost:
		// Until the feed is back, MaxAge reloads bring other replicas'
		// writes in.
		return
	case c == registry.Change{}:
		svc.notBefore.Store(svc.now().UnixNano())
		return
	case c.Context != FeedTopic:
		return
	}
	k, ok := parseNotice(c.Subject)
	if !ok {
		return
	}
	svc.pmu.Lock()
	if len(svc.pending) >= maxPending {
		// The database is not keeping up: a reload before the next query
		// brings everything in instead.
		svc.pending = nil
		svc.dirty.Add(1)
	}
	if svc.pending == nil {
		svc.pending = map[pairKey]bool{}
	}
	svc.pending[k] = true
	start := !svc.draining
	svc.draining = true
	svc.pmu.Unlock()
	if start {
		go svc.drain()
	}
}

// maxPending bounds the other replicas' edge changes waiting to be
// applied (Changed).
const maxPending = 10_000

// drain applies the pending notices until none is left.
func (svc *Service) drain() {
	for {
		svc.pmu.Lock()
		pending := svc.pending
		svc.pending = nil
		if len(pending) == 0 {
			svc.draining = false
			svc.pmu.Unlock()
			return
		}
		svc.pmu.Unlock()
		keys := make([]pairKey, 0, len(pending))
		for k := range pending {
			keys = append(keys, k)
		}
		svc.applyWritten(context.Background(), keys...)
	}
}

// Reload rebuilds the index from the database now.
func (svc *Service) Reload(ctx context.Context) error {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	_, err := svc.load(ctx)
	return err
}

// load builds the index from the database and swaps it in. Edges written
// meanwhile were applied to the index being replaced; they are applied
// again to the new one, whose read may have missed them.
func (svc *Service) load(ctx context.Context) (*index, error) {
	dirty := svc.dirty.Load() // read first: a write racing the load forces another
	svc.applyMu.Lock()
	svc.reloading = map[pairKey]bool{}
	svc.applyMu.Unlock()
	ix, snap, err := svc.build(ctx)
	svc.applyMu.Lock()
	defer svc.applyMu.Unlock()
	written := svc.reloading
	svc.reloading = nil
	if err != nil {
		return nil, err
	}
	for k := range written {
		rows, err := svc.store.Rows(ctx, k.kind, k.from, k.to)
		if err != nil {
			return nil, err
		}
		ix.apply(k, rows)
	}
	// Rows a write read before this load may be older than what it read:
	// they are read again (applyRead).
	svc.appliedFloor = svc.applySeq.Add(1)
	clear(svc.appliedAt)
	// The index reflects the contracts snapshot it read: a later change
	// of it moves Generation past this and forces another load.
	ix.dirty, ix.snap = dirty, snap
	gen := dirty
	if snap != nil {
		gen += snap.Version()
	}
	ix.gen.Store(gen)
	svc.ixMu.Lock()
	svc.cur.Store(ix)
	svc.ixMu.Unlock()
	return ix, nil
}

// build reads the edges and the contracts snapshot into a new index, and
// returns the snapshot it read (nil without Streams).
func (svc *Service) build(ctx context.Context) (*index, *contracts.Snapshot, error) {
	stored, err := svc.store.All(ctx)
	if err != nil {
		return nil, nil, err
	}
	var (
		streams []contracts.Stream
		snap    *contracts.Snapshot
	)
	if svc.streams != nil {
		if snap, err = svc.streams.Snapshot(ctx); err != nil {
			return nil, nil, fmt.Errorf("lineage: reading stream contracts: %w", err)
		}
		streams = snap.All() // shared: read only
	}
	return buildIndex(stored, streams, svc.now()), snap, nil
}

// applyWritten brings the index up to date with edges a committed write
// changed: each is read again from the database (every source of it) and
// merged again with what the contracts say of it, so the index holds
// what a full reload would, at the cost of the edges written. When the
// edges cannot be read the index is marked out of date and the next
// query reloads it.
func (svc *Service) applyWritten(ctx context.Context, keys ...pairKey) {
	svc.applyRead(ctx, 0, keys, nil)
}

// applyRead is applyWritten for rows a write read back in its
// transaction (rows[i] those of keys[i]; nil: read them here), saving
// the read. Such rows may be older than what is already applied: another
// write of the same pair may have committed after they were read and
// been applied first. So they are used only when no application of
// their pair happened since seq, the applySeq the writer took before its
// transaction; otherwise the pair is read again here, under applyMu,
// which makes the last application the newest read, as in applyWritten.
func (svc *Service) applyRead(ctx context.Context, seq uint64, keys []pairKey, rows [][]Edge) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	svc.applyMu.Lock()
	defer svc.applyMu.Unlock()
	for _, k := range keys {
		if svc.reloading != nil {
			svc.reloading[k] = true
		}
	}
	if svc.cur.Load() == nil {
		return // the first query loads everything
	}
	fresh := make([][]Edge, len(keys))
	for i, k := range keys {
		if rows != nil && seq >= svc.appliedFloor && svc.appliedAt[k] <= seq {
			fresh[i] = rows[i]
			continue
		}
		r, err := svc.store.Rows(ctx, k.kind, k.from, k.to)
		if err != nil {
			svc.opts.Logger.Warn("lineage: reading a written edge failed; the next query reloads the graph", slog.Any("err", err))
			svc.dirty.Add(1)
			return
		}
		fresh[i] = r
	}
	svc.ixMu.Lock()
	defer svc.ixMu.Unlock()
	ix := svc.cur.Load()
	for i, k := range keys {
		ix.apply(k, fresh[i])
	}
	svc.markApplied(keys)
}

// markApplied records, under applyMu, that keys were just applied from
// rows read under it (see applyRead).
func (svc *Service) markApplied(keys []pairKey) {
	n := svc.applySeq.Add(1)
	if svc.appliedAt == nil || len(svc.appliedAt) >= maxAppliedPairs {
		// Bounded: forgetting the pairs makes every write in flight read
		// its pair again.
		svc.appliedAt, svc.appliedFloor = make(map[pairKey]uint64), n
	}
	for _, k := range keys {
		svc.appliedAt[k] = n
	}
}

// maxAppliedPairs bounds Service.appliedAt.
const maxAppliedPairs = 4096

// PutEdge declares an edge (source api), replacing the caller's previous
// declaration of it. Admins may declare any edge; a service only edges
// that are its own: its produces and consumes edges, and derived_from
// edges into streams it produces. A produces edge naming another service
// than the stream's producer is ErrConflict. Both are decided from what
// the write's transaction reads (the stream's contract and stored
// produces edges), not from the in-memory index.
func (svc *Service) PutEdge(ctx context.Context, e Edge) (Edge, error) {
	if err := e.normalize(); err != nil {
		return Edge{}, err
	}
	if err := svc.mayWrite(ctx, &e, nil, false); err != nil {
		return Edge{}, err
	}
	now := svc.now()
	e.Sources, e.FirstSeen, e.LastSeen, e.Drift = []Source{SourceAPI}, now, now, nil
	check := &Check{Producers: e.Kind == Produces || svc.mayWriteReads(ctx, &e), Decide: func(ps []string) error {
		if err := svc.mayWrite(ctx, &e, ps, true); err != nil {
			return err
		}
		if e.Kind != Produces {
			return nil
		}
		for _, p := range ps {
			if p != e.From {
				return errorf(ErrConflict, "stream %s is produced by %s: a stream has one producer, its owner (transfer the stream to change it)", e.To, p)
			}
		}
		return nil
	}}
	seq := svc.applySeq.Load()
	w, err := svc.store.Put(ctx, check, e)
	if err != nil {
		return Edge{}, err
	}
	svc.applyRead(ctx, seq, []pairKey{e.pair()}, w.Rows)
	return e, nil
}

// DeleteEdge removes a declared (api) edge; the same callers as PutEdge
// may. Contract edges change with their stream; learned edges age.
func (svc *Service) DeleteEdge(ctx context.Context, kind Kind, from, to string) error {
	e := Edge{Kind: kind, From: from, To: to}
	if err := e.normalize(); err != nil {
		return err
	}
	if err := svc.mayWrite(ctx, &e, nil, false); err != nil {
		return err
	}
	check := &Check{Producers: svc.mayWriteReads(ctx, &e), Decide: func(ps []string) error { return svc.mayWrite(ctx, &e, ps, true) }}
	if err := svc.store.Delete(ctx, check, e.Kind, e.From, e.To, SourceAPI); err != nil {
		return err
	}
	svc.applyWritten(ctx, e.pair())
	return nil
}

// mayWriteReads: mayWrite needs the producers of e's stream for the
// caller, a service declaring a derived_from edge.
func (svc *Service) mayWriteReads(ctx context.Context, e *Edge) bool {
	p := auth.FromContext(ctx)
	return e.Kind == DerivedFrom && p != nil && !p.IsAdmin()
}

// mayWrite checks that the caller may declare or remove e. A derived_from
// edge needs the stream's producers, read in the write's transaction
// (producers, when read is set); without them only what needs no reading
// is checked.
func (svc *Service) mayWrite(ctx context.Context, e *Edge, producers []string, read bool) error {
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
	if !read {
		return nil
	}
	if slices.Contains(producers, p.Name) {
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
	ix, done, err := svc.read(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	var match []int32
	for i := range ix.edges {
		e := &ix.edges[i]
		if e.Kind == "" || (f.Kind != "" && e.Kind != f.Kind) || (f.Node != "" && e.From != f.Node && e.To != f.Node && (e.Job == nil || e.Job.Owner != f.Node)) ||
			(f.Source != "" && !slices.Contains(e.Sources, f.Source)) || (f.Stale && !svc.stale(e)) {
			continue
		}
		match = append(match, int32(i))
	}
	slices.SortFunc(match, func(a, b int32) int { return compareEdges(&ix.edges[a], &ix.edges[b]) })
	out := make([]Edge, 0, len(match))
	for _, i := range match {
		out = append(out, ix.edges[i])
	}
	return out, nil
}

// stale: no source still vouches for e. Contract edges hold as long as
// the contract does.
func (svc *Service) stale(e *Edge) bool {
	return !slices.Contains(e.Sources, SourceContract) && svc.now().Sub(e.LastSeen) > svc.opts.StaleAfter
}
