-- ketnap admission pipeline (SQLite). Keep in step with ../postgres/0002_pipeline.sql: the
-- schema-parity test compares both. Dates are ISO text; an open end is '9999-12-31'.

-- Hồ sơ phát triển đảng viên — one candidate's case. Its state is derived from its events; the
-- columns after `version` are projections of that state, rewritten in the transaction that
-- appends each event (tests compare them with a recomputation from the events).
CREATE TABLE pipeline_case (
    id                  INTEGER PRIMARY KEY,
    person_id           BIGINT NOT NULL,
    -- The branch the case is in now (follows transfers); origin_branch_id put it on the list.
    branch_id           BIGINT NOT NULL,
    origin_branch_id    BIGINT NOT NULL,
    opened_on           DATE NOT NULL,
    proposed_by         TEXT NOT NULL,
    -- Optimistic locking: +1 on every event.
    version             BIGINT NOT NULL,
    updated_by          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    stage               TEXT NOT NULL,
    is_open             BOOLEAN NOT NULL,
    mentor_id           BIGINT,
    last_event_on       DATE NOT NULL,
    -- The earliest time limit pending (decision, ceremony, new-member course, recognition).
    deadline_on         DATE,
    -- The awareness certificate's issue date while it must still count (before the branch vote).
    certificate_issued  DATE
);
CREATE INDEX pipeline_case_branch ON pipeline_case (branch_id, is_open, stage);
CREATE INDEX pipeline_case_person ON pipeline_case (person_id);
CREATE INDEX pipeline_case_mentor ON pipeline_case (mentor_id);
CREATE INDEX pipeline_case_deadline ON pipeline_case (is_open, deadline_on);
CREATE INDEX pipeline_case_last_event ON pipeline_case (is_open, last_event_on);
CREATE INDEX pipeline_case_certificate ON pipeline_case (is_open, certificate_issued);

-- Sự kiện — append-only: a correction is a new row naming the row it corrects (`corrects`).
CREATE TABLE pipeline_event (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    date        DATE NOT NULL,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    doc_form    TEXT,
    doc_number  TEXT,
    doc_date    DATE,
    actor       TEXT NOT NULL,
    corrects    BIGINT,
    reason      TEXT,
    recorded_at TEXT NOT NULL,
    UNIQUE (case_id, seq)
);
CREATE INDEX pipeline_event_kind ON pipeline_event (kind, date);

CREATE TRIGGER pipeline_event_no_update BEFORE UPDATE ON pipeline_event
BEGIN
    SELECT RAISE(ABORT, 'pipeline_event is append-only: record a correction instead');
END;
CREATE TRIGGER pipeline_event_no_delete BEFORE DELETE ON pipeline_event
BEGIN
    SELECT RAISE(ABORT, 'pipeline_event is append-only: record a retraction instead');
END;

-- Lớp bồi dưỡng — a course run by the political centre (Trung tâm chính trị) of `org_id`.
CREATE TABLE course (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    org_id          BIGINT NOT NULL,
    name            TEXT NOT NULL,
    reserved_class  TEXT,
    starts_on       DATE NOT NULL,
    ends_on         DATE NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX course_org ON course (org_id, starts_on);

CREATE TABLE course_enrolment (
    course_id       BIGINT NOT NULL,
    person_id       BIGINT NOT NULL,
    case_id         BIGINT NOT NULL,
    enrolled_on     DATE NOT NULL,
    completed       BOOLEAN NOT NULL,
    certificate_no  TEXT,
    issued          DATE,
    event_id        BIGINT,
    PRIMARY KEY (course_id, person_id)
);
CREATE INDEX course_enrolment_person ON course_enrolment (person_id);

-- Ngày nghỉ — the working-day calendar; the shipped years (data/holidays.csv) are loaded on
-- first use, year by year, and administrators edit them (source = 'admin').
CREATE TABLE holiday (
    date        DATE PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    source      TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Vùng khó khăn — units (communes, or anything above) designated mountainous, island,
-- ethnic-minority or especially difficult over a period, with the decision it comes from.
CREATE TABLE difficult_area (
    org_id      BIGINT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE NOT NULL,
    basis       TEXT NOT NULL,
    PRIMARY KEY (org_id, valid_from)
);
