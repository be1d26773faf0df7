// Package lineage is Accord's graph of services, streams and the edges
// between them, and the analyses it serves: upstream and downstream walks,
// a consumer's dependencies, governance findings and the impact of a
// proposed schema change on everyone downstream.
//
// Edges point the way data flows. A service produces a stream (service ->
// stream; one producer per stream: its owner), a service consumes a stream
// (stream -> service; a consumer may declare the field paths it reads),
// and a stream is derived from other streams (source -> derived). Edges
// come from three sources: the API (declared), OpenLineage run events
// (learned, see openlineage.go) and stream contracts (each stream's owner
// and declared consumers, mirrored when the index is loaded and never
// stored twice). Stored edges live in one table (migration 0007) and carry
// when they were first and last seen, so stale ones can be told apart.
// The Service reaches them through the Store interface (store.go);
// package sqllineage keeps them on the registry's database, so this
// package links no database driver.
//
// Jobs an OpenLineage emitter reports (a Flink or Spark job, a connector)
// are nodes of their own, owned by a service; impact analysis (impact.go)
// follows data through them, and through services along declared or
// learned edges, from what they read to what they write.
//
// Queries read the graph from memory, never from the database: the
// Service keeps it in an index (index.go). A write of edges, made in this process or,
// on PostgreSQL, by another replica (a notice on the change feed, see
// Service.Changed), updates the index in place: the edges it changed are
// read again (a local write reads them back in its own transaction) and
// merged again, so a write costs what it changes, not a rebuild. The index is rebuilt from the database before the next query
// after a stream contract changed in this process, and in the background
// (the old index served meanwhile) when older than Options.MaxAge, which
// is how other replicas' contract changes show without a query ever
// waiting on a rebuild. Writes decide from what their transaction reads,
// never from the index.
package lineage
