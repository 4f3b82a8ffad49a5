-- Sign-in, roles, sessions, API tokens, lockout (SQLite). Keep in step with
-- ../postgres/0007_auth.sql (the schema-parity test compares both). Times are Unix seconds.

-- Người dùng: a user, with a role confined to the subtree of org_id (admin: everything).
CREATE TABLE app_user (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    -- argon2id PHC string; NULL for an account that signs in with API tokens only.
    password_hash   TEXT,
    role            TEXT NOT NULL,
    -- The unit whose subtree confines the user; NULL only for an administrator.
    org_id          BIGINT,
    disabled        BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    password_set_at BIGINT NOT NULL
);

-- A signed-in browser: only the SHA-256 of the cookie's token is stored.
CREATE TABLE app_session (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL
);
CREATE INDEX app_session_user ON app_session (user_id);

-- An API token for an integration: only its SHA-256 is stored; shown once when created.
CREATE TABLE api_token (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    last_used   BIGINT,
    revoked     BOOLEAN NOT NULL
);
CREATE INDEX api_token_user ON api_token (user_id);

-- Failed sign-ins per username (lockout: 5 in 15 minutes lock it for 15 minutes).
CREATE TABLE login_failure (
    username    TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX login_failure_user ON login_failure (username, at);
