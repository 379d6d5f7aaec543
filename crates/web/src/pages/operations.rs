//! Pages of event deconfliction (C5): the agency's planned operations and the conflicts it is a
//! party to, planning an operation (the check runs as it is saved), one operation with its
//! conflicts (acknowledge, exempt), and the map (`static/operations-map.js`, Leaflet with the
//! task force's county outlines from the vendored us-atlas shapes; no tile server).

use crate::auth::{SignedForm, Viewer};
use crate::error::{Ids, PageError, Problem};
use crate::view::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use taskforce_app::operations::{ConflictView, OperationsOverview};
use taskforce_domain::access::{decide, Action, Resource, ResourceKind};
use taskforce_domain::operations::*;
use taskforce_domain::*;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/operations", get(list).post(create))
        .route("/operations/new", get(new))
        .route("/operations/map", get(map))
        .route("/operations/map.json", get(map_json))
        .route("/operations/{id}", get(page))
        .route("/operations/{id}/exempt", post(exempt))
        .route("/operations/conflicts/{id}/acknowledge", post(acknowledge))
}

fn may(v: &Viewer, kind: ResourceKind, action: Action) -> bool {
    decide(
        &v.principal,
        action,
        &Resource::in_task_force(kind, v.principal.task_force_id),
        v.now,
    )
    .allowed
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn window(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    if start.date_naive() == end.date_naive() {
        format!("{} to {} UTC", when(start), end.format("%H:%M"))
    } else {
        format!("{} to {} UTC", when(start), when(end))
    }
}

fn crumbs(last: Vec<Cell>) -> Vec<Cell> {
    let mut out = vec![Cell::link("Task forces", "/")];
    out.extend(last);
    out
}

/// A conflict as a row of the pages.
pub struct ConflictRow {
    pub id: String,
    pub own: Cell,
    pub agency: String,
    pub commander: String,
    pub phone: String,
    pub kind: String,
    pub window: String,
    pub overlap: String,
    pub yours: String,
    pub theirs: String,
    pub may_acknowledge: bool,
    pub open: bool,
}

fn conflict_row(c: &ConflictView) -> ConflictRow {
    ConflictRow {
        id: c.id.to_string(),
        own: Cell::link(
            c.own_title.clone(),
            format!("/operations/{}", c.own_operation_id),
        ),
        agency: c.other.agency_name.clone(),
        commander: c.other.commander_name.clone(),
        phone: c.other.contact_phone.clone(),
        kind: c.other.kind.label().to_owned(),
        window: window(c.other.starts_at, c.other.ends_at),
        overlap: format!(
            "{} m between centres; both planned {}",
            c.overlap.distance_m,
            window(c.overlap.starts_at, c.overlap.ends_at)
        ),
        yours: match c.acknowledged_by_you {
            Some(at) if c.acknowledged_by_you_name.is_empty() => {
                format!("Acknowledged {}", when(at))
            }
            Some(at) => format!(
                "Acknowledged {} by {}",
                when(at),
                c.acknowledged_by_you_name
            ),
            None => "Awaiting your acknowledgement".into(),
        },
        theirs: match c.acknowledged_by_them {
            Some(at) => format!("Acknowledged {}", when(at)),
            None => "Not yet acknowledged".into(),
        },
        may_acknowledge: c.may_acknowledge,
        open: c.acknowledged_by_you.is_none() || c.acknowledged_by_them.is_none(),
    }
}

/// An operation as a row of the list.
pub struct OperationRow {
    pub title: Cell,
    pub kind: String,
    pub window: String,
    pub place: String,
    pub commander: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "operations/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub can_plan: bool,
    pub operations: Vec<OperationRow>,
    pub conflicts: Vec<ConflictRow>,
}

#[derive(Deserialize)]
struct Saved {
    saved: Option<String>,
}

fn status_of(op: &Operation, conflicts: &[ConflictView]) -> String {
    let open = conflicts
        .iter()
        .filter(|c| {
            c.own_operation_id == op.id
                && (c.acknowledged_by_you.is_none() || c.acknowledged_by_them.is_none())
        })
        .count();
    match (op.exempt_at, open) {
        (Some(_), _) => "Exempt from deconfliction".into(),
        (None, 0) => "No open conflict".into(),
        (None, 1) => "1 open conflict".into(),
        (None, n) => format!("{n} open conflicts"),
    }
}

async fn list(State(s): State<AppState>, v: Viewer, Query(q): Query<Saved>) -> PageResult {
    let tf = v.principal.task_force_id;
    let OperationsOverview {
        operations,
        conflicts,
    } = s.app.operations(&v.actor, tf).await?;
    let page = ListPage {
        chrome: Chrome::new(
            &v,
            crumbs(vec![Cell::text("Operations")]),
            q.saved.map(|_| "Saved.".to_owned()),
        ),
        csrf: v.session.csrf_token.clone(),
        can_plan: may(&v, ResourceKind::Operation, Action::Create),
        operations: operations
            .iter()
            .map(|op| OperationRow {
                title: Cell::link(op.title.clone(), format!("/operations/{}", op.id)),
                kind: op.kind.label().to_owned(),
                window: window(op.starts_at, op.ends_at),
                place: if op.place.is_empty() {
                    format!(
                        "{:.4}, {:.4} ({} m)",
                        op.latitude, op.longitude, op.radius_m
                    )
                } else {
                    format!("{} ({} m)", op.place, op.radius_m)
                },
                commander: op.commander_name.clone(),
                status: status_of(op, &conflicts),
            })
            .collect(),
        conflicts: conflicts.iter().map(conflict_row).collect(),
    };
    Ok(render(&page))
}

fn fields(input: &OperationInput, commanders: &[Commander]) -> Vec<Field> {
    vec![
        Field::new("kind", "Type of operation", "select", input.kind.clone())
            .required()
            .options(
                std::iter::once((String::new(), "Choose a type".to_owned()))
                    .chain(
                        OperationKind::ALL
                            .iter()
                            .map(|k| (k.code().to_owned(), k.label().to_owned())),
                    )
                    .collect(),
            ),
        Field::new(
            "title",
            "Name of the operation",
            "text",
            input.title.clone(),
        )
        .required()
        .hint("Seen by your agency only."),
        Field::new("place", "Place, in words", "text", input.place.clone())
            .hint("An address or landmark. Seen by your agency only."),
        Field::new("latitude", "Latitude", "text", input.latitude.clone())
            .required()
            .hint("Decimal degrees, such as 46.8083."),
        Field::new("longitude", "Longitude", "text", input.longitude.clone())
            .required()
            .hint("Decimal degrees, such as -100.7837 (west is negative)."),
        Field::new(
            "radius_m",
            "Radius in metres",
            "number",
            input.radius_m.clone(),
        )
        .required()
        .hint(format!(
            "The area your people will be in, from {MIN_RADIUS_M} to {MAX_RADIUS_M} metres."
        )),
        Field::new(
            "starts_at",
            "Starts (UTC)",
            "datetime-local",
            input.starts_at.clone(),
        )
        .required(),
        Field::new(
            "ends_at",
            "Ends (UTC)",
            "datetime-local",
            input.ends_at.clone(),
        )
        .required()
        .hint("At most 14 days after the start."),
        Field::new("commander", "Commander", "select", input.commander.clone())
            .required()
            .hint("A supervisor of your agency: the person another agency calls about a conflict.")
            .options(
                std::iter::once((String::new(), "Choose the commander".to_owned()))
                    .chain(
                        commanders
                            .iter()
                            .map(|c| (c.id.to_string(), c.name.clone())),
                    )
                    .collect(),
            ),
        Field::new(
            "contact_phone",
            "Phone for the other agency",
            "tel",
            input.contact_phone.clone(),
        )
        .hint("Leave empty to give the commander's phone on record."),
    ]
}

async fn form(
    s: &AppState,
    v: &Viewer,
    input: &OperationInput,
    invalid: Option<&Invalid>,
) -> PageResult {
    let commanders = s
        .app
        .operation_commanders(&v.actor, v.principal.task_force_id)
        .await?;
    let page = FormPage {
        chrome: Chrome::new(
            v,
            crumbs(vec![
                Cell::link("Operations", "/operations"),
                Cell::text("Plan an operation"),
            ]),
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        title: "Plan an operation".into(),
        action: "/operations".into(),
        cancel: "/operations".into(),
        submit: "Plan and deconflict",
        version: None,
        fields: fields(input, &commanders),
        problems: Vec::new(),
    };
    Ok(match invalid {
        Some(invalid) => (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            render(&page.with_errors(invalid)),
        )
            .into_response(),
        None => render(&page),
    })
}

async fn new(State(s): State<AppState>, v: Viewer) -> PageResult {
    if !may(&v, ResourceKind::Operation, Action::Create) {
        return Err(PageError(Problem::Forbidden(
            "Your role does not include this. Ask your task force coordinator if you need it."
                .into(),
        )));
    }
    let input = OperationInput {
        commander: if v
            .principal
            .holds(taskforce_domain::structure::Role::Supervisor)
        {
            v.principal.member_id.to_string()
        } else {
            String::new()
        },
        radius_m: "300".into(),
        ..Default::default()
    };
    form(&s, &v, &input, None).await
}

async fn create(
    State(s): State<AppState>,
    SignedForm { viewer: v, form: f }: SignedForm,
) -> PageResult {
    let input = OperationInput {
        kind: f.text("kind"),
        title: f.text("title"),
        place: f.text("place"),
        latitude: f.text("latitude"),
        longitude: f.text("longitude"),
        radius_m: f.text("radius_m"),
        starts_at: f.text("starts_at"),
        ends_at: f.text("ends_at"),
        commander: f.text("commander"),
        contact_phone: f.text("contact_phone"),
    };
    match s
        .app
        .plan_operation(&v.actor, v.principal.task_force_id, input.clone())
        .await
    {
        Ok(planned) => Ok(Redirect::to(&format!(
            "/operations/{}?saved={}",
            planned.operation.id,
            planned.conflicts.len()
        ))
        .into_response()),
        Err(taskforce_app::AppError::Invalid(invalid)) => {
            form(&s, &v, &input, Some(&invalid)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "operations/detail.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub id: String,
    pub title: String,
    pub facts: Vec<(&'static str, String)>,
    pub exempt: Option<String>,
    pub may_exempt: bool,
    pub conflicts: Vec<ConflictRow>,
    pub reason: String,
    pub reason_error: Option<String>,
}

async fn detail(
    s: &AppState,
    v: &Viewer,
    id: OperationId,
    notice: Option<String>,
    reason: (String, Option<String>),
) -> PageResult {
    let view = s
        .app
        .operation(&v.actor, v.principal.task_force_id, id)
        .await?;
    let op = &view.operation;
    let page = DetailPage {
        chrome: Chrome::new(
            v,
            crumbs(vec![
                Cell::link("Operations", "/operations"),
                Cell::text(op.title.clone()),
            ]),
            notice,
        ),
        csrf: v.session.csrf_token.clone(),
        id: op.id.to_string(),
        title: op.title.clone(),
        facts: vec![
            ("Type", op.kind.label().to_owned()),
            ("When", window(op.starts_at, op.ends_at)),
            (
                "Where",
                if op.place.is_empty() {
                    "Not described".to_owned()
                } else {
                    op.place.clone()
                },
            ),
            (
                "Centre and radius",
                format!("{:.6}, {:.6}; {} m", op.latitude, op.longitude, op.radius_m),
            ),
            ("Commander", op.commander_name.clone()),
            ("Phone for other agencies", op.contact_phone.clone()),
            ("Agency", op.agency_name.clone()),
        ],
        exempt: op.exempt_at.map(|at| {
            format!(
                "Exempt from deconfliction since {} UTC: {}",
                when(at),
                op.exemption_reason
            )
        }),
        may_exempt: view.may_exempt,
        conflicts: view.conflicts.iter().map(conflict_row).collect(),
        reason: reason.0,
        reason_error: reason.1,
    };
    Ok(match page.reason_error {
        Some(_) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response(),
        None => render(&page),
    })
}

async fn page(
    State(s): State<AppState>,
    v: Viewer,
    Ids(id, _): Ids<OperationId>,
    Query(q): Query<Saved>,
) -> PageResult {
    let notice = q.saved.map(|n| match n.as_str() {
        "0" => "Planned. No other agency's operation overlaps it.".to_owned(),
        "1" => "Planned. It overlaps another agency's operation: both commanders were told. Call them before it goes ahead.".to_owned(),
        "exempt" => "Exempted from deconfliction.".to_owned(),
        "acknowledged" => "Acknowledged.".to_owned(),
        n => format!("Planned. It overlaps {n} other agencies' operations: every commander was told. Call them before it goes ahead."),
    });
    detail(&s, &v, id, notice, (String::new(), None)).await
}

async fn exempt(
    State(s): State<AppState>,
    Ids(id, _): Ids<OperationId>,
    SignedForm { viewer: v, form: f }: SignedForm,
) -> PageResult {
    let reason = f.text("reason");
    match s
        .app
        .exempt_operation(&v.actor, v.principal.task_force_id, id, &reason)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/operations/{id}?saved=exempt")).into_response()),
        Err(taskforce_app::AppError::Invalid(invalid)) => {
            let message = invalid
                .errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            detail(&s, &v, id, None, (reason, Some(message))).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn acknowledge(
    State(s): State<AppState>,
    Ids(id, _): Ids<OperationConflictId>,
    SignedForm { viewer: v, .. }: SignedForm,
) -> PageResult {
    let view = s
        .app
        .acknowledge_conflict(&v.actor, v.principal.task_force_id, id)
        .await?;
    Ok(Redirect::to(&format!(
        "/operations/{}?saved=acknowledged",
        view.own_operation_id
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "operations/map.html")]
pub struct MapPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub operations: Vec<OperationRow>,
    pub conflicts: Vec<ConflictRow>,
}

async fn map(State(s): State<AppState>, v: Viewer) -> PageResult {
    let overview = s
        .app
        .operations(&v.actor, v.principal.task_force_id)
        .await?;
    let page = MapPage {
        chrome: Chrome::new(
            &v,
            crumbs(vec![
                Cell::link("Operations", "/operations"),
                Cell::text("Map"),
            ]),
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        operations: overview
            .operations
            .iter()
            .map(|op| OperationRow {
                title: Cell::link(op.title.clone(), format!("/operations/{}", op.id)),
                kind: op.kind.label().to_owned(),
                window: window(op.starts_at, op.ends_at),
                place: format!(
                    "{:.4}, {:.4} ({} m)",
                    op.latitude, op.longitude, op.radius_m
                ),
                commander: op.commander_name.clone(),
                status: status_of(op, &overview.conflicts),
            })
            .collect(),
        conflicts: overview.conflicts.iter().map(conflict_row).collect(),
    };
    Ok(render(&page))
}

/// The task force's county outlines, the agency's operations (circles with their radius) and
/// its conflicts (drawn on its own operation: the other agency's place is not shown), as
/// GeoJSON for the map.
async fn map_json(State(s): State<AppState>, v: Viewer) -> PageResult {
    let tf = v.principal.task_force_id;
    let overview = s.app.operations(&v.actor, tf).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let outlines: BTreeMap<String, serde_json::Value> = t
        .counties
        .iter()
        .map(|fips| {
            let name = taskforce_domain::reference::county(fips)
                .map_or_else(|| fips.clone(), |c| format!("{} County", c.name));
            (
                fips.clone(),
                serde_json::json!({"layer": "county", "name": name}),
            )
        })
        .collect();
    let mut collection = crate::geo::counties_geojson(&outlines);
    let point = |lat: f64, lon: f64, props: serde_json::Value| {
        serde_json::json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props,
        })
    };
    let mut features = Vec::new();
    for op in &overview.operations {
        features.push(point(
            op.latitude,
            op.longitude,
            serde_json::json!({
                "layer": "operation",
                "id": op.id.to_string(),
                "title": op.title,
                "kind": op.kind.label(),
                "window": window(op.starts_at, op.ends_at),
                "radius_m": op.radius_m,
                "exempt": op.exempt_at.is_some(),
                "href": format!("/operations/{}", op.id),
            }),
        ));
    }
    for c in &overview.conflicts {
        features.push(point(
            c.own_latitude,
            c.own_longitude,
            serde_json::json!({
                "layer": "conflict",
                "id": c.id.to_string(),
                "radius_m": c.own_radius_m,
                "open": c.acknowledged_by_you.is_none() || c.acknowledged_by_them.is_none(),
                "text": format!(
                    "Conflict with {} ({}, {}): call {} at {}",
                    c.other.agency_name,
                    c.other.kind.label(),
                    window(c.other.starts_at, c.other.ends_at),
                    c.other.commander_name,
                    c.other.contact_phone
                ),
                "href": format!("/operations/{}", c.own_operation_id),
            }),
        ));
    }
    if let Some(list) = collection["features"].as_array_mut() {
        list.extend(features);
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        collection.to_string(),
    )
        .into_response())
}
