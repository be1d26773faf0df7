-- 0018_write_path_keys: nothing to do on SQLite, which keeps its keys as
-- they are (see the PostgreSQL file: a single writer takes no row locks,
-- and SQLite plans a foreign key's check on the parent's key).
SELECT 1;
