package lineage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/accord/accord/auth"
	"github.com/accord/accord/compat"
	"github.com/accord/accord/registry"
)

// RunEvent is the part of an OpenLineage run event (spec 2-0-2,
// https://openlineage.io/spec/2-0-2/OpenLineage.json) Accord reads.
// Everything else an emitter sends is accepted and ignored.
type RunEvent struct {
	EventType string `json:"eventType"`
	EventTime string `json:"eventTime"`
	Producer  string `json:"producer"`
	Run       struct {
		RunID string `json:"runId"`
	} `json:"run"`
	Job     Job       `json:"job"`
	Inputs  []Dataset `json:"inputs"`
	Outputs []Dataset `json:"outputs"`
}

// Job names the program that ran.
type Job struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// Dataset is an input or output of a run. Kafka topics have a namespace
// kafka://{bootstrap server} and the topic as their name.
type Dataset struct {
	Namespace string                     `json:"namespace"`
	Name      string                     `json:"name"`
	Facets    map[string]json.RawMessage `json:"facets"`
}

// schemaFacet is OpenLineage's SchemaDatasetFacet.
type schemaFacet struct {
	Fields []facetField `json:"fields"`
}

type facetField struct {
	Name   string       `json:"name"`
	Type   string       `json:"type"`
	Fields []facetField `json:"fields"`
}

// SchemaDifference is one way a reported schema differs from the
// registered one.
type SchemaDifference struct {
	Path string `json:"path"`
	// Kind: missing_in_event (registered, not reported),
	// unknown_in_registry (reported, not registered) or type_mismatch.
	Kind       string `json:"kind"`
	Registered string `json:"registered,omitempty"`
	Reported   string `json:"reported,omitempty"`
}

// Schema difference kinds.
const (
	MissingInEvent    = "missing_in_event"
	UnknownInRegistry = "unknown_in_registry"
	TypeMismatch      = "type_mismatch"
)

// IngestResult says what a run event taught the graph.
type IngestResult struct {
	Service string `json:"service"`
	Edges   []Edge `json:"edges"`
	// Ignored lists datasets that are not Kafka topics.
	Ignored []string `json:"ignored"`
	// SchemaDifferences: for each topic whose schema facet differs from
	// the registered schema, how (also kept on the edge: see Findings).
	SchemaDifferences []StreamDifferences `json:"schemaDifferences"`
}

// StreamDifferences are the differences of one reported topic.
type StreamDifferences struct {
	Stream      string             `json:"stream"`
	Subject     string             `json:"subject"`
	Version     int                `json:"version,omitempty"`
	Differences []SchemaDifference `json:"differences"`
}

// Ingest records the edges of an OpenLineage run event: the job is the
// service (its name: emitters name jobs after the service principal that
// runs them), its Kafka inputs become consumes edges and its outputs
// produces edges, seen now. A schema facet on a dataset is compared with
// the registered value schema of the topic; differences are returned and
// kept on the edge. A consumer whose facet matches a deleted version is
// recorded as reading it. A service may report only its own runs.
func (svc *Service) Ingest(ctx context.Context, ev RunEvent) (IngestResult, error) {
	service := strings.TrimSpace(ev.Job.Name)
	if err := checkName(service); err != nil {
		return IngestResult{}, errorf(ErrInvalid, "job.name names the service that ran: %v", err)
	}
	if p := auth.FromContext(ctx); p != nil && !p.IsAdmin() && p.Name != service {
		return IngestResult{}, errorf(ErrForbidden, "principal %s may report only its own runs, not those of job %s", p.Name, service)
	}
	ix, err := svc.snapshot(ctx)
	if err != nil {
		return IngestResult{}, err
	}
	res := IngestResult{Service: service, Edges: []Edge{}, Ignored: []string{}, SchemaDifferences: []StreamDifferences{}}
	now := svc.now()
	for _, side := range []struct {
		kind Kind
		sets []Dataset
	}{{Consumes, ev.Inputs}, {Produces, ev.Outputs}} {
		for _, ds := range side.sets {
			if !strings.HasPrefix(strings.ToLower(ds.Namespace), "kafka://") {
				res.Ignored = append(res.Ignored, ds.Namespace+"/"+ds.Name)
				continue
			}
			e := Edge{Kind: side.kind, From: service, To: ds.Name, Sources: []Source{SourceOpenLineage}, FirstSeen: now, LastSeen: now}
			if side.kind == Consumes {
				e.From, e.To = ds.Name, service
			}
			if err := e.normalize(); err != nil {
				return IngestResult{}, err
			}
			if raw, ok := ds.Facets["schema"]; ok {
				sd, err := svc.compareFacet(ctx, ix, ds.Name, raw)
				if err != nil {
					return IngestResult{}, err
				}
				if sd != nil {
					e.Drift = sd.Differences
					if side.kind == Consumes {
						e.Version = sd.Version
					}
					if len(sd.Differences) > 0 {
						res.SchemaDifferences = append(res.SchemaDifferences, *sd)
					}
				}
			}
			res.Edges = append(res.Edges, e)
		}
	}
	if len(res.Edges) > 0 {
		if _, err := svc.store.Put(ctx, res.Edges...); err != nil {
			return IngestResult{}, err
		}
		svc.writes.Add(1)
	}
	return res, nil
}

