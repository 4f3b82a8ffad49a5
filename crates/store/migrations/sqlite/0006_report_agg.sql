-- Pre-aggregated admissions and recognitions (issue C; docs/decisions.md §14). A count per unit,
-- kind ('admission' | 'recognition'), period and row of Biểu 2-BTCTW, attributed to the units
-- above the fact's branch as the structure was on the fact's date (org_closure):
--   * committees above the grassroots (central, provincial, direct): every row id per year
--     (period = YYYY00) and the 'total' per month (period = YYYYMM);
--   * grassroots committees, grassroots branches, sub-committees: the 'total' per month;
--   * branches: nothing (their facts are few; reports read them directly).
-- Kept exact by the store in the transaction of every write that changes a fact (status spells,
-- a person's characteristics, structure operations); rebuilt after bulk loads. Rows may hold 0.
-- Kept in step between ../sqlite and ../postgres (the schema-parity test compares both).
CREATE TABLE report_agg (
    org_id  BIGINT NOT NULL,
    kind    TEXT NOT NULL,
    period  INTEGER NOT NULL,
    row_id  TEXT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind, period, row_id)
) WITHOUT ROWID;
