-- "The units above branch B" (the ancestors a write of a case or a status spell counts under:
-- open_case_agg, report_agg) read from the descendant index alone: the index carries the
-- closure row's validity (the primary-key columns ancestor_id and valid_from come with every
-- index entry of this WITHOUT ROWID table), instead of one lookup per row in the table.
-- Kept in step between ../sqlite and ../postgres (the schema-parity test compares both).
DROP INDEX org_closure_descendant;
CREATE INDEX org_closure_descendant ON org_closure (descendant_id, depth, valid_to);
