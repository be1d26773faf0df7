package lineage

import (
	"context"
	"encoding/json"
)

// Store keeps the stored edges, one row per edge and source (package
// sqllineage keeps them on the registry's database). Writes are durable
// when they return, append their audit entries (actions below) in the
// same transaction, and tell the other replicas sharing the database
// which edges changed (a change-feed notice, FeedTopic and NoticeKey,
// delivered at commit; see Service.Changed).
type Store interface {
	// Put stores each edge (one source each, Sources[0]), replacing the
	// row of the same kind, ends and source but keeping its first
	// sighting, in one transaction, after check (unless nil; on the first
	// edge's stream) allows it.
	Put(ctx context.Context, check *Check, edges ...Edge) (Written, error)
	// Delete removes the edge of kind, from, to and source, after check
	// (unless nil) allows it; a missing one is ErrNotFound.
	Delete(ctx context.Context, check *Check, kind Kind, from, to string, src Source) error
	// Rows returns the stored rows of the edges of kind from from to to,
	// every source, ordered by source.
	Rows(ctx context.Context, kind Kind, from, to string) ([]Edge, error)
	// All returns every stored row, by kind, from, to and source.
	All(ctx context.Context) ([]Edge, error)
}

// Written is what Put did.
type Written struct {
	// Created[i]: edges[i] was new.
	Created []bool
	// Rows[i] are the stored rows of edges[i]'s kind and ends (as Rows
	// lists them), read by the write's transaction after it wrote, so the
	// Service can update its index without reading them again. Nil when
	// the store did not read them.
	Rows [][]Edge
}

// Check decides whether a write may go ahead, from state read in the
// write's transaction.
type Check struct {
	// Producers: Decide needs the services producing the written edge's
	// stream (its contract's owner, then the services, or owners of jobs,
	// of its stored produces edges, one per edge, in the order of the
	// index: by From, a service before a job). The store then serialises
	// the writers deciding from them (on PostgreSQL a transaction-scoped
	// lock on the stream's producers, taken before they are read), so two
	// writers cannot both find a stream without a producer and both become
	// it.
	Producers bool
	// Decide refuses the write with an error; producers is nil unless
	// Producers is set.
	Decide func(producers []string) error
}

// Audit actions of edge changes, recorded in the transaction of the
// change. A sighting that only moves last_seen records nothing: an
// OpenLineage emitter reports the same edges on every run.
const (
	ActionEdgeCreate = "lineage.edge_create"
	ActionEdgeUpdate = "lineage.edge_update"
	ActionEdgeDelete = "lineage.edge_delete"
)

// FeedTopic is the change feed's topic of lineage edges (the Context of
// a registry.Change): not a registry context, which all begin with a dot.
const FeedTopic = "lineage"

// NoticeKey is the key (registry.Change.Subject) of the change-feed
// notice a Store sends when the edges of kind from from to to changed.
func NoticeKey(kind Kind, from, to string) string {
	key, _ := json.Marshal([]string{string(kind), from, to}) // strings always marshal
	return string(key)
}

// parseNotice reads the edges a notice names.
func parseNotice(key string) (pairKey, bool) {
	var k []string
	if err := json.Unmarshal([]byte(key), &k); err != nil || len(k) != 3 {
		return pairKey{}, false
	}
	return pairKey{Kind(k[0]), k[1], k[2]}, true
}

// Errorf returns an error of kind (one of the Err* values) for a Store
// to report, such as ErrNotFound for a missing edge.
func Errorf(kind error, format string, args ...any) error { return errorf(kind, format, args...) }
