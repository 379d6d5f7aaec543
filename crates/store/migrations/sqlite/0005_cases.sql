-- Cases, persons and their parts (C3). Every row carries task_force_id; every reference goes
-- through (task_force_id, id). Narratives, notes and attachments are stored only encrypted
-- (`*_enc`: "key id:base64(nonce | ciphertext | tag)", AES-256-GCM under the holding
-- organization's data key); the search index holds keyed tokens of their words, never the words.

-- Data keys: one per organization and purpose, wrapped by a master key named by its id.
CREATE TABLE data_keys (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    organization_id TEXT,
    purpose TEXT NOT NULL,
    wrapped TEXT NOT NULL,
    master_key_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    rewrapped_at TEXT,
    UNIQUE (task_force_id, organization_id, purpose)
);

-- The task force's changes to the default typology (a renamed or retired type).
CREATE TABLE case_typology (
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    name TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (task_force_id, number)
);

-- State statutes a task force charges under (the federal ones ship with the program).
CREATE TABLE case_statutes (
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    citation TEXT NOT NULL,
    title TEXT NOT NULL,
    trafficking BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (task_force_id, citation)
);

CREATE TABLE case_counters (
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    prefix TEXT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (task_force_id, prefix)
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    title TEXT NOT NULL,
    owner_organization_id TEXT NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL,
    trafficking_type TEXT NOT NULL,
    typology BIGINT,
    naics TEXT NOT NULL DEFAULT '',
    county_fips TEXT NOT NULL DEFAULT '',
    minors_involved BIGINT NOT NULL DEFAULT 0,
    summary_enc TEXT NOT NULL DEFAULT '',
    lead_member_id TEXT,
    opened_on TEXT NOT NULL,
    closed_on TEXT,
    recruitment_place TEXT NOT NULL DEFAULT '',
    recruitment_on TEXT,
    transit_place TEXT NOT NULL DEFAULT '',
    exploitation_place TEXT NOT NULL DEFAULT '',
    exploitation_from TEXT,
    exploitation_to TEXT,
    created_by TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, reference),
    FOREIGN KEY (task_force_id, owner_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, lead_member_id) REFERENCES members (task_force_id, id)
);
CREATE INDEX cases_owner ON cases (task_force_id, owner_organization_id, opened_on);
CREATE INDEX cases_kind ON cases (task_force_id, kind, status, opened_on);

-- A case's team: another organization or one member granted access until a day (inclusive).
CREATE TABLE case_team (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    organization_id TEXT,
    member_id TEXT,
    until TEXT,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, member_id) REFERENCES members (task_force_id, id)
);
CREATE INDEX case_team_case ON case_team (task_force_id, case_id);

-- Links are stored once per pair, the smaller id first.
CREATE TABLE case_links (
    task_force_id TEXT NOT NULL,
    case_a TEXT NOT NULL,
    case_b TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (task_force_id, case_a, case_b),
    FOREIGN KEY (task_force_id, case_a) REFERENCES cases (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, case_b) REFERENCES cases (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX case_links_b ON case_links (task_force_id, case_b);

CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    owner_organization_id TEXT NOT NULL,
    label TEXT NOT NULL,
    home_case_id TEXT NOT NULL,
    given_name TEXT NOT NULL DEFAULT '',
    family_name TEXT NOT NULL DEFAULT '',
    date_of_birth TEXT,
    sex TEXT NOT NULL,
    gender TEXT NOT NULL,
    nationality TEXT NOT NULL DEFAULT '',
    languages TEXT NOT NULL DEFAULT '',
    trafficking_status TEXT,
    recruitment TEXT NOT NULL DEFAULT '',
    means_of_control TEXT NOT NULL DEFAULT '',
    exploitation_types TEXT NOT NULL DEFAULT '',
    exploitation_naics TEXT NOT NULL DEFAULT '',
    vulnerabilities TEXT NOT NULL DEFAULT '',
    perpetrator_role TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_force_id, id),
    FOREIGN KEY (task_force_id, owner_organization_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, home_case_id) REFERENCES cases (task_force_id, id)
);

