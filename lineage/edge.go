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
	// JobNode is a processing job an OpenLineage emitter reported (a Flink
	// or Spark job, a connector): named "namespace/name", owned by a
	// service (JobRef.Owner).
	JobNode NodeKind = "job"
)

// JobRef names the job behind an edge learned from OpenLineage, and the
// service that owns it (see Options.JobOwners for how it is found).
type JobRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Owner     string `json:"owner"`
}

// Key is the job's node name: "namespace/name".
func (j *JobRef) Key() string { return j.Namespace + "/" + j.Name }

// Derivation says which input fields an output field of a job is built
// from (OpenLineage's columnLineage facet).
type Derivation struct {
	Field  string     `json:"field"`
	Inputs []FieldRef `json:"inputs"`
}

// FieldRef is a field of a stream.
type FieldRef struct {
	Stream string `json:"stream"`
	Field  string `json:"field"`
}

// Node is a service, a stream or a job, identified by its kind and name.
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
	Drift []SchemaDifference `json:"drift,omitempty"`
	// Job is set on edges learned from a job's runs: the service end of the
	// edge (From of produces, To of consumes) is then the job's node,
	// named Job.Key(), and Service() is the job's owner.
	Job *JobRef `json:"job,omitempty"`
	// ColumnLineage, on a job's produces edge, says which input fields
	// each output field derives from; empty when the emitter did not say
	// (impact then assumes fields keep their paths).
	ColumnLineage []Derivation `json:"columnLineage,omitempty"`
	Sources       []Source     `json:"sources"`
	FirstSeen     time.Time    `json:"firstSeen"`
	LastSeen      time.Time    `json:"lastSeen"`
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
func (e *Edge) FromNode() Node {
	k, _ := e.Kind.Ends()
	if e.Job != nil && e.Kind == Produces {
		k = JobNode
	}
	return Node{k, e.From}
}

// ToNode is the node the edge points to.
func (e *Edge) ToNode() Node {
	_, k := e.Kind.Ends()
	if e.Job != nil && e.Kind == Consumes {
		k = JobNode
	}
	return Node{k, e.To}
}

// Service is the service an edge belongs to: the producer or the
// consumer (a job's owner for a job's edges); "" for derived_from.
func (e *Edge) Service() string {
	if e.Job != nil {
		return e.Job.Owner
	}
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
	job      bool
}

func (e *Edge) key() edgeKey { return edgeKey{e.Kind, e.From, e.To, e.Job != nil} }

// normalize checks an edge written through the API or OpenLineage and
// puts its fields in one order.
func (e *Edge) normalize() error {
	e.From, e.To = strings.TrimSpace(e.From), strings.TrimSpace(e.To)
	switch e.Kind {
	case Produces, Consumes, DerivedFrom:
	default:
		return errorf(ErrInvalid, "edge kind %q is not produces, consumes or derived_from", e.Kind)
	}
	for _, n := range []Node{e.FromNode(), e.ToNode()} {
		check := checkName
		if n.Kind == JobNode {
			check = checkJobName
		}
		if err := check(n.Name); err != nil {
			return err
		}
	}
	if e.Job != nil && e.Kind == DerivedFrom {
		return errorf(ErrInvalid, "a derived_from edge has no job")
	}
	if len(e.ColumnLineage) > 0 && (e.Kind != Produces || e.Job == nil) {
		return errorf(ErrInvalid, "column lineage belongs on a job's produces edge")
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
	if len(e.Fields) > maxEdgeFields || len(e.ColumnLineage) > maxDerivations {
		return errorf(ErrInvalid, "edge %s names %d fields and %d derived fields; at most %d and %d", e.Key(), len(e.Fields), len(e.ColumnLineage), maxEdgeFields, maxDerivations)
	}
	return nil
}

func checkName(n string) error {
	if n == "" || len(n) > 249 || strings.ContainsAny(n, " \t\r\n") {
		return errorf(ErrInvalid, "node name %q is not 1 to 249 characters without spaces", n)
	}
	return nil
}

// Bounds of what one job edge may carry, so a run event cannot make the
// index (held in memory by every replica) grow without limit.
const (
	maxJobName     = 1000
	maxEdgeFields  = 2000
	maxDerivations = 2000
)

func checkJobName(n string) error {
	if n == "" || len(n) > maxJobName || strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return errorf(ErrInvalid, "job %q is not 1 to %d characters without control characters", n, maxJobName)
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
