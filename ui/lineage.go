package ui

// The lineage page: the graph around a stream or a service, upstream and
// downstream to a chosen depth, laid out in layers (upstream to the left,
// downstream to the right, the root in the middle) and rendered as inline
// SVG on the server, so it works without JavaScript; graph.js only adds
// highlighting of a node's neighbours and arrow-key moves between nodes.

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/accord/accord/lineage"
)

// Layout constants (SVG user units).
const (
	nodeW, nodeH = 170, 40
	colGap       = 70
	rowGap       = 18
	margin       = 30
	// maxGraphNodes bounds the drawing: beyond it the farthest nodes are
	// left out (and said to be), so a hub's depth-5 graph stays readable
	// and fast.
	maxGraphNodes = 250
)

type svgNode struct {
	ID, Kind, Name, Label, Href string
	Class, EventType            string
	Owner                       string // of a job
	Private, Root               bool
	NoContract                  bool // a stream no contract declares
	Layer, Depth                int
	X, Y, W, H                  int
	TextX, TextY, SubY          int
	Sub                         string
}

type svgEdge struct {
	From, To, Kind, Path string
}

type lineageData struct {
	Off             bool
	Stream, Service string
	Job             string
	Depth           int
	Depths          []int
	Nodes           []*svgNode
	Edges           []svgEdge
	Width, Height   int
	Omitted         int
	Asked           bool
	EventTypes      []string
	Findings        []finding // about the drawn streams and services
	// Table lists every node, collapsed ones too (Nodes are the drawn).
	Table     []*svgNode
	Collapsed int    // nodes folded into "+N" nodes
	ExpandAll string // the page with every fan-out drawn
	Root      string // the root's node id
	// Suggestions for the Stream and Service boxes (at most suggestMax
	// each): the drawn graph's, then the streams and owners by name.
	StreamNames, ServiceNames []string
}

const suggestMax = 300

func (h *handler) lineagePage(w http.ResponseWriter, r *http.Request) error {
	d := lineageData{Depths: []int{1, 2, 3, 4, 5}, EventTypes: []string{"state", "delta", "notification", "measurement", "hybrid"}}
	if h.opts.Lineage == nil {
		d.Off = true
		h.render(w, r, 200, "lineage", "Lineage", "Lineage", d)
		return nil
	}
	q := r.URL.Query()
	d.Stream, d.Service, d.Job = strings.TrimSpace(q.Get("stream")), strings.TrimSpace(q.Get("service")), strings.TrimSpace(q.Get("job"))
	var err error
	if d.Depth, err = intParam(q, "depth", 2, 1, 5); err != nil {
		return err
	}
	if (d.Stream != "" && d.Service != "") || (d.Job != "" && (d.Stream != "" || d.Service != "")) {
		return badRequest("Give a stream, a service or a job, only one.")
	}
	root := lineage.Node{Kind: lineage.StreamNode, Name: d.Stream}
	switch {
	case d.Service != "":
		root = lineage.Node{Kind: lineage.ServiceNode, Name: d.Service}
	case d.Job != "":
		root = lineage.Node{Kind: lineage.JobNode, Name: d.Job}
	}
	title := "Lineage"
	if root.Name != "" {
		d.Asked = true
		title = "Lineage of " + root.Name
		down, err := h.opts.Lineage.Walk(r.Context(), root, lineage.Downstream, d.Depth)
		if err != nil {
			return err
		}
		up, err := h.opts.Lineage.Walk(r.Context(), root, lineage.Upstream, d.Depth)
		if err != nil {
			return err
		}
		if err := h.layoutGraph(r, &d, root, up, down); err != nil {
			return err
		}
		drawn := map[string]bool{}
		for _, n := range d.Nodes {
			drawn[n.Kind+":"+n.Name] = true
		}
		if d.Findings, err = h.findingsWhere(r.Context(), func(f lineage.Finding) bool {
			return (f.Stream != "" && drawn["stream:"+f.Stream]) || (f.Service != "" && drawn["service:"+f.Service])
		}); err != nil {
			return err
		}
	}
	if err := h.suggest(r, &d); err != nil {
		return err
	}
	h.render(w, r, 200, "lineage", title, "Lineage", d)
	return nil
}

