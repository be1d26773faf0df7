-- 0018_context_foreign_keys: nothing to do on SQLite, which keeps the
-- foreign keys of subjects and schemas to contexts (see the PostgreSQL
-- file: they cost a single writer nothing).
SELECT 1;
