//! Pages of task force structure: the directory of task forces, a task force's overview, and
//! list / record / new / edit pages of its regions, organizations, members, MOUs and awards.

use crate::auth::{SignedForm, Viewer};
use crate::error::{Ids, PageError};
use crate::forms::{self, FormData};
use crate::view::*;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;
use taskforce_app::{App, AppError};
use taskforce_domain::access::{decide, Action, Resource, ResourceKind};
use taskforce_domain::reference;
use taskforce_domain::structure::*;
use taskforce_domain::*;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route(
            "/task-forces/new",
            get(new_task_force).post(create_task_force),
        )
        .route("/task-forces/county-choices", get(county_choices))
        .route("/task-forces/{tf}", get(task_force))
        .route(
            "/task-forces/{tf}/edit",
            get(edit_task_force).post(update_task_force),
        )
        .route(
            "/task-forces/{tf}/regions",
            get(regions).post(create_region),
        )
        .route("/task-forces/{tf}/regions/new", get(new_region))
        .route("/task-forces/{tf}/regions/{id}", get(region))
        .route(
            "/task-forces/{tf}/regions/{id}/edit",
            get(edit_region).post(update_region),
        )
        .route(
            "/task-forces/{tf}/organizations",
            get(organizations).post(create_organization),
        )
        .route("/task-forces/{tf}/organizations/new", get(new_organization))
        .route("/task-forces/{tf}/organizations/{id}", get(organization))
        .route(
            "/task-forces/{tf}/organizations/{id}/edit",
            get(edit_organization).post(update_organization),
        )
        .route(
            "/task-forces/{tf}/members",
            get(members).post(create_member),
        )
        .route("/task-forces/{tf}/members/new", get(new_member))
        .route("/task-forces/{tf}/members/{id}", get(member))
        .route(
            "/task-forces/{tf}/members/{id}/edit",
            get(edit_member).post(update_member),
        )
        .route("/task-forces/{tf}/mous", get(mous).post(create_mou))
        .route("/task-forces/{tf}/mous/new", get(new_mou))
        .route("/task-forces/{tf}/mous/{id}", get(mou))
        .route(
            "/task-forces/{tf}/mous/{id}/edit",
            get(edit_mou).post(update_mou),
        )
        .route("/task-forces/{tf}/awards", get(awards).post(create_award))
        .route("/task-forces/{tf}/awards/new", get(new_award))
        .route("/task-forces/{tf}/awards/{id}", get(award))
        .route(
            "/task-forces/{tf}/awards/{id}/edit",
            get(edit_award).post(update_award),
        )
}

#[derive(Deserialize)]
pub(super) struct Notice {
    pub(super) saved: Option<String>,
}

impl Notice {
    pub(super) fn text(&self) -> Option<String> {
        self.saved.as_ref().map(|_| "Saved.".to_owned())
    }
}

pub(super) fn tf_href(tf: TaskForceId) -> String {
    format!("/task-forces/{tf}")
}

pub(super) fn crumbs(task_force: Option<&TaskForce>, more: Vec<Cell>) -> Vec<Cell> {
    let mut out = vec![Cell::link("Task forces", "/")];
    if let Some(tf) = task_force {
        out.push(Cell::link(tf.name.clone(), tf_href(tf.id)));
    }
    out.extend(more);
    out
}

// `usize::is_multiple_of` needs Rust 1.87; the workspace supports 1.85.
#[allow(clippy::manual_is_multiple_of)]
fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn county_names(fips: &[String]) -> Vec<String> {
    let mut names: Vec<String> = fips
        .iter()
        .map(|f| reference::county(f).map_or_else(|| f.clone(), |c| c.name.clone()))
        .collect();
    names.sort();
    names
}

/// What a submitted form led to: where to go next, or the form again with its errors.
pub(super) enum Outcome {
    Done(String),
    Refused(Invalid),
}

pub(super) fn outcome<T>(
    result: Result<T, AppError>,
    next: impl FnOnce(&T) -> String,
) -> Result<Outcome, PageError> {
    match result {
        Ok(value) => Ok(Outcome::Done(next(&value))),
        Err(AppError::Invalid(invalid)) => Ok(Outcome::Refused(invalid)),
        Err(AppError::Conflict) => Ok(Outcome::Refused(Invalid::one(
            "version",
            AppError::Conflict.to_string(),
        ))),
        Err(other) => Err(other.into()),
    }
}

pub(super) fn respond(outcome: Outcome, form: impl FnOnce() -> FormPage) -> Response {
    match outcome {
        Outcome::Done(href) => Redirect::to(&format!("{href}?saved=1")).into_response(),
        Outcome::Refused(invalid) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&form().with_errors(&invalid)),
        )
            .into_response(),
    }
}

pub(super) struct FormSpec<'a> {
    pub(super) task_force: Option<&'a TaskForce>,
    pub(super) section: Option<(&'static str, String)>,
    pub(super) title: String,
    pub(super) action: String,
    pub(super) cancel: String,
    pub(super) version: Option<i64>,
    pub(super) fields: Vec<Field>,
}

pub(super) fn form_page(v: &Viewer, spec: FormSpec<'_>) -> FormPage {
    let mut more = Vec::new();
    if let Some((text, href)) = spec.section {
        more.push(Cell::link(text, href));
    }
    more.push(Cell::text(spec.title.clone()));
    FormPage {
        chrome: Chrome::new(v, crumbs(spec.task_force, more), None),
        csrf: v.session.csrf_token.clone(),
        title: spec.title,
        action: spec.action,
        cancel: spec.cancel,
        submit: if spec.version.is_some() {
            "Save changes"
        } else {
            "Create"
        },
        version: spec.version,
        fields: spec.fields,
        problems: Vec::new(),
    }
}

