-- The version of the working-day calendar: a random token replaced by every write to `holiday`
-- in the same transaction. A server keeps the calendar it read under its token and reads one
-- row per event write instead of the whole table (docs/decisions.md §14); two databases share
-- a token only when one is a copy of the other that neither has changed since.
-- Kept in step between ../sqlite and ../postgres (the schema-parity test compares both).
CREATE TABLE holiday_version (
    id    INTEGER PRIMARY KEY,
    token TEXT NOT NULL
);
-- A database with days already gets its token now; a new one with its first days (the shipped
-- years are loaded on first use), so that a new database stays empty for a restore.
INSERT INTO holiday_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE EXISTS (SELECT 1 FROM holiday);
