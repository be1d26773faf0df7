package avro

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/accord/accord/compat"
)

// Difference IDs: Confluent's SchemaIncompatibilityType names, so that
// clients matching on them keep working.
const (
	// NameMismatch: reader and writer named types have different names and
	// no reader alias matches the writer's full name.
	NameMismatch = "NAME_MISMATCH"
	// FixedSizeMismatch: reader and writer fixed types differ in size.
	FixedSizeMismatch = "FIXED_SIZE_MISMATCH"
	// MissingEnumSymbols: the writer's enum has symbols the reader's lacks,
	// and the reader's enum has no default to fall back on.
	MissingEnumSymbols = "MISSING_ENUM_SYMBOLS"
	// ReaderFieldMissingDefaultValue: a reader field is absent from the
	// writer and has no default to fill it with.
	ReaderFieldMissingDefaultValue = "READER_FIELD_MISSING_DEFAULT_VALUE"
	// TypeMismatch: the reader's type cannot read the writer's, even with
	// the specification's promotions.
	TypeMismatch = "TYPE_MISMATCH"
	// MissingUnionBranch: no branch of the reader's union can read a type
	// the writer may write.
	MissingUnionBranch = "MISSING_UNION_BRANCH"
)

// CompatibleWith reports everything that prevents a reader using s from
// reading data written with writer, by the specification's schema
// resolution rules. Locations are JSON pointers into the reader schema,
// following named types as if they were written out where they are used
// (as Avro's own checker reports them); "/" is the whole schema. A named
// type that appears in several places is reported at its first use only.
func (s *Schema) CompatibleWith(writer compat.Schema) []compat.Difference {
	w, ok := writer.(*Schema)
	if !ok {
		return []compat.Difference{{
			ID:       TypeMismatch,
			Location: "/",
			Message:  fmt.Sprintf("the writer schema is %s, not Avro; an Avro reader cannot read it", writer.Type()),
		}}
	}
	var c checker
	c.report(s.root, w.root, "", "", false)
	if len(c.out) == 0 {
		if ok, _ := c.compatible(s.root, w.root); !ok {
			// Unreachable if report is complete; never claim compatibility
			// wrongly if it is not.
			c.add(TypeMismatch, "", "", "reader schema %s cannot read writer schema %s", describe(s.root), describe(w.root))
		}
	}
	return c.out
}

// pair is a reader and writer record being resolved against each other.
type pair struct{ r, w *node }

// checker resolves one reader schema against one writer schema. It holds
// no state beyond one CompatibleWith call.
type checker struct {
	// memo holds settled answers for record pairs; active is the stack of
	// pairs being checked (its index is the depth), to stop at recursive
	// types. A stack, not a map: it is shallow and searched rarely.
	memo   map[pair]bool
	active []pair
	// reported holds the record pairs whose differences were reported, so
	// a pair used in several places (or recursively) is reported once.
	reported map[pair]bool
	out      []compat.Difference
}

// noDep means an answer relied on no pending assumption.
const noDep = math.MaxInt

// compatible reports whether a reader of r can read everything written
// with w. A record pair met again while it is being checked is assumed
// compatible, the reading of recursive types the specification implies.
// low is the stack depth of the outermost pending pair the answer relied on;
// only answers that rely on nothing pending are memoised, so no answer is
// kept that a later failure of that pair would have changed. Failures never
// depend on assumptions (assuming more only accepts more), so they are
// always kept.
func (c *checker) compatible(r, w *node) (ok bool, low int) {
	r, w = deref(r), deref(w)
	if w.kind == kindUnion {
		low = noDep
		for _, wb := range w.branches {
			ok, l := c.compatible(r, wb)
			if !ok {
				return false, noDep
			}
			low = min(low, l)
		}
		return true, low
	}
	switch r.kind {
	case kindUnion:
		for _, rb := range r.branches {
			if ok, l := c.compatible(rb, w); ok {
				return true, l
			}
		}
		return false, noDep
	case kindRecord:
		if w.kind != kindRecord || !namesMatch(r, w) {
			return false, noDep
		}
		return c.records(r, w)
	case kindEnum:
		return w.kind == kindEnum && namesMatch(r, w) && (r.hasEnumDefault || !hasMissingSymbols(r, w)), noDep
	case kindFixed:
		return w.kind == kindFixed && namesMatch(r, w) && r.size == w.size, noDep
	case kindArray, kindMap:
		if w.kind != r.kind {
			return false, noDep
		}
		return c.compatible(r.items, w.items)
	}
	return promotable(r.kind, w.kind), noDep
}