/// Reads the form; a field that cannot even be read is refused before any use case runs.
pub(super) fn read<T>(
    form: &FormData,
    read: fn(&FormData) -> Result<T, Invalid>,
) -> Result<(T, Option<i64>), Invalid> {
    let mut invalid = Invalid::default();
    let version = form.version(&mut invalid);
    let value = read(form);
    match (value, invalid.is_empty()) {
        (Ok(value), true) => Ok((value, version)),
        (Ok(_), false) => Err(invalid),
        (Err(mut more), _) => {
            more.errors.extend(invalid.errors);
            Err(more)
        }
    }
}

pub(super) fn missing_version() -> Invalid {
    Invalid::one(
        "version",
        "the form is missing the record's version; reload the page and try again",
    )
}

// -- task forces ------------------------------------------------------------------------------

async fn home(State(s): State<AppState>, v: Viewer, Query(notice): Query<Notice>) -> PageResult {
    let task_forces = s.app.task_forces(&v.actor).await?;
    let can_create = decide(
        &v.principal,
        Action::Create,
        &Resource {
            task_force_id: None,
            ..Resource::in_task_force(ResourceKind::TaskForce, v.principal.task_force_id)
        },
        v.now,
    )
    .allowed;
    let page = HomePage {
        chrome: Chrome::new(&v, Vec::new(), notice.text()),
        can_create,
        task_forces: task_forces
            .iter()
            .map(|t| TaskForceCard {
                id: t.id.to_string(),
                name: t.name.clone(),
                state_name: reference::state(&t.state)
                    .map_or_else(|| t.state.clone(), |s| s.name.clone()),
                county_count: t.counties.len(),
                population: t.population_served.map(thousands),
            })
            .collect(),
    };
    Ok(render(&page))
}

async fn task_force(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let counts = s.app.task_force_counts(&v.actor, tf).await?;
    let base = tf_href(tf);
    let page = TaskForcePage {
        chrome: Chrome::new(
            &v,
            crumbs(None, vec![Cell::text(t.name.clone())]),
            notice.text(),
        ),
        can_edit: may(&v, Action::Update, ResourceKind::TaskForce, tf),
        id: t.id.to_string(),
        name: t.name.clone(),
        description: t.description.clone(),
        state_name: reference::state(&t.state).map_or_else(|| t.state.clone(), |s| s.name.clone()),
        population: t
            .population_served
            .map_or_else(|| "Not recorded".to_owned(), thousands),
        counties: county_names(&t.counties).join(", "),
        threat: may(&v, Action::Read, ResourceKind::ThreatModel, tf),
        duplicates: may(&v, Action::List, ResourceKind::PersonMatch, tf),
        victim_count: may(&v, Action::Read, ResourceKind::VictimCount, tf),
        sections: vec![
            Section {
                text: "Organizations",
                href: format!("{base}/organizations"),
                count: counts.organizations,
            },
            Section {
                text: "Members",
                href: format!("{base}/members"),
                count: counts.members,
            },
            Section {
                text: "Regions",
                href: format!("{base}/regions"),
                count: counts.regions,
            },
            Section {
                text: "MOUs",
                href: format!("{base}/mous"),
                count: counts.mous,
            },
            Section {
                text: "Funding awards",
                href: format!("{base}/awards"),
                count: counts.awards,
            },
        ],
    };
    Ok(render(&page))
}

fn task_force_form(v: &Viewer, t: Option<&TaskForce>, input: &TaskForceInput) -> FormPage {
    form_page(
        v,
        FormSpec {
            task_force: t,
            section: None,
            title: if t.is_some() {
                "Edit task force".into()
            } else {
                "Set up a task force".into()
            },
            action: t.map_or_else(
                || "/task-forces/new".into(),
                |t| format!("{}/edit", tf_href(t.id)),
            ),
            cancel: t.map_or_else(|| "/".into(), |t| tf_href(t.id)),
            version: t.map(|t| t.version),
            fields: forms::task_force_fields(input),
        },
    )
}

#[derive(Deserialize)]
struct StateChoice {
    state: Option<String>,
}

async fn new_task_force(
    State(s): State<AppState>,
    v: Viewer,
    Query(choice): Query<StateChoice>,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::TaskForce, None).await?;
    let input = TaskForceInput {
        state: choice.state.unwrap_or_default(),
        ..Default::default()
    };
    Ok(render(&task_force_form(&v, None, &input)))
}

/// The counties of the chosen state (htmx swaps this fragment in when the state changes).
async fn county_choices(_v: Viewer, Query(choice): Query<StateChoice>) -> PageResult {
    #[derive(askama::Template)]
    #[template(path = "county_choices.html")]
    struct Fragment {
        f: Field,
    }
    Ok(render(&Fragment {
        f: forms::county_field(choice.state.as_deref().unwrap_or_default(), &[]),
    }))
}

