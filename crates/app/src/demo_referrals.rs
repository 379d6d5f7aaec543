//! The demo's referrals: for each task force, survivors of its first victim service provider
//! referred to partners (and, in North Dakota, to regions whose navigators route them), in every
//! state of the workflow, over the weeks before the demo's day; with the survivors' consents in
//! force, one expired and one revoked; and the breaches of the SLA told. North Dakota's partners
//! are placed in its eight regions, so each navigator has a queue and local partners.
//!
//! Everything is written through the use cases by the demo members' own principals, on clocks
//! set to the moment each step happened (so ages, deadlines and breaches are real).

use crate::demo_cases::principal;
use crate::{Actor, App, AppError, FixedClock, Result};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use taskforce_domain::cases::{CaseKind, PersonRole};
use taskforce_domain::consent::ConsentInput;
use taskforce_domain::referrals::*;
use taskforce_domain::structure::*;
use taskforce_store::cases as case_db;

const SYSTEM: Actor = Actor::System("demo");

/// The same application with its clock at `at` (the demo's past).
fn at(app: &App, at: DateTime<Utc>) -> App {
    App {
        clock: Arc::new(FixedClock::new(at)),
        ..app.clone()
    }
}

/// Where each demo referral ends: (days before the demo's day it was sent, urgency, to a
/// region, the steps after sending).
const PLAN: &[(i64, Urgency, bool, &[Step])] = &[
    (0, Urgency::Routine, false, &[]),
    (2, Urgency::Emergency, false, &[]),
    (3, Urgency::Urgent, false, &[Step::Receive]),
    (5, Urgency::Routine, false, &[Step::Receive, Step::Accept]),
    (6, Urgency::Urgent, false, &[Step::Decline]),
    (4, Urgency::Routine, false, &[Step::AskInfo]),
    (
        20,
        Urgency::Routine,
        false,
        &[
            Step::Accept,
            Step::Complete(ReferralOutcome::ServicesProvided),
        ],
    ),
    (
        30,
        Urgency::Urgent,
        false,
        &[
            Step::Receive,
            Step::Accept,
            Step::Complete(ReferralOutcome::ServicesStarted),
        ],
    ),
    (
        12,
        Urgency::Routine,
        false,
        &[Step::AskInfo, Step::Answer, Step::Accept],
    ),
    (9, Urgency::Routine, false, &[Step::Withdraw]),
    (
        25,
        Urgency::Emergency,
        false,
        &[Step::Accept, Step::Complete(ReferralOutcome::UnableToReach)],
    ),
    (1, Urgency::Urgent, true, &[]),
    (0, Urgency::Routine, true, &[]),
    (3, Urgency::Emergency, true, &[]),
    (7, Urgency::Urgent, true, &[Step::Route, Step::Accept]),
    (
        15,
        Urgency::Routine,
        true,
        &[
            Step::Route,
            Step::Accept,
            Step::Complete(ReferralOutcome::ServicesProvided),
        ],
    ),
    (10, Urgency::Routine, true, &[Step::Route, Step::Decline]),
    (2, Urgency::Urgent, true, &[Step::Route]),
];

#[derive(Clone, Copy, Debug)]
enum Step {
    Route,
    Receive,
    Accept,
    Decline,
    AskInfo,
    Answer,
    Complete(ReferralOutcome),
    Withdraw,
}

/// A partner that can work a referral: the organization and one of its members who may.
struct Partner {
    organization: Organization,
    worker: Actor,
}

