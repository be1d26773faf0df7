-- 0003_auth: principals and API tokens. Runs unchanged on SQLite and
-- PostgreSQL (see 0001 for the conventions: timestamps are BIGINT Unix
-- milliseconds, JSON documents are TEXT).

-- Services and people. Principals are disabled, never deleted: streams,
-- tokens and audit records keep naming them.
CREATE TABLE principals (
    name          TEXT    NOT NULL PRIMARY KEY,
    roles         TEXT    NOT NULL,               -- JSON array of role names
    password_hash TEXT,                           -- PHC argon2id string, NULL: tokens only
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

-- API tokens. Only SHA-256 of the secret is kept; the token text is shown
-- once when it is issued.
CREATE TABLE api_tokens (
    id           TEXT   NOT NULL PRIMARY KEY,
    principal    TEXT   NOT NULL REFERENCES principals (name),
    secret_hash  TEXT   NOT NULL,       -- hex SHA-256 of the secret
    description  TEXT   NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,                -- NULL: never expires
    revoked_at   BIGINT,                -- NULL: not revoked
    last_used_at BIGINT                 -- NULL: never used
);

CREATE INDEX api_tokens_by_principal ON api_tokens (principal, created_at);
