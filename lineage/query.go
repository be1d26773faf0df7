package lineage

import (
	"context"
	"slices"
)

// Graph is the whole graph (Whole, for the UI) or the part of it a walk
// reached (Walk). Nodes are services, streams and jobs.
type Graph struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []Edge      `json:"edges"`
}

// GraphNode is a node with what the contracts (a stream's) or its edges
// (a job's owner) say of it.
type GraphNode struct {
	Node
	// Depth is the number of edges from the root of a walk (0 for the
	// root); 0 in the whole graph.
	Depth int `json:"depth"`
	// Owner and Visibility of a stream with a contract; Owner of a job is
	// the service that owns it.
	Owner      string `json:"owner,omitempty"`
	Visibility string `json:"visibility,omitempty"`
}

// Direction of a walk.
type Direction int

// Walk directions: downstream follows the edges the way data flows (a
// stream to its consumers, jobs among them, and derived streams; a
// service or job to the streams it produces), upstream goes against them
// (to producers and sources).
const (
	Downstream Direction = iota
	Upstream
)

// MaxDepth bounds walks: a walk asked to go deeper stops at MaxDepth
// edges from its root (Walk), and the upstream sources of a dependency
// are followed at most MaxDepth derivations back.
const MaxDepth = 100

// Whole returns every node (sorted by kind then name) and every edge (in
// edge order: kind, from, to, a service's edge before a job's).
func (svc *Service) Whole(ctx context.Context) (Graph, error) {
	ix, done, err := svc.read(ctx)
	if err != nil {
		return Graph{}, err
	}
	defer done()
	edges := ix.sorted()
	g := Graph{Nodes: make([]GraphNode, 0, len(ix.nodes)), Edges: make([]Edge, 0, len(edges))}
	for _, i := range edges {
		g.Edges = append(g.Edges, ix.edges[i])
	}
	for id, n := range ix.nodes {
		if ix.live(int32(id)) {
			g.Nodes = append(g.Nodes, ix.graphNode(n, 0))
		}
	}
	slices.SortFunc(g.Nodes, compareNodes)
	return g, nil
}

// Walk returns the nodes within depth edges (1 to MaxDepth) of root in
// direction dir, each at its least depth (a breadth-first walk), and
// every edge the walk followed out of a node less than depth edges away.
// The root may be a service, stream or job; an unknown root is
// ErrNotFound, another kind ErrInvalid.
func (svc *Service) Walk(ctx context.Context, root Node, dir Direction, depth int) (Graph, error) {
	if root.Kind != ServiceNode && root.Kind != StreamNode && root.Kind != JobNode {
		return Graph{}, errorf(ErrInvalid, "node kind %q is not service, stream or job", root.Kind)
	}
	ix, done, err := svc.read(ctx)
	if err != nil {
		return Graph{}, err
	}
	defer done()
	start, ok := ix.node(root)
	if !ok {
		return Graph{}, errorf(ErrNotFound, "%s %s is not in the lineage graph", root.Kind, root.Name)
	}
	depth = min(max(depth, 1), MaxDepth)
	seen := map[int32]int{start: 0}
	g := Graph{Nodes: []GraphNode{ix.graphNode(root, 0)}, Edges: []Edge{}}
	frontier := []int32{start}
	for d := 1; d <= depth && len(frontier) > 0; d++ {
		var next []int32
		for _, n := range frontier {
			adj := ix.out[n]
			if dir == Upstream {
				adj = ix.in[n]
			}
			for _, ei := range adj {
				e := &ix.edges[ei]
				g.Edges = append(g.Edges, *e)
				other := ix.ends[ei][1]
				if dir == Upstream {
					other = ix.ends[ei][0]
				}
				if _, ok := seen[other]; ok {
					continue
				}
				seen[other] = d
				g.Nodes = append(g.Nodes, ix.graphNode(ix.nodes[other], d))
				next = append(next, other)
			}
		}
		frontier = next
	}
	return g, nil
}

func (ix *index) graphNode(n Node, depth int) GraphNode {
	gn := GraphNode{Node: n, Depth: depth}
	if s, ok := ix.streams[n.Name]; ok && n.Kind == StreamNode {
		gn.Owner, gn.Visibility = s.Owner, string(s.Visibility)
	}
	if j, ok := ix.jobs[n.Name]; ok && n.Kind == JobNode {
		gn.Owner = j.Owner
	}
	return gn
}