// suggest fills the name suggestions of the lineage page's boxes.
func (h *handler) suggest(r *http.Request, d *lineageData) error {
	snap, err := h.streams.get(r.Context())
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	addTo := func(l *[]string, kind, name string) {
		if len(*l) < suggestMax && !seen[kind+name] {
			seen[kind+name] = true
			*l = append(*l, name)
		}
	}
	for _, n := range d.Table {
		switch n.Kind {
		case "stream":
			addTo(&d.StreamNames, "s", n.Name)
		case "service":
			addTo(&d.ServiceNames, "v", n.Name)
		}
	}
	for i := range snap.list {
		if len(d.StreamNames) >= suggestMax {
			break
		}
		addTo(&d.StreamNames, "s", snap.list[i].Name)
	}
	for _, o := range snap.owners {
		addTo(&d.ServiceNames, "v", o)
	}
	return nil
}

func nodeID(n lineage.Node) string { return string(n.Kind) + ":" + n.Name }

// layoutGraph places the walks' nodes in layers by signed depth and
// orders each layer by the mean position of its neighbours in the layer
// nearer the root (one barycentre pass: few crossings for trees, which
// lineage graphs mostly are).
func (h *handler) layoutGraph(r *http.Request, d *lineageData, root lineage.Node, up, down lineage.Graph) error {
	snap, err := h.streams.get(r.Context())
	if err != nil {
		return err
	}
	nodes := map[string]*svgNode{}
	var order []*svgNode
	add := func(gn lineage.GraphNode, layer int) {
		id := nodeID(gn.Node)
		if _, ok := nodes[id]; ok {
			return
		}
		n := &svgNode{ID: id, Kind: string(gn.Kind), Name: gn.Name, Layer: layer, Depth: max(layer, -layer), Root: gn.Node == root}
		if gn.Kind == lineage.StreamNode {
			n.Href = "/ui/streams/" + url.PathEscape(gn.Name)
			n.Private = gn.Visibility == "private"
			if st, ok := snap.byName[gn.Name]; ok {
				n.EventType = string(st.EventType)
				n.Private = st.Visibility == "private"
			} else if gn.Visibility == "" {
				n.NoContract = true
			}
			n.Class = "node stream"
			if n.EventType != "" {
				n.Class += " et-" + n.EventType
			} else {
				n.Class += " et-none"
			}
			if n.Private {
				n.Class += " private"
			}
		} else if gn.Kind == lineage.JobNode {
			n.Href = "/ui/lineage?job=" + url.QueryEscape(gn.Name)
			n.Class = "node job"
			n.Owner = gn.Owner
		} else {
			n.Href = "/ui/lineage?service=" + url.QueryEscape(gn.Name)
			n.Class = "node service"
		}
		if n.Root {
			n.Class += " root"
		}
		nodes[id] = n
		order = append(order, n)
	}
	for _, gn := range down.Nodes {
		add(gn, gn.Depth)
	}
	for _, gn := range up.Nodes {
		add(gn, -gn.Depth)
	}
	// Keep the nearest nodes when there are too many.
	sort.SliceStable(order, func(i, j int) bool { return order[i].Depth < order[j].Depth })
	if len(order) > maxGraphNodes {
		for _, n := range order[maxGraphNodes:] {
			delete(nodes, n.ID)
		}
		d.Omitted = len(order) - maxGraphNodes
		order = order[:maxGraphNodes]
	}
	seen := map[string]bool{}
	adj := map[string][]string{}
	for _, g := range []lineage.Graph{down, up} {
		for _, e := range g.Edges {
			from, to := nodeID(e.FromNode()), nodeID(e.ToNode())
			key := string(e.Kind) + " " + from + " " + to
			if seen[key] || nodes[from] == nil || nodes[to] == nil {
				continue
			}
			seen[key] = true
			d.Edges = append(d.Edges, svgEdge{From: from, To: to, Kind: string(e.Kind)})
			adj[from] = append(adj[from], to)
			adj[to] = append(adj[to], from)
		}
	}
	d.Table = append([]*svgNode(nil), order...)
	order = h.collapseFanOuts(r, d, order, adj)
	for _, n := range order {
		nodes[n.ID] = n
	}
	layers := map[int][]*svgNode{}
	minL, maxL := 0, 0
	for _, n := range order {
		layers[n.Layer] = append(layers[n.Layer], n)
		minL, maxL = min(minL, n.Layer), max(maxL, n.Layer)
	}
	pos := map[string]float64{}
	place := func(l int) {
		ns := layers[l]
		key := func(n *svgNode) float64 {
			sum, k := 0.0, 0
			for _, o := range adj[n.ID] {
				if p, ok := pos[o]; ok {
					sum += p
					k++
				}
			}
			if k == 0 {
				return 1e9
			}
			return sum / float64(k)
		}
		sort.SliceStable(ns, func(i, j int) bool {
			ki, kj := key(ns[i]), key(ns[j])
			if ki != kj {
				return ki < kj
			}
			if ns[i].Kind != ns[j].Kind {
				return ns[i].Kind > ns[j].Kind // streams before services before jobs
			}
			return ns[i].Name < ns[j].Name
		})
		for i, n := range ns {
			pos[n.ID] = float64(i)
		}
	}
	place(0)
	for l := 1; l <= maxL; l++ {
		place(l)
	}
	for l := -1; l >= minL; l-- {
		place(l)
	}
	rows := 0
	for _, ns := range layers {
		rows = max(rows, len(ns))
	}
	d.Width = margin*2 + (maxL-minL+1)*nodeW + (maxL-minL)*colGap
	d.Height = margin*2 + rows*nodeH + max(rows-1, 0)*rowGap
	for l, ns := range layers {
		// Centre each layer vertically.
		top := margin + (rows-len(ns))*(nodeH+rowGap)/2
		for i, n := range ns {
			n.X = margin + (l-minL)*(nodeW+colGap)
			n.Y = top + i*(nodeH+rowGap)
			n.W, n.H = nodeW, nodeH
			n.TextX, n.TextY, n.SubY = n.X+10, n.Y+17, n.Y+32
			if n.Kind == "more" {
				continue // labelled when made
			}
			n.Label = shorten(n.Name, 21)
			switch {
			case n.Kind == "service":
				n.Sub = "service"
			case n.Kind == "job":
				// Jobs are named namespace/name: the name says more.
				n.Label = shorten(n.Name[strings.LastIndex(n.Name, "/")+1:], 21)
				n.Sub = shorten("job of "+n.Owner, 26)
			case n.Private:
				n.Sub = "private · " + orNone(n.EventType)
			default:
				n.Sub = orNone(n.EventType)
			}
		}
	}
	for i := range d.Edges {
		a, b := nodes[d.Edges[i].From], nodes[d.Edges[i].To]
		x1, y1 := a.X+a.W, a.Y+a.H/2
		x2, y2 := b.X, b.Y+b.H/2
		switch {
		case a.X == b.X: // within a layer: a bow on the left
			x1, x2 = a.X, b.X
			d.Edges[i].Path = fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, x1-margin*2, y1, x2-margin*2, y2, x2, y2)
			continue
		case b.X < a.X: // back to an earlier layer
			x1, x2 = a.X, b.X+b.W
		}
		mid := (x1 + x2) / 2
		d.Edges[i].Path = fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, mid, y1, mid, y2, x2, y2)
	}
	d.Nodes = order
	// The node list (also the accessible alternative to the drawing) goes
	// from upstream to downstream and lists collapsed nodes too.
	sort.SliceStable(d.Table, func(i, j int) bool {
		if d.Table[i].Layer != d.Table[j].Layer {
			return d.Table[i].Layer < d.Table[j].Layer
		}
		if d.Table[i].Y != d.Table[j].Y {
			return d.Table[i].Y < d.Table[j].Y
		}
		return d.Table[i].Name < d.Table[j].Name
	})
	d.Root = nodeID(root)
	return nil
}

