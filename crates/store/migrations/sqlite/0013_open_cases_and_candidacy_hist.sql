-- Two more pre-aggregates for the running year's achievement (pace and forecast; issue C,
-- docs/decisions.md §14), kept exact by the store in the writer's transaction like `report_agg`
-- and rebuilt with it.
--
-- `open_case_agg`: the open pipeline cases of every unit (branches included) per stage, per
-- closure interval: a case in branch B counts once in every row (A, from, to, stage) for which
-- org_closure has A above B (or A = B) over [from, to). The open cases under A on a day D are
-- the sum of A's rows with from <= D < to. Changed by every case write that opens, closes,
-- moves a case or changes its stage, and by the structure operations that rewrite closure rows.
CREATE TABLE open_case_agg (
    org_id     BIGINT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to   DATE NOT NULL,
    stage      TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (org_id, valid_from, valid_to, stage)
);
-- `candidacy_hist`: the ended candidacies of a unit (levels as in `report_agg`) per month, as
-- one row holding every count of the month, `row:n` pairs joined by commas ('total' = ended,
-- 'd<days>' = admitted after that many days). Replaces report_agg's one row per length: the
-- forecast reads 36 months of history, and a province has hundreds of lengths a month.
CREATE TABLE candidacy_hist (
    org_id BIGINT NOT NULL,
    period INTEGER NOT NULL,
    counts TEXT NOT NULL,
    PRIMARY KEY (org_id, period)
);
DELETE FROM report_agg WHERE kind = 'candidacy';
INSERT INTO pending_task (name) VALUES ('rebuild_report_agg') ON CONFLICT (name) DO NOTHING;
-- Kept in step between ../sqlite and ../postgres (the schema-parity test compares both).