async fn create_task_force(
    State(s): State<AppState>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::TaskForce, None).await?;
    let (input, _) = match read(&form, forms::task_force_input) {
        Ok(read) => read,
        Err(invalid) => {
            return Ok(respond(Outcome::Refused(invalid), || {
                task_force_form(&v, None, &lossy_task_force(&form))
            }))
        }
    };
    let result = outcome(
        s.app.create_task_force(&v.actor, input.clone()).await,
        |t| tf_href(t.id),
    )?;
    Ok(respond(result, || task_force_form(&v, None, &input)))
}

/// The form's values as typed, for showing a refused form again.
fn lossy_task_force(form: &FormData) -> TaskForceInput {
    TaskForceInput {
        name: form.text("name"),
        state: form.text("state"),
        counties: form.all("counties"),
        population_served: None,
        description: form.text("description"),
    }
}

async fn edit_task_force(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::TaskForce, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    Ok(render(&task_force_form(
        &v,
        Some(&t),
        &TaskForceInput::from(&t),
    )))
}

async fn update_task_force(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::TaskForce, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let (input, version) = match read(&form, forms::task_force_input) {
        Ok((input, Some(version))) => (input, version),
        Ok((_, None)) => {
            return Ok(respond(Outcome::Refused(missing_version()), || {
                task_force_form(&v, Some(&t), &lossy_task_force(&form))
            }))
        }
        Err(invalid) => {
            return Ok(respond(Outcome::Refused(invalid), || {
                task_force_form(&v, Some(&t), &lossy_task_force(&form))
            }))
        }
    };
    let result = outcome(
        s.app
            .update_task_force(&v.actor, tf, version, input.clone())
            .await,
        |t| tf_href(t.id),
    )?;
    Ok(respond(result, || task_force_form(&v, Some(&t), &input)))
}

// -- shared list / record machinery -----------------------------------------------------------

struct ListSpec<'a> {
    kind: ResourceKind,
    task_force: &'a TaskForce,
    title: &'static str,
    intro: &'static str,
    headers: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
    empty: &'static str,
    new_text: &'static str,
    path: &'static str,
}

/// Whether the viewer may do `action` to records of `kind` in `tf` (to offer the button or not;
/// the use case asks the policy again).
pub(super) fn may(v: &Viewer, action: Action, kind: ResourceKind, tf: TaskForceId) -> bool {
    decide(
        &v.principal,
        action,
        &Resource::in_task_force(kind, tf),
        v.now,
    )
    .allowed
}

/// Asks the policy (through the use cases' one gate, which audits a denial) before a form is
/// shown or read: a role that may not make the change is refused whatever the form holds, and
/// is never shown a form it cannot submit. `tf` is `None` for a new task force.
async fn require(
    s: &AppState,
    v: &Viewer,
    action: Action,
    kind: ResourceKind,
    tf: Option<TaskForceId>,
) -> Result<(), PageError> {
    let resource = match tf {
        Some(tf) => Resource::in_task_force(kind, tf),
        None => Resource {
            task_force_id: None,
            ..Resource::in_task_force(kind, v.principal.task_force_id)
        },
    };
    s.app.authorize(&v.actor, action, &resource, "").await?;
    Ok(())
}

/// The task force's members, when the viewer may list them (a page about another kind of
/// record shows their names only then, rather than refusing the whole page).
async fn members_if_allowed(
    s: &AppState,
    v: &Viewer,
    tf: TaskForceId,
) -> Result<Vec<Member>, PageError> {
    if may(v, Action::List, ResourceKind::Member, tf) {
        Ok(s.app.members(&v.actor, tf).await?)
    } else {
        Ok(Vec::new())
    }
}

fn list_page(v: &Viewer, spec: ListSpec<'_>, notice: Option<String>) -> Response {
    let can_create = may(v, Action::Create, spec.kind, spec.task_force.id);
    render(&TablePage {
        chrome: Chrome::new(
            v,
            crumbs(Some(spec.task_force), vec![Cell::text(spec.title)]),
            notice,
        ),
        title: spec.title.to_owned(),
        intro: spec.intro.to_owned(),
        headers: spec.headers,
        rows: spec.rows,
        empty: spec.empty,
        new: can_create.then(|| {
            Cell::link(
                spec.new_text,
                format!("{}/{}/new", tf_href(spec.task_force.id), spec.path),
            )
        }),
    })
}

#[allow(clippy::too_many_arguments)] // the parts of a record page, named at each call site
fn record_page(
    v: &Viewer,
    kind: ResourceKind,
    t: &TaskForce,
    section: (&'static str, &'static str),
    title: String,
    rows: Vec<Row>,
    edit_href: String,
    notice: Option<String>,
) -> Response {
    let can_edit = may(v, Action::Update, kind, t.id);
    render(&DetailPage {
        chrome: Chrome::new(
            v,
            crumbs(
                Some(t),
                vec![
                    Cell::link(section.0, format!("{}/{}", tf_href(t.id), section.1)),
                    Cell::text(title.clone()),
                ],
            ),
            notice,
        ),
        title,
        rows,
        edit: can_edit.then(|| Cell::link("Edit", edit_href)),
    })
}

fn organization_cells(ids: &[OrganizationId], all: &[Organization], tf: TaskForceId) -> Vec<Cell> {
    ids.iter()
        .map(|id| match all.iter().find(|o| o.id == *id) {
            Some(o) => Cell::link(
                o.name.clone(),
                format!("{}/organizations/{}", tf_href(tf), o.id),
            ),
            None => Cell::text(id.to_string()),
        })
        .collect()
}

