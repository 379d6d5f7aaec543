-- Services and service plans, the shared interview record, case reviews (issue 5, parts 4-6).
-- Services, goals and interviews belong to a person and are held by the organization that
-- recorded them (its label and data category are what the policy reads). Sealed columns end in
-- _enc. A case review's agenda items point at cases; a decision is sealed under the key of the
-- organization that holds the case; action items are the case's own tasks.

CREATE TABLE service_categories (
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    words TEXT NOT NULL,
    active BIGINT NOT NULL,
    PRIMARY KEY (task_force_id, code)
);

CREATE TABLE services (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    holder_organization_id TEXT NOT NULL,
    label TEXT NOT NULL,
    category TEXT NOT NULL,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    provider TEXT NOT NULL,
    units BIGINT,
    unit TEXT NOT NULL DEFAULT '',
    amount_cents BIGINT,
    outcome TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (task_force_id, id),
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, holder_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, recorded_by) REFERENCES members (task_force_id, id)
);
CREATE INDEX services_person ON services (task_force_id, person_id, started_on);

CREATE TABLE service_goals (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    holder_organization_id TEXT NOT NULL,
    label TEXT NOT NULL,
    category TEXT,
    goal TEXT NOT NULL,
    target_on TEXT,
    status TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (task_force_id, id),
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, holder_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, recorded_by) REFERENCES members (task_force_id, id)
);
CREATE INDEX service_goals_person ON service_goals (task_force_id, person_id);

-- One interview record per survivor (per person record of the task force).
CREATE TABLE interviews (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    holder_organization_id TEXT NOT NULL,
    label TEXT NOT NULL,
    interviewed_by TEXT NOT NULL,
    interviewed_on TEXT NOT NULL,
    place_enc TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL,
    interpreter TEXT NOT NULL DEFAULT '',
    recording_reference_enc TEXT NOT NULL DEFAULT '',
    notes_enc TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, person_id),
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, holder_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, recorded_by) REFERENCES members (task_force_id, id)
);

CREATE TABLE case_reviews (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    starts_at TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (task_force_id, id),
    FOREIGN KEY (task_force_id, created_by) REFERENCES members (task_force_id, id)
);
CREATE INDEX case_reviews_held ON case_reviews (task_force_id, held_on);

CREATE TABLE case_review_attendees (
    task_force_id TEXT NOT NULL,
    review_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    attended BIGINT NOT NULL,
    PRIMARY KEY (task_force_id, review_id, member_id),
    FOREIGN KEY (task_force_id, review_id) REFERENCES case_reviews (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, member_id) REFERENCES members (task_force_id, id)
);

CREATE TABLE case_review_items (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    review_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    decision_enc TEXT NOT NULL DEFAULT '',
    decided_at TEXT,
    added_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, review_id, case_id),
    FOREIGN KEY (task_force_id, review_id) REFERENCES case_reviews (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE
);

-- Action items: the tasks a review made on an agenda case (the tasks themselves are the case's).
CREATE TABLE case_review_actions (
    task_force_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    PRIMARY KEY (task_force_id, item_id, task_id),
    FOREIGN KEY (task_force_id, item_id) REFERENCES case_review_items (task_force_id, id) ON DELETE CASCADE
);
