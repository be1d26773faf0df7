package ui

// The line diff between two displayed schemas, and the placement of
// located compatibility differences next to the lines they concern.
// Schemas are at most a few thousand lines, so a longest-common-
// subsequence table over the lines that differ (after trimming the common
// head and tail) is fast enough and needs no dependency; past maxCells it
// degrades to "the middle was replaced".

import (
	"github.com/accord/accord/compat"
)

// maxCells bounds the LCS table (rows × columns of differing lines).
const maxCells = 4_000_000

// Note is a located difference shown beside its line.
type Note struct {
	Direction string
	Version   int
	ID        string
	Location  string
	Message   string
}

// Cell is one side of a side-by-side row.
type Cell struct {
	No    int
	Spans []Span
	Notes []Note
}

// Row is a side-by-side row: Kind is "eq", "del", "add" or "chg"; a nil
// side is blank.
type Row struct {
	Kind     string
	Old, New *Cell
}

// InlineRow is a row of the inline (unified) view.
type InlineRow struct {
	Kind         string // eq, del, add
	OldNo, NewNo int
	Spans        []Span
	Notes        []Note
}

// Diff is what the diff templates render.
type Diff struct {
	Side   []Row
	Inline []InlineRow
	// Unplaced are differences whose location matches no line.
	Unplaced []Note
	Changed  bool
}

type opKind int

const (
	opEq opKind = iota
	opDel
	opAdd
)

type op struct {
	kind opKind
	i, j int // 0-based line indexes in old and new
}

// lineOps returns the edit script turning a into b.
func lineOps(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for k := 0; k < pre; k++ {
		ops = append(ops, op{opEq, k, k})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	n, m := len(ma), len(mb)
	if n > 0 && m > 0 && n*m <= maxCells {
		// lcs[i][j]: LCS length of ma[i:] and mb[j:], in one flat slice.
		w := m + 1
		lcs := make([]int32, (n+1)*w)
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				} else {
					lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n && j < m {
			switch {
			case ma[i] == mb[j]:
				ops = append(ops, op{opEq, pre + i, pre + j})
				i++
				j++
			case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
				ops = append(ops, op{opDel, pre + i, -1})
				i++
			default:
				ops = append(ops, op{opAdd, -1, pre + j})
				j++
			}
		}
		for ; i < n; i++ {
			ops = append(ops, op{opDel, pre + i, -1})
		}
		for ; j < m; j++ {
			ops = append(ops, op{opAdd, -1, pre + j})
		}
	} else {
		for i := 0; i < n; i++ {
			ops = append(ops, op{opDel, pre + i, -1})
		}
		for j := 0; j < m; j++ {
			ops = append(ops, op{opAdd, -1, pre + j})
		}
	}
	for k := 0; k < suf; k++ {
		ops = append(ops, op{opEq, len(a) - suf + k, len(b) - suf + k})
	}
	return ops
}

// buildDiff diffs two displayed schemas and places the violations found
// when checking newer (the candidate) against older. A BACKWARD
// difference is located in the reader, the newer schema, unless the
// problem is in the writer; a FORWARD one the other way round: each is
// looked up on its likelier side first, then on the other.
func buildDiff(older, newer Code, vs []compat.Violation) Diff {
	oldNotes, newNotes := map[int][]Note{}, map[int][]Note{}
	var d Diff
	for _, v := range vs {
		n := Note{Direction: v.Direction, Version: v.Version, ID: v.ID, Location: v.Location, Message: v.Message}
		first, second := newer, older
		firstNotes, secondNotes := newNotes, oldNotes
		if v.Direction == "FORWARD" {
			first, second, firstNotes, secondNotes = older, newer, oldNotes, newNotes
		}
		switch {
		case v.Location != "" && first.LineOf(v.Location) > 0:
			l := first.LineOf(v.Location)
			firstNotes[l] = append(firstNotes[l], n)
		case v.Location != "" && second.LineOf(v.Location) > 0:
			l := second.LineOf(v.Location)
			secondNotes[l] = append(secondNotes[l], n)
		default:
			d.Unplaced = append(d.Unplaced, n)
		}
	}
	a, b := older.Text(), newer.Text()
	ops := lineOps(a, b)
	oldCell := func(i int) *Cell {
		l := older.Lines[i]
		return &Cell{No: l.No, Spans: l.Spans, Notes: oldNotes[l.No]}
	}
	newCell := func(j int) *Cell {
		l := newer.Lines[j]
		return &Cell{No: l.No, Spans: l.Spans, Notes: newNotes[l.No]}
	}
	for k := 0; k < len(ops); {
		o := ops[k]
		if o.kind == opEq {
			d.Side = append(d.Side, Row{Kind: "eq", Old: oldCell(o.i), New: newCell(o.j)})
			d.Inline = append(d.Inline, InlineRow{Kind: "eq", OldNo: o.i + 1, NewNo: o.j + 1, Spans: newer.Lines[o.j].Spans,
				Notes: append(append([]Note(nil), oldNotes[o.i+1]...), newNotes[o.j+1]...)})
			k++
			continue
		}
		d.Changed = true
		// A run of deletions and additions: pair them up side by side.
		var dels, adds []int
		for ; k < len(ops) && ops[k].kind != opEq; k++ {
			if ops[k].kind == opDel {
				dels = append(dels, ops[k].i)
			} else {
				adds = append(adds, ops[k].j)
			}
		}
		for x := 0; x < max(len(dels), len(adds)); x++ {
			r := Row{Kind: "chg"}
			if x < len(dels) {
				r.Old = oldCell(dels[x])
			}
			if x < len(adds) {
				r.New = newCell(adds[x])
			}
			switch {
			case r.Old == nil:
				r.Kind = "add"
			case r.New == nil:
				r.Kind = "del"
			}
			d.Side = append(d.Side, r)
		}
		for _, i := range dels {
			d.Inline = append(d.Inline, InlineRow{Kind: "del", OldNo: i + 1, Spans: older.Lines[i].Spans, Notes: oldNotes[i+1]})
		}
		for _, j := range adds {
			d.Inline = append(d.Inline, InlineRow{Kind: "add", NewNo: j + 1, Spans: newer.Lines[j].Spans, Notes: newNotes[j+1]})
		}
	}
	return d
}
