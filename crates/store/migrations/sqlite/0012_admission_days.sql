-- `report_agg` keeps admissions per day too (period code YYYYMMDD, row 'total'), so that the
-- running month's days of an achievement or a pace are read from it instead of the facts
-- (docs/decisions.md §14). The table is rebuilt once at the next start (pending_task, 0011).
-- Kept in step between ../sqlite and ../postgres (the schema-parity test compares both).
INSERT INTO pending_task (name) VALUES ('rebuild_report_agg') ON CONFLICT (name) DO NOTHING;
