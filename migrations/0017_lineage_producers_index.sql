-- 0017_lineage_producers_index: a lineage edge write whose check reads
-- the stream's producers (lineage/sqllineage producersQuery: kind =
-- 'produces' AND to_node = stream) found them through lineage_edges_to
-- (to_node) or the primary key (kind, ...) as table statistics led the
-- planner; right after a bulk load, before ANALYZE, PostgreSQL could scan
-- every produces edge (18-50 ms at 10,000 streams). An index on both
-- columns the read compares answers it from the stream's own entries
-- whatever the statistics. It starts with to_node, so it serves every
-- read lineage_edges_to served, which is dropped: one index less to
-- maintain on each edge write. Runs unchanged on SQLite and PostgreSQL.
CREATE INDEX lineage_edges_producers ON lineage_edges (to_node, kind);
DROP INDEX lineage_edges_to;
