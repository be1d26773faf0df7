-- 0015_subject_order: nothing to do on SQLite, whose primary key on
-- versions (context, subject, version) is byte-wise (BINARY) already; the
-- PostgreSQL file adds the byte-wise index subject pages need there.
SELECT 1;