CREATE TABLE case_persons (
    task_force_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    role TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (task_force_id, case_id, person_id),
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX case_persons_person ON case_persons (task_force_id, person_id);

CREATE TABLE person_identifiers (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    normalized TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, entered_by) REFERENCES members (task_force_id, id)
);
CREATE INDEX person_identifiers_person ON person_identifiers (task_force_id, person_id);
CREATE INDEX person_identifiers_value ON person_identifiers (task_force_id, kind, normalized);

CREATE TABLE case_notes (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    label TEXT NOT NULL,
    body_enc TEXT NOT NULL,
    author_member_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, author_member_id) REFERENCES members (task_force_id, id)
);
CREATE INDEX case_notes_case ON case_notes (task_force_id, case_id, created_at);

CREATE TABLE case_tasks (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    title TEXT NOT NULL,
    due_on TEXT,
    assignee_member_id TEXT,
    status TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, assignee_member_id) REFERENCES members (task_force_id, id)
);
CREATE INDEX case_tasks_case ON case_tasks (task_force_id, case_id);
CREATE INDEX case_tasks_assignee ON case_tasks (task_force_id, assignee_member_id, status);

CREATE TABLE case_timeline (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    description TEXT NOT NULL,
    recorded_by TEXT,
    recorded_at TEXT NOT NULL,
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX case_timeline_case ON case_timeline (task_force_id, case_id, occurred_on);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    label TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content_enc TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX attachments_case ON attachments (task_force_id, case_id);

CREATE TABLE charges (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    defendant_person_id TEXT NOT NULL,
    statute TEXT NOT NULL,
    counts BIGINT NOT NULL,
    stage TEXT NOT NULL,
    stage_on TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, defendant_person_id) REFERENCES persons (task_force_id, id)
);
CREATE INDEX charges_case ON charges (task_force_id, case_id);

CREATE TABLE court_events (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    court TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX court_events_case ON court_events (task_force_id, case_id, on_date);

CREATE TABLE sentences (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    defendant_person_id TEXT NOT NULL,
    imposed_on TEXT NOT NULL,
    custody_months BIGINT NOT NULL,
    supervised_release_months BIGINT NOT NULL,
    restitution_cents BIGINT NOT NULL,
    fine_cents BIGINT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, defendant_person_id) REFERENCES persons (task_force_id, id)
);

CREATE TABLE relief_requests (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    requested_on TEXT NOT NULL,
    decided_on TEXT,
    outcome TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id)
);
CREATE INDEX relief_requests_case ON relief_requests (task_force_id, case_id);

-- The search index: one row per searchable record, with what visibility needs (kind, holder,
-- label, case for team grants) and `terms`: keyed tokens of its words (never the words).
CREATE TABLE search_docs (
    doc_id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    doc_kind TEXT NOT NULL,
    resource_kind TEXT NOT NULL,
    case_id TEXT,
    owner_organization_id TEXT NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT '',
    trafficking_type TEXT NOT NULL DEFAULT '',
    occurred_on TEXT NOT NULL,
    terms TEXT NOT NULL
);
CREATE INDEX search_docs_case ON search_docs (task_force_id, case_id);

-- FTS5 over the tokens; rows are kept in step with search_docs by the store (same rowid).
CREATE VIRTUAL TABLE search_fts USING fts5 (terms, content = 'search_docs', content_rowid = 'rowid', tokenize = 'unicode61');
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, terms) VALUES (new.rowid, new.terms);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, terms) VALUES ('delete', old.rowid, old.terms);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, terms) VALUES ('delete', old.rowid, old.terms);
    INSERT INTO search_fts (rowid, terms) VALUES (new.rowid, new.terms);
END;
