-- Operator accounts, their API tokens, the one-time setup link, enrollment tokens and agents.
-- Every secret is stored as a hash: passwords with PBKDF2, random tokens with SHA-256.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    created_at    TEXT    NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

CREATE TABLE enrollment_tokens (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT    NOT NULL UNIQUE,
    label      TEXT,
    created_by TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    used_at    TEXT,
    agent_id   TEXT
);

CREATE TABLE agents (
    id              TEXT PRIMARY KEY,
    hostname        TEXT NOT NULL,
    label           TEXT,
    credential_hash TEXT NOT NULL,
    enrolled_at     TEXT NOT NULL,
    revoked_at      TEXT,
    last_seen_at    TEXT,
    agent_version   TEXT,
    agent_commit    TEXT,
    os              TEXT,
    arch            TEXT,
    restic_version  TEXT
);

CREATE INDEX agents_credential ON agents (credential_hash);
CREATE UNIQUE INDEX agents_active_hostname ON agents (hostname COLLATE NOCASE) WHERE revoked_at IS NULL;