/// The named members, linked; those the viewer may not list (`all` lacks them) are left out.
fn member_cells(ids: &[MemberId], all: &[Member], tf: TaskForceId) -> Vec<Cell> {
    ids.iter()
        .filter_map(|id| all.iter().find(|m| m.id == *id))
        .map(|m| Cell::link(m.name.clone(), format!("{}/members/{}", tf_href(tf), m.id)))
        .collect()
}

fn date_text(date: Option<chrono::NaiveDate>) -> String {
    date.map(|d| d.format("%B %-d, %Y").to_string())
        .unwrap_or_default()
}

// -- regions ----------------------------------------------------------------------------------

async fn regions(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let regions = s.app.regions(&v.actor, tf).await?;
    let members = members_if_allowed(&s, &v, tf).await?;
    let rows = regions
        .iter()
        .map(|r| {
            vec![
                Cell::link(r.name.clone(), format!("{}/regions/{}", tf_href(tf), r.id)),
                Cell::text(r.counties.len().to_string()),
                Cell::text(
                    member_cells(&r.navigators, &members, tf)
                        .into_iter()
                        .map(|c| c.text)
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ]
        })
        .collect();
    Ok(list_page(
        &v,
        ListSpec {
            kind: ResourceKind::Region,
            task_force: &t,
            title: "Regions",
            intro: "Regions group counties; each region's navigators receive its referrals and know its local partners.",
            headers: vec!["Region", "Counties", "Navigators"],
            rows,
            empty: "This task force has no regions. Statewide task forces usually divide their counties into regions.",
            new_text: "Add a region",
            path: "regions",
        },
        notice.text(),
    ))
}

async fn region(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, RegionId)>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let r = s.app.region(&v.actor, tf, id).await?;
    let members = members_if_allowed(&s, &v, tf).await?;
    let rows = vec![
        Row::new(
            "Counties",
            county_names(&r.counties)
                .into_iter()
                .map(Cell::text)
                .collect(),
        ),
        Row::new("Navigators", member_cells(&r.navigators, &members, tf)),
    ];
    let edit = format!("{}/regions/{}/edit", tf_href(tf), r.id);
    Ok(record_page(
        &v,
        ResourceKind::Region,
        &t,
        ("Regions", "regions"),
        r.name.clone(),
        rows,
        edit,
        notice.text(),
    ))
}

async fn region_form(
    app: &App,
    v: &Viewer,
    t: &TaskForce,
    existing: Option<&Region>,
    input: &RegionInput,
) -> Result<FormPage, PageError> {
    let navigators: Vec<Member> = app
        .members(&v.actor, t.id)
        .await?
        .into_iter()
        .filter(|m| m.holds(Role::Navigator))
        .collect();
    Ok(form_page(
        v,
        FormSpec {
            task_force: Some(t),
            section: Some(("Regions", format!("{}/regions", tf_href(t.id)))),
            title: existing.map_or_else(|| "Add a region".into(), |r| format!("Edit {}", r.name)),
            action: existing.map_or_else(
                || format!("{}/regions", tf_href(t.id)),
                |r| format!("{}/regions/{}/edit", tf_href(t.id), r.id),
            ),
            cancel: existing.map_or_else(
                || format!("{}/regions", tf_href(t.id)),
                |r| format!("{}/regions/{}", tf_href(t.id), r.id),
            ),
            version: existing.map(|r| r.version),
            fields: forms::region_fields(input, t, &navigators),
        },
    ))
}

async fn new_region(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::Region, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    Ok(render(
        &region_form(&s.app, &v, &t, None, &RegionInput::default()).await?,
    ))
}

async fn create_region(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::Region, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let lossy = || RegionInput {
        name: form.text("name"),
        counties: form.all("counties"),
        navigators: Vec::new(),
    };
    let (input, result) = match read(&form, forms::region_input) {
        Ok((input, _)) => {
            let result = outcome(
                s.app.create_region(&v.actor, tf, input.clone()).await,
                |r| format!("{}/regions/{}", tf_href(tf), r.id),
            )?;
            (input, result)
        }
        Err(invalid) => (lossy(), Outcome::Refused(invalid)),
    };
    let page = region_form(&s.app, &v, &t, None, &input).await?;
    Ok(respond(result, || page))
}

async fn edit_region(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, RegionId)>,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::Region, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let r = s.app.region(&v.actor, tf, id).await?;
    Ok(render(
        &region_form(&s.app, &v, &t, Some(&r), &RegionInput::from(&r)).await?,
    ))
}

async fn update_region(
    State(s): State<AppState>,
    Ids((tf, id), _): Ids<(TaskForceId, RegionId)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::Region, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let r = s.app.region(&v.actor, tf, id).await?;
    let (input, result) = match read(&form, forms::region_input) {
        Ok((input, Some(version))) => {
            let result = outcome(
                s.app
                    .update_region(&v.actor, tf, id, version, input.clone())
                    .await,
                |r| format!("{}/regions/{}", tf_href(tf), r.id),
            )?;
            (input, result)
        }
        Ok((input, None)) => (input, Outcome::Refused(missing_version())),
        Err(invalid) => (RegionInput::from(&r), Outcome::Refused(invalid)),
    };
    let page = region_form(&s.app, &v, &t, Some(&r), &input).await?;
    Ok(respond(result, || page))
}

// -- organizations ----------------------------------------------------------------------------

