-- Task force structure (C1), PostgreSQL dialect (kept in step with sqlite/ by the conformance suite). Every table but task_forces carries task_force_id, and every
-- reference between rows goes through (task_force_id, id), so a row can never point into
-- another task force.

CREATE TABLE task_forces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    population_served BIGINT,
    description TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE task_force_counties (
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    fips TEXT NOT NULL,
    PRIMARY KEY (task_force_id, fips)
);

CREATE TABLE regions (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, name)
);

-- A county belongs to at most one region of its task force.
CREATE TABLE region_counties (
    task_force_id TEXT NOT NULL,
    region_id TEXT NOT NULL,
    fips TEXT NOT NULL,
    PRIMARY KEY (task_force_id, fips),
    FOREIGN KEY (task_force_id, region_id) REFERENCES regions (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, fips) REFERENCES task_force_counties (task_force_id, fips)
);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    region_id TEXT,
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    co_located BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, name),
    FOREIGN KEY (task_force_id, region_id) REFERENCES regions (task_force_id, id)
);
CREATE INDEX organizations_by_kind ON organizations (task_force_id, kind);

CREATE TABLE members (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, email)
);

-- One row per role a member holds in an organization.
CREATE TABLE member_roles (
    task_force_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (task_force_id, member_id, organization_id, role),
    FOREIGN KEY (task_force_id, member_id) REFERENCES members (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, organization_id) REFERENCES organizations (task_force_id, id)
);
CREATE INDEX member_roles_by_organization ON member_roles (task_force_id, organization_id);

CREATE TABLE region_navigators (
    task_force_id TEXT NOT NULL,
    region_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    PRIMARY KEY (task_force_id, region_id, member_id),
    FOREIGN KEY (task_force_id, region_id) REFERENCES regions (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, member_id) REFERENCES members (task_force_id, id)
);

CREATE TABLE mous (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    signed_on TEXT,
    effective_on TEXT,
    expires_on TEXT,
    summary TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_force_id, id)
);

CREATE TABLE mou_parties (
    task_force_id TEXT NOT NULL,
    mou_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    PRIMARY KEY (task_force_id, mou_id, organization_id),
    FOREIGN KEY (task_force_id, mou_id) REFERENCES mous (task_force_id, id) ON DELETE CASCADE,
    FOREIGN KEY (task_force_id, organization_id) REFERENCES organizations (task_force_id, id)
);

CREATE TABLE funding_awards (
    id TEXT PRIMARY KEY,
    task_force_id TEXT NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
    funder TEXT NOT NULL,
    award_number TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_force_id, id),
    UNIQUE (task_force_id, award_number),
    FOREIGN KEY (task_force_id, recipient_id) REFERENCES organizations (task_force_id, id)
);