func (c *checker) records(r, w *node) (bool, int) {
	p := pair{r, w}
	if v, ok := c.memo[p]; ok {
		return v, noDep
	}
	for d, q := range c.active {
		if q == p {
			return true, d
		}
	}
	if c.memo == nil {
		c.memo = map[pair]bool{}
	}
	depth := len(c.active)
	c.active = append(c.active, p)
	ok, low := true, noDep
	for i, rf := range r.fields {
		wf := writerFieldAt(w, rf, i)
		if wf == nil {
			if !rf.hasDefault {
				ok = false
				break
			}
			continue
		}
		fok, l := c.compatible(rf.typ, wf.typ)
		if !fok {
			ok = false
			break
		}
		low = min(low, l)
	}
	c.active = c.active[:depth]
	if !ok {
		c.memo[p] = false
		return false, noDep
	}
	if low >= depth {
		c.memo[p] = true
		return true, noDep
	}
	return true, low
}

// report appends the differences that keep a reader of r from reading w.
// loc is r's JSON pointer in the reader schema, label the field it belongs
// to. It descends only where compatible says something is wrong, so a
// compatible pair costs one pass.
func (c *checker) report(r, w *node, loc, label string, inWriterUnion bool) {
	if ok, _ := c.compatible(r, w); ok {
		return
	}
	r, w = deref(r), deref(w)
	if w.kind == kindUnion {
		// Every branch the writer may write must be readable.
		for _, wb := range w.branches {
			c.report(r, wb, loc, label, true)
		}
		return
	}
	if r.kind == kindUnion {
		// A reader union needs one branch that reads w. When one branch is
		// plainly meant for it (same name, or the only one of its kind),
		// say what is wrong inside that branch rather than only that no
		// branch fits.
		if j := unionCandidate(r, w); j >= 0 {
			c.report(r.branches[j], w, loc+"/"+strconv.Itoa(j), label, inWriterUnion)
			return
		}
		c.add(MissingUnionBranch, loc, label, "the reader's union %s has no branch that can read the writer's %s%s",
			unionText(r), describe(w), writerUnionNote(inWriterUnion))
		return
	}
	if r.kind != w.kind && !promotable(r.kind, w.kind) {
		c.add(TypeMismatch, loc, label, "reader type %s cannot read writer type %s%s",
			describe(r), describe(w), writerUnionNote(inWriterUnion))
		return
	}
	switch r.kind {
	case kindRecord:
		p := pair{r, w}
		if c.reported[p] {
			return
		}
		if c.reported == nil {
			c.reported = map[pair]bool{}
		}
		c.reported[p] = true
		c.checkNames(r, w, loc, label)
		for i, rf := range r.fields {
			floc := loc + "/fields/" + strconv.Itoa(i)
			wf := writerFieldAt(w, rf, i)
			if wf == nil {
				if !rf.hasDefault {
					c.add(ReaderFieldMissingDefaultValue, floc, rf.name, "reader field has no default and is missing in writer")
				}
				continue
			}
			c.report(rf.typ, wf.typ, floc+"/type", rf.name, false)
		}
	case kindEnum:
		c.checkNames(r, w, loc, label)
		if !r.hasEnumDefault {
			if missing := missingSymbols(r, w); len(missing) > 0 {
				c.add(MissingEnumSymbols, loc+"/symbols", label, "writer enum symbols %s are missing in reader enum %s, which has no default",
					strings.Join(missing, ", "), r.full)
			}
		}
	case kindFixed:
		c.checkNames(r, w, loc, label)
		if r.size != w.size {
			c.add(FixedSizeMismatch, loc+"/size", label, "reader fixed %s has size %d but the writer's has size %d", r.full, r.size, w.size)
		}
	case kindArray:
		c.report(r.items, w.items, loc+"/items", label, false)
	case kindMap:
		c.report(r.items, w.items, loc+"/values", label, false)
	}
}

