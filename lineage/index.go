package lineage

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/accord/accord/contracts"
)

// streamInfo is what the index keeps of a stream's contract.
type streamInfo struct {
	Owner        string
	Visibility   contracts.Visibility
	Domain       string
	ValueSubject string
}

// index is an immutable snapshot of the graph: nodes interned as ints,
// merged edges, and adjacency lists both ways. Queries read it without
// locks; a reload builds a new one and swaps it in.
type index struct {
	built   time.Time
	gen     uint64 // the Service's write count it reflects
	nodes   []Node
	ids     map[Node]int32
	edges   []Edge
	ends    [][2]int32 // edge → its From and To nodes
	out     [][]int32  // node → indexes of edges leaving it
	in      [][]int32  // node → indexes of edges reaching it
	streams map[string]streamInfo
	jobs    map[string]JobRef // job node name → the job and its owner
	// consumes and streamNodes count consumes edges and stream nodes: an
	// impact answer is sized by them at once rather than grown.
	consumes, streamNodes int
}

// buildIndex merges stored edges with the edges the contracts imply (each
// stream's owner produces it; its declared consumers consume it).
func buildIndex(stored []Edge, streams []contracts.Stream, now time.Time) *index {
	ix := &index{built: now, ids: map[Node]int32{}, streams: make(map[string]streamInfo, len(streams)), jobs: map[string]JobRef{}}
	merged := make(map[edgeKey]int, len(stored)+2*len(streams))
	add := func(e Edge) {
		k := e.key()
		i, ok := merged[k]
		if !ok {
			merged[k] = len(ix.edges)
			ix.edges = append(ix.edges, e)
			return
		}
		m := &ix.edges[i]
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
	for _, s := range streams {
		vs := s.Name + "-value"
		if len(s.ValueSubjects) > 0 {
			vs = s.ValueSubjects[0]
		}
		ix.streams[s.Name] = streamInfo{Owner: s.Owner, Visibility: s.Visibility, Domain: s.Tags.Domain, ValueSubject: vs}
		// Contract edges are as old as the contract and last seen when it
		// last changed; they never go stale (see Service.stale).
		add(Edge{Kind: Produces, From: s.Owner, To: s.Name, Sources: []Source{SourceContract}, FirstSeen: s.CreatedAt, LastSeen: s.UpdatedAt})
		for _, c := range s.Consumers {
			add(Edge{Kind: Consumes, From: s.Name, To: c.Principal, Fields: normalizeFields(c.Fields),
				Sources: []Source{SourceContract}, FirstSeen: s.CreatedAt, LastSeen: s.UpdatedAt})
		}
	}
	for _, e := range stored {
		add(e)
	}
	slices.SortFunc(ix.edges, func(a, b Edge) int {
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.From, b.From), strings.Compare(a.To, b.To),
			cmp.Compare(btoi(a.Job != nil), btoi(b.Job != nil)))
	})
	for i := range ix.edges {
		e := &ix.edges[i]
		slices.Sort(e.Sources)
		e.Sources = slices.Compact(e.Sources)
		if e.Job != nil {
			ix.jobs[e.Job.Key()] = *e.Job
		}
		f, t := ix.intern(e.FromNode()), ix.intern(e.ToNode())
		ix.ends = append(ix.ends, [2]int32{f, t})
		ix.out[f] = append(ix.out[f], int32(i))
		ix.in[t] = append(ix.in[t], int32(i))
	}
	for name := range ix.streams {
		ix.intern(Node{StreamNode, name})
	}
	for i := range ix.edges {
		if ix.edges[i].Kind == Consumes {
			ix.consumes++
		}
	}
	for _, n := range ix.nodes {
		if n.Kind == StreamNode {
			ix.streamNodes++
		}
	}
	return ix
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
	return id
}

// node returns the id of n and whether the graph knows it.
func (ix *index) node(n Node) (int32, bool) {
	id, ok := ix.ids[n]
	return id, ok
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
