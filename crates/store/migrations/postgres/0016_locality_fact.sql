-- The coverage facts of every locality over time (issue C item 5; docs/decisions.md §14): one
-- row per spell over which a locality belongs to one commune and its facts stay the same —
-- whether a member lives there (`residents`), the branch serving it (`branch_id`, 0 when none),
-- how many localities that branch serves (`serves`) and whether the branch has a member
-- (`branch_members`). A coverage report reads one row per locality of the subtree instead of
-- probing every locality's residents and branch. Kept exact by the store in the transaction of
-- every write that changes those facts (status spells, a person's residence, a locality, its
-- commune or its service); rebuilt with the other aggregates and checked by `aggregates verify`.
-- Kept in step between ../sqlite and ../postgres (the schema-parity test compares both).
CREATE TABLE locality_fact (
    locality_id    BIGINT NOT NULL,
    valid_from     DATE NOT NULL,
    commune_id     BIGINT NOT NULL,
    branch_id      BIGINT NOT NULL,
    valid_to       DATE NOT NULL,
    kind           TEXT NOT NULL,
    serves         BIGINT NOT NULL,
    residents      INTEGER NOT NULL,
    branch_members INTEGER NOT NULL,
    PRIMARY KEY (locality_id, valid_from, commune_id, branch_id)
);
-- The report's reading: the spells of a commune's localities holding a day, from the index.
CREATE INDEX locality_fact_commune ON locality_fact (commune_id, valid_to)
    INCLUDE (valid_from, kind, residents, serves, branch_members, branch_id);
INSERT INTO pending_task (name) VALUES ('rebuild_report_agg') ON CONFLICT (name) DO NOTHING;