async fn organizations(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let organizations = s.app.organizations(&v.actor, tf).await?;
    let regions: HashMap<RegionId, String> = if may(&v, Action::List, ResourceKind::Region, tf) {
        s.app
            .regions(&v.actor, tf)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect()
    } else {
        HashMap::new()
    };
    let rows = organizations
        .iter()
        .map(|o| {
            vec![
                Cell::link(
                    o.name.clone(),
                    format!("{}/organizations/{}", tf_href(tf), o.id),
                ),
                Cell::text(o.kind.label()),
                Cell::text(
                    o.region_id
                        .and_then(|r| regions.get(&r).cloned())
                        .unwrap_or_else(|| "—".into()),
                ),
                Cell::text(if o.active { "Active" } else { "Inactive" }),
            ]
        })
        .collect();
    Ok(list_page(
        &v,
        ListSpec {
            kind: ResourceKind::Organization,
            task_force: &t,
            title: "Organizations",
            intro: "The partner agencies and organizations of the task force.",
            headers: vec!["Organization", "Kind", "Region", "Status"],
            rows,
            empty: "No partner organization has been added yet.",
            new_text: "Add an organization",
            path: "organizations",
        },
        notice.text(),
    ))
}

async fn organization(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, OrganizationId)>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let o = s.app.organization(&v.actor, tf, id).await?;
    let region = match o.region_id {
        Some(r) if may(&v, Action::Read, ResourceKind::Region, tf) => {
            let region = s.app.region(&v.actor, tf, r).await?;
            vec![Cell::link(
                region.name,
                format!("{}/regions/{}", tf_href(tf), r),
            )]
        }
        _ => Vec::new(),
    };
    let members: Vec<Cell> = members_if_allowed(&s, &v, tf)
        .await?
        .into_iter()
        .filter_map(|m| {
            let roles = m.memberships.iter().find(|ms| ms.organization_id == o.id)?;
            let roles: Vec<&str> = roles.roles.iter().map(|r| r.label()).collect();
            Some(Cell::link(
                format!("{} ({})", m.name, roles.join(", ")),
                format!("{}/members/{}", tf_href(tf), m.id),
            ))
        })
        .collect();
    let rows = vec![
        Row::text("Kind", o.kind.label()),
        Row::new("Region", region),
        Row::text("Address", o.address.clone()),
        Row::text("Phone", o.phone.clone()),
        Row::text("E-mail", o.email.clone()),
        Row::new(
            "Website",
            if o.website.is_empty() {
                Vec::new()
            } else {
                vec![Cell::link(o.website.clone(), o.website.clone())]
            },
        ),
        Row::text(
            "Shared office",
            if o.co_located {
                "Works from the task force's shared office"
            } else {
                "No"
            },
        ),
        Row::text(
            "Status",
            if o.active {
                "Active partner"
            } else {
                "Inactive"
            },
        ),
        Row::new("Members", members),
    ];
    let edit = format!("{}/organizations/{}/edit", tf_href(tf), o.id);
    Ok(record_page(
        &v,
        ResourceKind::Organization,
        &t,
        ("Organizations", "organizations"),
        o.name.clone(),
        rows,
        edit,
        notice.text(),
    ))
}

async fn organization_form(
    app: &App,
    v: &Viewer,
    t: &TaskForce,
    existing: Option<&Organization>,
    input: &OrganizationInput,
) -> Result<FormPage, PageError> {
    let regions = app.regions(&v.actor, t.id).await?;
    Ok(form_page(
        v,
        FormSpec {
            task_force: Some(t),
            section: Some(("Organizations", format!("{}/organizations", tf_href(t.id)))),
            title: existing.map_or_else(
                || "Add an organization".into(),
                |o| format!("Edit {}", o.name),
            ),
            action: existing.map_or_else(
                || format!("{}/organizations", tf_href(t.id)),
                |o| format!("{}/organizations/{}/edit", tf_href(t.id), o.id),
            ),
            cancel: existing.map_or_else(
                || format!("{}/organizations", tf_href(t.id)),
                |o| format!("{}/organizations/{}", tf_href(t.id), o.id),
            ),
            version: existing.map(|o| o.version),
            fields: forms::organization_fields(input, &regions),
        },
    ))
}

async fn new_organization(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::Organization, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    Ok(render(
        &organization_form(&s.app, &v, &t, None, &forms::blank_organization()).await?,
    ))
}

async fn create_organization(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::Organization, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let (input, result) = match read(&form, forms::organization_input) {
        Ok((input, _)) => {
            let result = outcome(
                s.app.create_organization(&v.actor, tf, input.clone()).await,
                |o| format!("{}/organizations/{}", tf_href(tf), o.id),
            )?;
            (input, result)
        }
        Err(invalid) => (
            OrganizationInput {
                name: form.text("name"),
                ..forms::blank_organization()
            },
            Outcome::Refused(invalid),
        ),
    };
    let page = organization_form(&s.app, &v, &t, None, &input).await?;
    Ok(respond(result, || page))
}

async fn edit_organization(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, OrganizationId)>,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::Organization, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let o = s.app.organization(&v.actor, tf, id).await?;
    Ok(render(
        &organization_form(&s.app, &v, &t, Some(&o), &OrganizationInput::from(&o)).await?,
    ))
}

