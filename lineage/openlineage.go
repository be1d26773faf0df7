package lineage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
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
	Namespace string                     `json:"namespace"`
	Name      string                     `json:"name"`
	Facets    map[string]json.RawMessage `json:"facets"`
}

// Dataset is an input or output of a run. Kafka topics have a namespace
// kafka://{bootstrap server} and the topic as their name.
type Dataset struct {
	Namespace string                     `json:"namespace"`
	Name      string                     `json:"name"`
	Facets    map[string]json.RawMessage `json:"facets"`
}

// ownershipFacet is OpenLineage's OwnershipJobFacet.
type ownershipFacet struct {
	Owners []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"owners"`
}

// columnLineageFacet is OpenLineage's ColumnLineageDatasetFacet: each
// output field and the input fields it is built from.
type columnLineageFacet struct {
	Fields map[string]struct {
		InputFields []struct {
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
			Field     string `json:"field"`
		} `json:"inputFields"`
	} `json:"fields"`
}

// JobOwner maps jobs to the service that owns them: Pattern is matched
// (path.Match) against "namespace/name", so "flink-jobs/orders-*" names
// every job of that namespace whose name starts with orders-.
type JobOwner struct {
	Pattern string
	Service string
}

// IgnoredDataset is a dataset a run event named that is not a stream
// Accord knows how to name.
type IgnoredDataset struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Reason    string `json:"reason"`
}

// Run event types (OpenLineage's eventType); "" is accepted as OTHER.
var runEventTypes = map[string]bool{"": true, "START": true, "RUNNING": true, "COMPLETE": true, "FAIL": true, "ABORT": true, "OTHER": true}

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
	// Service owns the job (see Options.JobOwners); Job is its node name.
	Service string `json:"service"`
	Job     JobRef `json:"job"`
	Edges   []Edge `json:"edges"`
	// Ignored lists datasets that are not Kafka topics of a known cluster,
	// with the reason.
	Ignored []IgnoredDataset `json:"ignored"`
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

// Ingest records the edges of an OpenLineage run event. The job becomes
// a node of its own ("namespace/name"), owned by a service (jobOwner):
// its Kafka inputs become consumes edges into the job, its outputs
// produces edges out of it, seen now; every event of a run (START,
// RUNNING, COMPLETE, FAIL, ABORT) updates the same edges. An input's
// schema facet lists the fields the job reads, recorded as the edge's
// fields, and is compared with the registered value schema of the topic;
// differences are returned and kept on the edge. An output's
// columnLineage facet says which input fields each output field is built
// from, which impact analysis follows. Topics are named by cluster
// (Options.Clusters): the same topic on two clusters is two streams.
func (svc *Service) Ingest(ctx context.Context, ev RunEvent) (IngestResult, error) {
	if !runEventTypes[strings.ToUpper(ev.EventType)] {
		return IngestResult{}, errorf(ErrInvalid, "eventType %q is not START, RUNNING, COMPLETE, FAIL, ABORT or OTHER", ev.EventType)
	}
	job := JobRef{Namespace: strings.TrimSpace(ev.Job.Namespace), Name: strings.TrimSpace(ev.Job.Name)}
	if job.Name == "" {
		return IngestResult{}, errorf(ErrInvalid, "job.name is required")
	}
	if job.Namespace == "" {
		job.Namespace = "default"
	}
	if err := checkJobName(job.Key()); err != nil {
		return IngestResult{}, err
	}
	owner, err := svc.jobOwner(ctx, job, ev.Job.Facets)
	if err != nil {
		return IngestResult{}, err
	}
	job.Owner = owner
	res := IngestResult{Service: owner, Job: job, Edges: []Edge{}, Ignored: []IgnoredDataset{}, SchemaDifferences: []StreamDifferences{}}
	now := svc.now()
	for _, side := range []struct {
		kind Kind
		sets []Dataset
	}{{Consumes, ev.Inputs}, {Produces, ev.Outputs}} {
		for _, ds := range side.sets {
			stream, reason := svc.streamOf(ds.Namespace, ds.Name)
			if reason != "" {
				res.Ignored = append(res.Ignored, IgnoredDataset{Namespace: ds.Namespace, Name: ds.Name, Reason: reason})
				continue
			}
			j := job
			e := Edge{Kind: side.kind, From: job.Key(), To: stream, Job: &j, Sources: []Source{SourceOpenLineage}, FirstSeen: now, LastSeen: now}
			if side.kind == Consumes {
				e.From, e.To = stream, job.Key()
			}
			if raw, ok := ds.Facets["schema"]; ok {
				sd, read, err := svc.compareFacet(ctx, stream, raw)
				if err != nil {
					return IngestResult{}, err
				}
				if side.kind == Consumes {
					e.Fields = read
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
			if raw, ok := ds.Facets["columnLineage"]; ok && side.kind == Produces {
				if e.ColumnLineage, err = svc.columnLineage(stream, raw); err != nil {
					return IngestResult{}, err
				}
			}
			if err := e.normalize(); err != nil {
				return IngestResult{}, err
			}
			res.Edges = append(res.Edges, e)
		}
	}
	if len(res.Edges) > 0 {
		seq := svc.applySeq.Load()
		w, err := svc.store.Put(ctx, nil, res.Edges...)
		if err != nil {
			return IngestResult{}, err
		}
		keys := make([]pairKey, len(res.Edges))
		for i := range res.Edges {
			keys[i] = res.Edges[i].pair()
		}
		svc.applyRead(ctx, seq, keys, w.Rows)
	}
	return res, nil
}

// jobOwner finds the service that owns a job: the configured mapping
// (Options.JobOwners, the operator's word) first, then the job's
// ownership facet, then the principal reporting the run; with
// authentication off and nothing else, the job's name (emitters that name
// jobs after their service keep working). A principal that is not an
// admin may report runs only of jobs it owns.
func (svc *Service) jobOwner(ctx context.Context, job JobRef, facets map[string]json.RawMessage) (string, error) {
	owner := ""
	for _, m := range svc.opts.JobOwners {
		if ok, _ := path.Match(m.Pattern, job.Key()); ok {
			owner = m.Service
			break
		}
	}
	if raw, ok := facets["ownership"]; ok && owner == "" {
		var f ownershipFacet
		if err := json.Unmarshal(raw, &f); err != nil {
			return "", errorf(ErrInvalid, "the ownership facet of job %s is malformed: %v", job.Key(), err)
		}
		for _, o := range f.Owners {
			// Owners are often typed names ("application:orders-svc").
			if n := strings.TrimSpace(o.Name[strings.LastIndex(o.Name, ":")+1:]); n != "" {
				owner = n
				break
			}
		}
	}
	p := auth.FromContext(ctx)
	if p != nil && !p.IsAdmin() && !p.Has(auth.RoleService) {
		return "", errorf(ErrForbidden, "reporting job runs requires the role admin or service; principal %s is neither", p.Name)
	}
	if owner == "" {
		owner = job.Name
		if p != nil {
			owner = p.Name
		}
	}
	if err := checkName(owner); err != nil {
		return "", errorf(ErrInvalid, "the owner of job %s: %v", job.Key(), err)
	}
	if p != nil && !p.IsAdmin() && p.Name != owner {
		return "", errorf(ErrForbidden, "principal %s may report only runs of its own jobs; job %s belongs to %s", p.Name, job.Key(), owner)
	}
	return owner, nil
}

// streamOf names the stream of a dataset, or says why it is not one: a
// Kafka topic (namespace kafka://host:port) of a cluster Accord maps to a
// context (Options.Clusters; with no mapping every cluster is the default
// context). A stream in another context is named ":.ctx:topic".
func (svc *Service) streamOf(namespace, name string) (string, string) {
	rest, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(namespace)), "kafka://")
	if !ok {
		return "", "not a Kafka topic (namespace is not kafka://)"
	}
	regCtx := registry.DefaultContext
	if len(svc.opts.Clusters) > 0 {
		found := false
		for _, server := range strings.Split(strings.TrimSuffix(rest, "/"), ",") {
			if c, ok := svc.opts.Clusters[strings.TrimSpace(server)]; ok {
				regCtx, found = c, true
				break
			}
		}
		if !found {
			return "", "unknown Kafka cluster " + rest + ": map it to a context (ACCORD_LINEAGE_CLUSTERS)"
		}
	}
	name = strings.TrimSpace(name)
	if err := checkName(name); err != nil {
		return "", err.Error()
	}
	if regCtx != registry.DefaultContext {
		name = ":." + strings.TrimPrefix(regCtx, ".") + ":" + name
	}
	return name, ""
}

// columnLineage reads an output's columnLineage facet into derivations of
// stream's fields from the inputs' fields.
func (svc *Service) columnLineage(stream string, raw json.RawMessage) ([]Derivation, error) {
	var f columnLineageFacet
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, errorf(ErrInvalid, "the columnLineage facet of dataset %s is malformed: %v", stream, err)
	}
	if len(f.Fields) > maxDerivations {
		return nil, errorf(ErrInvalid, "the columnLineage facet of dataset %s has %d fields; at most %d", stream, len(f.Fields), maxDerivations)
	}
	out := make([]Derivation, 0, len(f.Fields))
	for field, src := range f.Fields {
		d := Derivation{Field: field}
		for _, in := range src.InputFields {
			s, reason := svc.streamOf(in.Namespace, in.Name)
			if reason != "" {
				continue // built from something that is not a stream
			}
			d.Inputs = append(d.Inputs, FieldRef{Stream: s, Field: in.Field})
		}
		if len(d.Inputs) > maxEdgeFields {
			return nil, errorf(ErrInvalid, "field %s of dataset %s is built from %d fields; at most %d", field, stream, len(d.Inputs), maxEdgeFields)
		}
		slices.SortFunc(d.Inputs, func(a, b FieldRef) int { return strings.Compare(a.Stream+"\x00"+a.Field, b.Stream+"\x00"+b.Field) })
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Derivation) int { return strings.Compare(a.Field, b.Field) })
	return out, nil
}

// compareFacet compares a schema facet with the topic's registered value
// schema: nil when nothing is registered or it has no field listing. When
// the facet differs from the latest version but matches another one
// (deleted ones included), that version is the one reported and the
// differences are those from the latest.
//
// It also returns the field paths the facet lists (what a reading job
// reads), whatever is registered.
func (svc *Service) compareFacet(ctx context.Context, stream string, raw json.RawMessage) (*StreamDifferences, []string, error) {
	var facet schemaFacet
	if err := json.Unmarshal(raw, &facet); err != nil {
		return nil, nil, errorf(ErrInvalid, "the schema facet of dataset %s is malformed: %v", stream, err)
	}
	reported := flattenFacet(facet.Fields, "", nil)
	if len(reported) > maxEdgeFields {
		return nil, nil, errorf(ErrInvalid, "the schema facet of dataset %s lists %d fields; at most %d", stream, len(reported), maxEdgeFields)
	}
	read := make([]string, 0, len(reported))
	for p := range reported {
		read = append(read, p)
	}
	subject, err := svc.valueSubject(ctx, stream)
	if err != nil {
		return nil, nil, err
	}
	latest, v, err := svc.reg.LatestSchema(ctx, subject)
	if errors.Is(err, registry.ErrSubjectNotFound) || errors.Is(err, registry.ErrVersionNotFound) {
		return nil, read, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the registered schema of %s: %w", subject, err)
	}
	st, ok := latest.(compat.Structured)
	if !ok {
		return nil, read, nil
	}
	sd := &StreamDifferences{Stream: stream, Subject: subject, Version: v.Version, Differences: compareFields(st.Fields(), reported)}
	if len(sd.Differences) > 0 {
		sd.Version = svc.matchVersion(ctx, subject, v.Version, reported)
	}
	return sd, read, nil
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

// ParseJobOwners reads "pattern=service" pairs separated by commas (the
// ACCORD_LINEAGE_JOB_OWNERS setting), e.g. "flink-jobs/*=flink-platform".
func ParseJobOwners(s string) ([]JobOwner, error) {
	var out []JobOwner
	for _, pair := range splitList(s) {
		pattern, service, ok := strings.Cut(pair, "=")
		pattern, service = strings.TrimSpace(pattern), strings.TrimSpace(service)
		if !ok || pattern == "" {
			return nil, fmt.Errorf("job owner %q is not pattern=service", pair)
		}
		if _, err := path.Match(pattern, ""); err != nil {
			return nil, fmt.Errorf("job owner pattern %q: %w", pattern, err)
		}
		if err := checkName(service); err != nil {
			return nil, fmt.Errorf("job owner %q: %w", pair, err)
		}
		out = append(out, JobOwner{Pattern: pattern, Service: service})
	}
	return out, nil
}

// ParseClusters reads "host:port=context" pairs separated by commas (the
// ACCORD_LINEAGE_CLUSTERS setting), e.g.
// "kafka-prod:9092=.,kafka-eu:9092=.eu".
func ParseClusters(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range splitList(s) {
		server, regCtx, ok := strings.Cut(pair, "=")
		server, regCtx = strings.ToLower(strings.TrimSpace(server)), strings.TrimSpace(regCtx)
		if !ok || server == "" || regCtx == "" {
			return nil, fmt.Errorf("cluster %q is not host:port=context", pair)
		}
		if !strings.HasPrefix(regCtx, ".") {
			regCtx = "." + regCtx
		}
		out[strings.TrimPrefix(server, "kafka://")] = regCtx
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