// leavesOf lists n's neighbours one layer farther out on side (+1
// downstream, -1 upstream) that link to nothing else.
func leavesOf(n *svgNode, side int, adj map[string][]string, byID map[string]*svgNode) []*svgNode {
	var out []*svgNode
	for _, o := range adj[n.ID] {
		if m := byID[o]; m != nil && !m.Root && len(adj[o]) == 1 && m.Layer == n.Layer+side {
			out = append(out, m)
		}
	}
	return out
}

// Fan-outs: a node with more than fanMax leaf neighbours one layer
// farther from the root (its consumers, say, that nothing else links)
// draws fanKeep of them and one "+N" node for the rest, which links to
// the page with that fan-out drawn whole (?expand=<node id>, or
// expand=all for every one).
const (
	fanMax  = 8
	fanKeep = 5
)

func (h *handler) collapseFanOuts(r *http.Request, d *lineageData, order []*svgNode, adj map[string][]string) []*svgNode {
	q := r.URL.Query()
	expanded := map[string]bool{}
	for _, id := range q["expand"] {
		expanded[id] = true
	}
	if expanded["all"] {
		return order
	}
	byID := map[string]*svgNode{}
	for _, n := range order {
		byID[n.ID] = n
	}
	gone := map[string]bool{}
	var extra []*svgNode
	for _, n := range order {
		if expanded[n.ID] || gone[n.ID] {
			continue
		}
		for _, side := range []int{1, -1} {
			if n.Layer*side < 0 {
				continue // a node fans out away from the root only
			}
			leaves := leavesOf(n, side, adj, byID)
			if len(leaves) <= fanMax {
				continue
			}
			sort.Slice(leaves, func(i, j int) bool { return leaves[i].Name < leaves[j].Name })
			kinds := map[string]bool{}
			for _, m := range leaves[fanKeep:] {
				gone[m.ID] = true
				kinds[m.Kind] = true
			}
			what := "nodes"
			if len(kinds) == 1 {
				for k := range kinds {
					what = map[string]string{"service": "consumers", "stream": "streams", "job": "jobs"}[k]
				}
				if leaves[fanKeep].Layer < 0 {
					what = map[string]string{"service": "producers", "stream": "streams", "job": "jobs"}[leaves[fanKeep].Kind]
				}
			}
			eq := r.URL.Query()
			eq.Add("expand", n.ID)
			more := &svgNode{ID: fmt.Sprintf("more%+d:%s", side, n.ID), Kind: "more", Name: fmt.Sprintf("+%d %s of %s", len(leaves)-fanKeep, what, n.Name),
				Href: r.URL.Path + "?" + eq.Encode(), Class: "node more", Layer: leaves[fanKeep].Layer, Depth: leaves[fanKeep].Depth}
			more.Label = fmt.Sprintf("+%d %s", len(leaves)-fanKeep, what)
			more.Sub = "show them"
			extra = append(extra, more)
			d.Collapsed += len(leaves) - fanKeep
			from, to := n.ID, more.ID
			if more.Layer < 0 {
				from, to = more.ID, n.ID
			}
			d.Edges = append(d.Edges, svgEdge{From: from, To: to, Kind: "collapsed"})
			adj[n.ID] = append(adj[n.ID], more.ID)
			adj[more.ID] = []string{n.ID}
		}
	}
	if len(gone) == 0 {
		return order
	}
	kept := order[:0:0]
	for _, n := range order {
		if !gone[n.ID] {
			kept = append(kept, n)
		}
	}
	edges := d.Edges[:0:0]
	for _, e := range d.Edges {
		if !gone[e.From] && !gone[e.To] {
			edges = append(edges, e)
		}
	}
	d.Edges = edges
	eq := r.URL.Query()
	eq.Del("expand")
	eq.Set("expand", "all")
	d.ExpandAll = r.URL.Path + "?" + eq.Encode()
	return append(kept, extra...)
}

func orNone(et string) string {
	if et == "" {
		return "no contract"
	}
	return et
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
