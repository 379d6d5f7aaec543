-- Threat assessment (C6): imported public datasets and their rows, versioned scoring models,
-- focus industries, outreach plans and their activities. Imports append a new dataset and
-- never change an old one, so a model version (weights + the datasets it was computed on)
-- reproduces its assessment later.

CREATE TABLE threat_datasets (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    records BIGINT NOT NULL,
    -- The import report (JSON): lines, kept, skipped by reason, rejected lines and reasons.
    report TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    UNIQUE (task_force_id, id)
);
CREATE INDEX threat_datasets_by_source ON threat_datasets (task_force_id, source, imported_at);

-- One row per record: a line of the file, and for a line naming several counties, one per county.
CREATE TABLE threat_rows (
    task_force_id TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    line BIGINT NOT NULL,
    part BIGINT NOT NULL,
    industry TEXT NOT NULL,
    fips TEXT NOT NULL,
    naics TEXT NOT NULL,
    label TEXT NOT NULL,
    -- {"m": {measure: value}, "w": [withheld measures], "n": "how derived"}
    measures TEXT NOT NULL,
    PRIMARY KEY (dataset_id, line, part),
    FOREIGN KEY (task_force_id, dataset_id) REFERENCES threat_datasets (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX threat_rows_by_cell ON threat_rows (task_force_id, industry, fips);

CREATE TABLE threat_models (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    -- The indicators with their weights and normalisers (JSON).
    indicators TEXT NOT NULL,
    -- The dataset ids the model was computed on (JSON list): its data snapshot.
    datasets TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, version)
);

CREATE TABLE threat_focus (
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    industry TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    marked_at TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    PRIMARY KEY (task_force_id, industry)
);

CREATE TABLE outreach_plans (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    industry TEXT NOT NULL,
    fips TEXT NOT NULL,
    title TEXT NOT NULL,
    goal TEXT NOT NULL DEFAULT '',
    -- Partners to engage, one per line.
    partners TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_force_id, id)
);

CREATE TABLE outreach_activities (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    happened_on TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    contacts BIGINT NOT NULL DEFAULT 0,
    people_trained BIGINT NOT NULL DEFAULT 0,
    tips_received BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    FOREIGN KEY (task_force_id, plan_id) REFERENCES outreach_plans (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX outreach_activities_by_plan ON outreach_activities (task_force_id, plan_id, happened_on);
