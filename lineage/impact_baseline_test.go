package lineage

import (
	"cmp"
	"slices"
)

// impactBaseline is the impact walk as it was before parent pointers and
// arenas (commit 6ffab2e), kept as the benchmarks' baseline and as the
// oracle the fast walk must agree with (TestImpactMatchesBaseline).
//
// It walks downstream of stream and lists whom changes reach. A
// stream leads on to the consumers reading it, to the streams derived
// from it (derived_from edges), and through each consumer (a job or a
// service) to the streams that consumer produces, carrying the changes
// along: renamed by the job's column lineage where it has one (an output
// built from none of the stream's fields is not reached), by path
// otherwise. The walk is breadth first over streams, each reached once
// (the first path found), so cycles end it.
func (ix *index) impactBaseline(stream string, changes []FieldChange) Impact {
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
							if carried, built = mapColumnsBaseline(o.ColumnLineage, v.name, v.changes); !built {
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

// mapColumnsBaseline is mapColumns as it was (see impactBaseline): it carries the changes of stream's fields into the output
// fields a job's column lineage builds from them: an output field built
// from a changed field (or from a field inside or around it) changes the
// same way, under its own name. built is false when no output field is
// built from stream at all.
func mapColumnsBaseline(lineage []Derivation, stream string, changes []FieldChange) (out []FieldChange, built bool) {
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
