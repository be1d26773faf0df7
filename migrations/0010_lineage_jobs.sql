-- 0010_lineage_jobs: edges learned from processing jobs. Runs unchanged on
-- SQLite and PostgreSQL.
--
-- job: JSON {namespace, name, owner} when the edge's service end is an
-- OpenLineage job (its node is named "namespace/name"); NULL for edges of
-- services. column_lineage: JSON array of {field, inputs: [{stream,
-- field}]} on a job's produces edge, from the columnLineage facet.
ALTER TABLE lineage_edges ADD COLUMN job TEXT;
ALTER TABLE lineage_edges ADD COLUMN column_lineage TEXT;
