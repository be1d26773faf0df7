-- 0009_change_counters: per-subject and per-context change counters.
-- Runs unchanged on SQLite and PostgreSQL (ALTER TABLE ... ADD COLUMN with
-- a constant default is the form both accept).
--
-- Every transaction that writes a subject's versions, config or mode adds
-- one to subjects.changes, and every context-wide config or mode write adds
-- one to contexts.changes, in the same transaction. A replica's cached
-- view of a subject remembers the counters it was read at; one indexed
-- read of the counters then proves the view current (or not) before the
-- registry answers a write from it (docs/consistency.md). Rows of both
-- tables are never deleted, so a counter never goes back.
ALTER TABLE subjects ADD COLUMN changes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contexts ADD COLUMN changes BIGINT NOT NULL DEFAULT 0;