/// Writes the demo referrals of one task force; returns how many were sent.
pub(crate) async fn seed_referrals(app: &App, tf: &TaskForce) -> Result<usize> {
    let regions = app.regions(&SYSTEM, tf.id).await?;
    // North Dakota: each partner placed in a region (round the regions), so every navigator has
    // local partners to route to.
    if !regions.is_empty() {
        for (i, o) in app
            .organizations(&SYSTEM, tf.id)
            .await?
            .iter()
            .filter(|o| o.kind != OrganizationKind::TechnicalAssistanceProvider)
            .enumerate()
        {
            let mut input = OrganizationInput::from(o);
            input.region_id = Some(regions[i % regions.len()].id);
            app.update_organization(&SYSTEM, tf.id, o.id, o.version, input)
                .await?;
        }
    }
    let organizations = app.organizations(&SYSTEM, tf.id).await?;
    let members = app.members(&SYSTEM, tf.id).await?;
    let worker_of = |o: &Organization| {
        members.iter().find_map(|m| {
            let ms = m.memberships.iter().find(|s| {
                s.organization_id == o.id
                    && s.roles.iter().any(|r| {
                        matches!(
                            r,
                            Role::Advocate
                                | Role::Investigator
                                | Role::Prosecutor
                                | Role::Supervisor
                        )
                    })
            })?;
            Some(principal(m, o, ms.roles.clone()))
        })
    };
    let vsp = organizations
        .iter()
        .find(|o| o.kind == OrganizationKind::VictimServiceProvider)
        .ok_or_else(|| AppError::Internal("the demo referrals need a provider".into()))?;
    let sender = worker_of(vsp)
        .ok_or_else(|| AppError::Internal("the demo provider has no advocate".into()))?;
    // Partners: the other providers first, then law enforcement and prosecutors.
    let mut partners: Vec<Partner> = organizations
        .iter()
        .filter(|o| o.id != vsp.id && o.active)
        .filter_map(|o| {
            worker_of(o).map(|worker| Partner {
                organization: o.clone(),
                worker,
            })
        })
        .collect();
    partners.sort_by_key(|p| p.organization.kind != OrganizationKind::VictimServiceProvider);
    if partners.is_empty() {
        return Ok(0);
    }

    let navigator_of = |region: &Region| {
        let id = region.navigators.first()?;
        let m = members.iter().find(|m| m.id == *id)?;
        let ms = m.memberships.first()?;
        let o = organizations.iter().find(|o| o.id == ms.organization_id)?;
        Some(principal(m, o, ms.roles.clone()))
    };

    // The provider's survivors (victims on its service cases).
    let Actor::Member(sender_principal) = &sender else {
        return Ok(0);
    };
    let visibility = taskforce_domain::access::Visibility::of(
        sender_principal,
        taskforce_domain::access::Action::List,
        &[taskforce_domain::access::ResourceKind::ServiceCase],
        app.clock().now(),
    )
    .ok_or_else(|| AppError::Internal("the demo advocate lists no cases".into()))?;
    let mut conn = app.store().conn().await?;
    let (cases, _) = case_db::list_cases(
        &mut conn,
        &visibility,
        &case_db::CaseFilter {
            kind: Some(CaseKind::ServiceCase),
            organization: Some(vsp.id),
            ..Default::default()
        },
        60,
        0,
    )
    .await?;
    let mut survivors = Vec::new();
    for case in &cases {
        for (part, row) in case_db::case_persons(&mut conn, tf.id, case.id).await? {
            if part.role == PersonRole::Victim && row.person.owner_organization_id == vsp.id {
                survivors.push(row.person.id);
            }
        }
    }
    drop(conn);

    let epoch = app.clock().now();
    let mut sent = 0;
    for (n, (days, urgency, to_region, steps)) in PLAN.iter().enumerate() {
        if *to_region && regions.is_empty() {
            continue;
        }
        let Some(person) = survivors.get(n).copied() else {
            break;
        };
        let partner = &partners[n % partners.len()];
        let region = (!regions.is_empty()).then(|| &regions[n % regions.len()]);
        // The partner a navigator routes to: a local partner of the region when there is one.
        let routed = match region {
            Some(g) if *to_region => partners
                .iter()
                .find(|p| p.organization.region_id == Some(g.id))
                .unwrap_or(partner),
            _ => partner,
        };
        let hours = match n % 3 {
            0 => 3,
            1 => 9,
            _ => 15,
        };
        let t0 = epoch - Duration::days(*days) - Duration::hours(hours);
        let then = at(app, t0 - Duration::hours(1));
        then.record_consent(
            &sender,
            tf.id,
            person,
            ConsentInput {
                recipients: vec![routed.organization.id.to_string()],
                categories: vec!["identity".into(), "contact".into(), "services".into()],
                purpose: "Referral for the services the survivor asked for".into(),
                method: "signed_electronically".into(),
                ..Default::default()
            },
        )
        .await?;
        let input = ReferralInput {
            person_id: person.to_string(),
            to: if *to_region { "region" } else { "organization" }.into(),
            organization_id: routed.organization.id.to_string(),
            region_id: region.map(|g| g.id.to_string()).unwrap_or_default(),
            needs: match n % 4 {
                0 => vec!["emergency_housing".into(), "case_management".into()],
                1 => vec!["medical".into(), "mental_health".into()],
                2 => vec!["immigration_legal".into()],
                _ => vec!["employment".into(), "transportation".into()],
            },
            urgency: urgency.code().into(),
            categories: vec!["identity".into(), "contact".into()],
            details: "The survivor prefers to be called in the afternoon, in Spanish.".into(),
            attested: false,
        };
        let mut referral = at(app, t0).send_referral(&sender, tf.id, input).await?;
        sent += 1;
        for (k, step) in steps.iter().enumerate() {
            let when = t0 + Duration::hours(2 * (i64::try_from(k).unwrap_or(0) + 1));
            let (who, action, note, outcome) = match step {
                Step::Route => {
                    let Some(navigator) = region.and_then(navigator_of) else {
                        break;
                    };
                    (navigator, "route", "", "")
                }
                Step::Receive => (routed.worker.clone(), "receive", "", ""),
                Step::Accept => (routed.worker.clone(), "accept", "We will call today.", ""),
                Step::Decline => (
                    routed.worker.clone(),
                    "decline",
                    "No bed free this week; please try another shelter.",
                    "",
                ),
                Step::AskInfo => (
                    routed.worker.clone(),
                    "ask_info",
                    "Which language does the survivor prefer, and is there a safe number?",
                    "",
                ),
                Step::Answer => (
                    sender.clone(),
                    "answer",
                    "Spanish; call the advocate's line and we will connect you.",
                    "",
                ),
                Step::Complete(o) => (
                    routed.worker.clone(),
                    "complete",
                    "Closed with the survivor's agreement.",
                    o.code(),
                ),
                Step::Withdraw => (
                    sender.clone(),
                    "withdraw",
                    "The survivor chose another provider closer to home.",
                    "",
                ),
            };
            referral = at(app, when)
                .act_on_referral(
                    &who,
                    tf.id,
                    referral.id,
                    ReferralActionInput {
                        action: action.into(),
                        organization_id: routed.organization.id.to_string(),
                        note: note.into(),
                        outcome: outcome.into(),
                        version: Some(referral.version),
                    },
                )
                .await?;
        }
    }

    // Consents that no longer open anything: one expired, one revoked.
    if let (Some(first), Some(second)) = (
        survivors.get(PLAN.len()).copied(),
        survivors.get(PLAN.len() + 1).copied(),
    ) {
        let long_ago = epoch - Duration::days(90);
        let until = (long_ago + Duration::days(30))
            .format("%Y-%m-%d")
            .to_string();
        at(app, long_ago)
            .record_consent(
                &sender,
                tf.id,
                first,
                ConsentInput {
                    recipients: vec![partners[0].organization.id.to_string()],
                    categories: vec!["identity".into(), "services".into()],
                    purpose: "Referral for housing".into(),
                    method: "written".into(),
                    valid_until: Some(until),
                    ..Default::default()
                },
            )
            .await?;
        let given = at(app, long_ago)
            .record_consent(
                &sender,
                tf.id,
                second,
                ConsentInput {
                    recipients: vec![partners[0].organization.id.to_string()],
                    categories: vec!["identity".into()],
                    purpose: "Referral for legal help".into(),
                    method: "written".into(),
                    ..Default::default()
                },
            )
            .await?;
        at(app, epoch - Duration::days(10))
            .revoke_consent(
                &sender,
                tf.id,
                given.id,
                given.version,
                "The survivor asked that nothing more be shared.",
            )
            .await?;
    }
    // A community partner's referral (no person record: a description and an attestation).
    if let Some((member, org)) = members.iter().find_map(|m| {
        let ms = m.memberships.first()?;
        let o = organizations.iter().find(|o| o.id == ms.organization_id)?;
        (o.kind == OrganizationKind::CommunityPartner && ms.roles.contains(&Role::CommunityPartner))
            .then_some((m, o))
    }) {
        let actor = principal(member, org, vec![Role::CommunityPartner]);
        at(app, epoch - Duration::hours(5))
            .send_referral(
                &actor,
                tf.id,
                ReferralInput {
                    to: if regions.is_empty() { "organization" } else { "region" }.into(),
                    organization_id: vsp.id.to_string(),
                    region_id: regions.first().map(|g| g.id.to_string()).unwrap_or_default(),
                    needs: vec!["medical".into(), "interpretation".into()],
                    urgency: "urgent".into(),
                    details: "A worker at the clinic asked for help with her employer; reach her through the clinic's outreach nurse.".into(),
                    attested: true,
                    ..Default::default()
                },
            )
            .await?;
        sent += 1;
    }
    // Deadlines passed before the demo's day: told now, once.
    app.fire_sla_breaches().await?;
    Ok(sent)
}
