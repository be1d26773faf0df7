package avro

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// schemaGen builds a schema from fuzz bytes. Names come from a small pool
// so that a reader and a writer built from different bytes share types,
// and references to records still being defined make recursive schemas.
type schemaGen struct {
	data    []byte
	pos     int
	defined []string
}

func (g *schemaGen) next() int {
	if g.pos >= len(g.data) {
		return 0
	}
	b := g.data[g.pos]
	g.pos++
	return int(b)
}

var genPrimitives = []string{"null", "boolean", "int", "long", "float", "double", "bytes", "string"}

// schema returns a schema and a valid default for it ("" for none).
func (g *schemaGen) schema(depth int) (text, def string) {
	c := g.next() % 12
	if depth > 3 {
		c %= 5
	}
	switch c {
	case 0, 1, 2:
		p := genPrimitives[g.next()%len(genPrimitives)]
		switch p {
		case "null":
			return `"null"`, "null"
		case "int", "long", "float", "double":
			return `"` + p + `"`, "0"
		case "string", "bytes":
			return `"` + p + `"`, `""`
		}
		return `"` + p + `"`, ""
	case 3:
		if len(g.defined) > 0 {
			return `"` + g.defined[g.next()%len(g.defined)] + `"`, ""
		}
		return `"int"`, ""
	case 4:
		n := 1 + g.next()%3
		parts := make([]string, n)
		var first string
		for i := range parts {
			parts[i], _ = g.schema(depth + 1)
			if i == 0 {
				first = parts[i]
			}
		}
		if first == `"null"` {
			def = "null"
		}
		return "[" + strings.Join(parts, ",") + "]", def
	case 5, 6:
		name := g.name()
		if name == "" {
			return `"string"`, ""
		}
		g.defined = append(g.defined, name)
		n := g.next() % 4
		fields := make([]string, 0, n)
		for i := 0; i < n; i++ {
			ft, fd := g.schema(depth + 1)
			f := fmt.Sprintf(`{"name":"f%d","type":%s`, g.next()%5, ft)
			if fd != "" && g.next()%2 == 0 {
				f += `,"default":` + fd
			}
			if g.next()%4 == 0 {
				f += fmt.Sprintf(`,"aliases":["f%d"]`, g.next()%5)
			}
			fields = append(fields, f+"}")
		}
		alias := ""
		if g.next()%4 == 0 {
			alias = fmt.Sprintf(`,"aliases":["x.N%d"]`, g.next()%3)
		}
		return `{"type":"record","name":"` + name + `"` + alias + `,"fields":[` + strings.Join(fields, ",") + `]}`, ""
	case 7:
		name := g.name()
		if name == "" {
			return `"long"`, ""
		}
		g.defined = append(g.defined, name)
		mask := 1 + g.next()%15
		var syms []string
		for i := 0; i < 4; i++ {
			if mask&(1<<i) != 0 {
				syms = append(syms, fmt.Sprintf(`"S%d"`, i))
			}
		}
		d := ""
		if g.next()%3 == 0 {
			d = `,"default":` + syms[0]
		}
		return `{"type":"enum","name":"` + name + `","symbols":[` + strings.Join(syms, ",") + `]` + d + `}`, syms[0]
	case 8:
		name := g.name()
		if name == "" {
			return `"bytes"`, ""
		}
		g.defined = append(g.defined, name)
		return fmt.Sprintf(`{"type":"fixed","name":"%s","size":%d}`, name, g.next()%3), ""
	case 9, 10:
		items, _ := g.schema(depth + 1)
		return `{"type":"array","items":` + items + `}`, "[]"
	default:
		values, _ := g.schema(depth + 1)
		return `{"type":"map","values":` + values + `}`, "{}"
	}
}

// name picks an unused name from the pool, or "" if the pick is taken.
func (g *schemaGen) name() string {
	ns := []string{"", "x.", "y."}[g.next()%3]
	name := fmt.Sprintf("%sN%d", ns, g.next()%3)
	for _, d := range g.defined {
		if d == name {
			return ""
		}
	}
	return name
}

// naive is the resolution check without memoisation: a plain coinductive
// walk, exponential at worst but obviously right, to test the memoised
// checker against. It gives up (sets exhausted) after a budget of steps.
type naive struct {
	active    map[pair]bool
	steps     int
	exhausted bool
}

func (n *naive) compatible(r, w *node) bool {
	if n.steps++; n.steps > 200_000 {
		n.exhausted = true
		return true
	}
	return naiveCompatible(n, r, w)
}

func naiveCompatible(n *naive, r, w *node) bool {
	active := n.active
	r, w = deref(r), deref(w)
	if w.kind == kindUnion {
		for _, wb := range w.branches {
			if !n.compatible(r, wb) {
				return false
			}
		}
		return true
	}
	switch r.kind {
	case kindUnion:
		for _, rb := range r.branches {
			if n.compatible(rb, w) {
				return true
			}
		}
		return false
	case kindRecord:
		if w.kind != kindRecord || !namesMatch(r, w) {
			return false
		}
		p := pair{r, w}
		if active[p] {
			return true
		}
		active[p] = true
		defer delete(active, p)
		for _, rf := range r.fields {
			wf := writerField(w, rf)
			if wf == nil {
				if !rf.hasDefault {
					return false
				}
				continue
			}
			if !n.compatible(rf.typ, wf.typ) {
				return false
			}
		}
		return true
	case kindEnum:
		return w.kind == kindEnum && namesMatch(r, w) && (r.hasEnumDefault || len(missingSymbols(r, w)) == 0)
	case kindFixed:
		return w.kind == kindFixed && namesMatch(r, w) && r.size == w.size
	case kindArray, kindMap:
		return w.kind == r.kind && n.compatible(r.items, w.items)
	}
	return promotable(r.kind, w.kind)
}

// FuzzCompatible: for generated reader and writer schemas, the checker
// agrees with the naive one and reports differences exactly when they are
// incompatible; each schema also passes checkForms.
func FuzzCompatible(f *testing.F) {
	f.Add([]byte{5, 0, 0, 3, 5, 1, 1, 0, 0}, []byte{5, 0, 0, 3, 5, 1, 0, 2, 0, 0})
	f.Add([]byte{5, 1, 1, 2, 4, 2, 0, 0, 3, 0, 1}, []byte{5, 1, 1, 2, 4, 2, 0, 0, 2, 0, 6})
	f.Add([]byte{9, 5, 0, 0, 3, 7, 0, 0, 0, 7, 3, 3}, []byte{9, 5, 0, 0, 3, 7, 0, 0, 0, 15, 0})
	f.Fuzz(func(t *testing.T, rb, wb []byte) {
		rt, _ := (&schemaGen{data: rb}).schema(0)
		wt, _ := (&schemaGen{data: wb}).schema(0)
		r, err := Parse(rt, nil)
		if err != nil {
			return
		}
		w, err := Parse(wt, nil)
		if err != nil {
			return
		}
		start := time.Now()
		diffs := r.CompatibleWith(w)
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Fatalf("check took %s\nreader %s\nwriter %s", d, rt, wt)
		}
		n := &naive{active: map[pair]bool{}}
		want := n.compatible(r.root, w.root)
		if !n.exhausted && (len(diffs) == 0) != want {
			t.Fatalf("checker says %v, naive says compatible=%v\nreader %s\nwriter %s", diffs, want, rt, wt)
		}
		for _, d := range diffs {
			if d.ID == "" || d.Message == "" || !strings.HasPrefix(d.Location, "/") {
				t.Fatalf("malformed difference %#v", d)
			}
		}
		checkForms(t, r)
		checkForms(t, w)
	})
}
