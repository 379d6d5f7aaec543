-- Referrals (C4, C7): a person referred from one organization to another, or to a region whose
-- navigators route it. `details_enc` is sealed under the sender's data key. Every change is a
-- row of `referral_events` (the history the sender and recipient see). `due_at` is the SLA
-- deadline to acceptance; `breach_notified_at` is set once, by the one worker that claims the
-- breach, so the sender and the navigators are told exactly once.

CREATE TABLE referral_sla (
    task_force_id TEXT PRIMARY KEY REFERENCES task_forces (id) ON DELETE CASCADE,
    emergency_hours BIGINT NOT NULL,
    urgent_hours BIGINT NOT NULL,
    routine_hours BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE referrals (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    person_id TEXT,
    sender_organization_id TEXT NOT NULL,
    sender_member_id TEXT NOT NULL,
    region_id TEXT,
    recipient_organization_id TEXT,
    needs TEXT NOT NULL,
    urgency TEXT NOT NULL,
    categories TEXT NOT NULL,
    consent_id TEXT,
    attested BIGINT NOT NULL DEFAULT 0,
    details_enc TEXT,
    status TEXT NOT NULL,
    status_reason_enc TEXT,
    outcome TEXT,
    outcome_note_enc TEXT,
    sent_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    breach_notified_at TEXT,
    closed_at TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    UNIQUE (task_force_id, id),
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, sender_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, sender_member_id) REFERENCES members (task_force_id, id),
    FOREIGN KEY (task_force_id, region_id) REFERENCES regions (task_force_id, id),
    FOREIGN KEY (task_force_id, recipient_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, consent_id) REFERENCES consents (task_force_id, id)
);
CREATE INDEX referrals_sender ON referrals (task_force_id, sender_organization_id, sent_at);
CREATE INDEX referrals_recipient ON referrals (task_force_id, recipient_organization_id, sent_at);
CREATE INDEX referrals_region ON referrals (task_force_id, region_id, sent_at);
CREATE INDEX referrals_due ON referrals (due_at);

CREATE TABLE referral_events (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    member_id TEXT,
    organization_id TEXT,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    detail_enc TEXT,
    FOREIGN KEY (task_force_id, referral_id) REFERENCES referrals (task_force_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX referral_events_of ON referral_events (task_force_id, referral_id, seq);
