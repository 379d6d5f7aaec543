-- Intake (C2): tips, what is added to them later, the screening instrument per task force,
-- completed screenings, and what the public form needs (its signing secret, used form nonces).
-- A tip's narrative, its tipster's contact details and every added text are stored only
-- encrypted (`*_enc`, sealed under the routed-to organization's data key); a receipt code only
-- as its SHA-256.

-- Which organization public tips are routed to (unset: the lead law enforcement agency).
CREATE TABLE intake_settings (
    task_force_id TEXT PRIMARY KEY REFERENCES task_forces (id) ON DELETE CASCADE,
    intake_organization_id TEXT,
    instrument TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (task_force_id, intake_organization_id) REFERENCES organizations (task_force_id, id)
);

CREATE TABLE tips (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    reference TEXT NOT NULL,
    routed_organization_id TEXT NOT NULL,
    label TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_by_member_id TEXT,
    submitted_by_organization_id TEXT,
    received_at TEXT NOT NULL,
    language TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    county_fips TEXT NOT NULL DEFAULT '',
    occurred TEXT NOT NULL DEFAULT '',
    occurred_on TEXT,
    trafficking_type TEXT NOT NULL,
    naics TEXT NOT NULL DEFAULT '',
    typology BIGINT,
    minors_possible BIGINT NOT NULL DEFAULT 0,
    narrative_enc TEXT NOT NULL,
    contact_enc TEXT NOT NULL DEFAULT '',
    receipt_hash TEXT,
    assigned_member_id TEXT,
    merged_into_tip_id TEXT,
    case_id TEXT,
    close_reason TEXT,
    close_note TEXT NOT NULL DEFAULT '',
    external_reference TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, reference),
    UNIQUE (receipt_hash),
    FOREIGN KEY (task_force_id, routed_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, submitted_by_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, submitted_by_member_id) REFERENCES members (task_force_id, id),
    FOREIGN KEY (task_force_id, assigned_member_id) REFERENCES members (task_force_id, id),
    FOREIGN KEY (task_force_id, merged_into_tip_id) REFERENCES tips (task_force_id, id),
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id)
);
CREATE INDEX tips_queue ON tips (task_force_id, routed_organization_id, status, received_at);
CREATE INDEX tips_submitter ON tips (task_force_id, submitted_by_member_id, received_at);

-- Text added to a tip after it was received: by the tipster with their receipt code, or the
-- text of a tip merged into it.
CREATE TABLE tip_additions (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    tip_id TEXT NOT NULL,
    source TEXT NOT NULL,
    from_tip_id TEXT,
    text_enc TEXT NOT NULL,
    added_at TEXT NOT NULL,
    FOREIGN KEY (task_force_id, tip_id) REFERENCES tips (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX tip_additions_tip ON tip_additions (task_force_id, tip_id, added_at);

-- Nonces of public tip forms already submitted (a replayed form is refused).
CREATE TABLE tip_form_nonces (
    nonce TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    used_at TEXT NOT NULL
);

-- The installation's secret that signs public tip forms (one row, made on first use).
CREATE TABLE form_secrets (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE screenings (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    owner_organization_id TEXT NOT NULL,
    label TEXT NOT NULL,
    person_id TEXT,
    tip_id TEXT,
    case_id TEXT,
    language TEXT NOT NULL,
    moved_from_abroad BIGINT NOT NULL DEFAULT 0,
    answers TEXT NOT NULL,
    result TEXT NOT NULL,
    instrument_name TEXT NOT NULL,
    screened_by TEXT,
    screened_at TEXT NOT NULL,
    UNIQUE (task_force_id, id),
    FOREIGN KEY (task_force_id, owner_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id),
    FOREIGN KEY (task_force_id, tip_id) REFERENCES tips (task_force_id, id),
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id),
    FOREIGN KEY (task_force_id, screened_by) REFERENCES members (task_force_id, id)
);
CREATE INDEX screenings_tip ON screenings (task_force_id, tip_id);
CREATE INDEX screenings_person ON screenings (task_force_id, person_id);
