package lineage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/accord/accord/contracts"
)

// TestIncrementalMatchesReload: after every write of a random sequence
// (declared edges put and deleted, learned job edges with column lineage,
// on streams with and without contracts), the index the writes updated in
// place answers every query exactly as an index rebuilt from the database
// does: the graph, edge listings, walks, dependencies, findings and the
// impact of a change on every stream.
func TestIncrementalMatchesReload(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		paths := []string{"id", "name", "email", "address", "address.city"}
		for i := range 4 {
			s := contracts.Stream{Name: fmt.Sprintf("st%d", i), Owner: fmt.Sprintf("svc%d", i)}
			if i%2 == 0 {
				s.Consumers = []contracts.Consumer{{Principal: fmt.Sprintf("svc%d", i+1), Fields: paths[i : i+2]}}
			}
			e.stream(t, s)
		}
		e.svc.opts.MaxAge = time.Hour // no reloads: only the writes change it
		if err := e.svc.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		// rebuilt answers from a full build of the same database.
		rebuilt := NewService(e.svc.store, e.streams, e.reg, Options{MaxAge: time.Hour})
		r := rand.New(rand.NewPCG(5, 6))
		stream := func() string { return fmt.Sprintf("st%d", r.IntN(7)) } // st4..st6 have no contract
		service := func() string { return fmt.Sprintf("svc%d", r.IntN(5)) }
		fields := func() []string {
			var fs []string
			for range r.IntN(3) {
				fs = append(fs, paths[r.IntN(len(paths))])
			}
			return fs
		}
		kinds := []Kind{Produces, Consumes, DerivedFrom}
		for step := range 80 {
			switch op := r.IntN(10); {
			case op < 5:
				k := kinds[r.IntN(3)]
				from, to := service(), stream()
				switch k {
				case Consumes:
					from, to = stream(), service()
				case DerivedFrom:
					from = stream()
				}
				var fs []string
				if k != Produces {
					fs = fields()
				}
				_, _ = e.svc.PutEdge(ctx, Edge{Kind: k, From: from, To: to, Fields: fs}) // a second producer is refused
			case op < 7:
				es, err := e.svc.Edges(ctx, EdgeFilter{Source: SourceAPI})
				if err != nil {
					t.Fatal(err)
				}
				if len(es) > 0 {
					d := es[r.IntN(len(es))]
					if err := e.svc.DeleteEdge(ctx, d.Kind, d.From, d.To); err != nil {
						t.Fatal(err)
					}
				}
			default:
				job := &JobRef{Namespace: "ns", Name: fmt.Sprintf("job%d", r.IntN(3)), Owner: service()}
				in, out := stream(), stream()
				now := time.Now().UTC().Add(time.Duration(step) * time.Second)
				w := Edge{Kind: Produces, From: job.Key(), To: out, Job: job, Sources: []Source{SourceOpenLineage}, FirstSeen: now, LastSeen: now}
				if r.IntN(2) == 0 {
					w.ColumnLineage = []Derivation{{Field: "name_x", Inputs: []FieldRef{{Stream: in, Field: "name"}}}}
				}
				edges := []Edge{{Kind: Consumes, From: in, To: job.Key(), Job: job, Fields: normalizeFields(fields()), Version: r.IntN(3),
					Sources: []Source{SourceOpenLineage}, FirstSeen: now, LastSeen: now}, w}
				if _, err := e.svc.store.Put(ctx, nil, edges...); err != nil {
					t.Fatal(err)
				}
				e.svc.applyWritten(ctx, edges[0].pair(), edges[1].pair())
			}
			if e.svc.localGen() != e.svc.cur.Load().gen.Load() {
				t.Fatalf("step %d: a write forced a reload", step)
			}
			if err := rebuilt.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			sameAnswers(t, fmt.Sprintf("step %d", step), e.svc, rebuilt)
		}
	})
}

// sameAnswers fails unless a and b answer every query alike.
func sameAnswers(t *testing.T, at string, a, b *Service) {
	t.Helper()
	ctx := context.Background()
	check := func(what string, f func(svc *Service) (any, error)) {
		t.Helper()
		x, errA := f(a)
		y, errB := f(b)
		if fmt.Sprint(errA) != fmt.Sprint(errB) || !reflect.DeepEqual(x, y) {
			t.Fatalf("%s: %s differs:\n in place %v %+v\n rebuilt  %v %+v", at, what, errA, x, errB, y)
		}
	}
	check("graph", func(svc *Service) (any, error) { return svc.Whole(ctx) })
	check("edges", func(svc *Service) (any, error) { return svc.Edges(ctx, EdgeFilter{Node: "st1"}) })
	check("findings", func(svc *Service) (any, error) { return svc.Findings(ctx) })
	changes := []FieldChange{{Path: "address.city", Change: Removed}, {Path: "name", Change: MadeOptional}}
	for i := range 7 {
		s := fmt.Sprintf("st%d", i)
		check("walk of "+s, func(svc *Service) (any, error) { return svc.Walk(ctx, Node{StreamNode, s}, Downstream, 10) })
		check("upstream of "+s, func(svc *Service) (any, error) { return svc.Walk(ctx, Node{StreamNode, s}, Upstream, 10) })
		check("impact on "+s, func(svc *Service) (any, error) {
			ix, done, err := svc.read(ctx)
			if err != nil {
				return nil, err
			}
			defer done()
			if _, ok := ix.node(Node{StreamNode, s}); !ok {
				return nil, nil
			}
			return ix.impact(s, changes), nil
		})
	}
	for i := range 5 {
		s := fmt.Sprintf("svc%d", i)
		check("dependencies of "+s, func(svc *Service) (any, error) { return svc.Dependencies(ctx, s) })
	}
}

// TestWritesDuringReloads: edges written while reloads run (each reload
// reads the database at some point among the writes) all end up in the
// index that is served, whichever index they were applied to first.
func TestWritesDuringReloads(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.svc.opts.MaxAge = time.Hour
		if err := e.svc.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		reloaded := make(chan int)
		go func() {
			n := 0
			for {
				select {
				case <-stop:
					reloaded <- n
					return
				default:
				}
				if err := e.svc.Reload(ctx); err != nil {
					t.Error(err)
				}
				n++
			}
		}()
		const writers, each = 3, 15
		done := make(chan error)
		for w := range writers {
			go func() {
				for i := range each {
					_, err := e.svc.PutEdge(ctx, Edge{Kind: Consumes, From: fmt.Sprintf("s%d", i), To: fmt.Sprintf("w%d", w), Fields: []string{"id"}})
					if err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
		}
		for range writers {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		close(stop)
		t.Logf("%d reloads during the writes", <-reloaded)
		got, err := e.svc.Edges(ctx, EdgeFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != writers*each {
			t.Fatalf("%d edges served, %d written", len(got), writers*each)
		}
		rebuilt := NewService(e.svc.store, e.streams, e.reg, Options{MaxAge: -1})
		sameAnswers(t, "after the writes", e.svc, rebuilt)
	})
}
