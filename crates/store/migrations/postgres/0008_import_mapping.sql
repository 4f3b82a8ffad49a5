-- Saved column mappings of spreadsheet imports (issue E): a name, the kind of file it reads and
-- the mapping itself (JSON: ketnap column -> the file's header). Kept in step with
-- ../sqlite/0008_import_mapping.sql (the schema-parity test compares both).
CREATE TABLE import_mapping (
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    mapping     TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (kind, name)
);
