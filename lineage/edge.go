package lineage

import (
	"slices"
	"strings"
	"time"
)

// Kind is the kind of an edge.
type Kind string

// Edge kinds. From and To point the way data flows.
const (
	// Produces: From is the service, To the stream it writes.
	Produces Kind = "produces"
	// Consumes: From is the stream, To the service that reads it.
	Consumes Kind = "consumes"
	// DerivedFrom: From is a source stream, To the stream built from it.
	DerivedFrom Kind = "derived_from"
)

// NodeKind says what a node is.
type NodeKind string

// Node kinds.
const (
	ServiceNode NodeKind = "service"
	StreamNode  NodeKind = "stream"
)

// Node is a service or a stream, identified by its name.
type Node struct {
	Kind NodeKind `json:"kind"`
	Name string   `json:"name"`
}

// Source says where an edge was learned.
type Source string

// Edge sources.
const (
	SourceAPI         Source = "api"
	SourceOpenLineage Source = "openlineage"
	// SourceContract: mirrored from a stream contract (its owner, its
	// declared consumers); never stored.
	SourceContract Source = "contract"
)

// Edge is one edge of the graph. A stored edge has one source; the index
// merges the edges of the same kind, From and To into one, with every
// source, the union of their fields and the widest sightings.
type Edge struct {
	Kind Kind   `json:"kind"`
	From string `json:"from"`
	To   string `json:"to"`
	// Fields are the field paths a consumer (or a derived stream) reads,
	// dotted as compat.Field paths; empty when it did not say.
	Fields []string `json:"fields,omitempty"`
	// Version is the value-subject version a consumer reads, when known
	// (declared, or matched from an OpenLineage schema facet).
	Version int `json:"version,omitempty"`
	// Drift lists how the schema OpenLineage last reported for the stream
	// differs from the registered one.
	Drift     []SchemaDifference `json:"drift,omitempty"`
	Sources   []Source           `json:"sources"`
	FirstSeen time.Time          `json:"firstSeen"`
	LastSeen  time.Time          `json:"lastSeen"`
}

// Ends returns the kinds of an edge's From and To nodes.
func (k Kind) Ends() (from, to NodeKind) {
	switch k {
	case Produces:
		return ServiceNode, StreamNode
	case Consumes:
		return StreamNode, ServiceNode
	}
	return StreamNode, StreamNode
}

// FromNode and ToNode are the edge's endpoints.
func (e *Edge) FromNode() Node { k, _ := e.Kind.Ends(); return Node{k, e.From} }

// ToNode is the node the edge points to.
func (e *Edge) ToNode() Node { _, k := e.Kind.Ends(); return Node{k, e.To} }

// Service is the service an edge belongs to: the producer or the
// consumer; "" for derived_from.
func (e *Edge) Service() string {
	switch e.Kind {
	case Produces:
		return e.From
	case Consumes:
		return e.To
	}
	return ""
}

// Stream is the stream an edge is about: the produced or consumed one,
// or the derived one.
func (e *Edge) Stream() string {
	if e.Kind == Consumes {
		return e.From
	}
	return e.To
}

// Key names an edge in messages and the audit log: "consumes orders ->
// billing-svc".
func (e *Edge) Key() string { return string(e.Kind) + " " + e.From + " -> " + e.To }

type edgeKey struct {
	kind     Kind
	from, to string
}

func (e *Edge) key() edgeKey { return edgeKey{e.Kind, e.From, e.To} }

// normalize checks an edge written through the API or OpenLineage and
// puts its fields in one order.
func (e *Edge) normalize() error {
	e.From, e.To = strings.TrimSpace(e.From), strings.TrimSpace(e.To)
	switch e.Kind {
	case Produces, Consumes, DerivedFrom:
	default:
		return errorf(ErrInvalid, "edge kind %q is not produces, consumes or derived_from", e.Kind)
	}
	for _, n := range []string{e.From, e.To} {
		if err := checkName(n); err != nil {
			return err
		}
	}
	if e.Kind == DerivedFrom && e.From == e.To {
		return errorf(ErrInvalid, "stream %s cannot be derived from itself", e.To)
	}
	if e.Kind == Produces && len(e.Fields) > 0 {
		return errorf(ErrInvalid, "a produces edge has no fields: a producer writes the whole schema")
	}
	if e.Version < 0 {
		return errorf(ErrInvalid, "version %d is not a subject version", e.Version)
	}
	e.Fields = normalizeFields(e.Fields)
	return nil
}

func checkName(n string) error {
	if n == "" || len(n) > 249 || strings.ContainsAny(n, " \t\r\n") {
		return errorf(ErrInvalid, "node name %q is not 1 to 249 characters without spaces", n)
	}
	return nil
}

func normalizeFields(fs []string) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}