async fn update_organization(
    State(s): State<AppState>,
    Ids((tf, id), _): Ids<(TaskForceId, OrganizationId)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::Organization, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let o = s.app.organization(&v.actor, tf, id).await?;
    let (input, result) = match read(&form, forms::organization_input) {
        Ok((input, Some(version))) => {
            let result = outcome(
                s.app
                    .update_organization(&v.actor, tf, id, version, input.clone())
                    .await,
                |o| format!("{}/organizations/{}", tf_href(tf), o.id),
            )?;
            (input, result)
        }
        Ok((input, None)) => (input, Outcome::Refused(missing_version())),
        Err(invalid) => (OrganizationInput::from(&o), Outcome::Refused(invalid)),
    };
    let page = organization_form(&s.app, &v, &t, Some(&o), &input).await?;
    Ok(respond(result, || page))
}

// -- members ----------------------------------------------------------------------------------

async fn members(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let members = s.app.members(&v.actor, tf).await?;
    let organizations = s.app.organizations(&v.actor, tf).await?;
    let rows = members
        .iter()
        .map(|m| {
            let orgs: Vec<String> = m
                .memberships
                .iter()
                .map(|ms| {
                    let name = organizations
                        .iter()
                        .find(|o| o.id == ms.organization_id)
                        .map_or("?", |o| o.name.as_str());
                    let roles: Vec<&str> = ms.roles.iter().map(|r| r.label()).collect();
                    format!("{name}: {}", roles.join(", "))
                })
                .collect();
            vec![
                Cell::link(m.name.clone(), format!("{}/members/{}", tf_href(tf), m.id)),
                Cell::text(m.title.clone()),
                Cell::text(orgs.join("; ")),
            ]
        })
        .collect();
    Ok(list_page(
        &v,
        ListSpec {
            kind: ResourceKind::Member,
            task_force: &t,
            title: "Members",
            intro: "The people of the partner organizations and the roles they hold.",
            headers: vec!["Name", "Title", "Organizations and roles"],
            rows,
            empty: "No member has been added yet.",
            new_text: "Add a member",
            path: "members",
        },
        notice.text(),
    ))
}

async fn member(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, MemberId)>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let m = s.app.member(&v.actor, tf, id).await?;
    let organizations = s.app.organizations(&v.actor, tf).await?;
    let memberships = m
        .memberships
        .iter()
        .map(|ms| {
            let roles: Vec<&str> = ms.roles.iter().map(|r| r.label()).collect();
            match organizations.iter().find(|o| o.id == ms.organization_id) {
                Some(o) => Cell::link(
                    format!("{}: {}", o.name, roles.join(", ")),
                    format!("{}/organizations/{}", tf_href(tf), o.id),
                ),
                None => Cell::text(roles.join(", ")),
            }
        })
        .collect();
    let rows = vec![
        Row::text("Title", m.title.clone()),
        Row::text("E-mail", m.email.clone()),
        Row::text("Phone", m.phone.clone()),
        Row::text("Status", if m.active { "Active" } else { "Inactive" }),
        Row::new("Organizations and roles", memberships),
    ];
    let edit = format!("{}/members/{}/edit", tf_href(tf), m.id);
    Ok(record_page(
        &v,
        ResourceKind::Member,
        &t,
        ("Members", "members"),
        m.name.clone(),
        rows,
        edit,
        notice.text(),
    ))
}

async fn member_form(
    app: &App,
    v: &Viewer,
    t: &TaskForce,
    existing: Option<&Member>,
    input: &MemberInput,
) -> Result<FormPage, PageError> {
    let organizations = app.organizations(&v.actor, t.id).await?;
    Ok(form_page(
        v,
        FormSpec {
            task_force: Some(t),
            section: Some(("Members", format!("{}/members", tf_href(t.id)))),
            title: existing.map_or_else(|| "Add a member".into(), |m| format!("Edit {}", m.name)),
            action: existing.map_or_else(
                || format!("{}/members", tf_href(t.id)),
                |m| format!("{}/members/{}/edit", tf_href(t.id), m.id),
            ),
            cancel: existing.map_or_else(
                || format!("{}/members", tf_href(t.id)),
                |m| format!("{}/members/{}", tf_href(t.id), m.id),
            ),
            version: existing.map(|m| m.version),
            fields: forms::member_fields(input, &organizations),
        },
    ))
}

fn lossy_member(form: &FormData) -> MemberInput {
    MemberInput {
        name: form.text("name"),
        email: form.text("email"),
        phone: form.text("phone"),
        title: form.text("title"),
        active: form.flag("active"),
        memberships: Vec::new(),
    }
}

async fn new_member(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::Member, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    Ok(render(
        &member_form(
            &s.app,
            &v,
            &t,
            None,
            &MemberInput {
                active: true,
                ..Default::default()
            },
        )
        .await?,
    ))
}

async fn create_member(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::Member, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let (input, result) = match read(&form, forms::member_input) {
        Ok((input, _)) => {
            let result = outcome(
                s.app.create_member(&v.actor, tf, input.clone()).await,
                |m| format!("{}/members/{}", tf_href(tf), m.id),
            )?;
            (input, result)
        }
        Err(invalid) => (lossy_member(&form), Outcome::Refused(invalid)),
    };
    let page = member_form(&s.app, &v, &t, None, &input).await?;
    Ok(respond(result, || page))
}

async fn edit_member(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, MemberId)>,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::Member, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let m = s.app.member(&v.actor, tf, id).await?;
    Ok(render(
        &member_form(&s.app, &v, &t, Some(&m), &MemberInput::from(&m)).await?,
    ))
}

