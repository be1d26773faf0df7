-- 0018_write_path_keys: PostgreSQL only. Two changes to the keys every
-- registration checks, found profiling the write benchmark
-- (bench/writes_test.go, issue 17).
--
-- 1. The foreign keys of subjects and schemas to contexts are dropped.
-- Every registration inserts a schema and, for a new subject, a subject
-- row; each insert made PostgreSQL check its foreign key by locking the
-- context's row FOR KEY SHARE until commit (three checks a registration,
-- the subject's row being updated after its insert). Every registration of
-- a context locks the same row, so each lock joined a MultiXact of all the
-- transactions in flight, and every read of the row (the change counters)
-- had to resolve that MultiXact's members: the most expensive function in
-- the server's profile of the write benchmark.
--
-- What those keys guarded holds without them: a context's row is created
-- in the same statement that creates or locks a subject's row, before any
-- schema or version of the context is written (registry/sqlstore tx.lock),
-- and no statement deletes a context's row (DELETE /contexts forgets the
-- subjects; ids stay stable and schemas readable). The other foreign keys
-- (versions to subjects and schemas, references to schemas) stay: their
-- parents are rows the transaction writes or locks itself.
--
-- 2. The unique key on a schema's fingerprint becomes (fingerprint,
-- context) instead of (context, fingerprint). PostgreSQL plans a foreign
-- key's check once per connection and keeps the plan while the connection
-- lives; planned while schemas was small (a new database), the check of
-- versions' key to schemas (context, id) used the fingerprint key, whose
-- first column is context too, and filtered on id: it read every schema
-- of the context, at every registration, for the life of the pooled
-- connection (69 buffers a check in the benchmark, growing with the
-- registry). With context second, only the primary key serves a lookup by
-- (context, id), and lookups by fingerprint use both columns as before.
--
-- SQLite keeps both as they were: a single writer takes no row locks, and
-- it plans its foreign-key checks on the parent's key.
ALTER TABLE subjects DROP CONSTRAINT subjects_context_fkey;
ALTER TABLE schemas DROP CONSTRAINT schemas_context_fkey;
ALTER TABLE schemas DROP CONSTRAINT schemas_context_fingerprint_key;
ALTER TABLE schemas ADD CONSTRAINT schemas_fingerprint_key UNIQUE (fingerprint, context);