func compareNodes(a, b GraphNode) int {
	if a.Kind != b.Kind {
		if a.Kind < b.Kind {
			return -1
		}
		return 1
	}
	if a.Name < b.Name {
		return -1
	}
	if a.Name > b.Name {
		return 1
	}
	return 0
}

// Dependencies is a consumer's view: what a service depends on.
type Dependencies struct {
	Service string `json:"service"`
	// Consumes lists the streams it reads, with where they come from.
	Consumes []Dependency `json:"consumes"`
	// Produces lists the streams it writes.
	Produces []string `json:"produces"`
}

// Dependency is one stream a service reads.
type Dependency struct {
	Stream string `json:"stream"`
	// Job is set when one of the service's jobs reads the stream.
	Job        *JobRef  `json:"job,omitempty"`
	Producers  []string `json:"producers"`
	Visibility string   `json:"visibility,omitempty"`
	Fields     []string `json:"fields,omitempty"`
	Sources    []Source `json:"sources"`
	LastSeen   string   `json:"lastSeen"`
	Stale      bool     `json:"stale,omitempty"`
	// Upstream lists the streams it is derived from through declared
	// derived_from edges, transitively, with their producers: a change to
	// any of them may reach the service. (Streams a job or service builds
	// it from are not listed here; impact analysis follows them.)
	Upstream []UpstreamStream `json:"upstream"`
}

// UpstreamStream is a source of a consumed stream.
type UpstreamStream struct {
	Stream    string   `json:"stream"`
	Depth     int      `json:"depth"`
	Producers []string `json:"producers"`
}

// Dependencies returns what service depends on: the streams it and the
// jobs it owns read (its own edges first, then its jobs' by job name) and
// the streams they produce. An unknown service is ErrNotFound.
func (svc *Service) Dependencies(ctx context.Context, service string) (Dependencies, error) {
	ix, done, err := svc.read(ctx)
	if err != nil {
		return Dependencies{}, err
	}
	defer done()
	// The service's own edges, then those of the jobs it owns by name.
	var jobs []string
	for key, j := range ix.jobs {
		if j.Owner == service {
			jobs = append(jobs, key)
		}
	}
	slices.Sort(jobs)
	var ids []int32
	if id, ok := ix.node(Node{ServiceNode, service}); ok {
		ids = append(ids, id)
	}
	for _, key := range jobs {
		if id, ok := ix.node(Node{JobNode, key}); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return Dependencies{}, errorf(ErrNotFound, "service %s is not in the lineage graph", service)
	}
	d := Dependencies{Service: service, Consumes: []Dependency{}, Produces: []string{}}
	for _, id := range ids {
		for _, ei := range ix.out[id] {
			if e := &ix.edges[ei]; e.Kind == Produces {
				d.Produces = append(d.Produces, e.To)
			}
		}
		for _, ei := range ix.in[id] {
			e := &ix.edges[ei]
			if e.Kind != Consumes {
				continue
			}
			dep := Dependency{
				Stream: e.From, Job: e.Job, Producers: nonNil(ix.producers(e.From)), Visibility: string(ix.streams[e.From].Visibility),
				Fields: e.Fields, Sources: e.Sources, LastSeen: e.LastSeen.Format("2006-01-02T15:04:05.000Z07:00"),
				Stale: svc.stale(e), Upstream: ix.sources(e.From),
			}
			d.Consumes = append(d.Consumes, dep)
		}
	}
	return d, nil
}

// sources lists the streams stream is derived from along derived_from
// edges, transitively, breadth first, at most MaxDepth derivations back.
func (ix *index) sources(stream string) []UpstreamStream {
	out := []UpstreamStream{}
	start, ok := ix.node(Node{StreamNode, stream})
	if !ok {
		return out
	}
	seen := map[int32]bool{start: true}
	frontier := []int32{start}
	for d := 1; len(frontier) > 0 && d <= MaxDepth; d++ {
		var next []int32
		for _, n := range frontier {
			for _, ei := range ix.in[n] {
				e := &ix.edges[ei]
				if e.Kind != DerivedFrom {
					continue
				}
				src := ix.ends[ei][0]
				if seen[src] {
					continue
				}
				seen[src] = true
				out = append(out, UpstreamStream{Stream: e.From, Depth: d, Producers: nonNil(ix.producers(e.From))})
				next = append(next, src)
			}
		}
		frontier = next
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
