-- ketnap foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- the schema-parity test compares both. Dates are ISO text; an open end is '9999-12-31'.

CREATE TABLE org_unit (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    code_key    TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    sector      TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE NOT NULL,
    heir_id     BIGINT
);
CREATE INDEX org_unit_heir ON org_unit (heir_id);
CREATE INDEX org_unit_kind ON org_unit (kind, valid_from);

CREATE TABLE org_name (
    unit_id     BIGINT NOT NULL,
    name        TEXT NOT NULL,
    search_key  TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE NOT NULL,
    PRIMARY KEY (unit_id, valid_from)
);
CREATE INDEX org_name_search ON org_name (search_key);

CREATE TABLE org_link (
    child_id    BIGINT NOT NULL,
    parent_id   BIGINT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE NOT NULL,
    PRIMARY KEY (child_id, valid_from)
);
CREATE INDEX org_link_parent ON org_link (parent_id, valid_from);

CREATE TABLE org_closure (
    ancestor_id   BIGINT NOT NULL,
    descendant_id BIGINT NOT NULL,
    depth         INTEGER NOT NULL,
    valid_from    DATE NOT NULL,
    valid_to      DATE NOT NULL,
    PRIMARY KEY (ancestor_id, valid_from, descendant_id, depth)
);
CREATE INDEX org_closure_descendant ON org_closure (descendant_id, depth);

CREATE TABLE org_lineage (
    predecessor_id BIGINT NOT NULL,
    successor_id   BIGINT NOT NULL,
    date           DATE NOT NULL,
    kind           TEXT NOT NULL,
    is_primary     BOOLEAN NOT NULL,
    operation_id   BIGINT,
    PRIMARY KEY (predecessor_id, successor_id)
);
CREATE INDEX org_lineage_successor ON org_lineage (successor_id);

CREATE TABLE org_operation (
    id          INTEGER PRIMARY KEY,
    op          TEXT NOT NULL,
    date        DATE NOT NULL,
    payload     TEXT NOT NULL,
    actor       TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

CREATE TABLE locality (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    code_key    TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    search_key  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE NOT NULL
);

CREATE TABLE locality_commune (
    locality_id BIGINT NOT NULL,
    org_id      BIGINT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE NOT NULL,
    PRIMARY KEY (locality_id, valid_from)
);
CREATE INDEX locality_commune_org ON locality_commune (org_id, valid_from);

CREATE TABLE locality_population (
    locality_id BIGINT NOT NULL,
    year        INTEGER NOT NULL,
    population  BIGINT NOT NULL,
    PRIMARY KEY (locality_id, year)
);

CREATE TABLE locality_service (
    locality_id BIGINT NOT NULL,
    branch_id   BIGINT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE NOT NULL,
    PRIMARY KEY (locality_id, valid_from)
);
CREATE INDEX locality_service_branch ON locality_service (branch_id, valid_from);

CREATE TABLE person (
    id                  INTEGER PRIMARY KEY,
    cccd                TEXT UNIQUE,
    full_name           TEXT NOT NULL,
    search_key          TEXT NOT NULL,
    sort_key            TEXT NOT NULL,
    sex                 TEXT NOT NULL,
    birth_date          DATE NOT NULL,
    ethnic_group        TEXT NOT NULL,
    religion            TEXT NOT NULL,
    education           TEXT NOT NULL,
    qualification       TEXT NOT NULL,
    political_theory    TEXT NOT NULL,
    occupation          TEXT NOT NULL,
    youth_union         BOOLEAN NOT NULL,
    residence_locality_id BIGINT
);
CREATE INDEX person_search ON person (search_key);
CREATE INDEX person_sort ON person (sort_key);

CREATE TABLE person_status (
    person_id   BIGINT NOT NULL,
    status      TEXT NOT NULL,
    org_id      BIGINT,
    valid_from  DATE NOT NULL,
    valid_to    DATE NOT NULL,
    PRIMARY KEY (person_id, valid_from)
);
CREATE INDEX person_status_org ON person_status (org_id, valid_from);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_key  TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_key);
