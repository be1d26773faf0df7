-- 0012_dek_registry: the DEK registry's keys (package dek, store
-- dek/sqldek). Runs unchanged on SQLite and PostgreSQL (see 0001 for the
-- conventions: timestamps are BIGINT Unix milliseconds, JSON documents
-- TEXT; switches are INTEGER 0/1 as in 0006).
--
-- Accord keeps KEK metadata and DEKs only as their clients encrypted them:
-- there is no column for a key in clear.
CREATE TABLE dek_keks (
    name       TEXT    NOT NULL PRIMARY KEY,
    kms_type   TEXT    NOT NULL,
    kms_key_id TEXT    NOT NULL,
    kms_props  TEXT    NOT NULL DEFAULT '{}', -- JSON object of strings
    doc        TEXT    NOT NULL DEFAULT '',
    shared     INTEGER NOT NULL DEFAULT 0,
    deleted    INTEGER NOT NULL DEFAULT 0,  -- soft-deleted
    ts         BIGINT  NOT NULL             -- last change
);

CREATE TABLE dek_deks (
    kek_name               TEXT    NOT NULL, -- a dek_keks name (a KEK with DEKs cannot be removed)
    subject                TEXT    NOT NULL,
    algorithm              TEXT    NOT NULL, -- AES128_GCM, AES256_GCM, AES256_SIV
    version                INTEGER NOT NULL,
    encrypted_key_material TEXT    NOT NULL, -- base64, as the client's KMS wrapped it
    deleted                INTEGER NOT NULL DEFAULT 0,
    ts                     BIGINT  NOT NULL,
    PRIMARY KEY (kek_name, subject, algorithm, version)
);
