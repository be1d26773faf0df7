-- 0015_proposal_decision_report: the report (compatibility verdict, lints,
-- impact) a decision was made on, kept with the decision (issue 15): a
-- decided proposal's live report answers a different question (the
-- subject has moved on), so the evidence the reviewer saw is stored as a
-- JSON document when the proposal is approved, rejected or withdrawn.
-- NULL for pending proposals and for decisions made before this column.
-- Runs unchanged on SQLite and PostgreSQL.
ALTER TABLE proposals ADD COLUMN decision_report TEXT;
