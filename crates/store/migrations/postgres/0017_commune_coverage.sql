-- A commune's localities counted by class over time (issue C item 5; docs/decisions.md §14),
-- from `locality_fact`: one row per stretch of days over which none of the commune's counts
-- changes, the counts packed as `class:n` pairs (class: kind, whether a member lives there
-- and whether its branch has one, the localities that branch serves, and the branch's id when
-- it serves several — the report counts each combined branch once). A re-based report reads
-- the communes whose heir is under its unit here. Kept exact with `locality_fact` in the writer's transaction,
-- rebuilt with the other aggregates and checked by `aggregates verify`.
-- Kept in step between ../sqlite and ../postgres (the schema-parity test compares both).
CREATE TABLE commune_coverage (
    commune_id BIGINT NOT NULL,
    valid_to   DATE NOT NULL,
    valid_from DATE NOT NULL,
    counts     TEXT NOT NULL,
    PRIMARY KEY (commune_id, valid_to)
);
-- The same counts under every unit above the commune (the commune itself included), per
-- closure row: a row holds over the days its commune's segment and the closure row both hold,
-- so the coverage of a province on a day is its own rows holding that day (one per commune,
-- without walking the subtree's thousands of branches). Kept with commune_coverage, and around
-- the closure rows a structure operation rewrites.
CREATE TABLE unit_coverage (
    org_id     BIGINT NOT NULL,
    valid_to   DATE NOT NULL,
    commune_id BIGINT NOT NULL,
    seg_to     DATE NOT NULL,
    valid_from DATE NOT NULL,
    counts     TEXT NOT NULL,
    PRIMARY KEY (org_id, valid_to, commune_id, seg_to, valid_from) INCLUDE (counts)
);
CREATE INDEX unit_coverage_commune ON unit_coverage (commune_id, seg_to);
INSERT INTO pending_task (name) VALUES ('rebuild_report_agg') ON CONFLICT (name) DO NOTHING;
