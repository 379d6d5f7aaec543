-- Identity: sign-in accounts of members, password history, second factors, sessions and
-- personal access tokens. Secrets are stored only as hashes, except the TOTP seed, which the
-- server must read to check codes.

ALTER TABLE task_forces ADD COLUMN max_sessions BIGINT NOT NULL DEFAULT 1;

CREATE TABLE accounts (
    member_id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    -- The sign-in name: unique across the whole installation.
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    disabled_at TEXT,
    expires_at TEXT,
    totp_secret TEXT,
    totp_pending_secret TEXT,
    totp_enrolled_at TEXT,
    last_sign_in_at TEXT,
    created_at TEXT NOT NULL,
    FOREIGN KEY (task_force_id, member_id) REFERENCES members (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX accounts_by_task_force ON accounts (task_force_id);

CREATE TABLE password_history (
    member_id TEXT NOT NULL REFERENCES accounts (member_id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    set_at TEXT NOT NULL
);
CREATE INDEX password_history_by_member ON password_history (member_id, set_at);

CREATE TABLE recovery_codes (
    member_id TEXT NOT NULL REFERENCES accounts (member_id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (member_id, code_hash)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES accounts (member_id) ON DELETE CASCADE,
    task_force_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    strong BIGINT NOT NULL DEFAULT 0,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_member ON sessions (member_id, created_at);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES accounts (member_id) ON DELETE CASCADE,
    task_force_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_by_member ON api_tokens (member_id);
