//! Pages of record linkage inside the product: possible duplicates to review (the pair, each
//! field's part in its score, confirm / reject / merge / unmerge) and the unduplicated victim
//! count (page and CSV). Each handler calls one use case; the policy and the consent rules are
//! the app's.

use crate::auth::{SignedForm, Viewer};
use crate::error::{Ids, PageError};
use crate::view::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use taskforce_app::duplicates::{DuplicatePair, DuplicateView};
use taskforce_domain::access::{decide, Action, Resource, ResourceKind};
use taskforce_domain::cases::Person;
use taskforce_domain::duplicates::*;
use taskforce_domain::*;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/task-forces/{tf}/duplicates", get(list).post(scan))
        .route("/task-forces/{tf}/duplicates/{id}", get(pair))
        .route("/task-forces/{tf}/duplicates/{id}/decision", post(decision))
        .route("/task-forces/{tf}/victim-count", get(victim_count))
        .route("/task-forces/{tf}/victim-count.csv", get(victim_count_csv))
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

fn base(tf: TaskForceId) -> String {
    format!("/task-forces/{tf}")
}

fn crumbs(tf: TaskForceId, name: &str, more: Vec<Cell>) -> Vec<Cell> {
    let mut out = vec![
        Cell::link("Task forces", "/"),
        Cell::link(name.to_owned(), base(tf)),
    ];
    out.extend(more);
    out
}

fn percent(p: f64) -> String {
    let pct = p * 100.0;
    if pct >= 99.95 {
        "more than 99.9%".to_owned()
    } else {
        format!("{pct:.1}%")
    }
}

fn person_cell(p: &Person) -> Cell {
    Cell::link(p.display_name(), format!("/persons/{}", p.id))
}

fn dob(p: &Person) -> String {
    p.date_of_birth.map(|d| d.to_string()).unwrap_or_default()
}

// -- the list -----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct ListQuery {
    all: Option<String>,
    compared: Option<usize>,
    new: Option<usize>,
}

pub struct PairRow {
    pub href: String,
    pub left: Cell,
    pub right: Cell,
    pub likelihood: String,
    pub agreeing: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "duplicates/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub base: String,
    pub csrf: String,
    pub all: bool,
    pub can_scan: bool,
    pub rows: Vec<PairRow>,
}

fn pair_row(tf: TaskForceId, p: &DuplicatePair) -> PairRow {
    PairRow {
        href: format!("{}/duplicates/{}", base(tf), p.pair.id),
        left: person_cell(&p.left),
        right: person_cell(&p.right),
        likelihood: percent(p.pair.match_probability),
        agreeing: p
            .pair
            .fields
            .iter()
            .filter(|f| f.agrees())
            .map(|f| f.field_label().to_owned())
            .collect::<Vec<_>>()
            .join(", "),
        status: p.pair.status.label(),
    }
}

async fn list(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let all = q.all.is_some();
    let pairs = s.app.duplicates(&v.actor, tf, all).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let notice = match (q.compared, q.new) {
        (Some(c), Some(n)) => Some(format!(
            "Compared the {c} person records your organization may read: {n} new possible {}.",
            if n == 1 { "duplicate" } else { "duplicates" }
        )),
        _ => None,
    };
    let page = ListPage {
        chrome: Chrome::new(
            &v,
            crumbs(tf, &t.name, vec![Cell::text("Possible duplicates")]),
            notice,
        ),
        base: base(tf),
        csrf: v.session.csrf_token.clone(),
        all,
        can_scan: may(&v, ResourceKind::PersonMatch, Action::Update),
        rows: pairs.iter().map(|p| pair_row(tf, p)).collect(),
    };
    Ok(render(&page))
}

async fn scan(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    f: SignedForm,
) -> PageResult {
    let result = s.app.find_duplicates(&f.viewer.actor, tf).await?;
    Ok(Redirect::to(&format!(
        "{}/duplicates?compared={}&new={}",
        base(tf),
        result.compared,
        result.new
    ))
    .into_response())
}

// -- one pair -----------------------------------------------------------------------------------

pub struct CompareRow {
    pub label: &'static str,
    pub left: String,
    pub right: String,
}

pub struct WeightRow {
    pub field: String,
    pub level: String,
    pub weight: String,
    pub agrees: bool,
}

