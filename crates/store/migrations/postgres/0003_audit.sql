-- The tamper-evident audit log (see taskforce_domain::audit), PostgreSQL dialect (kept in step
-- with sqlite/ by the conformance suite). Entries are numbered without gaps
-- and hash-chained: hash = SHA-256 over the previous hash, seq and the record's canonical bytes,
-- stored as lowercase hex text. No foreign keys: an entry outlives what it is about, and it
-- spans task forces (a failed sign-in belongs to none).

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    task_force_id TEXT,
    actor_member_id TEXT,
    actor_email TEXT NOT NULL,
    organization_id TEXT,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    source TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE INDEX audit_log_by_task_force ON audit_log (task_force_id, at);

-- One row: the last entry written (so a cut-off end is noticed) and where the chain starts
-- (moved forward when entries older than the retention period are purged). Appending locks it,
-- so entries are numbered one writer at a time.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    anchor_seq BIGINT NOT NULL,
    anchor_prev_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash, anchor_seq, anchor_prev_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000',
        1, '0000000000000000000000000000000000000000000000000000000000000000');
