-- 0013_stream_key_value_checks: the validation hook's key and value
-- switches (Confluent's confluent.key.schema.validation and
-- confluent.value.schema.validation). Runs unchanged on SQLite and
-- PostgreSQL, as 0006. Key checks are opt-in (existing streams stop
-- checking keys, which most producers send as plain strings); value
-- checks stay on.
ALTER TABLE streams ADD COLUMN check_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE streams ADD COLUMN check_value INTEGER NOT NULL DEFAULT 1;