// compareFacet compares a schema facet with the topic's registered value
// schema: nil when nothing is registered or it has no field listing. When
// the facet differs from the latest version but matches another one
// (deleted ones included), that version is the one reported and the
// differences are those from the latest.
func (svc *Service) compareFacet(ctx context.Context, ix *index, stream string, raw json.RawMessage) (*StreamDifferences, error) {
	var facet schemaFacet
	if err := json.Unmarshal(raw, &facet); err != nil {
		return nil, errorf(ErrInvalid, "the schema facet of dataset %s is malformed: %v", stream, err)
	}
	subject := ix.valueSubject(stream)
	latest, v, err := svc.reg.LatestSchema(ctx, subject)
	if errors.Is(err, registry.ErrSubjectNotFound) || errors.Is(err, registry.ErrVersionNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the registered schema of %s: %w", subject, err)
	}
	st, ok := latest.(compat.Structured)
	if !ok {
		return nil, nil
	}
	reported := flattenFacet(facet.Fields, "", nil)
	sd := &StreamDifferences{Stream: stream, Subject: subject, Version: v.Version, Differences: compareFields(st.Fields(), reported)}
	if len(sd.Differences) > 0 {
		sd.Version = svc.matchVersion(ctx, subject, v.Version, reported)
	}
	return sd, nil
}

// matchVersion finds the newest other version of subject (deleted ones
// included) whose fields the reported ones match; 0 when none does.
func (svc *Service) matchVersion(ctx context.Context, subject string, latest int, reported map[string]string) int {
	vs, err := svc.reg.Versions(ctx, subject, true)
	if err != nil {
		return 0
	}
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i] == latest {
			continue
		}
		sv, err := svc.reg.Version(ctx, subject, vs[i], true)
		if err != nil {
			continue
		}
		rec := sv.Schema
		s, err := svc.reg.ParseSchema(ctx, subject, registry.SchemaInput{Schema: rec.Schema, SchemaType: rec.Type, References: rec.References})
		if err != nil {
			continue
		}
		if st, ok := s.(compat.Structured); ok && len(compareFields(st.Fields(), reported)) == 0 {
			return vs[i]
		}
	}
	return 0
}

// flattenFacet maps each reported field's dotted path to its type.
func flattenFacet(fs []facetField, prefix string, into map[string]string) map[string]string {
	if into == nil {
		into = map[string]string{}
	}
	for _, f := range fs {
		p := compat.JoinPath(prefix, f.Name)
		into[p] = f.Type
		flattenFacet(f.Fields, p, into)
	}
	return into
}

// compareFields lists the differences between registered fields and
// reported ones, by path. Types are compared only when the reported one
// maps onto the format-neutral vocabulary (facet types are free text).
func compareFields(registered []compat.Field, reported map[string]string) []SchemaDifference {
	var out []SchemaDifference
	known := make(map[string]bool, len(registered))
	for _, f := range registered {
		known[f.Path] = true
		t, ok := reported[f.Path]
		if !ok {
			out = append(out, SchemaDifference{Path: f.Path, Kind: MissingInEvent, Registered: f.Native})
			continue
		}
		if n, ok := neutralType(t); ok && n != f.Type && !(n == compat.FieldLong && f.Type == compat.FieldInt) {
			out = append(out, SchemaDifference{Path: f.Path, Kind: TypeMismatch, Registered: f.Native, Reported: t})
		}
	}
	for p, t := range reported {
		if !known[p] {
			out = append(out, SchemaDifference{Path: p, Kind: UnknownInRegistry, Reported: t})
		}
	}
	slices.SortFunc(out, func(a, b SchemaDifference) int { return strings.Compare(a.Path+a.Kind, b.Path+b.Kind) })
	return out
}

// neutralType maps common spellings of facet types onto compat's
// vocabulary.
func neutralType(t string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "string", "varchar", "text", "char", "uuid":
		return compat.FieldString, true
	case "int", "int32", "integer", "smallint", "short":
		return compat.FieldInt, true
	case "long", "int64", "bigint":
		return compat.FieldLong, true
	case "float", "float32", "real":
		return compat.FieldFloat, true
	case "double", "float64", "number":
		return compat.FieldDouble, true
	case "boolean", "bool":
		return compat.FieldBoolean, true
	case "bytes", "binary":
		return compat.FieldBytes, true
	case "record", "struct", "object", "message":
		return compat.FieldRecord, true
	case "array", "list":
		return compat.FieldArray, true
	case "map":
		return compat.FieldMap, true
	case "enum":
		return compat.FieldEnum, true
	}
	return "", false
}
