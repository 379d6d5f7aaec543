-- Consent (C4) and notifications (C7).
-- A consent is kept per person by the organization that recorded it; `consent_scope` holds one
-- row per recipient organization and data category, so the one SQL statement of the access
-- rule (`visibility::visible`) can test "a live consent covers this reader for this category"
-- inside a query. Notifications are a member's inbox; the outbox holds e-mails for SMTP.

CREATE TABLE consent_settings (
    task_force_id TEXT PRIMARY KEY REFERENCES task_forces (id) ON DELETE CASCADE,
    max_days BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL,
    holder_organization_id TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '',
    categories TEXT NOT NULL,
    purpose TEXT NOT NULL,
    method TEXT NOT NULL,
    legal_basis TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT,
    revocation_reason TEXT NOT NULL DEFAULT '',
    expiry_noticed_at TEXT,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (task_force_id, id),
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, holder_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, recorded_by) REFERENCES members (task_force_id, id)
);
CREATE INDEX consents_person ON consents (task_force_id, person_id);
CREATE INDEX consents_until ON consents (valid_until);

CREATE TABLE consent_scope (
    task_force_id TEXT NOT NULL,
    consent_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    category TEXT NOT NULL,
    PRIMARY KEY (task_force_id, consent_id, organization_id, category),
    FOREIGN KEY (task_force_id, consent_id) REFERENCES consents (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX consent_scope_lookup ON consent_scope (task_force_id, person_id, organization_id, category);

-- What the access rule needs of a searchable record to test consent: its data category and,
-- for a record about one person, that person (else the case's persons apply).
ALTER TABLE search_docs ADD COLUMN category TEXT;
ALTER TABLE search_docs ADD COLUMN person_id TEXT;

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT,
    UNIQUE (task_force_id, id),
    FOREIGN KEY (task_force_id, member_id) REFERENCES members (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX notifications_inbox ON notifications (task_force_id, member_id, created_at);

CREATE TABLE notification_outbox (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sent_at TEXT,
    FOREIGN KEY (task_force_id, notification_id) REFERENCES notifications (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX notification_outbox_due ON notification_outbox (state, next_attempt_at);
