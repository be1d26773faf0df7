-- 0006_stream_validation: the validation hook's per-stream check switches.
-- Runs unchanged on SQLite and PostgreSQL (ALTER TABLE ... ADD COLUMN with
-- a constant default is the form both accept).
--
-- Columns rather than keys of the spec document, so every existing stream
-- gets the defaults (every check on, any registered version) from the
-- column defaults without rewriting its document. Switches are INTEGER
-- 0/1: SQLite has no BOOLEAN, and one type keeps one file. The mode is not
-- CHECKed here: SQLite cannot change a CHECK in place, so a new mode would
-- need a table rebuild; the contracts package validates it.
ALTER TABLE streams ADD COLUMN check_schema_id TEXT NOT NULL DEFAULT 'any'; -- off, any, live, latest
ALTER TABLE streams ADD COLUMN check_payload INTEGER NOT NULL DEFAULT 1;
ALTER TABLE streams ADD COLUMN check_rules INTEGER NOT NULL DEFAULT 1;
ALTER TABLE streams ADD COLUMN check_producer INTEGER NOT NULL DEFAULT 1;
