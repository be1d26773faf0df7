-- 0005_audit: the append-only audit log (PostgreSQL).
--
-- Every change (schema, config, mode, stream, ownership, token) appends one
-- row in the same transaction as the change itself, so no change commits
-- without its entry. A trigger refuses UPDATE and DELETE: the log cannot be
-- edited, through the API or otherwise, short of dropping the trigger.
CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
