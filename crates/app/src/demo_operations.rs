//! The demo's planned operations: for each demo task force, a few SYNTHETIC operations per law
//! enforcement agency, planned by the agency's supervisor through the same use case as real
//! work (so each was deconflicted, audited and notified), and one pair of overlapping
//! operations between the first two agencies, whose conflict awaits both acknowledgements.

use crate::{Actor, App, Result};
use chrono::Duration;
use taskforce_domain::access::Principal;
use taskforce_domain::operations::{OperationInput, OperationKind};
use taskforce_domain::structure::*;

/// A centre per demo state (an invented spot near a real city) for the operations.
fn centre(state: &str) -> (f64, f64) {
    match state {
        "ND" => (46.8083, -100.7837),
        "NY" => (42.8864, -78.8784),
        "IL" => (41.8781, -87.6298),
        "FL" => (26.7153, -80.0534),
        _ => (39.8283, -98.5795),
    }
}

const TITLES: &[(&str, OperationKind, &str)] = &[
    (
        "Motel entry",
        OperationKind::WarrantService,
        "Roadside motel, east wing",
    ),
    (
        "Parking lot meet",
        OperationKind::UndercoverMeeting,
        "Truck stop lot",
    ),
    (
        "Labor site watch",
        OperationKind::Surveillance,
        "Gravel road by the work camp",
    ),
];

fn at(app: &App, days: i64, hour: i64) -> String {
    let day = app.clock().now().date_naive() + Duration::days(days);
    let t = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() + Duration::hours(hour);
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// Plans the demo operations of one task force; returns how many were planned.
pub async fn seed_operations(app: &App, tf: &TaskForce) -> Result<usize> {
    const SYSTEM: Actor = Actor::System("demo");
    let organizations = app.organizations(&SYSTEM, tf.id).await?;
    let members = app.members(&SYSTEM, tf.id).await?;
    let agencies: Vec<(&Organization, &Member)> = organizations
        .iter()
        .filter(|o| o.kind.is_law_enforcement())
        .filter_map(|o| {
            members
                .iter()
                .find(|m| {
                    m.active
                        && m.memberships.iter().any(|s| {
                            s.organization_id == o.id && s.roles.contains(&Role::Supervisor)
                        })
                })
                .map(|m| (o, m))
        })
        .collect();
    let (lat, lon) = centre(&tf.state);
    let mut planned = 0;
    for (i, (org, supervisor)) in agencies.iter().enumerate() {
        let actor = Actor::Member(Principal {
            member_id: supervisor.id,
            name: supervisor.name.clone(),
            email: supervisor.email.clone(),
            task_force_id: tf.id,
            organization_id: org.id,
            organization_name: org.name.clone(),
            organization_kind: org.kind,
            roles: vec![Role::Supervisor, Role::Investigator],
            strong: true,
            source: "demo".into(),
        });
        let phone = if supervisor.phone.is_empty() {
            format!("555-01{:02}", 10 + i)
        } else {
            String::new()
        };
        let plan = |title: &str,
                    kind: OperationKind,
                    place: &str,
                    lat: f64,
                    lon: f64,
                    radius: i64,
                    start: String,
                    end: String| OperationInput {
            kind: kind.code().into(),
            title: title.into(),
            place: place.into(),
            latitude: format!("{lat:.6}"),
            longitude: format!("{lon:.6}"),
            radius_m: radius.to_string(),
            starts_at: start,
            ends_at: end,
            commander: supervisor.id.to_string(),
            contact_phone: phone.clone(),
        };
        for (j, (title, kind, place)) in TITLES.iter().enumerate() {
            let days = 2 + 3 * j as i64 + i as i64;
            let input = plan(
                title,
                *kind,
                place,
                lat + 0.03 * (i as f64 + 1.0),
                lon + 0.05 * (j as f64 + 1.0),
                300,
                at(app, days, 14),
                at(app, days, 18),
            );
            app.plan_operation(&actor, tf.id, input).await?;
            planned += 1;
        }
        // The overlapping pair: the first two agencies both plan for the same evening, a
        // couple of hundred metres apart.
        if i < 2 {
            let input = if i == 0 {
                plan(
                    "Evening buy",
                    OperationKind::ControlledBuy,
                    "Apartment block parking",
                    lat,
                    lon,
                    400,
                    at(app, 1, 20),
                    at(app, 1, 23),
                )
            } else {
                plan(
                    "Knock and talk",
                    OperationKind::Arrest,
                    "Corner store",
                    lat + 0.002,
                    lon,
                    300,
                    at(app, 1, 21),
                    at(app, 2, 2),
                )
            };
            app.plan_operation(&actor, tf.id, input).await?;
            planned += 1;
        }
    }
    Ok(planned)
}

/// Plans the demo operations of every demo task force.
pub async fn seed_all(app: &App, task_forces: &[TaskForce]) -> Result<usize> {
    let mut planned = 0;
    for tf in task_forces {
        planned += seed_operations(app, tf).await?;
    }
    Ok(planned)
}
