package ui

// The line diff between two displayed schemas, and the placement of
// located compatibility differences next to the lines they concern.
// Schemas are at most a few thousand lines, so a longest-common-
// subsequence table over the lines that differ (after trimming the common
// head and tail) is fast enough and needs no dependency; past maxCells it
// degrades to "the middle was replaced".

import (
	"fmt"
	"regexp"

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
	// Anchor is "change-N" on the first row of the N-th change.
	Anchor string
	// Fold stands for unchanged lines left out (Kind "fold").
	Fold *Fold
}

// Fold is a run of unchanged lines a folded diff leaves out.
type Fold struct {
	Count          int
	OldFrom, OldTo int // 1-based line numbers, inclusive
	NewFrom, NewTo int
}

// Change is one run of changed lines, listed above the diff with a link
// to it.
type Change struct {
	N      int
	Anchor string
	// Lines say where it is ("lines 40–42"); Fields name the fields its
	// lines declare, added (+) or removed (−).
	Lines   string
	Added   []string
	Removed []string
}

// InlineRow is a row of the inline (unified) view.
type InlineRow struct {
	Kind         string // eq, del, add, fold
	OldNo, NewNo int
	Spans        []Span
	Notes        []Note
	Anchor       string
	Fold         *Fold
}

// Diff is what the diff templates render.
type Diff struct {
	Side   []Row
	Inline []InlineRow
	// Unplaced are differences whose location matches no line.
	Unplaced []Note
	Changed  bool
	// Changes are the runs of changed lines, in order.
	Changes []Change
	// Folded counts the unchanged lines a folded diff leaves out.
	Folded int
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
		c := Change{N: len(d.Changes) + 1}
		c.Anchor = fmt.Sprintf("change-%d", c.N)
		c.Lines = changeLines(dels, adds)
		for _, i := range dels {
			if f := declaredName(a[i]); f != "" {
				c.Removed = append(c.Removed, f)
			}
		}
		for _, j := range adds {
			if f := declaredName(b[j]); f != "" {
				c.Added = append(c.Added, f)
			}
		}
		d.Changes = append(d.Changes, c)
		firstSide, firstInline := len(d.Side), len(d.Inline)
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
		d.Side[firstSide].Anchor, d.Inline[firstInline].Anchor = c.Anchor, c.Anchor
	}
	return d
}

// changeLines says where a change is, in the newer version's lines when
// it adds any, else in the older's.
func changeLines(dels, adds []int) string {
	side, ls := "line", adds
	if len(adds) == 0 {
		side, ls = "old line", dels
	}
	if len(ls) == 1 {
		return fmt.Sprintf("%s %d", side, ls[0]+1)
	}
	return fmt.Sprintf("%ss %d–%d", side, ls[0]+1, ls[len(ls)-1]+1)
}

// Field declarations as the display forms write them: an Avro or JSON
// "name": "x" member, a JSON Schema property ("x": {), a Protobuf field
// (type x = 1;).
var (
	avroName   = regexp.MustCompile(`"name"\s*:\s*"([^"]+)"`)
	jsonProp   = regexp.MustCompile(`^\s*"([^"$]+)"\s*:\s*\{`)
	protoField = regexp.MustCompile(`^\s*(?:repeated\s+|optional\s+|required\s+)?(?:map<[^>]+>|[A-Za-z_][\w.]*)\s+([A-Za-z_]\w*)\s*=\s*\d+`)
)

// declaredName is the field a line declares, "" when none.
func declaredName(line string) string {
	for _, re := range []*regexp.Regexp{avroName, protoField, jsonProp} {
		if m := re.FindStringSubmatch(line); m != nil {
			return m[1]
		}
	}
	return ""
}

// diffContext is how many unchanged lines a folded diff keeps around
// each change.
const diffContext = 3

// folded returns d with every run of unchanged lines farther than ctx
// lines from a change replaced by one fold row (in both views): a
// 200-field schema's one-line change is a screen, not 22,000 pixels.
// Unchanged lines carrying a note are kept.
func (d Diff) folded(ctx int) Diff {
	keep := func(n int, changed func(int) bool) []bool {
		k := make([]bool, n)
		for i := 0; i < n; i++ {
			if changed(i) {
				for j := max(0, i-ctx); j <= min(n-1, i+ctx); j++ {
					k[j] = true
				}
			}
		}
		return k
	}
	side := keep(len(d.Side), func(i int) bool {
		r := d.Side[i]
		return r.Kind != "eq" || (r.Old != nil && len(r.Old.Notes) > 0) || (r.New != nil && len(r.New.Notes) > 0)
	})
	out := d
	out.Side, out.Inline, out.Folded = nil, nil, 0
	for i := 0; i < len(d.Side); {
		if side[i] {
			out.Side = append(out.Side, d.Side[i])
			i++
			continue
		}
		j := i
		for j < len(d.Side) && !side[j] {
			j++
		}
		f := &Fold{Count: j - i, OldFrom: d.Side[i].Old.No, OldTo: d.Side[j-1].Old.No, NewFrom: d.Side[i].New.No, NewTo: d.Side[j-1].New.No}
		out.Side = append(out.Side, Row{Kind: "fold", Fold: f})
		out.Folded += f.Count
		i = j
	}
	inline := keep(len(d.Inline), func(i int) bool { return d.Inline[i].Kind != "eq" || len(d.Inline[i].Notes) > 0 })
	for i := 0; i < len(d.Inline); {
		if inline[i] {
			out.Inline = append(out.Inline, d.Inline[i])
			i++
			continue
		}
		j := i
		for j < len(d.Inline) && !inline[j] {
			j++
		}
		f := &Fold{Count: j - i, OldFrom: d.Inline[i].OldNo, OldTo: d.Inline[j-1].OldNo, NewFrom: d.Inline[i].NewNo, NewTo: d.Inline[j-1].NewNo}
		out.Inline = append(out.Inline, InlineRow{Kind: "fold", Fold: f})
		i = j
	}
	return out
}
