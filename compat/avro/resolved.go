package avro

import "bytes"

// FormatResolved is the ?format= value asking for an Avro schema with its
// references resolved: Confluent's format=resolved, what a reader without
// a registry (or a tool that does not follow references) can use alone.
const FormatResolved = "resolved"

// Resolved returns the schema with every named type that comes from a
// reference defined inline at its first use (later uses stay names), so the
// text stands alone. Names are written in full (the normalized form), since
// an inlined type may land in another namespace than the one it was
// written in.
func (s *Schema) Resolved() string {
	fromDeps := map[*node]bool{}
	for _, d := range s.deps {
		collectNamed(d, fromDeps, map[*node]bool{})
	}
	root := inline(s.root, fromDeps, map[*node]bool{})
	var b bytes.Buffer
	writeSchema(&b, root, formNormalized, "")
	return b.String()
}

// Formatted renders the schema as Confluent's ?format= asks: "resolved"
// (see Resolved); other formats are the stored text (ok false).
func (s *Schema) Formatted(format string) (string, bool, error) {
	if format != FormatResolved {
		return "", false, nil
	}
	return s.Resolved(), true, nil
}

// collectNamed adds the named types defined in n's tree to into.
func collectNamed(n *node, into, seen map[*node]bool) {
	if n == nil || n.kind == kindRef || seen[n] {
		return
	}
	seen[n] = true
	if n.kind.named() {
		into[n] = true
	}
	for _, f := range n.fields {
		collectNamed(f.typ, into, seen)
	}
	collectNamed(n.items, into, seen)
	for _, b := range n.branches {
		collectNamed(b, into, seen)
	}
}

// inline returns n with the first use of each type in fromDeps replaced by
// its definition; n itself is not modified (nodes are shared with the
// parsed schema, which is immutable).
func inline(n *node, fromDeps, done map[*node]bool) *node {
	switch n.kind {
	case kindRef:
		t := n.target
		if fromDeps[t] && !done[t] {
			done[t] = true
			return inline(t, fromDeps, done)
		}
		return n
	case kindRecord:
		c := *n
		c.fields = make([]*field, len(n.fields))
		for i, f := range n.fields {
			fc := *f
			fc.typ = inline(f.typ, fromDeps, done)
			c.fields[i] = &fc
		}
		return &c
	case kindArray, kindMap:
		c := *n
		c.items = inline(n.items, fromDeps, done)
		return &c
	case kindUnion:
		c := *n
		c.branches = make([]*node, len(n.branches))
		for i, b := range n.branches {
			c.branches[i] = inline(b, fromDeps, done)
		}
		return &c
	}
	if n.kind.named() {
		done[n] = true // defined here: later uses stay names
	}
	return n
}
