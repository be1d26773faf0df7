-- 0008_proposals: schema changes awaiting review (package proposals), on
-- PostgreSQL. A dialect file because ids come from the database
-- (an identity column here, AUTOINCREMENT on SQLite) and the two
-- spell that differently; everything else matches 0008_proposals.sqlite.sql.
-- Timestamps are BIGINT Unix milliseconds, JSON documents TEXT (see 0001).
--
-- A stream's review-required flag needs no column: it lives in the
-- stream's spec document (absent means false).
CREATE TABLE proposals (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- never reused
    subject        TEXT    NOT NULL, -- canonical: unqualified in the default context
    stream         TEXT    NOT NULL DEFAULT '', -- the subject's stream when proposed, '' none
    schema_type    TEXT    NOT NULL, -- AVRO, PROTOBUF, JSON
    schema_text    TEXT    NOT NULL, -- as submitted
    refs           TEXT,             -- JSON array of {name, subject, version}, NULL when none
    description    TEXT    NOT NULL DEFAULT '',
    fingerprint    TEXT    NOT NULL, -- type, canonical text and references: "identical schema"
    proposer       TEXT    NOT NULL,
    proposer_roles TEXT    NOT NULL DEFAULT '', -- comma-separated, when proposed
    base_version   INTEGER NOT NULL, -- the subject's latest version when proposed, 0 none
    state          TEXT    NOT NULL, -- pending, approved, rejected, withdrawn
    created_at     BIGINT  NOT NULL,
    decided_by     TEXT    NOT NULL DEFAULT '',
    decided_at     BIGINT,
    comment        TEXT    NOT NULL DEFAULT '',
    schema_id      BIGINT  NOT NULL DEFAULT 0, -- registered id once approved
    version        INTEGER NOT NULL DEFAULT 0  -- registered version once approved
);
-- At most one pending proposal per subject and identical schema: a second
-- create finds the first (CI reruns are idempotent).
CREATE UNIQUE INDEX proposals_one_pending ON proposals (subject, fingerprint) WHERE state = 'pending';
-- Pending counts per stream (the UI's filter) read only pending rows.
CREATE INDEX proposals_by_state_stream ON proposals (state, stream, id);
CREATE INDEX proposals_by_subject ON proposals (subject, id);
CREATE INDEX proposals_by_proposer ON proposals (proposer, id);
