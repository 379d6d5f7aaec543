//! Queries whose text is built at run time (lists and search with optional filters), and the
//! one SQL statement of the access policy's visibility rule.

use taskforce_domain::access::{Label, Visibility};

/// SQL text with its `$N` parameters, built together so the numbers cannot drift.
#[derive(Default)]
pub(crate) struct Query {
    pub sql: String,
    pub binds: Vec<String>,
}

impl Query {
    /// Adds a parameter and returns its placeholder.
    pub fn bind(&mut self, value: impl Into<String>) -> String {
        self.binds.push(value.into());
        format!("${}", self.binds.len())
    }

    pub fn build(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut query = sqlx::query(&self.sql);
        for value in &self.binds {
            query = query.bind(value.as_str());
        }
        query
    }
}

/// Columns of the row being filtered, as the visibility rule reads them.
pub(crate) struct Columns<'a> {
    pub task_force: &'a str,
    /// The policy's resource kind code of the row.
    pub kind: &'a str,
    pub owner: &'a str,
    pub label: &'a str,
    /// The case whose team grants apply (NULL for rows outside cases).
    pub case: &'a str,
    /// The row's data category code for consent (NULL: no consent opens it).
    pub category: &'a str,
    /// The person a row is about (NULL: the persons on `case`), whose consent opens it.
    pub person: &'a str,
}

/// `( … )`: true for the rows `v` may see. The same rule as `access::decide` (the conformance
/// suite checks them against each other): the task force, the kinds the roles allow, then the
/// label — task-force for all; organization for the holder and its team; law-enforcement
/// sensitive likewise but never for victim service providers or community partners;
/// victim-confidential for the holding provider, or under a live consent it recorded that covers
/// the reader's organization (and role) for the row's category, from every person the row is
/// about; restricted for named members.
pub(crate) fn visible(q: &mut Query, v: &Visibility, c: &Columns<'_>) -> String {
    let tf = q.bind(v.task_force_id.to_string());
    let org = q.bind(v.organization_id.to_string());
    let member = q.bind(v.member_id.to_string());
    let today = q.bind(v.today.format("%Y-%m-%d").to_string());
    let kinds = v
        .kinds
        .iter()
        .map(|k| format!("'{}'", k.code()))
        .collect::<Vec<_>>()
        .join(", ");
    let team = |who: &str| {
        format!(
            "EXISTS (SELECT 1 FROM case_team g WHERE g.task_force_id = {tfc} AND g.case_id = {case} \
             AND ({who}) AND (g.until IS NULL OR g.until >= {today}))",
            tfc = c.task_force,
            case = c.case,
        )
    };
    let org_or_member = team(&format!(
        "g.organization_id = {org} OR g.member_id = {member}"
    ));
    let member_only = team(&format!("g.member_id = {member}"));
    let consented = consent_covers(q, v, c);
    let mut shared = vec![format!("'{}'", Label::Organization.code())];
    if !v.law_enforcement_excluded {
        shared.push(format!("'{}'", Label::LawEnforcementSensitive.code()));
    }
    format!(
        "({tfc} = {tf} AND {kind} IN ({kinds}) AND (\
         {label} = '{task_force_label}' \
         OR ({label} IN ({shared}) AND ({owner} = {org} OR {org_or_member})) \
         OR ({label} = '{vc}' AND ({owner} = {org} OR {consented})) \
         OR ({label} = '{restricted}' AND {member_only})))",
        tfc = c.task_force,
        kind = c.kind,
        label = c.label,
        owner = c.owner,
        shared = shared.join(", "),
        task_force_label = Label::TaskForce.code(),
        vc = Label::VictimConfidential.code(),
        restricted = Label::Restricted.code(),
    )
}

/// `( … )`: a live consent recorded by the row's holder covers the reader for the row's
/// category — from the row's person, or from every person on the row's case (and there is one).
fn consent_covers(q: &mut Query, v: &Visibility, c: &Columns<'_>) -> String {
    let tf = q.bind(v.task_force_id.to_string());
    let org = q.bind(v.organization_id.to_string());
    let now = q.bind(crate::values::ts(v.now));
    let roles = v
        .roles
        .iter()
        .map(|r| format!("',' || k.roles || ',' LIKE '%,{},%'", r.code()))
        .chain(std::iter::once("k.roles = ''".to_owned()))
        .collect::<Vec<_>>()
        .join(" OR ");
    let covers = |person: &str| {
        format!(
            "EXISTS (SELECT 1 FROM consent_scope s JOIN consents k ON k.task_force_id = s.task_force_id AND k.id = s.consent_id \
             WHERE s.task_force_id = {tf} AND s.person_id = {person} AND s.organization_id = {org} AND s.category = {category} \
             AND k.holder_organization_id = {owner} AND k.valid_from <= {now} AND k.valid_until > {now} \
             AND (k.revoked_at IS NULL OR k.revoked_at > {now}) AND ({roles}))",
            category = c.category,
            owner = c.owner,
        )
    };
    let case_persons = |tail: &str| {
        format!(
            "SELECT 1 FROM case_persons cp WHERE cp.task_force_id = {tf} AND cp.case_id = {case}{tail}",
            case = c.case
        )
    };
    format!(
        "({category} IS NOT NULL AND CASE WHEN {person} IS NOT NULL THEN {one} \
         ELSE (EXISTS ({any}) AND NOT EXISTS ({uncovered})) END)",
        category = c.category,
        person = c.person,
        one = covers(c.person),
        any = case_persons(""),
        uncovered = case_persons(&format!(" AND NOT {}", covers("cp.person_id"))),
    )
}
