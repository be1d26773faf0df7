package lineage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/accord/accord/compat"
	"github.com/accord/accord/registry"
)

// Impact is what a proposed schema for a stream reaches downstream.
type Impact struct {
	Stream  string `json:"stream"`
	Subject string `json:"subject"`
	// Changes are every field the proposal removes, retypes or makes
	// optional, whoever reads them.
	Changes []FieldChange `json:"changes"`
	// FieldLevel is false when either schema cannot list its fields (or
	// nothing is registered yet): consumers are listed without fields.
	FieldLevel     bool               `json:"fieldLevel"`
	Consumers      []ImpactedConsumer `json:"consumers"`
	DerivedStreams []ImpactedStream   `json:"derivedStreams"`
}

// Hop is one node on the path an impact took.
type Hop struct {
	Kind NodeKind `json:"kind"`
	Name string   `json:"name"`
	// Owner of a job: the service answerable for it.
	Owner string `json:"owner,omitempty"`
}

// How a derived stream was reached, and how the changed fields were
// carried into it.
const (
	// ThroughDerivedFrom: a declared derived_from edge.
	ThroughDerivedFrom = "derived_from"
	// ThroughJob: a job that consumes one stream and produces the other.
	ThroughJob = "job"
	// ThroughService: a service that consumes one stream and produces the
	// other.
	ThroughService = "service"

	// MappingColumnLineage: the job's columnLineage facet says which input
	// fields each output field is built from.
	MappingColumnLineage = "column_lineage"
	// MappingSamePath: nothing says how fields map, so a field is assumed
	// to keep its path.
	MappingSamePath = "same_path"
)

// ImpactedConsumer is a service (or a service's job) reading the stream
// or a stream derived from it.
type ImpactedConsumer struct {
	Service string `json:"service"`
	// Job is set when the reader is one of the service's jobs.
	Job *JobRef `json:"job,omitempty"`
	// Via is the path of streams from the changed one to the one the
	// service reads, both included; Path is the same path with the jobs
	// and services in between (the reader itself is Service and Job).
	// Consumers of one stream share these slices, and readers touched
	// alike share Fields: do not modify them.
	Via   []string `json:"via"`
	Path  []Hop    `json:"path"`
	Depth int      `json:"depth"`
	// FieldsDeclared: the reader said which fields it reads (declared, or
	// from an OpenLineage schema facet); Fields are then the changes that
	// touch them, carried along Path (see ImpactedStream.FieldMapping).
	FieldsDeclared bool          `json:"fieldsDeclared"`
	Fields         []FieldChange `json:"fields"`
}

// ImpactedStream is a stream derived, directly or not, from the changed
// one: through a declared derived_from edge, or through a job or service
// that consumes one stream and produces the next.
type ImpactedStream struct {
	Stream string   `json:"stream"`
	Depth  int      `json:"depth"`
	Via    []string `json:"via"`
	Path   []Hop    `json:"path"`
	// Through says how the last step was made (derived_from, job,
	// service); By names the job or service of that step.
	Through string `json:"through"`
	By      string `json:"by,omitempty"`
	// FieldMapping says how the changed fields were carried into this
	// stream at the last step: column_lineage or same_path.
	FieldMapping string `json:"fieldMapping"`
	// Fields: the changes as they arrive in this stream (renamed where
	// column lineage says so); for a derived_from edge that declares the
	// fields it reads, only those touching them.
	Fields []FieldChange `json:"fields,omitempty"`
}

// ImpactRequest is a proposed schema for a stream's subject ("" is its
// value subject).
type ImpactRequest struct {
	Subject string
	Schema  registry.SchemaInput
}

