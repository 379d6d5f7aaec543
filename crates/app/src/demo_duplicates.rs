//! The demo's possible duplicates and counting consents: in each demo task force, a law
//! enforcement agency entered a few survivors twice (a nickname, an accent, a mistyped date),
//! which its investigators find under "Possible duplicates"; and the first few clients of each
//! victim service provider consented to be counted once across the task force (the counting
//! category, to the coordinator's organization), so the unduplicated victim count shows both
//! kinds of client. Written through the use cases by the demo members' own principals.

use crate::actor::Actor;
use crate::{App, AppError, Result};
use taskforce_domain::access::{Label, Principal};
use taskforce_domain::cases::*;
use taskforce_domain::consent::ConsentInput;
use taskforce_domain::structure::{Member, Organization, OrganizationKind, Role, TaskForce};
use taskforce_store::duplicates as db;

const SYSTEM: Actor = Actor::System("demo");

/// The survivors entered twice: the first record, and how the second one was typed.
const TWICE: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    // given, family, date of birth, phone; second given, family, date of birth
    (
        "Guadalupe",
        "Hernández",
        "1996-02-14",
        "+17015550141",
        "Lupe",
        "Hernandez",
        "1996-02-14",
    ),
    (
        "Oleksandr",
        "Shevchenko",
        "1989-11-03",
        "+17015550177",
        "Alexander",
        "Shevchenko",
        "1989-11-03",
    ),
    (
        "Mariam",
        "Okafor",
        "2001-07-21",
        "+17015550123",
        "Mariam",
        "Okafor",
        "2001-07-12",
    ),
];

/// How many of each provider's clients consent to being counted.
const COUNTING_CONSENTS: usize = 4;

fn principal_of(members: &[Member], org: &Organization, role: Role) -> Option<Actor> {
    members.iter().find_map(|m| {
        let membership = m
            .memberships
            .iter()
            .find(|s| s.organization_id == org.id && s.roles.contains(&role))?;
        Some(Actor::Member(Principal {
            member_id: m.id,
            name: m.name.clone(),
            email: m.email.clone(),
            task_force_id: m.task_force_id,
            organization_id: org.id,
            organization_name: org.name.clone(),
            organization_kind: org.kind,
            roles: membership.roles.clone(),
            strong: true,
            source: "demo".into(),
        }))
    })
}

/// Adds the duplicates and consents to one demo task force, then looks for duplicates as its
/// investigator. Answers the number of pairs found.
pub(crate) async fn seed_duplicates(app: &App, tf: &TaskForce) -> Result<usize> {
    let organizations = app.organizations(&SYSTEM, tf.id).await?;
    let members = app.members(&SYSTEM, tf.id).await?;
    // The investigator the demo prints (the first member holding the role), in the agency where
    // they hold it, so that signing in as them shows the pairs.
    let investigator = members
        .iter()
        .filter(|m| m.holds(Role::Investigator))
        .find_map(|m| {
            let held = m
                .memberships
                .iter()
                .find(|s| s.roles.contains(&Role::Investigator))?;
            let org = organizations
                .iter()
                .find(|o| o.id == held.organization_id)?;
            principal_of(std::slice::from_ref(m), org, Role::Investigator)
        })
        .ok_or_else(|| AppError::Internal("the demo needs an investigator".into()))?;
    let coordinator_org = organizations
        .iter()
        .find(|o| principal_of(&members, o, Role::Coordinator).is_some())
        .map(|o| o.id);

    let case = app
        .create_case(
            &investigator,
            tf.id,
            CaseInput {
                kind: Some(CaseKind::Investigation),
                title: "Truck stop referrals (entered twice at intake)".into(),
                summary: "Survivors met during the truck stop outreach; some were entered again from the hotline log.".into(),
                trafficking_type: Some(TraffickingType::Sex),
                ..Default::default()
            },
        )
        .await?;
    for (given, family, dob, phone, given2, family2, dob2) in TWICE {
        for (g, f, d) in [(*given, *family, *dob), (*given2, *family2, *dob2)] {
            let person = app
                .add_person(
                    &investigator,
                    tf.id,
                    case.id,
                    PersonRole::Victim,
                    PersonInput {
                        given_name: g.into(),
                        family_name: f.into(),
                        date_of_birth: d.into(),
                        trafficking_status: Some(TraffickingStatus::Possible),
                        ..Default::default()
                    },
                )
                .await?;
            app.add_identifier(
                &investigator,
                tf.id,
                person.id,
                IdentifierInput {
                    kind: Some(IdentifierKind::Phone),
                    value: (*phone).into(),
                },
            )
            .await?;
        }
    }

    // Counting consents on the first clients of each provider, to the coordinator's organization.
    if let Some(recipient) = coordinator_org {
        let mut conn = app.store().conn().await?;
        let victims = db::victim_ids(&mut conn, tf.id).await?;
        let persons = db::persons(&mut conn, tf.id).await?;
        drop(conn);
        for provider in organizations
            .iter()
            .filter(|o| o.kind == OrganizationKind::VictimServiceProvider)
        {
            let Some(advocate) = principal_of(&members, provider, Role::Advocate) else {
                continue;
            };
            let clients = persons.iter().filter(|r| {
                r.person.owner_organization_id == provider.id
                    && r.person.label == Label::VictimConfidential
                    && victims.contains(&r.person.id)
            });
            for client in clients.take(COUNTING_CONSENTS) {
                app.record_consent(
                    &advocate,
                    tf.id,
                    client.person.id,
                    ConsentInput {
                        recipients: vec![recipient.to_string()],
                        categories: vec!["counting".into()],
                        purpose: "Counted once in the task force's unduplicated victim count"
                            .into(),
                        method: "written".into(),
                        ..Default::default()
                    },
                )
                .await?;
            }
        }
    }
    Ok(app.find_duplicates(&investigator, tf.id).await?.new)
}
