package jsonschema

import "strconv"

// combined compares two allOf/anyOf/oneOf schemas. After the combination
// keyword itself, the subschemas are matched as Confluent matches them: an
// edge joins each writer subschema to each reader subschema it is
// compatible with, and a maximum matching must cover the smaller side.
func (d *differ) combined(out *[]Change, o, u *node) {
	if t := combinedCriteria(o, u); t != "" {
		add(out, "", t)
		if t == CombinedTypeChanged {
			return
		}
	}
	os, us := distinct(o), distinct(u)
	switch {
	case len(os) < len(us):
		if u.criterion == "allOf" {
			add(out, "", ProductTypeExtended)
		} else {
			add(out, "", SumTypeExtended)
		}
	case len(os) > len(us):
		// Named by the writer's keyword: an allOf that keeps fewer
		// constraints is narrowed as a product (compatible) even when it
		// becomes an anyOf or oneOf; fewer alternatives of an anyOf or
		// oneOf are a narrowed sum.
		if o.criterion == "allOf" {
			add(out, "", ProductTypeNarrowed)
		} else {
			add(out, "", SumTypeNarrowed)
		}
	}

	edges := make([][]edge, len(os))
	for i, so := range os {
		path := ""
		if !o.synthetic {
			path = o.criterion + "/" + strconv.Itoa(so.index)
		}
		for j, su := range us {
			if sub, ok := d.trial(path, so.n, su.n); ok {
				edges[i] = append(edges[i], edge{to: j, changes: sub})
			}
		}
	}
	matched := maxMatching(edges, len(us))
	count := 0
	for i, j := range matched {
		if j < 0 {
			continue
		}
		count++
		for _, e := range edges[i] {
			if e.to == j {
				*out = append(*out, e.changes...)
				break
			}
		}
	}
	if count < min(len(os), len(us)) {
		add(out, "", CombinedTypeSubschemasChanged)
	}
}

// combinedCriteria classifies a change of combination keyword as
// Confluent's CombinedSchemaDiff.compareCriteria does: anything may become
// anyOf; one single subschema may become another under any keyword; a
// single-subschema allOf/anyOf may become oneOf; and an allOf may become a
// single-subschema oneOf (the reader keeps one of the writer's
// constraints). Everything else changes the keyword incompatibly.
func combinedCriteria(o, u *node) ChangeType {
	switch {
	case o.criterion == u.criterion:
		return ""
	case u.criterion == "anyOf",
		len(o.subs) == 1 && len(u.subs) == 1,
		len(o.subs) == 1 && u.criterion == "oneOf",
		len(u.subs) == 1 && o.criterion == "allOf":
		return CombinedTypeExtended
	}
	return CombinedTypeChanged
}

// distinct drops repeated subschemas (same JSON text), as Confluent does.
func distinct(n *node) []sub {
	if n.synthetic {
		return n.subs
	}
	seen := make(map[string]bool, len(n.subs))
	out := make([]sub, 0, len(n.subs))
	for _, s := range n.subs {
		if !seen[s.key] {
			seen[s.key] = true
			out = append(out, s)
		}
	}
	return out
}

type edge struct {
	to      int
	changes []Change
}

// maxMatching finds a maximum bipartite matching (augmenting paths; the
// sides are a schema's few subschemas). It returns, for each left vertex,
// its right partner or -1. Edges are tried in order, so the result is
// deterministic.
func maxMatching(edges [][]edge, right int) []int {
	matchRight := make([]int, right)
	for j := range matchRight {
		matchRight[j] = -1
	}
	var augment func(i int, seen []bool) bool
	augment = func(i int, seen []bool) bool {
		for _, e := range edges[i] {
			if seen[e.to] {
				continue
			}
			seen[e.to] = true
			if matchRight[e.to] < 0 || augment(matchRight[e.to], seen) {
				matchRight[e.to] = i
				return true
			}
		}
		return false
	}
	for i := range edges {
		augment(i, make([]bool, right))
	}
	left := make([]int, len(edges))
	for i := range left {
		left[i] = -1
	}
	for j, i := range matchRight {
		if i >= 0 {
			left[i] = j
		}
	}
	return left
}