// Impact computes what registering req's schema on stream would reach:
// every consumer of the stream and of the streams derived from it
// (following derived_from edges to any depth), with the changed fields
// each consumer that declared its fields reads. The schema is parsed as
// registering it would (references resolved) and compared with the
// subject's latest live version. Nothing is written.
func (svc *Service) Impact(ctx context.Context, stream string, req ImpactRequest) (Impact, error) {
	ix, done, err := svc.read(ctx)
	if err != nil {
		return Impact{}, err
	}
	_, known := ix.node(Node{StreamNode, stream})
	subject := req.Subject
	if subject == "" {
		subject = ix.valueSubject(stream)
	}
	done() // not held across the registry's reads
	if !known {
		return Impact{}, errorf(ErrNotFound, "stream %s is not in the lineage graph: it has no contract and no edges", stream)
	}
	proposed, err := svc.reg.ParseSchema(ctx, subject, req.Schema)
	if err != nil {
		return Impact{}, err
	}
	var changes []FieldChange
	fieldLevel := false
	latest, _, err := svc.reg.LatestSchema(ctx, subject)
	switch {
	case err == nil:
		o, ok1 := latest.(compat.Structured)
		n, ok2 := proposed.(compat.Structured)
		if fieldLevel = ok1 && ok2; fieldLevel {
			typ := req.Schema.SchemaType
			if typ == "" {
				typ = compat.TypeAvro
			}
			changes = DiffFields(o.Fields(), n.Fields(), typ)
		}
	case errors.Is(err, registry.ErrSubjectNotFound), errors.Is(err, registry.ErrVersionNotFound):
		// Nothing registered yet: nothing to break, but readers are listed.
	default:
		return Impact{}, fmt.Errorf("reading the latest schema of %s: %w", subject, err)
	}
	walk := svc.walk
	if walk == nil {
		walk = (*index).impact
	}
	ix, done, err = svc.read(ctx)
	if err != nil {
		return Impact{}, err
	}
	defer done()
	imp := walk(ix, stream, changes) // a stream that left the graph meanwhile reaches no one
	imp.Subject, imp.FieldLevel = subject, fieldLevel
	return imp, nil
}

