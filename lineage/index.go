package lineage

import (
	"cmp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/accord/accord/contracts"
)

// streamInfo is what the index keeps of a stream's contract: what
// queries show, and what the contract's edges (its owner's produces edge,
// its declared consumers' consumes edges) are made of, so an edge can be
// merged again on its own (index.apply).
type streamInfo struct {
	Owner        string
	Visibility   contracts.Visibility
	Domain       string
	ValueSubject string
	Consumers    []contracts.Consumer
	// CreatedAt and UpdatedAt are the sightings of the contract's edges.
	CreatedAt, UpdatedAt time.Time
}

// index is the graph in memory: nodes interned as ints, merged edges,
// and adjacency lists both ways. A full build (buildIndex) makes a new
// one; a write updates the edges it touched in place (apply), under the
// Service's lock, so a write costs what it changes rather than a
// rebuild.
//
// Edges live in a slab: a removed edge leaves a hole (Kind "") that the
// next added edge reuses, so the edge indexes held by the adjacency
// lists stay valid. Each adjacency list is kept in edge order
// (compareEdges), the order a full build gives, so walks (impact among
// them) answer the same whichever way the index was made.
type index struct {
	built time.Time
	// gen is the Service's generation the index reflects
	// (Service.localGen): dirty, the count of edge writes it could not
	// take, plus the version of snap, the contracts it holds.
	gen   atomic.Uint64
	dirty uint64
	snap  *contracts.Snapshot
	nodes []Node
	ids   map[Node]int32
	edges []Edge
	ends  [][2]int32 // edge → its From and To nodes
	out   [][]int32  // node → indexes of edges leaving it, in edge order
	in    [][]int32  // node → indexes of edges reaching it, in edge order
	// observed: edge → declared or learned, not only mirrored from a
	// contract (see observed).
	observed []bool
	// fieldSet: edge → the id of its Fields among the distinct field lists
	// (fieldSets), so a walk matches each distinct list once.
	fieldSet  []int32
	fieldSets map[string]int32
	byKey     map[edgeKey]int32
	free      []int32 // holes of the slab
	streams   map[string]streamInfo
	jobs      map[string]JobRef // job node name → the job and its owner
	// consumes and streamNodes count consumes edges and stream nodes: an
	// impact answer is sized by them at once rather than grown.
	consumes, streamNodes int
}

// compareEdges is the order of merged edges: kind, From, To, then an
// edge of a service before the same edge of a job.
func compareEdges(a, b *Edge) int {
	return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.From, b.From), strings.Compare(a.To, b.To),
		cmp.Compare(btoi(a.Job != nil), btoi(b.Job != nil)))
}

// buildIndex merges stored edges with the edges the contracts imply (each
// stream's owner produces it; its declared consumers consume it).
func buildIndex(stored []Edge, streams []contracts.Stream, now time.Time) *index {
	ix := &index{built: now, ids: map[Node]int32{}, streams: make(map[string]streamInfo, len(streams)), jobs: map[string]JobRef{},
		fieldSets: map[string]int32{}}
	merged := make(map[edgeKey]int, len(stored)+2*len(streams))
	add := func(e Edge) {
		k := e.key()
		i, ok := merged[k]
		if !ok {
			merged[k] = len(ix.edges)
			ix.edges = append(ix.edges, e)
			return
		}
		merge(&ix.edges[i], e)
	}
	for _, s := range streams {
		info := newStreamInfo(&s)
		ix.streams[s.Name] = info
		for _, e := range info.edges(s.Name) {
			add(e)
		}
	}
	for _, e := range stored {
		add(e)
	}
	slices.SortFunc(ix.edges, func(a, b Edge) int { return compareEdges(&a, &b) })
	ix.byKey = make(map[edgeKey]int32, len(ix.edges))
	ix.ends = make([][2]int32, 0, len(ix.edges))
	ix.observed = make([]bool, 0, len(ix.edges))
	ix.fieldSet = make([]int32, 0, len(ix.edges))
	for i := range ix.edges {
		e := &ix.edges[i]
		finish(e)
		if e.Job != nil {
			ix.jobs[e.Job.Key()] = *e.Job
		}
		f, t := ix.intern(e.FromNode()), ix.intern(e.ToNode())
		ix.byKey[e.key()] = int32(i)
		ix.ends = append(ix.ends, [2]int32{f, t})
		ix.observed = append(ix.observed, observed(e))
		ix.fieldSet = append(ix.fieldSet, ix.internFields(e.Fields))
		ix.out[f] = append(ix.out[f], int32(i))
		ix.in[t] = append(ix.in[t], int32(i))
		if e.Kind == Consumes {
			ix.consumes++
		}
	}
	for name := range ix.streams {
		ix.intern(Node{StreamNode, name})
	}
	return ix
}

