-- Target deconfliction (C5).
-- `deconfliction_pointers` is the blind index: one row per keyed token (HMAC-SHA256 under the
-- task force's deconfliction key, 128-bit prefix in hex) of an identifier on a person of an
-- investigation, pointing at the agency, case and person that hold it. It holds no raw or
-- normalised value. The primary key starts with (task_force_id, token), so a check is one seek.
-- `deconfliction_targets` holds the owning agency's "do not disclose" flag per person.
-- `deconfliction_hits` records each overlap between two agencies' persons, once per pair, with
-- each side's hold (do-not-disclose decision), acknowledgement and contact.

CREATE TABLE deconfliction_pointers (
    task_force_id TEXT NOT NULL,
    token TEXT NOT NULL,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (task_force_id, token, person_id, kind),
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, organization_id) REFERENCES organizations (task_force_id, id)
);
CREATE INDEX deconfliction_pointers_person ON deconfliction_pointers (task_force_id, person_id);
CREATE INDEX deconfliction_pointers_case ON deconfliction_pointers (task_force_id, case_id);

CREATE TABLE deconfliction_targets (
    task_force_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    do_not_disclose BIGINT NOT NULL,
    set_by TEXT,
    set_at TEXT NOT NULL,
    PRIMARY KEY (task_force_id, person_id),
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE
);

CREATE TABLE deconfliction_hits (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    pair_key TEXT NOT NULL,
    matched TEXT NOT NULL,
    a_organization_id TEXT NOT NULL,
    a_case_id TEXT NOT NULL,
    a_person_id TEXT NOT NULL,
    a_contact_id TEXT,
    a_hold TEXT NOT NULL,
    a_acknowledged_at TEXT,
    a_acknowledged_by TEXT,
    a_contacted_at TEXT,
    a_contacted_by TEXT,
    b_organization_id TEXT NOT NULL,
    b_case_id TEXT NOT NULL,
    b_person_id TEXT NOT NULL,
    b_contact_id TEXT,
    b_hold TEXT NOT NULL,
    b_acknowledged_at TEXT,
    b_acknowledged_by TEXT,
    b_contacted_at TEXT,
    b_contacted_by TEXT,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, pair_key),
    FOREIGN KEY (task_force_id, a_person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, b_person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, a_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, b_organization_id) REFERENCES organizations (task_force_id, id)
);
CREATE INDEX deconfliction_hits_a ON deconfliction_hits (task_force_id, a_organization_id, created_at);
CREATE INDEX deconfliction_hits_b ON deconfliction_hits (task_force_id, b_organization_id, created_at);