// valueSubject is the subject whose schema a stream's consumers read.
func (svc *Service) valueSubject(ctx context.Context, stream string) (string, error) {
	ix, done, err := svc.read(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	return ix.valueSubject(stream), nil
}

// impact walks downstream of stream and lists whom changes reach. A
// stream leads on to the consumers reading it, to the streams derived
// from it (derived_from edges), and through each consumer (a job or a
// service) to the streams that consumer produces, carrying the changes
// along: renamed by the job's column lineage where it has one (an output
// built from none of the stream's fields is not reached), by path
// otherwise. The walk is breadth first over streams (one FIFO queue),
// each reached once (the first path found), so cycles end it.
//
// Its cost is what the answer holds: each reached stream's via and path
// are its predecessor's plus one or two hops, copied once into a few
// large blocks (arena) rather than allocated one by one, and every
// consumer shares the slices of the stream it reads.
func (ix *index) impact(stream string, changes []FieldChange) Impact {
	imp := Impact{Stream: stream, Changes: changes, Consumers: []ImpactedConsumer{}, DerivedStreams: []ImpactedStream{}}
	if imp.Changes == nil {
		imp.Changes = []FieldChange{}
	}
	start, ok := ix.node(Node{StreamNode, stream})
	if !ok {
		return imp
	}
	imp.Consumers = make([]ImpactedConsumer, 0, ix.consumes)
	imp.DerivedStreams = make([]ImpactedStream, 0, ix.streamNodes)
	w := impactWalk{ix: ix, imp: &imp, seen: make([]bool, len(ix.nodes)), root: changes,
		vias: arena[string]{chunk: 4096}, hops: arena[Hop]{chunk: 4096}, fields: arena[FieldChange]{chunk: 1024}}
	w.seen[start] = true
	w.queue = append(make([]impactVisit, 0, ix.streamNodes), impactVisit{start, stream, 0, []string{stream}, []Hop{{Kind: StreamNode, Name: stream}}, changes})
	for qi := 0; qi < len(w.queue); qi++ {
		v := w.queue[qi]
		for _, ei := range ix.out[v.id] {
			e := &ix.edges[ei]
			switch e.Kind {
			case Consumes:
				w.consumer(&v, ei, e)
			case DerivedFrom:
				var shown []FieldChange
				if len(e.Fields) > 0 {
					shown = w.touched(ei, e, v.changes)
				}
				w.reach(ix.ends[ei][1], e.To, v.depth+1, &v, nil, ThroughDerivedFrom, "", MappingSamePath, v.changes, shown)
			}
		}
	}
	return imp
}

// impactVisit is a reached stream waiting in the walk's queue, with the
// changes as they arrived in it.
type impactVisit struct {
	id      int32
	name    string
	depth   int
	via     []string
	path    []Hop
	changes []FieldChange
}

// impactWalk is the state of one impact walk.
type impactWalk struct {
	ix      *index
	imp     *Impact
	seen    []bool // by node id
	queue   []impactVisit
	vias    arena[string]
	hops    arena[Hop]
	fields  arena[FieldChange]
	scratch []FieldChange
	// root is the changes as proposed; memo holds, by field list
	// (index.fieldSet), the root changes touching it: most readers see
	// the changes unrenamed, and many declare the same fields.
	root []FieldChange
	memo [][]FieldChange
}

// consumer lists the reader of edge ei (a consumes edge of v's stream)
// and follows it to what it writes: what the reader writes carries what
// it read.
func (w *impactWalk) consumer(v *impactVisit, ei int32, e *Edge) {
	ix := w.ix
	reader := ix.ends[ei][1]
	c := ImpactedConsumer{Service: e.Service(), Job: e.Job, Via: v.via, Path: v.path, Depth: v.depth + 1,
		FieldsDeclared: len(e.Fields) > 0, Fields: []FieldChange{}}
	if c.FieldsDeclared {
		c.Fields = w.touched(ei, e, v.changes)
	}
	w.imp.Consumers = append(w.imp.Consumers, c)
	through, hop := ThroughService, Hop{Kind: ix.nodes[reader].Kind, Name: e.To}
	if e.Job != nil {
		through, hop.Owner = ThroughJob, e.Job.Owner
	}
	for _, oi := range ix.out[reader] {
		o := &ix.edges[oi]
		if o.Kind != Produces || (e.Job == nil && !(ix.observed[ei] && ix.observed[oi])) {
			// A service carries what it reads into what it writes only
			// where both were seen or declared as data flow: a contract's
			// owner and consumers say who writes and who reads, not what
			// a service derives from what.
			continue
		}
		to := ix.ends[oi][1]
		if w.seen[to] {
			continue
		}
		mapping, carried := MappingSamePath, v.changes
		if len(o.ColumnLineage) > 0 {
			var built bool
			mapping = MappingColumnLineage
			w.scratch, built = mapColumns(w.scratch[:0], o.ColumnLineage, v.name, v.changes)
			if !built {
				continue // built from none of this stream's fields
			}
			carried = w.fields.copy(w.scratch)
		}
		w.reach(to, o.To, v.depth+2, v, &hop, through, e.To, mapping, carried, nonNilChanges(carried))
	}
}

// reach records stream to (named name), reached from v through hop (the
// job or service in between; nil for a derived_from edge), unless the
// walk reached it before.
func (w *impactWalk) reach(to int32, name string, depth int, v *impactVisit, hop *Hop, through, by, mapping string, carried, shown []FieldChange) {
	if w.seen[to] {
		return
	}
	w.seen[to] = true
	via := w.vias.take(len(v.via) + 1)
	via[copy(via, v.via)] = name
	n := len(v.path) + 1
	if hop != nil {
		n++
	}
	path := w.hops.take(n)
	k := copy(path, v.path)
	if hop != nil {
		path[k] = *hop
		k++
	}
	path[k] = Hop{Kind: StreamNode, Name: name}
	w.imp.DerivedStreams = append(w.imp.DerivedStreams, ImpactedStream{Stream: name, Depth: depth, Via: via, Path: path,
		Through: through, By: by, FieldMapping: mapping, Fields: shown})
	w.queue = append(w.queue, impactVisit{to, name, depth, via, path, carried})
}

// touched is the changes that touch the fields edge ei (e) declares
// (affects), never nil. Readers given the same answer share its slice.
func (w *impactWalk) touched(ei int32, e *Edge, changes []FieldChange) []FieldChange {
	if len(changes) != len(w.root) || (len(changes) > 0 && &changes[0] != &w.root[0]) {
		return w.pick(e.Fields, changes)
	}
	if w.memo == nil {
		w.memo = make([][]FieldChange, len(w.ix.fieldSets)+1)
	}
	fs := w.ix.fieldSet[ei]
	if m := w.memo[fs]; m != nil {
		return m
	}
	m := w.pick(e.Fields, changes)
	w.memo[fs] = m
	return m
}

// pick is affects(declared, changes), never nil: a run of consecutive
// changes (all of them, often) is a slice of changes itself, anything
// else a copy in the walk's arena.
func (w *impactWalk) pick(declared []string, changes []FieldChange) []FieldChange {
	lo, hi, run := -1, -1, true
	w.scratch = w.scratch[:0]
	for i, c := range changes {
		if !touches(declared, c.Path) {
			continue
		}
		if lo < 0 {
			lo = i
		} else if i != hi {
			run = false
		}
		hi = i + 1
		w.scratch = append(w.scratch, c)
	}
	switch {
	case lo < 0:
		return []FieldChange{}
	case run:
		return changes[lo:hi:hi]
	}
	return w.fields.copy(w.scratch)
}

// arena hands out slices of a few large blocks: an answer made of
// thousands of short slices costs a few allocations. Each slice is capped
// at its length, so appending to one never writes into another.
type arena[T any] struct {
	buf   []T
	chunk int
}

// take returns a slice of n elements.
func (a *arena[T]) take(n int) []T {
	if len(a.buf) < n {
		a.buf = make([]T, max(n, a.chunk))
	}
	s := a.buf[:n:n]
	a.buf = a.buf[n:]
	return s
}

// copy returns a copy of s in the arena; nil when s is empty.
func (a *arena[T]) copy(s []T) []T {
	if len(s) == 0 {
		return nil
	}
	out := a.take(len(s))
	copy(out, s)
	return out
}

// observed: the edge was declared through the API or learned from
// OpenLineage, not only mirrored from a stream contract.
func observed(e *Edge) bool {
	return slices.ContainsFunc(e.Sources, func(s Source) bool { return s != SourceContract })
}

// mapColumns appends to dst the changes of stream's fields as they
// arrive in the output fields a job's column lineage builds from them: an
// output field built from a changed field (or from a field inside or
// around it) changes the same way, under its own name. The result is
// sorted by path and change, one per pair. built is false when no output
// field is built from stream at all.
func mapColumns(dst []FieldChange, lineage []Derivation, stream string, changes []FieldChange) (out []FieldChange, built bool) {
	out = dst
	for _, d := range lineage {
		for _, in := range d.Inputs {
			if in.Stream != stream {
				continue
			}
			built = true
			for _, c := range changes {
				switch {
				case c.Path == in.Field:
					out = append(out, FieldChange{Path: d.Field, Change: c.Change, From: c.From, To: c.To})
				case under(c.Path, in.Field):
					// A change inside the input field is inside the output one.
					out = append(out, FieldChange{Path: d.Field + c.Path[len(in.Field):], Change: c.Change, From: c.From, To: c.To})
				case under(in.Field, c.Path):
					// The input field's parent changed: so did the output.
					out = append(out, FieldChange{Path: d.Field, Change: c.Change, From: c.From, To: c.To})
				}
			}
		}
	}
	tail := out[len(dst):]
	slices.SortFunc(tail, compareChanges)
	tail = slices.CompactFunc(tail, func(a, b FieldChange) bool { return a.Path == b.Path && a.Change == b.Change })
	return out[:len(dst)+len(tail)], built
}

// compareChanges orders changes as their path, a NUL and their change
// joined would sort, without joining them.
func compareChanges(a, b FieldChange) int {
	if a.Path == b.Path {
		return strings.Compare(a.Change, b.Change)
	}
	n := min(len(a.Path), len(b.Path))
	if c := strings.Compare(a.Path[:n], b.Path[:n]); c != 0 {
		return c
	}
	// One path is a proper prefix of the other: the shorter one's NUL
	// meets the longer one's next byte.
	if len(a.Path) < len(b.Path) {
		return -compareTail(b.Path[n:], b.Change, a.Change)
	}
	return compareTail(a.Path[n:], a.Change, b.Change)
}

// compareTail compares rest+NUL+change with NUL+other (rest not empty).
func compareTail(rest, change, other string) int {
	if rest[0] != 0 {
		return 1
	}
	return strings.Compare(rest[1:]+"\x00"+change, other) // a NUL in a path: rare enough to join
}

func nonNilChanges(c []FieldChange) []FieldChange {
	if c == nil {
		return []FieldChange{}
	}
	return c
}
