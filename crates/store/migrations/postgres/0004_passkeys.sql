-- Security keys and passkeys (WebAuthn) (PostgreSQL dialect, kept in step with sqlite/ by the conformance suite): the credentials registered to
-- each account, and the ceremony a session has started (the server's half of the challenge,
-- kept here between the start and finish requests, which any instance may answer).
-- A credential holds only a public key and a signature counter: nothing secret.

CREATE TABLE security_keys (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES accounts (member_id) ON DELETE CASCADE,
    task_force_id TEXT NOT NULL,
    -- base64url of the WebAuthn credential id: one account per credential, installation-wide.
    credential_id TEXT NOT NULL UNIQUE,
    -- The credential as the WebAuthn library serialises it (JSON).
    credential TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX security_keys_by_member ON security_keys (member_id, created_at);

CREATE TABLE webauthn_ceremonies (
    session_id_hash TEXT PRIMARY KEY REFERENCES sessions (id_hash) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES accounts (member_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    key_name TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX webauthn_ceremonies_by_member ON webauthn_ceremonies (member_id);
