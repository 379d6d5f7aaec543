//! The demo's target deconfliction. The caseload's investigations already put their persons and
//! identifiers in the pointer index (the case use cases check each write); this adds, in each
//! demo task force, one overlap two agencies do not know they share (the same phone on two
//! agencies' investigations: both are alerted with the other's contact) and one target an
//! agency marked "do not disclose" that a third agency then meets (only the holder's
//! supervisors are alerted, and they have yet to decide). Every write goes through the use
//! cases as the agencies' own members. Built only with the caseload (it needs a master key).

use crate::{Actor, App, Result};
use taskforce_domain::access::Principal;
use taskforce_domain::cases::*;
use taskforce_domain::deconfliction::DoNotDiscloseInput;
use taskforce_domain::structure::*;
use taskforce_domain::*;

const SYSTEM: Actor = Actor::System("demo");

/// The first member of `org` holding `role`, acting there.
fn acting(members: &[Member], org: &Organization, role: Role) -> Option<Actor> {
    members.iter().find_map(|m| {
        let ms = m
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
            roles: ms.roles.clone(),
            strong: true,
            source: "demo".into(),
        }))
    })
}

async fn investigation(
    app: &App,
    who: &Actor,
    tf: TaskForceId,
    title: &str,
    given: &str,
    family: &str,
    dob: &str,
) -> Result<PersonId> {
    let case = app
        .create_case(
            who,
            tf,
            CaseInput {
                kind: Some(CaseKind::Investigation),
                title: title.into(),
                summary: "Opened from a pattern of online advertisements.".into(),
                ..Default::default()
            },
        )
        .await?;
    let person = app
        .add_person(
            who,
            tf,
            case.id,
            PersonRole::Suspect,
            PersonInput {
                given_name: given.into(),
                family_name: family.into(),
                date_of_birth: dob.into(),
                ..Default::default()
            },
        )
        .await?;
    Ok(person.id)
}

async fn phone(
    app: &App,
    who: &Actor,
    tf: TaskForceId,
    person: PersonId,
    value: &str,
) -> Result<()> {
    app.add_identifier(
        who,
        tf,
        person,
        IdentifierInput {
            kind: Some(IdentifierKind::Phone),
            value: value.into(),
        },
    )
    .await?;
    Ok(())
}

/// Writes the `index`-th demo task force's overlaps; returns how many hits were recorded.
pub(crate) async fn seed_overlaps(app: &App, tf: &TaskForce, index: usize) -> Result<usize> {
    let organizations = app.organizations(&SYSTEM, tf.id).await?;
    let members = app.members(&SYSTEM, tf.id).await?;
    let agencies: Vec<(&Organization, Actor, Actor)> = organizations
        .iter()
        .filter(|o| o.kind.is_law_enforcement())
        .filter_map(|o| {
            Some((
                o,
                acting(&members, o, Role::Investigator)?,
                acting(&members, o, Role::Supervisor)?,
            ))
        })
        .collect();
    let [first, second, third, ..] = agencies.as_slice() else {
        return Ok(0);
    };
    let n = index % 10;
    // Two agencies on the same trafficker's phone.
    let a = investigation(
        app,
        &first.1,
        tf.id,
        "Online advertisements: repeat poster",
        "Dorian",
        "Vasquez-Hale",
        "1984-09-17",
    )
    .await?;
    phone(app, &first.1, tf.id, a, &format!("(555) 013-70{n}4")).await?;
    let b = investigation(
        app,
        &second.1,
        tf.id,
        "Motel corridor: recruiter",
        "D.",
        "Hale",
        "",
    )
    .await?;
    phone(app, &second.1, tf.id, b, &format!("555-013-70{n}4")).await?;
    // An undercover target the first agency keeps to itself, met by a third agency.
    let c = investigation(
        app,
        &first.1,
        tf.id,
        "Undercover: labor broker",
        "Teodor",
        "Marculescu",
        "1971-03-08",
    )
    .await?;
    app.set_do_not_disclose(
        &first.2,
        tf.id,
        c,
        DoNotDiscloseInput {
            do_not_disclose: Some(true),
        },
    )
    .await?;
    phone(app, &first.1, tf.id, c, &format!("(555) 014-20{n}9")).await?;
    let d = investigation(
        app,
        &third.1,
        tf.id,
        "Farm labor complaint",
        "Teo",
        "Marcu",
        "",
    )
    .await?;
    phone(app, &third.1, tf.id, d, &format!("555 014 20{n}9")).await?;
    Ok(2)
}