async fn update_member(
    State(s): State<AppState>,
    Ids((tf, id), _): Ids<(TaskForceId, MemberId)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::Member, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let m = s.app.member(&v.actor, tf, id).await?;
    let (input, result) = match read(&form, forms::member_input) {
        Ok((input, Some(version))) => {
            let result = outcome(
                s.app
                    .update_member(&v.actor, tf, id, version, input.clone())
                    .await,
                |m| format!("{}/members/{}", tf_href(tf), m.id),
            )?;
            (input, result)
        }
        Ok((input, None)) => (input, Outcome::Refused(missing_version())),
        Err(invalid) => (
            MemberInput {
                memberships: m.memberships.clone(),
                ..lossy_member(&form)
            },
            Outcome::Refused(invalid),
        ),
    };
    let page = member_form(&s.app, &v, &t, Some(&m), &input).await?;
    Ok(respond(result, || page))
}

// -- MOUs -------------------------------------------------------------------------------------

async fn mous(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let mous = s.app.mous(&v.actor, tf).await?;
    let today = s.app.clock().now().date_naive();
    let rows = mous
        .iter()
        .map(|m| {
            vec![
                Cell::link(m.title.clone(), format!("{}/mous/{}", tf_href(tf), m.id)),
                Cell::text(m.parties.len().to_string()),
                Cell::text(m.standing(today).label()),
                Cell::text(date_text(m.expires_on)),
            ]
        })
        .collect();
    Ok(list_page(
        &v,
        ListSpec {
            kind: ResourceKind::Mou,
            task_force: &t,
            title: "MOUs",
            intro: "Memoranda of understanding between partner organizations.",
            headers: vec!["Title", "Parties", "Standing", "Expires"],
            rows,
            empty: "No MOU has been recorded yet.",
            new_text: "Record an MOU",
            path: "mous",
        },
        notice.text(),
    ))
}

async fn mou(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, MouId)>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let m = s.app.mou(&v.actor, tf, id).await?;
    let organizations = s.app.organizations(&v.actor, tf).await?;
    let today = s.app.clock().now().date_naive();
    let rows = vec![
        Row::text("Standing today", m.standing(today).label()),
        Row::new(
            "Parties",
            organization_cells(&m.parties, &organizations, tf),
        ),
        Row::text("Signed on", date_text(m.signed_on)),
        Row::text("Takes effect on", date_text(m.effective_on)),
        Row::text("Expires on", date_text(m.expires_on)),
        Row::text("Summary", m.summary.clone()),
    ];
    let edit = format!("{}/mous/{}/edit", tf_href(tf), m.id);
    Ok(record_page(
        &v,
        ResourceKind::Mou,
        &t,
        ("MOUs", "mous"),
        m.title.clone(),
        rows,
        edit,
        notice.text(),
    ))
}

async fn mou_form(
    app: &App,
    v: &Viewer,
    t: &TaskForce,
    existing: Option<&Mou>,
    input: &MouInput,
) -> Result<FormPage, PageError> {
    let organizations = app.organizations(&v.actor, t.id).await?;
    Ok(form_page(
        v,
        FormSpec {
            task_force: Some(t),
            section: Some(("MOUs", format!("{}/mous", tf_href(t.id)))),
            title: existing.map_or_else(|| "Record an MOU".into(), |m| format!("Edit {}", m.title)),
            action: existing.map_or_else(
                || format!("{}/mous", tf_href(t.id)),
                |m| format!("{}/mous/{}/edit", tf_href(t.id), m.id),
            ),
            cancel: existing.map_or_else(
                || format!("{}/mous", tf_href(t.id)),
                |m| format!("{}/mous/{}", tf_href(t.id), m.id),
            ),
            version: existing.map(|m| m.version),
            fields: forms::mou_fields(input, &organizations),
        },
    ))
}

async fn new_mou(State(s): State<AppState>, v: Viewer, Ids(tf, _): Ids<TaskForceId>) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::Mou, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    Ok(render(
        &mou_form(&s.app, &v, &t, None, &forms::blank_mou()).await?,
    ))
}

async fn create_mou(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::Mou, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let (input, result) = match read(&form, forms::mou_input) {
        Ok((input, _)) => {
            let result = outcome(s.app.create_mou(&v.actor, tf, input.clone()).await, |m| {
                format!("{}/mous/{}", tf_href(tf), m.id)
            })?;
            (input, result)
        }
        Err(invalid) => (
            MouInput {
                title: form.text("title"),
                ..forms::blank_mou()
            },
            Outcome::Refused(invalid),
        ),
    };
    let page = mou_form(&s.app, &v, &t, None, &input).await?;
    Ok(respond(result, || page))
}

async fn edit_mou(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, MouId)>,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::Mou, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let m = s.app.mou(&v.actor, tf, id).await?;
    Ok(render(
        &mou_form(&s.app, &v, &t, Some(&m), &MouInput::from(&m)).await?,
    ))
}

async fn update_mou(
    State(s): State<AppState>,
    Ids((tf, id), _): Ids<(TaskForceId, MouId)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::Mou, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let m = s.app.mou(&v.actor, tf, id).await?;
    let (input, result) = match read(&form, forms::mou_input) {
        Ok((input, Some(version))) => {
            let result = outcome(
                s.app
                    .update_mou(&v.actor, tf, id, version, input.clone())
                    .await,
                |m| format!("{}/mous/{}", tf_href(tf), m.id),
            )?;
            (input, result)
        }
        Ok((input, None)) => (input, Outcome::Refused(missing_version())),
        Err(invalid) => (MouInput::from(&m), Outcome::Refused(invalid)),
    };
    let page = mou_form(&s.app, &v, &t, Some(&m), &input).await?;
    Ok(respond(result, || page))
}

