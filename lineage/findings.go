package lineage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/accord/accord/contracts"
	"github.com/accord/accord/registry"
)

// Finding is a governance problem the graph shows.
type Finding struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"` // error, warning, info
	Stream   string `json:"stream,omitempty"`
	Service  string `json:"service,omitempty"`
	Message  string `json:"message"`
}

// Finding kinds.
const (
	// FindingPrivateConsumed: a private stream read (or derived into a
	// stream produced) outside its owner's domain.
	FindingPrivateConsumed = "private_consumed_outside_domain"
	// FindingUnowned: a stream in the graph without a contract, and so
	// without an owner.
	FindingUnowned = "unowned_stream"
	// FindingProducerNotOwner: a service produces a stream another owns.
	FindingProducerNotOwner = "producer_not_owner"
	// FindingDeletedVersion: a consumer reads a deleted version.
	FindingDeletedVersion = "consumer_of_deleted_version"
	// FindingSchemaDrift: OpenLineage reported a schema that is not the
	// registered one.
	FindingSchemaDrift = "schema_drift"
	// FindingStale: an edge not seen for Options.StaleAfter.
	FindingStale = "stale_edge"
)

// Findings lists the graph's governance findings, by stream then kind.
//
// A stream's domain is its contract's tags.domain (its owner's name when
// it has none); a service belongs to the domains of the streams it
// produces. Consumers of deleted versions are consumes edges whose
// version (declared, or matched from an OpenLineage schema facet) is
// deleted, softly or for good, from the stream's value subject.
func (svc *Service) Findings(ctx context.Context) ([]Finding, error) {
	ix, done, err := svc.read(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	edges := ix.sorted()
	domainOf := func(stream string) string {
		s := ix.streams[stream]
		if s.Domain != "" {
			return s.Domain
		}
		return "owner:" + s.Owner
	}
	// A service's domains: those of the streams it produces.
	domains := map[string]map[string]bool{}
	for _, i := range edges {
		if e := &ix.edges[i]; e.Kind == Produces {
			if _, ok := ix.streams[e.To]; ok {
				svc := e.Service()
				if domains[svc] == nil {
					domains[svc] = map[string]bool{}
				}
				domains[svc][domainOf(e.To)] = true
			}
		}
	}
	out := []Finding{}
	outside := func(stream, reader, how string) {
		s, ok := ix.streams[stream]
		if !ok || s.Visibility != contracts.Private || reader == s.Owner || domains[reader][domainOf(stream)] {
			return
		}
		out = append(out, Finding{Kind: FindingPrivateConsumed, Severity: "warning", Stream: stream, Service: reader,
			Message: fmt.Sprintf("private stream %s (domain %s, owner %s) is %s %s, outside its domain: publish a public stream for it instead",
				stream, strings.TrimPrefix(domainOf(stream), "owner:"), s.Owner, how, reader)})
	}
	for _, i := range edges {
		e := &ix.edges[i]
		switch e.Kind {
		case Consumes:
			outside(e.From, e.Service(), "read by")
			if e.Version > 0 {
				if f, err := svc.deletedVersion(ctx, ix, e); err != nil {
					return nil, err
				} else if f != nil {
					out = append(out, *f)
				}
			}
		case DerivedFrom:
			for _, p := range ix.producers(e.To) {
				outside(e.From, p, "derived into "+e.To+" by")
			}
		case Produces:
			if s, ok := ix.streams[e.To]; ok && s.Owner != e.Service() {
				out = append(out, Finding{Kind: FindingProducerNotOwner, Severity: "error", Stream: e.To, Service: e.Service(),
					Message: fmt.Sprintf("%s produces stream %s, whose single writer is its owner %s", e.Service(), e.To, s.Owner)})
			}
		}
		if len(e.Drift) > 0 {
			out = append(out, Finding{Kind: FindingSchemaDrift, Severity: "warning", Stream: e.Stream(), Service: e.Service(),
				Message: fmt.Sprintf("the schema %s last reported for stream %s differs from the registered one in %d field(s), first %s (%s)",
					e.Service(), e.Stream(), len(e.Drift), e.Drift[0].Path, e.Drift[0].Kind)})
		}
		if svc.stale(e) {
			out = append(out, Finding{Kind: FindingStale, Severity: "info", Stream: e.Stream(), Service: e.Service(),
				Message: fmt.Sprintf("edge %s was last seen %s", e.Key(), e.LastSeen.Format("2006-01-02T15:04:05Z07:00"))})
		}
	}
	for id, n := range ix.nodes {
		if _, ok := ix.streams[n.Name]; ok || n.Kind != StreamNode || !ix.live(int32(id)) {
			continue
		}
		seen := "no producer is known"
		if ps := ix.producers(n.Name); len(ps) > 0 {
			seen = "produced by " + strings.Join(ps, ", ")
		}
		out = append(out, Finding{Kind: FindingUnowned, Severity: "warning", Stream: n.Name,
			Message: fmt.Sprintf("stream %s has no contract and so no owner (%s): declare it (POST /v1/streams) so one service is answerable for it", n.Name, seen)})
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return strings.Compare(a.Stream+"\x00"+a.Kind+"\x00"+a.Service, b.Stream+"\x00"+b.Kind+"\x00"+b.Service)
	})
	// A service and its jobs reading the same stream are one finding.
	return slices.Compact(out), nil
}

func (svc *Service) deletedVersion(ctx context.Context, ix *index, e *Edge) (*Finding, error) {
	subject := ix.valueSubject(e.From)
	v, err := svc.reg.Version(ctx, subject, e.Version, true)
	gone := errors.Is(err, registry.ErrVersionNotFound) || errors.Is(err, registry.ErrSubjectNotFound)
	if err != nil && !gone {
		return nil, fmt.Errorf("reading version %d of %s: %w", e.Version, subject, err)
	}
	if !gone && !v.Deleted {
		return nil, nil
	}
	how := "soft-deleted"
	if gone {
		how = "permanently deleted"
	}
	return &Finding{Kind: FindingDeletedVersion, Severity: "error", Stream: e.From, Service: e.Service(),
		Message: fmt.Sprintf("%s reads version %d of %s, which is %s: it must move to a live version", e.To, e.Version, subject, how)}, nil
}
