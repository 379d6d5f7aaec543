-- Target deconfliction per agency (issue 6): a person put on another agency's investigation
-- (an existing record added to a case) is that agency's target too, so the pointer index keeps
-- one pointer per token, person, kind *and agency*, and a hit is one per pair of (person,
-- agency) sides: the same person held by two agencies is an overlap, and a third agency that
-- takes them up is told as well. The person index gains the agency, for replacing one agency's
-- pointers of a person (an old name, a removed identifier stop matching).

ALTER TABLE deconfliction_pointers DROP CONSTRAINT deconfliction_pointers_pkey;
ALTER TABLE deconfliction_pointers ADD PRIMARY KEY (task_force_id, token, person_id, kind, organization_id);
DROP INDEX deconfliction_pointers_person;
CREATE INDEX deconfliction_pointers_person ON deconfliction_pointers (task_force_id, person_id, organization_id);

-- `pair_key` names both sides as person/agency, smaller first (bytewise, as Rust orders them:
-- `domain::deconfliction::pair_key`; hence the "C" collation).
UPDATE deconfliction_hits SET pair_key = CASE
    WHEN (a_person_id || '/' || a_organization_id) COLLATE "C" <= (b_person_id || '/' || b_organization_id) COLLATE "C"
    THEN a_person_id || '/' || a_organization_id || '|' || b_person_id || '/' || b_organization_id
    ELSE b_person_id || '/' || b_organization_id || '|' || a_person_id || '/' || a_organization_id
    END;