pub struct ActionButton {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "duplicates/pair.html")]
pub struct PairPage {
    pub chrome: Chrome,
    pub title: String,
    pub action: String,
    pub csrf: String,
    pub version: i64,
    pub status: &'static str,
    pub likelihood: String,
    pub total_weight: String,
    pub left: Cell,
    pub right: Cell,
    pub left_case: String,
    pub right_case: String,
    pub left_id: String,
    pub right_id: String,
    pub compare: Vec<CompareRow>,
    pub weights: Vec<WeightRow>,
    pub merged: Option<String>,
    pub can_merge: bool,
    pub buttons: Vec<ActionButton>,
    pub problems: Vec<DecisionProblem>,
}

/// One problem with a submitted decision, shown above the actions.
pub struct DecisionProblem {
    pub field: String,
    pub message: String,
}

fn pair_page(
    v: &Viewer,
    tf: TaskForceId,
    name: &str,
    view: &DuplicateView,
    invalid: Option<&Invalid>,
) -> PairPage {
    let m = &view.pair.pair;
    let (l, r) = (&view.pair.left, &view.pair.right);
    let compare = vec![
        CompareRow {
            label: "Given name",
            left: l.given_name.clone(),
            right: r.given_name.clone(),
        },
        CompareRow {
            label: "Family name",
            left: l.family_name.clone(),
            right: r.family_name.clone(),
        },
        CompareRow {
            label: "Date of birth",
            left: dob(l),
            right: dob(r),
        },
        CompareRow {
            label: "Sex",
            left: l.sex.label().to_owned(),
            right: r.sex.label().to_owned(),
        },
        CompareRow {
            label: "Identification",
            left: l
                .trafficking_status
                .map(|s| s.label())
                .unwrap_or_default()
                .to_owned(),
            right: r
                .trafficking_status
                .map(|s| s.label())
                .unwrap_or_default()
                .to_owned(),
        },
        CompareRow {
            label: "Who may see this person",
            left: l.label.words().to_owned(),
            right: r.label.words().to_owned(),
        },
    ];
    let merged = m.merged_away().map(|gone| {
        let (gone, stays) = if gone == l.id { (l, r) } else { (r, l) };
        format!(
            "{} is merged into {}: it is left out of search and counted as the record that stays. Undoing the merge puts it back as it was.",
            gone.display_name(),
            stays.display_name()
        )
    });
    PairPage {
        chrome: Chrome::new(
            v,
            crumbs(
                tf,
                name,
                vec![
                    Cell::link("Possible duplicates", format!("{}/duplicates", base(tf))),
                    Cell::text("Review a pair"),
                ],
            ),
            None,
        ),
        title: format!("{} and {}", l.display_name(), r.display_name()),
        action: format!("{}/duplicates/{}/decision", base(tf), m.id),
        csrf: v.session.csrf_token.clone(),
        version: m.version,
        status: m.status.label(),
        likelihood: percent(m.match_probability),
        total_weight: format!("{:.2}", m.match_weight),
        left: person_cell(l),
        right: person_cell(r),
        left_case: format!("/cases/{}", view.left_case_id),
        right_case: format!("/cases/{}", view.right_case_id),
        left_id: l.id.to_string(),
        right_id: r.id.to_string(),
        compare,
        weights: m
            .fields
            .iter()
            .map(|f| WeightRow {
                field: f.field_label().to_owned(),
                level: f.level.clone(),
                weight: format!("{:+.2}", f.weight),
                agrees: f.agrees(),
            })
            .collect(),
        merged,
        can_merge: view.actions.contains(&MatchAction::Merge),
        buttons: view
            .actions
            .iter()
            .filter(|a| **a != MatchAction::Merge)
            .map(|a| ActionButton {
                code: a.code(),
                label: a.label(),
            })
            .collect(),
        problems: invalid
            .map(|i| {
                i.errors
                    .iter()
                    .map(|e| DecisionProblem {
                        field: e.field.clone(),
                        message: e.message.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

async fn pair(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, PersonMatchId)>,
    Query(q): Query<structure_notice::Saved>,
) -> PageResult {
    let view = s.app.duplicate(&v.actor, tf, id).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let mut page = pair_page(&v, tf, &t.name, &view, None);
    if q.saved.is_some() {
        page.chrome.notice = Some("Saved.".into());
    }
    Ok(render(&page))
}

mod structure_notice {
    #[derive(serde::Deserialize, Default)]
    pub struct Saved {
        pub saved: Option<String>,
    }
}

async fn decision(
    State(s): State<AppState>,
    Ids((tf, id), _): Ids<(TaskForceId, PersonMatchId)>,
    f: SignedForm,
) -> PageResult {
    let v = &f.viewer;
    let mut invalid = Invalid::default();
    let version = f.form.version(&mut invalid);
    let input = MatchDecisionInput {
        action: Some(f.form.text("action")),
        survivor_person_id: Some(f.form.text("survivor_person_id")),
    };
    match s
        .app
        .decide_duplicate(&v.actor, tf, id, version, input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/duplicates/{id}?saved=1", base(tf))).into_response()),
        Err(taskforce_app::AppError::Invalid(invalid)) => {
            let view = s.app.duplicate(&v.actor, tf, id).await?;
            let t = s.app.task_force(&v.actor, tf).await?;
            let page = pair_page(v, tf, &t.name, &view, Some(&invalid));
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// -- the unduplicated victim count --------------------------------------------------------------

#[derive(Template)]
#[template(path = "duplicates/victim_count.html")]
pub struct VictimCountPage {
    pub chrome: Chrome,
    pub base: String,
    pub rows: Vec<(String, String)>,
    pub generated: String,
    pub threshold: String,
    pub small_cell: u64,
    pub can_export: bool,
}

fn count_rows(r: &VictimCountReport) -> Vec<(&'static str, String)> {
    vec![
        ("People (unduplicated)", r.people.to_string()),
        ("Confirmed victims", r.confirmed.to_string()),
        ("Possible victims", r.possible.to_string()),
        ("Victim records counted", r.records.to_string()),
        (
            "People matched across organizations",
            r.matched_across_organizations.to_string(),
        ),
        (
            "People counted within their victim service provider only",
            r.counted_within_provider_only.to_string(),
        ),
    ]
}

async fn victim_count(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
) -> PageResult {
    let report = s.app.victim_count(&v.actor, tf).await?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let page = VictimCountPage {
        chrome: Chrome::new(
            &v,
            crumbs(tf, &t.name, vec![Cell::text("Unduplicated victim count")]),
            None,
        ),
        base: base(tf),
        rows: count_rows(&report)
            .into_iter()
            .map(|(k, val)| (k.to_owned(), val))
            .collect(),
        generated: report.generated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        threshold: percent(report.threshold),
        small_cell: SMALL_CELL,
        can_export: may(&v, ResourceKind::VictimCount, Action::Export),
    };
    Ok(render(&page))
}

async fn victim_count_csv(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
) -> PageResult {
    let report = s.app.export_victim_count(&v.actor, tf).await?;
    let mut out = String::from("\"measure\",\"value\"\r\n");
    for (k, val) in count_rows(&report) {
        out.push_str(&format!("{},{}\r\n", csv_field(k), csv_field(&val)));
    }
    out.push_str(&format!(
        "{},{}\r\n",
        csv_field("Generated at"),
        csv_field(&report.generated_at.to_rfc3339())
    ));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"victim-count.csv\"".to_owned(),
            ),
        ],
        out,
    )
        .into_response())
}

// -- on the person page -------------------------------------------------------------------------

/// The "Possible duplicates" row of a person's page: the pairs about them the viewer reviews.
pub(super) async fn person_row(
    s: &AppState,
    v: &Viewer,
    person: PersonId,
) -> Result<Vec<Row>, PageError> {
    let tf = v.principal.task_force_id;
    let pairs = s.app.duplicates_of_person(&v.actor, tf, person).await?;
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![Row::new(
        "Possible duplicates",
        pairs
            .iter()
            .map(|p| {
                let other = if p.left.id == person {
                    &p.right
                } else {
                    &p.left
                };
                let what = match p.pair.merged_away() {
                    Some(gone) if gone == person => format!("Merged into {}", other.display_name()),
                    Some(_) => format!("{} is merged into this record", other.display_name()),
                    None => format!(
                        "{} ({}, {})",
                        other.display_name(),
                        percent(p.pair.match_probability),
                        p.pair.status.label()
                    ),
                };
                Cell::link(what, format!("{}/duplicates/{}", base(tf), p.pair.id))
            })
            .collect(),
    )])
}
