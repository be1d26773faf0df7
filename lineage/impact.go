package lineage

import (
	"context"
	"errors"
	"fmt"

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

// ImpactedConsumer is a service reading the stream or a stream derived
// from it.
type ImpactedConsumer struct {
	Service string `json:"service"`
	// Via is the path of streams from the changed one to the one the
	// service reads, both included.
	Via   []string `json:"via"`
	Depth int      `json:"depth"`
	// FieldsDeclared: the service said which fields it reads; Fields are
	// then the changes that touch them (for consumers of derived streams,
	// matched by path, assuming fields keep their paths when derived).
	FieldsDeclared bool          `json:"fieldsDeclared"`
	Fields         []FieldChange `json:"fields"`
}

// ImpactedStream is a stream derived, directly or not, from the changed
// one.
type ImpactedStream struct {
	Stream string   `json:"stream"`
	Depth  int      `json:"depth"`
	Via    []string `json:"via"`
	// Fields: the changes touching the fields its derived_from edge
	// declares it reads, when it declares them.
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

// impact walks downstream of stream over consumes and derived_from edges
// (breadth first: each stream at its least depth, through the first path
// found) and lists whom changes reach.
func (ix *index) impact(stream string, changes []FieldChange) Impact {
	imp := Impact{Stream: stream, Changes: changes, Consumers: []ImpactedConsumer{}, DerivedStreams: []ImpactedStream{}}
	if imp.Changes == nil {
		imp.Changes = []FieldChange{}
	}
	start, ok := ix.node(Node{StreamNode, stream})
	if !ok {
		return imp
	}
	type visit struct {
		id  int32
		via []string
	}
	seen := map[int32]bool{start: true}
	frontier := []visit{{start, []string{stream}}}
	for depth := 1; len(frontier) > 0; depth++ {
		var next []visit
		for _, v := range frontier {
			for _, ei := range ix.out[v.id] {
				e := &ix.edges[ei]
				switch e.Kind {
				case Consumes:
					c := ImpactedConsumer{Service: e.To, Via: v.via, Depth: depth, FieldsDeclared: len(e.Fields) > 0, Fields: []FieldChange{}}
					if c.FieldsDeclared {
						c.Fields = nonNilChanges(affects(e.Fields, changes))
					}
					imp.Consumers = append(imp.Consumers, c)
				case DerivedFrom:
					to := ix.ends[ei][1]
					if seen[to] {
						continue
					}
					seen[to] = true
					via := append(v.via[:len(v.via):len(v.via)], e.To)
					s := ImpactedStream{Stream: e.To, Depth: depth, Via: via}
					if len(e.Fields) > 0 {
						s.Fields = nonNilChanges(affects(e.Fields, changes))
					}
					imp.DerivedStreams = append(imp.DerivedStreams, s)
					next = append(next, visit{to, via})
				}
			}
		}
		frontier = next
	}
	return imp
}

func nonNilChanges(c []FieldChange) []FieldChange {
	if c == nil {
		return []FieldChange{}
	}
	return c
}
