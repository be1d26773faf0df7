package lineage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

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
	// Consumers of one stream share these slices: do not modify them.
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
	ix, err := svc.snapshot(ctx)
	if err != nil {
		return Impact{}, err
	}
	if _, ok := ix.node(Node{StreamNode, stream}); !ok {
		return Impact{}, errorf(ErrNotFound, "stream %s is not in the lineage graph: it has no contract and no edges", stream)
	}
	subject := req.Subject
	if subject == "" {
		subject = ix.valueSubject(stream)
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
	imp := ix.impact(stream, changes)
	imp.Subject, imp.FieldLevel = subject, fieldLevel
	return imp, nil
}

// impact walks downstream of stream and lists whom changes reach. A
// stream leads on to the consumers reading it, to the streams derived
// from it (derived_from edges), and through each consumer (a job or a
// service) to the streams that consumer produces, carrying the changes
// along: renamed by the job's column lineage where it has one (an output
// built from none of the stream's fields is not reached), by path
// otherwise. The walk is breadth first over streams, each reached once
// (the first path found), so cycles end it.
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
	type visit struct {
		id      int32
		name    string
		depth   int
		via     []string
		path    []Hop
		changes []FieldChange
	}
	extend := func(path []Hop, h Hop) []Hop { return append(path[:len(path):len(path)], h) }
	seen := map[int32]bool{start: true}
	frontier := []visit{{start, stream, 0, []string{stream}, []Hop{{Kind: StreamNode, Name: stream}}, changes}}
	for len(frontier) > 0 {
		var next []visit
		reach := func(to int32, name string, depth int, v visit, path []Hop, through, by, mapping string, carried, shown []FieldChange) {
			if seen[to] {
				return
			}
			seen[to] = true
			via := append(v.via[:len(v.via):len(v.via)], name)
			path = extend(path, Hop{Kind: StreamNode, Name: name})
			imp.DerivedStreams = append(imp.DerivedStreams, ImpactedStream{Stream: name, Depth: depth, Via: via, Path: path,
				Through: through, By: by, FieldMapping: mapping, Fields: shown})
			next = append(next, visit{to, name, depth, via, path, carried})
		}
		for _, v := range frontier {
			for _, ei := range ix.out[v.id] {
				e := &ix.edges[ei]
				switch e.Kind {
				case Consumes:
					reader := ix.ends[ei][1]
					c := ImpactedConsumer{Service: e.Service(), Job: e.Job, Via: v.via, Path: v.path, Depth: v.depth + 1,
						FieldsDeclared: len(e.Fields) > 0, Fields: []FieldChange{}}
					if c.FieldsDeclared {
						c.Fields = nonNilChanges(affects(e.Fields, v.changes))
					}
					imp.Consumers = append(imp.Consumers, c)
					// What the reader writes carries what it read.
					through, hop := ThroughService, Hop{Kind: ix.nodes[reader].Kind, Name: e.To}
					if e.Job != nil {
						through, hop.Owner = ThroughJob, e.Job.Owner
					}
					var path []Hop // made once, if the reader writes any stream on
					for _, oi := range ix.out[reader] {
						o := &ix.edges[oi]
						if o.Kind != Produces || (e.Job == nil && !(observed(e) && observed(o))) {
							// A service carries what it reads into what it
							// writes only where both were seen or declared
							// as data flow: a contract's owner and consumers
							// say who writes and who reads, not what a
							// service derives from what.
							continue
						}
						to := ix.ends[oi][1]
						if seen[to] {
							continue
						}
						mapping, carried := MappingSamePath, v.changes
						if len(o.ColumnLineage) > 0 {
							var built bool
							mapping = MappingColumnLineage
							if carried, built = mapColumns(o.ColumnLineage, v.name, v.changes); !built {
								continue // built from none of this stream's fields
							}
						}
						if path == nil {
							path = extend(v.path, hop)
						}
						reach(to, o.To, v.depth+2, v, path, through, e.To, mapping, carried, nonNilChanges(carried))
					}
				case DerivedFrom:
					var shown []FieldChange
					if len(e.Fields) > 0 {
						shown = nonNilChanges(affects(e.Fields, v.changes))
					}
					reach(ix.ends[ei][1], e.To, v.depth+1, v, v.path, ThroughDerivedFrom, "", MappingSamePath, v.changes, shown)
				}
			}
		}
		frontier = next
	}
	return imp
}

// observed: the edge was declared through the API or learned from
// OpenLineage, not only mirrored from a stream contract.
func observed(e *Edge) bool {
	return slices.ContainsFunc(e.Sources, func(s Source) bool { return s != SourceContract })
}

// mapColumns carries the changes of stream's fields into the output
// fields a job's column lineage builds from them: an output field built
// from a changed field (or from a field inside or around it) changes the
// same way, under its own name. built is false when no output field is
// built from stream at all.
func mapColumns(lineage []Derivation, stream string, changes []FieldChange) (out []FieldChange, built bool) {
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
	slices.SortFunc(out, func(a, b FieldChange) int { return cmp.Compare(a.Path+"\x00"+a.Change, b.Path+"\x00"+b.Change) })
	out = slices.CompactFunc(out, func(a, b FieldChange) bool { return a.Path == b.Path && a.Change == b.Change })
	return out, built
}

func nonNilChanges(c []FieldChange) []FieldChange {
	if c == nil {
		return []FieldChange{}
	}
	return c
}