// -- funding awards ---------------------------------------------------------------------------

async fn awards(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let awards = s.app.awards(&v.actor, tf).await?;
    let organizations = s.app.organizations(&v.actor, tf).await?;
    let rows = awards
        .iter()
        .map(|a| {
            vec![
                Cell::link(
                    a.award_number.clone(),
                    format!("{}/awards/{}", tf_href(tf), a.id),
                ),
                Cell::text(a.funder.clone()),
                Cell::text(
                    organization_cells(&[a.recipient_id], &organizations, tf)
                        .into_iter()
                        .map(|c| c.text)
                        .collect::<String>(),
                ),
                Cell::text(format!("${}", thousands(a.amount))),
                Cell::text(format!(
                    "{} – {}",
                    date_text(Some(a.starts_on)),
                    date_text(Some(a.ends_on))
                )),
            ]
        })
        .collect();
    Ok(list_page(
        &v,
        ListSpec {
            kind: ResourceKind::FundingAward,
            task_force: &t,
            title: "Funding awards",
            intro: "Grant awards that fund the task force's partners.",
            headers: vec!["Award", "Funder", "Recipient", "Amount", "Period"],
            rows,
            empty: "No funding award has been recorded yet.",
            new_text: "Record an award",
            path: "awards",
        },
        notice.text(),
    ))
}

async fn award(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, AwardId)>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let a = s.app.award(&v.actor, tf, id).await?;
    let organizations = s.app.organizations(&v.actor, tf).await?;
    let rows = vec![
        Row::text("Funder", a.funder.clone()),
        Row::new(
            "Recipient",
            organization_cells(&[a.recipient_id], &organizations, tf),
        ),
        Row::text("Amount", format!("${}", thousands(a.amount))),
        Row::text("Starts on", date_text(Some(a.starts_on))),
        Row::text("Ends on", date_text(Some(a.ends_on))),
    ];
    let edit = format!("{}/awards/{}/edit", tf_href(tf), a.id);
    Ok(record_page(
        &v,
        ResourceKind::FundingAward,
        &t,
        ("Funding awards", "awards"),
        format!("Award {}", a.award_number),
        rows,
        edit,
        notice.text(),
    ))
}

async fn award_form(
    app: &App,
    v: &Viewer,
    t: &TaskForce,
    existing: Option<&FundingAward>,
    input: &FundingAwardInput,
) -> Result<FormPage, PageError> {
    let organizations = app.organizations(&v.actor, t.id).await?;
    Ok(form_page(
        v,
        FormSpec {
            task_force: Some(t),
            section: Some(("Funding awards", format!("{}/awards", tf_href(t.id)))),
            title: existing.map_or_else(
                || "Record an award".into(),
                |a| format!("Edit award {}", a.award_number),
            ),
            action: existing.map_or_else(
                || format!("{}/awards", tf_href(t.id)),
                |a| format!("{}/awards/{}/edit", tf_href(t.id), a.id),
            ),
            cancel: existing.map_or_else(
                || format!("{}/awards", tf_href(t.id)),
                |a| format!("{}/awards/{}", tf_href(t.id), a.id),
            ),
            version: existing.map(|a| a.version),
            fields: forms::award_fields(input, &organizations),
        },
    ))
}

async fn new_award(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::FundingAward, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    Ok(render(
        &award_form(&s.app, &v, &t, None, &FundingAwardInput::default()).await?,
    ))
}

async fn create_award(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Create, ResourceKind::FundingAward, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let (input, result) = match read(&form, forms::award_input) {
        Ok((input, _)) => {
            let result = outcome(s.app.create_award(&v.actor, tf, input.clone()).await, |a| {
                format!("{}/awards/{}", tf_href(tf), a.id)
            })?;
            (input, result)
        }
        Err(invalid) => (
            FundingAwardInput {
                funder: form.text("funder"),
                award_number: form.text("award_number"),
                ..Default::default()
            },
            Outcome::Refused(invalid),
        ),
    };
    let page = award_form(&s.app, &v, &t, None, &input).await?;
    Ok(respond(result, || page))
}

async fn edit_award(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, AwardId)>,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::FundingAward, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let a = s.app.award(&v.actor, tf, id).await?;
    Ok(render(
        &award_form(&s.app, &v, &t, Some(&a), &FundingAwardInput::from(&a)).await?,
    ))
}

async fn update_award(
    State(s): State<AppState>,
    Ids((tf, id), _): Ids<(TaskForceId, AwardId)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    require(&s, &v, Action::Update, ResourceKind::FundingAward, Some(tf)).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let a = s.app.award(&v.actor, tf, id).await?;
    let (input, result) = match read(&form, forms::award_input) {
        Ok((input, Some(version))) => {
            let result = outcome(
                s.app
                    .update_award(&v.actor, tf, id, version, input.clone())
                    .await,
                |a| format!("{}/awards/{}", tf_href(tf), a.id),
            )?;
            (input, result)
        }
        Ok((input, None)) => (input, Outcome::Refused(missing_version())),
        Err(invalid) => (FundingAwardInput::from(&a), Outcome::Refused(invalid)),
    };
    let page = award_form(&s.app, &v, &t, Some(&a), &input).await?;
    Ok(respond(result, || page))
}
