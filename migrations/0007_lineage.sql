-- 0007_lineage: the lineage graph's stored edges. Runs unchanged on SQLite
-- and PostgreSQL (see 0001 for the conventions: timestamps are BIGINT Unix
-- milliseconds, JSON documents are TEXT).
--
-- Nodes are implied by names: a service is a principal name, a stream a
-- topic name. Edges point the way data flows: produces is service ->
-- stream, consumes is stream -> service, derived_from is source stream ->
-- derived stream. Edges mirrored from stream contracts (owners and
-- declared consumers) are read from the streams table, not stored here.
-- One row per edge and source, so an edge declared through the API and
-- also learned from OpenLineage keeps both, each with its own sightings.
CREATE TABLE lineage_edges (
    kind           TEXT    NOT NULL, -- produces | consumes | derived_from
    from_node      TEXT    NOT NULL,
    to_node        TEXT    NOT NULL,
    source         TEXT    NOT NULL, -- api | openlineage
    fields         TEXT,             -- JSON array of the field paths read, NULL: not declared
    schema_version INTEGER,          -- the value-subject version a consumer reads, when known
    drift          TEXT,             -- JSON: the last OpenLineage schema facet's differences
    first_seen     BIGINT  NOT NULL,
    last_seen      BIGINT  NOT NULL,
    PRIMARY KEY (kind, from_node, to_node, source)
);

CREATE INDEX lineage_edges_to ON lineage_edges (to_node);
