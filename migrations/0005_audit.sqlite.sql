-- 0005_audit: the append-only audit log (SQLite).
--
-- Every change (schema, config, mode, stream, ownership, token) appends one
-- row in the same transaction as the change itself, so no change commits
-- without its entry. Triggers refuse UPDATE and DELETE: the log cannot be
-- edited, through the API or otherwise, short of dropping the triggers.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT NOT NULL, -- Unix milliseconds
    actor      TEXT   NOT NULL, -- principal name, "anonymous" when auth is off
    action     TEXT   NOT NULL, -- e.g. schema.register, config.update
    context    TEXT   NOT NULL,
    target     TEXT   NOT NULL, -- subject, stream, principal or token id
    before_doc TEXT,            -- JSON, NULL when nothing was there
    after_doc  TEXT,            -- JSON, NULL when nothing is left
    request_id TEXT   NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (context, target, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
