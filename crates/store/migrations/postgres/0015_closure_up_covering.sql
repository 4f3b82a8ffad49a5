-- "The units above branch B" (the ancestors a write of a case or a status spell counts under:
-- open_case_agg, report_agg) read from the descendant index alone (index-only scan once the
-- table is vacuumed), instead of one heap fetch per closure row.
-- Kept in step between ../sqlite and ../postgres (the schema-parity test compares both).
DROP INDEX org_closure_descendant;
CREATE INDEX org_closure_descendant ON org_closure (descendant_id, depth) INCLUDE (ancestor_id, valid_from, valid_to);
