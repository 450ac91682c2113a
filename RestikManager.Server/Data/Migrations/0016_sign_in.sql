-- Sign-in (issue 29): users who come from an OpenID Connect provider (just in time, named by the provider's issuer and
-- subject, with no password), a TOTP second factor for local accounts (its secret sealed with the secret key, the last
-- time step used so a code cannot be replayed), passkeys (WebAuthn public keys and their signature counters), one-time
-- recovery codes (SHA-256 of random codes), and the admin's rule
-- that every local account needs a second factor.
ALTER TABLE users ADD COLUMN issuer TEXT;
ALTER TABLE users ADD COLUMN subject TEXT;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
CREATE UNIQUE INDEX users_external ON users (issuer, subject) WHERE issuer IS NOT NULL;

CREATE TABLE recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT    NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT    NOT NULL UNIQUE,
    public_key    TEXT    NOT NULL,
    sign_count    INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    last_used_at  TEXT
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);

ALTER TABLE instance ADD COLUMN require_second_factor INTEGER NOT NULL DEFAULT 0;
