//! The demo's services, service plans, interview records and case reviews, written through the
//! use cases by the demo members' own principals (so every row passes the policy, is sealed and
//! audited). Built after the caseload, from its service cases and investigations.

use crate::actor::Actor;
use crate::{App, Result};
use chrono::Duration;
use taskforce_domain::access::Principal;
use taskforce_domain::cases::{CaseKind, PersonRole, TaskInput};
use taskforce_domain::services::*;
use taskforce_domain::structure::{Member, Organization, OrganizationKind, Role, TaskForce};
use taskforce_store::cases::CaseFilter;

const SYSTEM: Actor = Actor::System("demo");

/// How many were written, for the command line.
#[derive(Debug, Default, Clone, Copy)]
pub struct ServicesSummary {
    pub services: usize,
    pub interviews: usize,
    pub reviews: usize,
}

fn acting(member: &Member, organization: &Organization, role: Role) -> Option<Actor> {
    let membership = member
        .memberships
        .iter()
        .find(|s| s.organization_id == organization.id && s.roles.contains(&role))?;
    Some(Actor::Member(Principal {
        member_id: member.id,
        name: member.name.clone(),
        email: member.email.clone(),
        task_force_id: member.task_force_id,
        organization_id: organization.id,
        organization_name: organization.name.clone(),
        organization_kind: organization.kind,
        roles: membership.roles.clone(),
        strong: true,
        source: "demo".into(),
    }))
}

/// The first member acting with `role` in an organization of a kind `held` accepts.
fn first(
    organizations: &[Organization],
    members: &[Member],
    held: impl Fn(OrganizationKind) -> bool,
    role: Role,
) -> Option<Actor> {
    organizations
        .iter()
        .filter(|o| held(o.kind))
        .find_map(|o| members.iter().find_map(|m| acting(m, o, role)))
}

/// (category, provider, units, unit, amount, outcome) of the demo's services.
const SERVICES: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("case_management", "", "", "", "", "ongoing"),
    (
        "emergency_housing",
        "Safe Harbor Shelter",
        "21",
        "nights",
        "",
        "completed",
    ),
    (
        "medical",
        "County community clinic",
        "2",
        "visits",
        "180",
        "completed",
    ),
    (
        "mental_health",
        "Trauma recovery counselling",
        "8",
        "sessions",
        "",
        "ongoing",
    ),
    (
        "immigration_legal",
        "Immigrant legal aid project",
        "",
        "",
        "450",
        "ongoing",
    ),
    ("transportation", "", "6", "rides", "72.50", "completed"),
    (
        "interpretation",
        "Language line",
        "3",
        "sessions",
        "",
        "completed",
    ),
    (
        "employment",
        "Workforce centre",
        "",
        "",
        "",
        "referred_elsewhere",
    ),
];

const GOALS: &[(&str, &str)] = &[
    ("Safe, stable housing of their own", "long_term_housing"),
    ("Apply for a T visa with legal counsel", "immigration_legal"),
    (
        "Regular counselling, at a pace they choose",
        "mental_health",
    ),
    ("Find work with fair pay", "employment"),
];

