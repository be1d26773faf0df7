-- 0014_schema_guid: every schema's GUID (Confluent's "guid", what the
-- header-based schema id serializers put in record headers). It is derived
-- from the schema's fingerprint (its first 16 bytes, written as a UUID), so
-- it is stable per schema and the same on every replica; existing rows are
-- backfilled the same way. Runs unchanged on SQLite and PostgreSQL.
ALTER TABLE schemas ADD COLUMN guid TEXT;

UPDATE schemas SET guid = lower(
    substr(fingerprint, 1, 8) || '-' || substr(fingerprint, 9, 4) || '-' ||
    substr(fingerprint, 13, 4) || '-' || substr(fingerprint, 17, 4) || '-' ||
    substr(fingerprint, 21, 12));

CREATE INDEX schemas_by_guid ON schemas (guid);
