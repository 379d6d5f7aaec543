-- Target deconfliction per agency (issue 6): a person put on another agency's investigation
-- (an existing record added to a case) is that agency's target too, so the pointer index keeps
-- one pointer per token, person, kind *and agency*, and a hit is one per pair of (person,
-- agency) sides: the same person held by two agencies is an overlap, and a third agency that
-- takes them up is told as well. The person index gains the agency, for replacing one agency's
-- pointers of a person (an old name, a removed identifier stop matching).
-- SQLite cannot change a primary key in place: the table is rebuilt (it is referenced by none).

CREATE TABLE deconfliction_pointers_new (
    task_force_id TEXT NOT NULL,
    token TEXT NOT NULL,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (task_force_id, token, person_id, kind, organization_id),
    FOREIGN KEY (task_force_id, person_id) REFERENCES persons (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, case_id) REFERENCES cases (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, organization_id) REFERENCES organizations (task_force_id, id)
) WITHOUT ROWID;
INSERT INTO deconfliction_pointers_new (task_force_id, token, person_id, kind, organization_id, case_id, created_by, created_at)
    SELECT task_force_id, token, person_id, kind, organization_id, case_id, created_by, created_at FROM deconfliction_pointers;
DROP TABLE deconfliction_pointers;
ALTER TABLE deconfliction_pointers_new RENAME TO deconfliction_pointers;
CREATE INDEX deconfliction_pointers_person ON deconfliction_pointers (task_force_id, person_id, organization_id);
CREATE INDEX deconfliction_pointers_case ON deconfliction_pointers (task_force_id, case_id);

-- `pair_key` names both sides as person/agency, smaller first (bytewise, as Rust orders them:
-- `domain::deconfliction::pair_key`).
UPDATE deconfliction_hits SET pair_key = CASE
    WHEN a_person_id || '/' || a_organization_id <= b_person_id || '/' || b_organization_id
    THEN a_person_id || '/' || a_organization_id || '|' || b_person_id || '/' || b_organization_id
    ELSE b_person_id || '/' || b_organization_id || '|' || a_person_id || '/' || a_organization_id
    END;
