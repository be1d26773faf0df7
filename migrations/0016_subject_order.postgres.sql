-- 0015_subject_order: subject lists are read in pages, in byte-wise order
-- of names whatever the database's collation (registry/sqlstore/pages.go
-- compares subject COLLATE "C"). This index serves those pages: GET
-- /subjects and GET /schemas read it a page at a time instead of sorting
-- every subject of the context. SQLite's primary key is byte-wise
-- already, so its file of this version does nothing.
CREATE INDEX versions_by_subject_bytes ON versions (context, subject COLLATE "C", version);
