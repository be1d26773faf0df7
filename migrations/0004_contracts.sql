-- 0004_contracts: streams and their contracts. Runs unchanged on SQLite
-- and PostgreSQL (see 0001 for the conventions: timestamps are BIGINT Unix
-- milliseconds, JSON documents are TEXT).

-- One row per stream. The columns lists filter on are columns; the rest
-- of the contract (description, subjects, tags, consumers, policies) is
-- the JSON document spec, as the contracts package encodes it.
CREATE TABLE streams (
    name       TEXT   NOT NULL PRIMARY KEY,
    owner      TEXT   NOT NULL, -- the one service principal that writes it
    event_type TEXT   NOT NULL,
    visibility TEXT   NOT NULL,
    spec       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX streams_by_owner ON streams (owner);

-- The subject -> stream index the single-writer check reads on every
-- subject write. A subject belongs to at most one stream. Subjects are
-- canonical: unqualified in the default context, ":.ctx:name" otherwise.
CREATE TABLE stream_subjects (
    subject TEXT NOT NULL PRIMARY KEY,
    stream  TEXT NOT NULL REFERENCES streams (name),
    role    TEXT NOT NULL -- key or value
);

CREATE INDEX stream_subjects_by_stream ON stream_subjects (stream);

-- Ownership moves only by an explicit transfer; each is recorded.
CREATE TABLE stream_transfers (
    stream     TEXT   NOT NULL,
    seq        INTEGER NOT NULL,
    from_owner TEXT   NOT NULL,
    to_owner   TEXT   NOT NULL,
    by_principal TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (stream, seq)
);

-- Subjects of no stream claimed by their first writer (the
-- claim-on-first-write policy). A stream created over a claimed subject
-- releases the claim.
CREATE TABLE subject_claims (
    subject    TEXT   NOT NULL PRIMARY KEY,
    owner      TEXT   NOT NULL,
    claimed_at BIGINT NOT NULL
);