func (c *checker) checkNames(r, w *node, loc, label string) {
	if !namesMatch(r, w) {
		c.add(NameMismatch, loc+"/name", label, "reader %s %s does not match writer %s %s: the names differ and no reader alias is %s",
			r.kind, r.full, w.kind, w.full, w.full)
	}
}

func (c *checker) add(id, loc, label, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if label != "" {
		msg = "'" + label + "': " + msg
	}
	c.out = append(c.out, compat.Difference{ID: id, Location: pointer(loc), Message: msg})
}

func writerUnionNote(inWriterUnion bool) string {
	if inWriterUnion {
		return " (a branch of the writer's union)"
	}
	return ""
}

// promotable reports whether a reader of kind r reads a writer of kind w:
// the same primitive, or one of the specification's promotions.
func promotable(r, w kind) bool {
	if r == w {
		return r <= kindString
	}
	switch r {
	case kindLong:
		return w == kindInt
	case kindFloat:
		return w == kindInt || w == kindLong
	case kindDouble:
		return w == kindInt || w == kindLong || w == kindFloat
	case kindString:
		return w == kindBytes
	case kindBytes:
		return w == kindString
	}
	return false
}

// namesMatch applies the specification's rule for named types: the
// unqualified names are equal, or a reader alias is the writer's full name.
func namesMatch(r, w *node) bool {
	if r.short == w.short {
		return true
	}
	for _, a := range r.fullAliases {
		if a == w.full {
			return true
		}
	}
	return false
}

// writerFieldAt is writerField trying position i first: schemas usually
// evolve by appending fields, so most fields keep their position.
func writerFieldAt(w *node, rf *field, i int) *field {
	if i < len(w.fields) && w.fields[i].name == rf.name {
		return w.fields[i]
	}
	return writerField(w, rf)
}

// writerField finds the writer field a reader field reads: by name, then
// by the reader field's aliases.
func writerField(w *node, rf *field) *field {
	if wf := w.byName[rf.name]; wf != nil {
		return wf
	}
	for _, a := range rf.aliases {
		if wf := w.byName[a]; wf != nil {
			return wf
		}
	}
	return nil
}

func hasMissingSymbols(r, w *node) bool {
	if len(w.symbols) > len(r.symbols) {
		return true
	}
	return len(missingSymbols(r, w)) > 0
}

// missingSymbols lists the writer's symbols the reader's enum lacks.
func missingSymbols(r, w *node) []string {
	var missing []string
	if len(r.symbols) > 16 {
		have := make(map[string]bool, len(r.symbols))
		for _, s := range r.symbols {
			have[s] = true
		}
		for _, s := range w.symbols {
			if !have[s] {
				missing = append(missing, s)
			}
		}
		return missing
	}
	for _, s := range w.symbols {
		found := false
		for _, t := range r.symbols {
			if s == t {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, s)
		}
	}
	return missing
}

// unionCandidate picks the reader branch meant for w: one with the same
// name, else the only branch of w's kind. It returns -1 for none, and for
// primitives (a primitive branch either reads w or is not meant for it).
func unionCandidate(r, w *node) int {
	if w.kind.named() {
		for j, b := range r.branches {
			if b := deref(b); b.kind == w.kind && namesMatch(b, w) {
				return j
			}
		}
	}
	if w.kind <= kindString {
		return -1
	}
	found := -1
	for j, b := range r.branches {
		if deref(b).kind == w.kind {
			if found >= 0 {
				return -1
			}
			found = j
		}
	}
	return found
}

func unionText(u *node) string {
	parts := make([]string, len(u.branches))
	for i, b := range u.branches {
		parts[i] = describe(b)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