/// Writes the services, plans, interviews and case reviews of one demo task force.
pub(crate) async fn seed_services(
    app: &App,
    tf: &TaskForce,
    index: usize,
) -> Result<ServicesSummary> {
    let mut summary = ServicesSummary::default();
    let organizations = app.organizations(&SYSTEM, tf.id).await?;
    let members = app.members(&SYSTEM, tf.id).await?;
    let today = app.clock().now().date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let advocate = first(
        &organizations,
        &members,
        |k| k == OrganizationKind::VictimServiceProvider,
        Role::Advocate,
    );
    let investigator = first(
        &organizations,
        &members,
        OrganizationKind::is_law_enforcement,
        Role::Investigator,
    );
    let coordinator = first(&organizations, &members, |_| true, Role::Coordinator);

    // Services, plans and interviews of the provider's survivors.
    let mut service_cases = Vec::new();
    if let Some(advocate) = &advocate {
        let org = advocate.principal().map(|p| p.organization_id);
        let filter = CaseFilter {
            kind: Some(CaseKind::ServiceCase),
            organization: org,
            ..Default::default()
        };
        let (cases, _) = app.cases(advocate, tf.id, &filter, 6, 0).await?;
        for (n, case) in cases.iter().enumerate() {
            service_cases.push(case.reference.clone());
            let view = app.case_view(advocate, tf.id, case.id).await?;
            let Some(person) = view
                .persons
                .iter()
                .find(|p| p.role == PersonRole::Victim)
                .map(|p| p.person_id)
            else {
                continue;
            };
            for k in 0..(1 + (n + index) % 3) {
                let (category, provider, units, unit, amount, outcome) =
                    SERVICES[(n * 3 + k + index) % SERVICES.len()];
                let started = today - Duration::days(90 - 20 * k as i64 - n as i64);
                app.record_service(
                    advocate,
                    tf.id,
                    person,
                    ServiceInput {
                        category: category.into(),
                        started_on: day(started),
                        ended_on: if outcome == "completed" {
                            day(started + Duration::days(21))
                        } else {
                            String::new()
                        },
                        provider: if provider.is_empty() {
                            view.owner.name.clone()
                        } else {
                            provider.into()
                        },
                        units: units.into(),
                        unit: unit.into(),
                        amount: amount.into(),
                        outcome: outcome.into(),
                    },
                )
                .await?;
                summary.services += 1;
            }
            for k in 0..(1 + n % 2) {
                let (goal, category) = GOALS[(n + k + index) % GOALS.len()];
                app.add_service_goal(
                    advocate,
                    tf.id,
                    person,
                    GoalInput {
                        goal: goal.into(),
                        category: category.into(),
                        target_on: day(today + Duration::days(60 + 30 * k as i64)),
                        status: if k == 0 { "in_progress" } else { "open" }.into(),
                    },
                )
                .await?;
            }
            if n < 3 {
                app.record_interview(
                    advocate,
                    tf.id,
                    person,
                    None,
                    InterviewInput {
                        interviewed_by: format!(
                            "{} with a forensic interviewer",
                            advocate.principal().map(|p| p.name.clone()).unwrap_or_default()
                        ),
                        interviewed_on: day(today - Duration::days(80 - n as i64 * 7)),
                        place: "Child and family advocacy centre, soft interview room".into(),
                        language: if n == 1 { "Spanish" } else { "English" }.into(),
                        interpreter: if n == 1 {
                            "Certified interpreter from the language line".into()
                        } else {
                            String::new()
                        },
                        recording_reference: format!("CAC-{}-{:04}", today.format("%Y"), 40 + n),
                        notes: "How they were recruited and moved, who controlled their pay and papers. Do not ask again for these facts; ask the advocate for anything missing.".into(),
                    },
                )
                .await?;
                summary.interviews += 1;
            }
        }
    }

    // Two past case reviews and one upcoming, with the investigator's cases on the agenda
    // (and one of the provider's, which only the provider sees).
    let (Some(investigator), Some(chair)) = (
        &investigator,
        coordinator.as_ref().or(investigator.as_ref()),
    ) else {
        return Ok(summary);
    };
    let org = investigator.principal().map(|p| p.organization_id);
    let filter = CaseFilter {
        kind: Some(CaseKind::Investigation),
        organization: org,
        ..Default::default()
    };
    let (cases, _) = app.cases(investigator, tf.id, &filter, 6, 0).await?;
    let attendees: Vec<String> = [Some(investigator), advocate.as_ref(), coordinator.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|a| a.principal().map(|p| p.member_id.to_string()))
        .collect();
    for (k, (title, offset)) in [
        ("Monthly case review", -56i64),
        ("Monthly case review", -28),
        ("Monthly case review", 14),
    ]
    .into_iter()
    .enumerate()
    {
        let held_on = today + Duration::days(offset);
        let review = app
            .create_case_review(
                chair,
                tf.id,
                CaseReviewInput {
                    title: format!("{title}, {}", held_on.format("%B %Y")),
                    held_on: day(held_on),
                    starts_at: "10:00".into(),
                    place: "Task force conference room".into(),
                    attendees: attendees.clone(),
                    attended: if offset < 0 {
                        attendees.clone()
                    } else {
                        Vec::new()
                    },
                },
            )
            .await?;
        summary.reviews += 1;
        for case in cases.iter().skip(k * 2).take(2) {
            let item = app
                .add_review_case(investigator, tf.id, review.id, &case.reference)
                .await?;
            if offset < 0 {
                app.record_review_decision(
                    investigator,
                    tf.id,
                    review.id,
                    Some(item.id),
                    "Keep open; coordinate victim services through the advocate before any further interview.",
                )
                .await?;
                app.add_review_action(
                    investigator,
                    tf.id,
                    review.id,
                    Some(item.id),
                    TaskInput {
                        title:
                            "Confirm the survivor's services are in place before the next contact"
                                .into(),
                        due_on: Some(day(held_on + Duration::days(14))),
                        assignee_member_id: investigator.principal().map(|p| p.member_id),
                        status: None,
                    },
                )
                .await?;
            }
        }
        if let (Some(advocate), Some(reference)) = (&advocate, service_cases.get(k)) {
            app.add_review_case(advocate, tf.id, review.id, reference)
                .await?;
        }
    }
    Ok(summary)
}
