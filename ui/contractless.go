package ui

// A stream the lineage graph knows but no contract declares (an edge
// named it, or OpenLineage reported it): it has a page of its own that
// says so, who produces and reads it, and the governance findings about
// it, rather than a 404 behind every link to it.

import (
	"errors"
	"net/http"
	"sort"

	"github.com/accord/accord/contracts"
	"github.com/accord/accord/lineage"
)

type contractlessData struct {
	Name      string
	Producers []string
	Readers   []string
	Sources   []string // streams it is derived from
	Derived   []string // streams derived from it
	Findings  []finding
}

// contractlessPage renders stream name's page when it has no contract;
// a stream neither a contract nor the lineage graph knows is a 404.
func (h *handler) contractlessPage(w http.ResponseWriter, r *http.Request, name string, cause error) error {
	if h.opts.Lineage == nil {
		return cause
	}
	ctx := r.Context()
	root := lineage.Node{Kind: lineage.StreamNode, Name: name}
	d := contractlessData{Name: name}
	for _, dir := range []lineage.Direction{lineage.Upstream, lineage.Downstream} {
		g, err := h.opts.Lineage.Walk(ctx, root, dir, 1)
		if errors.Is(err, lineage.ErrNotFound) {
			return cause
		}
		if err != nil {
			return err
		}
		for _, e := range g.Edges {
			from, to := e.FromNode(), e.ToNode()
			switch {
			case to == root && from.Kind == lineage.StreamNode:
				d.Sources = appendNew(d.Sources, from.Name)
			case to == root:
				d.Producers = appendNew(d.Producers, from.Name)
			case from == root && to.Kind == lineage.StreamNode:
				d.Derived = appendNew(d.Derived, to.Name)
			case from == root:
				d.Readers = appendNew(d.Readers, to.Name)
			}
		}
	}
	for _, l := range [][]string{d.Producers, d.Readers, d.Sources, d.Derived} {
		sort.Strings(l)
	}
	var err error
	if d.Findings, err = h.findingsFor(ctx, name); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "contractless", name+" (no contract)", "Streams", d)
	return nil
}

func appendNew(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}

// noContract reports whether err says a stream has no contract.
func noContract(err error) bool { return errors.Is(err, contracts.ErrStreamNotFound) }
