-- Event deconfliction (C5): planned operations and the conflicts between two agencies'
-- operations. Coordinates are integer millionths of a degree and times fixed-width RFC 3339
-- text, so the deconfliction check's prefilter (a bounding box and a window of start times,
-- `operations_window`) compares integers and text the same way on both backends; the exact
-- great-circle test runs in Rust on the few rows it returns.

CREATE TABLE operations (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    agency_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    lat_e6 BIGINT NOT NULL,
    lon_e6 BIGINT NOT NULL,
    radius_m BIGINT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    commander_id TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    planned_by TEXT NOT NULL,
    exempt_at TEXT,
    exempt_by TEXT,
    exemption_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (task_force_id, id),
    FOREIGN KEY (task_force_id, agency_id) REFERENCES organizations (task_force_id, id),
    FOREIGN KEY (task_force_id, commander_id) REFERENCES members (task_force_id, id),
    FOREIGN KEY (task_force_id, planned_by) REFERENCES members (task_force_id, id)
);
CREATE INDEX operations_window ON operations (task_force_id, starts_at, lat_e6, lon_e6, ends_at, exempt_at, agency_id);
CREATE INDEX operations_agency ON operations (task_force_id, agency_id, starts_at);

CREATE TABLE operation_conflicts (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    operation_a TEXT NOT NULL,
    operation_b TEXT NOT NULL,
    agency_a TEXT NOT NULL,
    agency_b TEXT NOT NULL,
    distance_m BIGINT NOT NULL,
    overlap_start TEXT NOT NULL,
    overlap_end TEXT NOT NULL,
    created_at TEXT NOT NULL,
    acknowledged_a_at TEXT,
    acknowledged_a_by TEXT,
    acknowledged_b_at TEXT,
    acknowledged_b_by TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, operation_a, operation_b),
    FOREIGN KEY (task_force_id, operation_a) REFERENCES operations (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, operation_b) REFERENCES operations (task_force_id, id) ON DELETE CASCADE
);
CREATE INDEX operation_conflicts_a ON operation_conflicts (task_force_id, agency_a);
CREATE INDEX operation_conflicts_b ON operation_conflicts (task_force_id, agency_b);
CREATE INDEX operation_conflicts_op_b ON operation_conflicts (task_force_id, operation_b);