func newStreamInfo(s *contracts.Stream) streamInfo {
	vs := s.Name + "-value"
	if len(s.ValueSubjects) > 0 {
		vs = s.ValueSubjects[0]
	}
	return streamInfo{Owner: s.Owner, Visibility: s.Visibility, Domain: s.Tags.Domain, ValueSubject: vs, Consumers: s.Consumers,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// edges are the edges a stream's contract implies. Contract edges are as
// old as the contract and last seen when it last changed; they never go
// stale (see Service.stale).
func (s *streamInfo) edges(stream string) []Edge {
	out := make([]Edge, 0, 1+len(s.Consumers))
	out = append(out, Edge{Kind: Produces, From: s.Owner, To: stream, Sources: []Source{SourceContract}, FirstSeen: s.CreatedAt, LastSeen: s.UpdatedAt})
	for _, c := range s.Consumers {
		out = append(out, Edge{Kind: Consumes, From: stream, To: c.Principal, Fields: normalizeFields(c.Fields),
			Sources: []Source{SourceContract}, FirstSeen: s.CreatedAt, LastSeen: s.UpdatedAt})
	}
	return out
}

// merge folds e (another source of the same edge) into m: every source,
// the union of the fields, the widest sightings, and the newest column
// lineage and drift.
func merge(m *Edge, e Edge) {
	m.Sources = append(m.Sources, e.Sources...)
	m.Fields = normalizeFields(append(slices.Clip(m.Fields), e.Fields...))
	if m.Version == 0 {
		m.Version = e.Version
	}
	if m.Job == nil {
		m.Job = e.Job
	}
	if len(e.ColumnLineage) > 0 && (len(m.ColumnLineage) == 0 || e.LastSeen.After(m.LastSeen)) {
		m.ColumnLineage = e.ColumnLineage
	}
	if len(e.Drift) > 0 && (len(m.Drift) == 0 || e.LastSeen.After(m.LastSeen)) {
		m.Drift = e.Drift
	}
	if e.FirstSeen.Before(m.FirstSeen) {
		m.FirstSeen = e.FirstSeen
	}
	if e.LastSeen.After(m.LastSeen) {
		m.LastSeen = e.LastSeen
	}
}

// finish puts a merged edge's sources in order, once each.
func finish(e *Edge) {
	slices.Sort(e.Sources)
	e.Sources = slices.Compact(e.Sources)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (ix *index) intern(n Node) int32 {
	if id, ok := ix.ids[n]; ok {
		return id
	}
	id := int32(len(ix.nodes))
	ix.ids[n] = id
	ix.nodes = append(ix.nodes, n)
	ix.out = append(ix.out, nil)
	ix.in = append(ix.in, nil)
	if n.Kind == StreamNode {
		ix.streamNodes++
	}
	return id
}

// internFields returns the id of a field list (sorted, as edges keep
// them); 0 is the empty list.
func (ix *index) internFields(fs []string) int32 {
	if len(fs) == 0 {
		return 0
	}
	k := strings.Join(fs, "\n")
	id, ok := ix.fieldSets[k]
	if !ok {
		id = int32(len(ix.fieldSets) + 1)
		ix.fieldSets[k] = id
	}
	return id
}

// node returns the id of n and whether the graph knows it: a stream with
// a contract, or a node at either end of an edge.
func (ix *index) node(n Node) (int32, bool) {
	id, ok := ix.ids[n]
	return id, ok && ix.live(id)
}

// live: node id is in the graph. A node whose last edge was removed stays
// interned (ids are never reused) but is no longer part of the graph.
func (ix *index) live(id int32) bool {
	if len(ix.out[id]) > 0 || len(ix.in[id]) > 0 {
		return true
	}
	n := ix.nodes[id]
	_, ok := ix.streams[n.Name]
	return ok && n.Kind == StreamNode
}

// sorted returns the indexes of the edges in edge order.
func (ix *index) sorted() []int32 {
	out := make([]int32, 0, len(ix.edges)-len(ix.free))
	for i := range ix.edges {
		if ix.edges[i].Kind != "" {
			out = append(out, int32(i))
		}
	}
	slices.SortFunc(out, func(a, b int32) int { return compareEdges(&ix.edges[a], &ix.edges[b]) })
	return out
}

// producers lists the services producing stream.
func (ix *index) producers(stream string) []string {
	id, ok := ix.node(Node{StreamNode, stream})
	if !ok {
		return nil
	}
	var out []string
	for _, ei := range ix.in[id] {
		if e := &ix.edges[ei]; e.Kind == Produces {
			out = append(out, e.Service())
		}
	}
	return out
}

// valueSubject is the subject whose schema a stream's consumers read.
func (ix *index) valueSubject(stream string) string {
	if s, ok := ix.streams[stream]; ok {
		return s.ValueSubject
	}
	return stream + "-value"
}

// pairKey names the stored rows of one edge whatever their source and
// whether a job is at their service end: what a write changes and
// apply merges again.
type pairKey struct {
	kind     Kind
	from, to string
}

func (e *Edge) pair() pairKey { return pairKey{e.Kind, e.From, e.To} }

// apply makes the index's edges (k.kind, k.from, k.to) what the stored
// rows of k and the contracts make them, as a full build would: rows are
// every stored row of k (any source, with and without a job) in the
// order the store lists them. An edge no longer stored nor implied by a
// contract leaves the graph; a new one joins it in edge order.
func (ix *index) apply(k pairKey, rows []Edge) {
	var group [2][]Edge // by job: without, with
	if k.kind != DerivedFrom {
		stream := k.to
		if k.kind == Consumes {
			stream = k.from
		}
		if s, ok := ix.streams[stream]; ok {
			for _, e := range s.edges(stream) {
				if e.pair() == k {
					group[0] = append(group[0], e)
				}
			}
		}
	}
	for _, r := range rows {
		if r.pair() == k {
			group[btoi(r.Job != nil)] = append(group[btoi(r.Job != nil)], r)
		}
	}
	for job, es := range group {
		ek := edgeKey{k.kind, k.from, k.to, job == 1}
		if len(es) == 0 {
			ix.remove(ek)
			continue
		}
		m := es[0]
		m.Sources = slices.Clone(m.Sources)
		for _, e := range es[1:] {
			merge(&m, e)
		}
		finish(&m)
		ix.put(ek, m)
	}
}

// put sets the merged edge of key k to e.
func (ix *index) put(k edgeKey, e Edge) {
	if i, ok := ix.byKey[k]; ok {
		old := ix.edges[i].Job
		ix.edges[i] = e
		ix.observed[i], ix.fieldSet[i] = observed(&e), ix.internFields(e.Fields)
		ix.refreshJob(old)
		ix.refreshJob(e.Job)
		return
	}
	var i int32
	if n := len(ix.free); n > 0 {
		i, ix.free = ix.free[n-1], ix.free[:n-1]
		ix.edges[i] = e
	} else {
		i = int32(len(ix.edges))
		ix.edges = append(ix.edges, e)
		ix.ends = append(ix.ends, [2]int32{})
		ix.observed = append(ix.observed, false)
		ix.fieldSet = append(ix.fieldSet, 0)
	}
	ep := &ix.edges[i]
	f, t := ix.intern(ep.FromNode()), ix.intern(ep.ToNode())
	ix.ends[i] = [2]int32{f, t}
	ix.observed[i], ix.fieldSet[i] = observed(ep), ix.internFields(ep.Fields)
	ix.byKey[k] = i
	ix.out[f] = ix.insert(ix.out[f], i)
	ix.in[t] = ix.insert(ix.in[t], i)
	if e.Kind == Consumes {
		ix.consumes++
	}
	ix.refreshJob(e.Job)
}

// remove takes the merged edge of key k, if any, out of the graph.
func (ix *index) remove(k edgeKey) {
	i, ok := ix.byKey[k]
	if !ok {
		return
	}
	delete(ix.byKey, k)
	f, t := ix.ends[i][0], ix.ends[i][1]
	ix.out[f] = slices.DeleteFunc(ix.out[f], func(x int32) bool { return x == i })
	ix.in[t] = slices.DeleteFunc(ix.in[t], func(x int32) bool { return x == i })
	job := ix.edges[i].Job
	if ix.edges[i].Kind == Consumes {
		ix.consumes--
	}
	ix.edges[i] = Edge{}
	ix.free = append(ix.free, i)
	ix.refreshJob(job)
}

// insert puts edge i into the adjacency list adj, in edge order.
func (ix *index) insert(adj []int32, i int32) []int32 {
	at, _ := slices.BinarySearchFunc(adj, i, func(x, y int32) int { return compareEdges(&ix.edges[x], &ix.edges[y]) })
	return slices.Insert(adj, at, i)
}

// refreshJob sets what the index knows of a job (its owner) from its
// edges, as a full build does: the job of its last edge in edge order.
func (ix *index) refreshJob(j *JobRef) {
	if j == nil {
		return
	}
	key := j.Key()
	delete(ix.jobs, key)
	id, ok := ix.ids[Node{JobNode, key}]
	if !ok {
		return
	}
	var last *Edge
	for _, adj := range [][]int32{ix.out[id], ix.in[id]} {
		for _, ei := range adj {
			if e := &ix.edges[ei]; e.Job != nil && (last == nil || compareEdges(e, last) > 0) {
				last = e
			}
		}
	}
	if last != nil {
		ix.jobs[key] = *last.Job
	}
}
