-- A covering index for "units under X on D": index-only scans on ancestor X's rows with their
-- validity, instead of one heap fetch per unit (measured: docs/benchmarks.md).
CREATE INDEX org_closure_cover ON org_closure (ancestor_id, valid_from) INCLUDE (valid_to, descendant_id, depth);
