-- Báo cáo đã gửi lên cấp trên — a report as submitted upward, frozen (issue C item 8): the
-- request that produced it and its JSON as sent. Later corrections of the facts change the
-- current report, never this one; `ketnap report compare` shows reported vs current.
-- Kept in step between ../sqlite and ../postgres (the schema-parity test compares both).
CREATE TABLE report_submission (
    id           INTEGER PRIMARY KEY,
    report       TEXT NOT NULL,
    org_id       BIGINT NOT NULL,
    request      TEXT NOT NULL,
    payload      TEXT NOT NULL,
    actor        TEXT NOT NULL,
    submitted_at TEXT NOT NULL
);
CREATE INDEX report_submission_org ON report_submission (org_id, id);
