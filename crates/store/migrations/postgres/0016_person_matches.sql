-- Possible duplicate person records and their review (C5; issue 6 part 4).
-- One row per pair (the smaller person id first), with the field-by-field explanation of its
-- score as JSON (levels and weights, never values). A merge is recorded on the pair: which
-- record survives, and the status to return to when it is undone; no person row is changed or
-- deleted, so an unmerge restores exactly.

CREATE TABLE person_matches (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    left_person_id TEXT NOT NULL,
    right_person_id TEXT NOT NULL,
    match_probability TEXT NOT NULL,
    match_weight TEXT NOT NULL,
    fields TEXT NOT NULL,
    status TEXT NOT NULL,
    survivor_person_id TEXT,
    status_before_merge TEXT,
    found_by TEXT NOT NULL,
    found_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, left_person_id, right_person_id),
    FOREIGN KEY (task_force_id, left_person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, right_person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, survivor_person_id) REFERENCES persons (task_force_id, id),
    FOREIGN KEY (task_force_id, found_by) REFERENCES members (task_force_id, id),
    FOREIGN KEY (task_force_id, decided_by) REFERENCES members (task_force_id, id)
);
CREATE INDEX person_matches_status ON person_matches (task_force_id, status);
CREATE INDEX person_matches_right ON person_matches (task_force_id, right_person_id);
