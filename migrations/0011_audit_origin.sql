-- 0011_audit_origin: entries accord import copied from another registry's
-- audit log. Runs unchanged on SQLite and PostgreSQL.
--
-- An imported entry keeps its original time, actor, action, target,
-- documents and request id, gets a new id here (the log stays in append
-- order), and names where it came from: origin (the source registry, as
-- the export recorded it) and origin_id (its id there). Native entries
-- have both NULL. The unique index makes a resumed import skip entries it
-- already appended.
ALTER TABLE audit_log ADD COLUMN origin TEXT;
ALTER TABLE audit_log ADD COLUMN origin_id BIGINT;
CREATE UNIQUE INDEX audit_log_origin ON audit_log (origin, origin_id) WHERE origin IS NOT NULL;
