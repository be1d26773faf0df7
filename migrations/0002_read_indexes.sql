-- 0002_read_indexes: secondary indexes for the read paths that do not
-- start with a primary key prefix. Runs unchanged on SQLite and PostgreSQL.
--
-- (context, fingerprint) is already indexed by its UNIQUE constraint in
-- 0001, and (context, subject, version) by the versions primary key.

-- VersionsBySchema, and the "does this schema still have a version" test
-- of ReferencedBy.
CREATE INDEX versions_by_schema ON versions (context, schema_id);

-- ReferencedBy.
CREATE INDEX schema_references_by_target ON schema_references (context, ref_subject, ref_version);
