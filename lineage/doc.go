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
//
// Queries never touch the database: the Service keeps an immutable
// in-memory index (index.go), reloaded before the next query after a write
// made in this process, and in the background (the old index served
// meanwhile) when older than Options.MaxAge, which is how replicas
// sharing PostgreSQL converge without a query ever waiting on a rebuild.
package lineage
