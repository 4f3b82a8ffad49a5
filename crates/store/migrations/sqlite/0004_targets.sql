-- Chỉ tiêu phát triển đảng viên — one row per unit, kind and period (a year `2024` or a term
-- `2020-2025`), keeping both the assigned (giao) and the registered (đăng ký) figure. Kept in
-- step between ../sqlite and ../postgres (the schema-parity test compares both). Who changed a
-- target and when is in audit_log (entity 'target').
CREATE TABLE org_target (
    org_id       BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    period       TEXT NOT NULL,
    period_from  DATE NOT NULL,
    period_to    DATE NOT NULL,
    assigned     BIGINT,
    registered   BIGINT,
    PRIMARY KEY (org_id, kind, period)
);
CREATE INDEX org_target_period ON org_target (period, kind);
