package lineage

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/accord/accord/contracts"
)

// randomGraph is a small graph with everything the impact walk tells
// apart: contract, declared and learned edges, jobs with and without
// column lineage (renaming, nesting, from other streams), services
// passing data through, derived_from edges with and without fields, and
// cycles.
func randomGraph(r *rand.Rand) ([]Edge, []contracts.Stream) {
	const streams, services, jobs = 12, 6, 6
	paths := []string{"id", "name", "email", "address", "address.city", "address.street", "total"}
	stream := func() string { return fmt.Sprintf("st%02d", r.IntN(streams)) }
	service := func() string { return fmt.Sprintf("svc%d", r.IntN(services)) }
	fields := func() []string {
		var fs []string
		for range r.IntN(3) {
			fs = append(fs, paths[r.IntN(len(paths))])
		}
		return normalizeFields(fs)
	}
	src := func() []Source { return []Source{[]Source{SourceAPI, SourceOpenLineage}[r.IntN(2)]} }
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var edges []Edge
	add := func(e Edge) {
		if e.Kind == DerivedFrom && e.From == e.To {
			return
		}
		e.Sources, e.FirstSeen, e.LastSeen = src(), now, now
		edges = append(edges, e)
	}
	for range 6 + r.IntN(10) {
		add(Edge{Kind: DerivedFrom, From: stream(), To: stream(), Fields: fields()})
	}
	for range 5 + r.IntN(10) {
		add(Edge{Kind: Consumes, From: stream(), To: service(), Fields: fields()})
	}
	for range r.IntN(8) {
		add(Edge{Kind: Produces, From: service(), To: stream()})
	}
	for i := range jobs {
		job := &JobRef{Namespace: "ns", Name: fmt.Sprintf("job%d", i), Owner: service()}
		for range 1 + r.IntN(2) {
			add(Edge{Kind: Consumes, From: stream(), To: job.Key(), Job: job, Fields: fields()})
		}
		for range 1 + r.IntN(2) {
			w := Edge{Kind: Produces, From: job.Key(), To: stream(), Job: job}
			if r.IntN(2) == 0 {
				for range 1 + r.IntN(3) {
					d := Derivation{Field: paths[r.IntN(len(paths))] + []string{"", "_x"}[r.IntN(2)]}
					for range 1 + r.IntN(2) {
						d.Inputs = append(d.Inputs, FieldRef{Stream: stream(), Field: paths[r.IntN(len(paths))]})
					}
					w.ColumnLineage = append(w.ColumnLineage, d)
				}
			}
			add(w)
		}
	}
	var cs []contracts.Stream
	for i := range streams / 2 {
		s := contracts.Stream{Name: fmt.Sprintf("st%02d", 2*i), Owner: service(), CreatedAt: now, UpdatedAt: now}
		for range r.IntN(3) {
			s.Consumers = append(s.Consumers, contracts.Consumer{Principal: service(), Fields: fields()})
		}
		cs = append(cs, s)
	}
	return edges, cs
}

// TestImpactMatchesBaseline: the fast walk answers exactly what the
// walk it replaced answers (paths, through, field mapping, fields), from
// every stream of many random graphs.
func TestImpactMatchesBaseline(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	changes := []FieldChange{
		{Path: "address", Change: Retyped, From: "Address", To: "string"},
		{Path: "address.city", Change: Removed, From: "string"},
		{Path: "email", Change: Removed, From: "string"},
		{Path: "name", Change: MadeOptional, From: "required", To: "nullable"},
	}
	compared := 0
	for g := range 300 {
		edges, cs := randomGraph(r)
		ix := buildIndex(edges, cs, time.Now())
		for _, n := range ix.nodes {
			if n.Kind != StreamNode {
				continue
			}
			for _, ch := range [][]FieldChange{changes, changes[:1], nil} {
				got, want := ix.impact(n.Name, ch), ix.impactBaseline(n.Name, ch)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("graph %d, impact of %s:\n got %+v\nwant %+v", g, n.Name, got, want)
				}
				compared++
			}
		}
	}
	t.Logf("%d answers compared", compared)
}
