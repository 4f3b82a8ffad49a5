-- Work the store does once, at the next start, after a migration that cannot express it in
-- SQL. The first: `report_agg` gained the ended candidacies (kind 'candidacy', the forecast's
-- history; docs/decisions.md §14), so the table is rebuilt from the facts when a database made
-- before this migration is opened. A task row is deleted in the transaction that does the work.
-- Kept in step between ../sqlite and ../postgres (the schema-parity test compares both).
CREATE TABLE pending_task (
    name TEXT PRIMARY KEY
);
INSERT INTO pending_task (name) VALUES ('rebuild_report_agg');
