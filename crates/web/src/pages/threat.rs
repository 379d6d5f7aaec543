//! Pages of the threat assessment (C6): the county map and ranked findings, a finding's
//! explanation, model versions and their comparison, the imported data (with the upload form),
//! exports (CSV, printable report), focus industries and outreach plans with their activities.

use crate::auth::{same, SignedForm, Viewer};
use crate::error::{Ids, PageError, Problem};
use crate::view::*;
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::collections::BTreeMap;
use taskforce_app::threat::{Assessment, Explanation};
use taskforce_domain::access::{decide, Action, Resource, ResourceKind};
use taskforce_domain::reference;
use taskforce_domain::threat::import::ImportReport;
use taskforce_domain::threat::plan::*;
use taskforce_domain::threat::{industry_by_code, typology, Source, INDUSTRIES};
use taskforce_domain::*;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/task-forces/{tf}/threat", get(assessment))
        .route("/task-forces/{tf}/threat/map.json", get(map_json))
        .route(
            "/task-forces/{tf}/threat/cells/{industry}/{fips}",
            get(cell),
        )
        .route("/task-forces/{tf}/threat/assessment.csv", get(export_csv))
        .route("/task-forces/{tf}/threat/report", get(report))
        .route("/task-forces/{tf}/threat/compare", get(compare))
        .route(
            "/task-forces/{tf}/threat/models",
            get(models).post(save_model),
        )
        .route("/task-forces/{tf}/threat/data", get(data).post(upload))
        .route("/task-forces/{tf}/threat/focus", axum::routing::post(focus))
        .route("/task-forces/{tf}/outreach", get(plans))
        .route(
            "/task-forces/{tf}/outreach/new",
            get(new_plan).post(create_plan),
        )
        .route("/task-forces/{tf}/outreach/{id}", get(plan))
        .route(
            "/task-forces/{tf}/outreach/{id}/activities",
            axum::routing::post(add_activity),
        )
}

// -- helpers ------------------------------------------------------------------------------------

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

fn county_name(fips: &str) -> String {
    reference::county(fips).map_or_else(
        || fips.to_owned(),
        |c| format!("{} County, {}", c.name, c.state_code),
    )
}

fn industry_name(code: &str) -> String {
    industry_by_code(code).map_or_else(|| code.to_owned(), |i| i.label.to_owned())
}

fn typology_names(code: &str) -> String {
    industry_by_code(code)
        .map(|i| {
            i.typology
                .iter()
                .filter_map(|t| typology(*t).map(|name| format!("{t}. {name}")))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

/// A number for people: thousands separators, at most `decimals` decimals.
fn num(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), ""), |(i, f)| (i, f));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

fn value_text(value: Option<f64>) -> String {
    value.map_or_else(|| "no data".to_owned(), |v| num(v, 3))
}

#[derive(Deserialize, Default)]
struct AssessmentQuery {
    industry: Option<String>,
    model: Option<String>,
}

impl AssessmentQuery {
    fn version(&self) -> Result<Option<i64>, PageError> {
        match self.model.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                PageError(Problem::Invalid(Invalid::one(
                    "model",
                    "is not a model version number",
                )))
            }),
        }
    }
}

fn model_label(a: &Assessment) -> String {
    match &a.model {
        Some(m) => format!(
            "version {} ({}), saved {}",
            m.version,
            if m.note.is_empty() {
                "no note"
            } else {
                m.note.as_str()
            },
            m.created_at.format("%Y-%m-%d")
        ),
        None => "default weights over the newest data (not saved as a version yet)".into(),
    }
}

// -- the assessment -----------------------------------------------------------------------------

pub struct RankedRow {
    pub rank: usize,
    pub href: String,
    pub industry: String,
    pub county: String,
    pub score: String,
    pub top: String,
    pub focus: bool,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct LegendEntry {
    pub class: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "threat/assessment.html")]
pub struct AssessmentPage {
    pub chrome: Chrome,
    pub base: String,
    pub csrf: String,
    pub model: String,
    pub model_param: String,
    pub newer_data: bool,
    pub industries: Vec<Choice>,
    pub versions: Vec<Choice>,
    pub industry: String,
    pub industry_label: String,
    pub map_url: String,
    pub rows: Vec<RankedRow>,
    pub all_rows: bool,
    pub datasets: Vec<String>,
    pub focus: Vec<(String, String)>,
    pub can_focus: bool,
    pub can_export: bool,
    pub can_models: bool,
    pub can_data: bool,
    pub can_plans: bool,
    pub legend: Vec<LegendEntry>,
}

/// The map's classes (score ranges) and their colours (in the stylesheet): a light-to-dark
/// sequence with enough contrast against the map's outline.
const CLASSES: &[(f64, &str, &str)] = &[
    (0.0, "c0", "below 20"),
    (20.0, "c1", "20 to 39"),
    (40.0, "c2", "40 to 59"),
    (60.0, "c3", "60 to 79"),
    (80.0, "c4", "80 or more"),
];

fn class_of(score: f64) -> &'static str {
    CLASSES
        .iter()
        .rev()
        .find(|(lo, _, _)| score >= *lo)
        .map_or("c0", |(_, c, _)| c)
}

async fn assessment(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(q): Query<AssessmentQuery>,
) -> PageResult {
    let version = q.version()?;
    let t = s.app.task_force(&v.actor, tf).await?;
    let a = s.app.threat_assessment(&v.actor, tf, version).await?;
    let models = s.app.threat_models(&v.actor, tf).await?;
    let focus = if may(&v, ResourceKind::OutreachPlan, Action::List) {
        s.app.threat_focus(&v.actor, tf).await?
    } else {
        Vec::new()
    };
    let present: Vec<&str> = {
        let mut codes: Vec<&str> = a.scored.iter().map(|c| c.industry.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    };
    let industry = q
        .industry
        .clone()
        .filter(|i| industry_by_code(i).is_some())
        .or_else(|| a.scored.first().map(|c| c.industry.clone()))
        .unwrap_or_else(|| "112120".to_owned());
    let model_param = a
        .model
        .as_ref()
        .map(|m| format!("model={}", m.version))
        .unwrap_or_default();
    let suffix = |more: &str| {
        if model_param.is_empty() {
            more.to_owned()
        } else {
            format!("{more}&{model_param}")
        }
    };
    let industries = INDUSTRIES
        .iter()
        .filter(|i| present.contains(&i.code))
        .map(|i| Choice {
            value: i.code.to_owned(),
            label: i.label.to_owned(),
            selected: i.code == industry,
        })
        .collect();
    let versions = models
        .iter()
        .map(|m| Choice {
            value: m.version.to_string(),
            label: format!(
                "Version {}{}",
                m.version,
                if m.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", m.note)
                }
            ),
            selected: a.model.as_ref().is_some_and(|x| x.version == m.version),
        })
        .collect();
    let focus_codes: Vec<&str> = focus.iter().map(|f| f.industry.as_str()).collect();
    let rows = a
        .scored
        .iter()
        .take(60)
        .map(|c| RankedRow {
            rank: c.rank,
            href: format!(
                "{}/threat/cells/{}/{}{}",
                base(tf),
                c.industry,
                c.fips,
                if model_param.is_empty() {
                    String::new()
                } else {
                    format!("?{model_param}")
                }
            ),
            industry: industry_name(&c.industry),
            county: county_name(&c.fips),
            score: num(c.score, 1),
            top: c
                .top_parts(3)
                .iter()
                .map(|p| format!("{} ({} pts)", p.label, num(p.contribution, 1)))
                .collect::<Vec<_>>()
                .join("; "),
            focus: focus_codes.contains(&c.industry.as_str()),
        })
        .collect();
    let page = AssessmentPage {
        chrome: Chrome::new(
            &v,
            crumbs(tf, &t.name, vec![Cell::text("Threat assessment")]),
            None,
        ),
        base: base(tf),
        csrf: v.session.csrf_token.clone(),
        model: model_label(&a),
        model_param: model_param.clone(),
        newer_data: a.newer_data,
        industries,
        versions,
        industry_label: industry_name(&industry),
        map_url: format!(
            "{}/threat/map.json?{}",
            base(tf),
            suffix(&format!("industry={industry}"))
        ),
        industry,
        all_rows: a.scored.len() <= 60,
        rows,
        datasets: a
            .datasets
            .iter()
            .map(|d| {
                format!(
                    "{}: {} ({} records, imported {})",
                    d.source.label(),
                    d.file_name,
                    d.records,
                    d.imported_at.format("%Y-%m-%d")
                )
            })
            .collect(),
        focus: focus
            .iter()
            .map(|f| (industry_name(&f.industry), f.note.clone()))
            .collect(),
        can_focus: may(&v, ResourceKind::OutreachPlan, Action::Update),
        can_export: may(&v, ResourceKind::ThreatModel, Action::Export),
        can_models: may(&v, ResourceKind::ThreatModel, Action::List),
        can_data: may(&v, ResourceKind::ThreatData, Action::List),
        can_plans: may(&v, ResourceKind::OutreachPlan, Action::List),
        legend: CLASSES
            .iter()
            .map(|(_, class, label)| LegendEntry {
                class,
                label: (*label).to_owned(),
            })
            .collect(),
    };
    Ok(render(&page))
}

/// The task force's counties as GeoJSON, each with the selected industry's score and class.
async fn map_json(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(q): Query<AssessmentQuery>,
) -> PageResult {
    let a = s.app.threat_assessment(&v.actor, tf, q.version()?).await?;
    let industry = q.industry.unwrap_or_default();
    let model = a
        .model
        .as_ref()
        .map(|m| format!("?model={}", m.version))
        .unwrap_or_default();
    let properties: BTreeMap<String, serde_json::Value> = a
        .counties
        .iter()
        .map(|fips| {
            let scored = a
                .scored
                .iter()
                .find(|c| c.industry == industry && &c.fips == fips);
            let value = serde_json::json!({
                "fips": fips,
                "name": county_name(fips),
                "score": scored.map(|c| (c.score * 10.0).round() / 10.0),
                "rank": scored.map(|c| c.rank),
                "class": scored.map_or("none", |c| class_of(c.score)),
                "href": scored.map(|c| format!("{}/threat/cells/{}/{}{model}", base(tf), c.industry, c.fips)),
            });
            (fips.clone(), value)
        })
        .collect();
    let geojson = crate::geo::counties_geojson(&properties);
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        geojson.to_string(),
    )
        .into_response())
}

// -- a cell's explanation -----------------------------------------------------------------------

pub struct PartRow {
    pub label: String,
    pub why: String,
    pub formula: String,
    pub value: String,
    pub normaliser: String,
    pub normalised: String,
    pub weight: String,
    pub contribution: String,
}

pub struct SourceRow {
    pub source: String,
    pub line: String,
    pub label: String,
    pub naics: String,
    pub measures: String,
    pub note: String,
    pub context: bool,
}

#[derive(Template)]
#[template(path = "threat/cell.html")]
pub struct CellPage {
    pub chrome: Chrome,
    pub base: String,
    pub title: String,
    pub industry: String,
    pub fips: String,
    pub county: String,
    pub typology: String,
    pub score: String,
    pub rank: String,
    pub model: String,
    pub total_weight: String,
    pub parts: Vec<PartRow>,
    pub sum: String,
    pub measures: Vec<(String, String, String)>,
    pub withheld: String,
    pub sources: Vec<SourceRow>,
    pub can_plan: bool,
    pub partners: String,
}

async fn cell(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, industry, fips), _): Ids<(TaskForceId, String, String)>,
    Query(q): Query<AssessmentQuery>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let e: Explanation = s
        .app
        .threat_explanation(&v.actor, tf, q.version()?, &industry, &fips)
        .await?;
    let total_weight: f64 = e.indicators.iter().map(|i| i.weight.max(0.0)).sum();
    let parts = e
        .scored
        .parts
        .iter()
        .zip(&e.indicators)
        .map(|(p, i)| PartRow {
            label: p.label.clone(),
            why: i.why.clone(),
            formula: if i.denominator.is_empty() {
                i.numerator.join(" + ")
            } else {
                format!(
                    "({}) / ({})",
                    i.numerator.join(" + "),
                    i.denominator.join(" + ")
                )
            },
            value: value_text(p.value),
            normaliser: i.normaliser.describe(),
            normalised: num(p.normalised, 3),
            weight: num(p.weight, 2),
            contribution: num(p.contribution, 2),
        })
        .collect();
    let measures = e
        .cell
        .measures
        .iter()
        .map(|(k, val)| {
            (
                k.replace('_', " "),
                num(*val, 2),
                e.cell.derivations.get(k).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let sources = e
        .records
        .iter()
        .map(|r| SourceRow {
            source: r.source.label().to_owned(),
            line: if r.record.part > 0 {
                format!("{} (county {})", r.record.line, r.record.part + 1)
            } else {
                r.record.line.to_string()
            },
            label: r.record.label.clone(),
            naics: r.record.naics.clone(),
            measures: r
                .record
                .measures
                .iter()
                .map(|(k, val)| format!("{} {}", k.replace('_', " "), num(*val, 2)))
                .chain(
                    r.record
                        .withheld
                        .iter()
                        .map(|w| format!("{} withheld", w.replace('_', " "))),
                )
                .collect::<Vec<_>>()
                .join("; "),
            note: r.record.note.clone(),
            context: r.record.industry == taskforce_domain::threat::COUNTY_CONTEXT,
        })
        .collect();
    let title = format!("{} in {}", industry_name(&industry), county_name(&fips));
    let page = CellPage {
        chrome: Chrome::new(
            &v,
            crumbs(
                tf,
                &t.name,
                vec![
                    Cell::link("Threat assessment", format!("{}/threat", base(tf))),
                    Cell::text(title.clone()),
                ],
            ),
            None,
        ),
        base: base(tf),
        title,
        typology: typology_names(&industry),
        partners: industry_by_code(&industry)
            .map(|i| i.partners.to_owned())
            .unwrap_or_default(),
        industry,
        county: county_name(&fips),
        fips,
        score: num(e.scored.score, 1),
        rank: format!("{} of {}", e.scored.rank, e.cells_scored),
        model: match &e.model {
            Some(m) => format!("model version {}", m.version),
            None => "default weights (not saved as a version yet)".into(),
        },
        total_weight: num(total_weight, 2),
        sum: num(e.scored.parts.iter().map(|p| p.contribution).sum(), 2),
        parts,
        measures,
        withheld: e
            .cell
            .withheld
            .iter()
            .map(|w| w.replace('_', " "))
            .collect::<Vec<_>>()
            .join(", "),
        sources,
        can_plan: may(&v, ResourceKind::OutreachPlan, Action::Create),
    };
    Ok(render(&page))
}

// -- exports ------------------------------------------------------------------------------------

async fn export_csv(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(q): Query<AssessmentQuery>,
) -> PageResult {
    let a = s
        .app
        .export_threat_assessment(&v.actor, tf, q.version()?, "csv")
        .await?;
    let mut out = String::new();
    let mut header = vec![
        "rank".to_owned(),
        "naics".into(),
        "industry".into(),
        "typology".into(),
        "county_fips".into(),
        "county".into(),
        "score".into(),
    ];
    for i in &a.indicators {
        for what in ["value", "normalised", "weight", "contribution"] {
            header.push(format!("{}_{what}", i.name));
        }
    }
    header.push("model_version".into());
    out.push_str(
        &header
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    let version = a
        .model
        .as_ref()
        .map(|m| m.version.to_string())
        .unwrap_or_else(|| "unsaved".into());
    for c in &a.scored {
        let mut row = vec![
            c.rank.to_string(),
            c.industry.clone(),
            industry_name(&c.industry),
            typology_names(&c.industry),
            c.fips.clone(),
            county_name(&c.fips),
            format!("{:.4}", c.score),
        ];
        for p in &c.parts {
            row.push(p.value.map(|v| format!("{v:.6}")).unwrap_or_default());
            row.push(format!("{:.6}", p.normalised));
            row.push(format!("{}", p.weight));
            row.push(format!("{:.6}", p.contribution));
        }
        row.push(version.clone());
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"threat-assessment.csv\"".to_owned(),
            ),
        ],
        out,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "threat/report.html")]
pub struct ReportPage {
    pub chrome: Chrome,
    pub task_force: String,
    pub model: String,
    pub industry_label: String,
    pub map_url: String,
    pub rows: Vec<RankedRow>,
    pub datasets: Vec<String>,
    pub indicators: Vec<(String, String, String)>,
    pub legend: Vec<LegendEntry>,
}

async fn report(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(q): Query<AssessmentQuery>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let a = s
        .app
        .export_threat_assessment(&v.actor, tf, q.version()?, "printable report")
        .await?;
    let industry = q
        .industry
        .clone()
        .filter(|i| industry_by_code(i).is_some())
        .or_else(|| a.scored.first().map(|c| c.industry.clone()))
        .unwrap_or_else(|| "112120".to_owned());
    let model_param = a
        .model
        .as_ref()
        .map(|m| format!("&model={}", m.version))
        .unwrap_or_default();
    let page = ReportPage {
        chrome: Chrome::new(
            &v,
            crumbs(
                tf,
                &t.name,
                vec![
                    Cell::link("Threat assessment", format!("{}/threat", base(tf))),
                    Cell::text("Printable report"),
                ],
            ),
            None,
        ),
        task_force: t.name.clone(),
        model: model_label(&a),
        industry_label: industry_name(&industry),
        map_url: format!(
            "{}/threat/map.json?industry={industry}{model_param}",
            base(tf)
        ),
        rows: a
            .scored
            .iter()
            .take(40)
            .map(|c| RankedRow {
                rank: c.rank,
                href: String::new(),
                industry: industry_name(&c.industry),
                county: county_name(&c.fips),
                score: num(c.score, 1),
                top: c
                    .top_parts(3)
                    .iter()
                    .map(|p| format!("{} ({} pts)", p.label, num(p.contribution, 1)))
                    .collect::<Vec<_>>()
                    .join("; "),
                focus: false,
            })
            .collect(),
        datasets: a
            .datasets
            .iter()
            .map(|d| {
                format!(
                    "{}: {} (SHA-256 {})",
                    d.source.label(),
                    d.file_name,
                    &d.sha256.get(..16).unwrap_or("")
                )
            })
            .collect(),
        indicators: a
            .indicators
            .iter()
            .map(|i| (i.label.clone(), num(i.weight, 2), i.why.clone()))
            .collect(),
        legend: CLASSES
            .iter()
            .map(|(_, class, label)| LegendEntry {
                class,
                label: (*label).to_owned(),
            })
            .collect(),
    };
    Ok(render(&page))
}

// -- model versions -----------------------------------------------------------------------------

pub struct WeightRow {
    pub name: String,
    pub label: String,
    pub why: String,
    pub weight: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "threat/models.html")]
pub struct ModelsPage {
    pub chrome: Chrome,
    pub base: String,
    pub csrf: String,
    /// version, note, created, by, datasets
    pub versions: Vec<(String, String, String, String, String)>,
    pub weights: Vec<WeightRow>,
    pub note: String,
    pub can_save: bool,
    pub problems: Vec<String>,
}

async fn models_page(
    s: &AppState,
    v: &Viewer,
    tf: TaskForceId,
    form: Option<(&BTreeMap<String, String>, &str, &Invalid)>,
    notice: Option<String>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let models = s.app.threat_models(&v.actor, tf).await?;
    let current = s.app.threat_assessment(&v.actor, tf, None).await?;
    let weights = current
        .indicators
        .iter()
        .map(|i| {
            let field = format!("weight_{}", i.name);
            WeightRow {
                weight: form
                    .and_then(|(values, _, _)| values.get(&i.name).cloned())
                    .unwrap_or_else(|| num(i.weight, 2)),
                error: form.and_then(|(_, _, inv)| inv.message_for(&field).map(str::to_owned)),
                name: i.name.clone(),
                label: i.label.clone(),
                why: i.why.clone(),
            }
        })
        .collect();
    let page = ModelsPage {
        chrome: Chrome::new(
            v,
            crumbs(
                tf,
                &t.name,
                vec![
                    Cell::link("Threat assessment", format!("{}/threat", base(tf))),
                    Cell::text("Model versions"),
                ],
            ),
            notice,
        ),
        base: base(tf),
        csrf: v.session.csrf_token.clone(),
        versions: models
            .iter()
            .map(|m| {
                (
                    m.version.to_string(),
                    m.note.clone(),
                    m.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    m.created_by.clone(),
                    format!("{} datasets", m.datasets.len()),
                )
            })
            .collect(),
        weights,
        note: form.map(|(_, n, _)| n.to_owned()).unwrap_or_default(),
        can_save: may(v, ResourceKind::ThreatModel, Action::Create),
        problems: form
            .map(|(_, _, inv)| inv.errors.iter().map(|e| e.message.clone()).collect())
            .unwrap_or_default(),
    };
    let status = if form.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, render(&page)).into_response())
}

async fn models(State(s): State<AppState>, v: Viewer, Ids(tf, _): Ids<TaskForceId>) -> PageResult {
    models_page(&s, &v, tf, None, None).await
}

async fn save_model(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    // Asked before reading the weights, so that a refused member learns nothing more.
    if !may(&v, ResourceKind::ThreatModel, Action::Create) {
        s.app
            .save_threat_model(&v.actor, tf, "", &BTreeMap::new())
            .await?;
    }
    let current = s.app.threat_assessment(&v.actor, tf, None).await?;
    let mut invalid = Invalid::default();
    let mut texts = BTreeMap::new();
    let mut weights = BTreeMap::new();
    for i in &current.indicators {
        let field = format!("weight_{}", i.name);
        let text = form.text(&field);
        texts.insert(i.name.clone(), text.clone());
        match text.trim().parse::<f64>() {
            Ok(w) if w.is_finite() => {
                weights.insert(i.name.clone(), w);
            }
            _ => invalid.add(field, "must be a number from 0 to 10"),
        }
    }
    let note = form.text("note");
    if invalid.is_empty() {
        match s.app.save_threat_model(&v.actor, tf, &note, &weights).await {
            Ok(saved) => {
                return Ok(
                    Redirect::to(&format!("{}/threat?model={}", base(tf), saved.version))
                        .into_response(),
                )
            }
            Err(taskforce_app::AppError::Invalid(more)) => invalid = more,
            Err(e) => return Err(e.into()),
        }
    }
    models_page(&s, &v, tf, Some((&texts, &note, &invalid)), None).await
}

#[derive(Deserialize)]
struct CompareQuery {
    a: Option<String>,
    b: Option<String>,
}

pub struct CompareRow {
    pub industry: String,
    pub county: String,
    pub rank_a: String,
    pub score_a: String,
    pub rank_b: String,
    pub score_b: String,
    pub change: String,
}

#[derive(Template)]
#[template(path = "threat/compare.html")]
pub struct ComparePage {
    pub chrome: Chrome,
    pub base: String,
    pub versions: Vec<(String, String)>,
    pub a: String,
    pub b: String,
    pub label_a: String,
    pub label_b: String,
    pub weights: Vec<(String, String, String)>,
    pub rows: Vec<CompareRow>,
}

async fn compare(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(q): Query<CompareQuery>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let models = s.app.threat_models(&v.actor, tf).await?;
    let parse = |text: &Option<String>,
                 field: &str,
                 default: Option<i64>|
     -> Result<Option<i64>, PageError> {
        match text.as_deref().map(str::trim) {
            None | Some("") => Ok(default),
            Some(t) => t.parse().map(Some).map_err(|_| {
                PageError(Problem::Invalid(Invalid::one(
                    field,
                    "is not a model version number",
                )))
            }),
        }
    };
    let newest = models.first().map(|m| m.version);
    let previous = models.get(1).map(|m| m.version).or(newest);
    let va = parse(&q.a, "a", previous)?;
    let vb = parse(&q.b, "b", newest)?;
    let a = s.app.threat_assessment(&v.actor, tf, va).await?;
    let b = s.app.threat_assessment(&v.actor, tf, vb).await?;
    let mut keys: Vec<(String, String)> = a
        .scored
        .iter()
        .chain(&b.scored)
        .map(|c| (c.industry.clone(), c.fips.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    let find = |x: &Assessment, k: &(String, String)| {
        x.scored
            .iter()
            .find(|c| c.industry == k.0 && c.fips == k.1)
            .map(|c| (c.rank, c.score))
    };
    let mut rows: Vec<(usize, CompareRow)> = keys
        .iter()
        .map(|k| {
            let ra = find(&a, k);
            let rb = find(&b, k);
            let change = match (ra, rb) {
                (Some((x, _)), Some((y, _))) if x > y => format!("up {}", x - y),
                (Some((x, _)), Some((y, _))) if y > x => format!("down {}", y - x),
                (Some(_), Some(_)) => "same".into(),
                (None, Some(_)) => "new".into(),
                _ => "gone".into(),
            };
            (
                rb.map_or(usize::MAX, |r| r.0),
                CompareRow {
                    industry: industry_name(&k.0),
                    county: county_name(&k.1),
                    rank_a: ra.map_or("-".into(), |r| r.0.to_string()),
                    score_a: ra.map_or("-".into(), |r| num(r.1, 1)),
                    rank_b: rb.map_or("-".into(), |r| r.0.to_string()),
                    score_b: rb.map_or("-".into(), |r| num(r.1, 1)),
                    change,
                },
            )
        })
        .collect();
    rows.sort_by_key(|(rank, _)| *rank);
    let weights = a
        .indicators
        .iter()
        .map(|i| {
            let wb = b
                .indicators
                .iter()
                .find(|j| j.name == i.name)
                .map_or("-".into(), |j| num(j.weight, 2));
            (i.label.clone(), num(i.weight, 2), wb)
        })
        .collect();
    let page = ComparePage {
        chrome: Chrome::new(
            &v,
            crumbs(
                tf,
                &t.name,
                vec![
                    Cell::link("Threat assessment", format!("{}/threat", base(tf))),
                    Cell::text("Compare versions"),
                ],
            ),
            None,
        ),
        base: base(tf),
        versions: models
            .iter()
            .map(|m| (m.version.to_string(), format!("Version {}", m.version)))
            .collect(),
        a: va.map(|x| x.to_string()).unwrap_or_default(),
        b: vb.map(|x| x.to_string()).unwrap_or_default(),
        label_a: model_label(&a),
        label_b: model_label(&b),
        weights,
        rows: rows.into_iter().take(60).map(|(_, r)| r).collect(),
    };
    Ok(render(&page))
}

// -- imported data and the upload form ----------------------------------------------------------

pub struct ReportView {
    pub summary: String,
    pub skipped: Vec<(String, String)>,
    pub rejected: Vec<(String, String)>,
    pub more_rejected: String,
    pub unresolved: Vec<(String, String)>,
}

impl ReportView {
    fn of(r: &ImportReport) -> Self {
        Self {
            summary: r.summary(),
            skipped: r
                .skipped
                .iter()
                .map(|(k, n)| (k.clone(), n.to_string()))
                .collect(),
            rejected: r
                .rejected
                .iter()
                .take(200)
                .map(|(l, why)| (l.to_string(), why.clone()))
                .collect(),
            more_rejected: if r.rejected_total > 200 {
                format!(
                    "and {} more rejected rows (the command line prints them all)",
                    r.rejected_total - 200
                )
            } else {
                String::new()
            },
            unresolved: r
                .unresolved
                .iter()
                .take(200)
                .map(|(l, name)| (l.to_string(), name.clone()))
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "threat/data.html")]
pub struct DataPage {
    pub chrome: Chrome,
    pub base: String,
    pub csrf: String,
    /// source, file, records, imported, by, summary
    pub datasets: Vec<(String, String, String, String, String, String)>,
    pub sources: Vec<(String, String)>,
    pub can_import: bool,
    pub report: Option<ReportView>,
    pub error: Option<String>,
}

async fn data_page(
    s: &AppState,
    v: &Viewer,
    tf: TaskForceId,
    report: Option<ReportView>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<DataPage, PageError> {
    let t = s.app.task_force(&v.actor, tf).await?;
    let datasets = s.app.threat_datasets(&v.actor, tf).await?;
    Ok(DataPage {
        chrome: Chrome::new(
            v,
            crumbs(
                tf,
                &t.name,
                vec![
                    Cell::link("Threat assessment", format!("{}/threat", base(tf))),
                    Cell::text("Imported data"),
                ],
            ),
            notice,
        ),
        base: base(tf),
        csrf: v.session.csrf_token.clone(),
        datasets: datasets
            .iter()
            .map(|d| {
                (
                    d.source.label().to_owned(),
                    d.file_name.clone(),
                    d.records.to_string(),
                    d.imported_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    d.imported_by.clone(),
                    d.report.summary(),
                )
            })
            .collect(),
        sources: Source::ALL
            .iter()
            .map(|src| (src.code().to_owned(), src.label().to_owned()))
            .collect(),
        can_import: may(v, ResourceKind::ThreatData, Action::Create),
        report,
        error,
    })
}

async fn data(State(s): State<AppState>, v: Viewer, Ids(tf, _): Ids<TaskForceId>) -> PageResult {
    Ok(render(&data_page(&s, &v, tf, None, None, None).await?))
}

/// The upload form's fields (multipart/form-data): csrf, source, dry_run, file.
struct Upload {
    fields: BTreeMap<String, String>,
    file_name: String,
    file: Vec<u8>,
}

/// Reads a multipart/form-data body. Small and strict: a part it cannot read is an error, never
/// a panic.
fn read_multipart(content_type: &str, body: &[u8]) -> Option<Upload> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    if boundary.is_empty() {
        return None;
    }
    let delimiter = format!("--{boundary}");
    let mut upload = Upload {
        fields: BTreeMap::new(),
        file_name: String::new(),
        file: Vec::new(),
    };
    let mut rest = body;
    let start = find(rest, delimiter.as_bytes())?;
    rest = rest.get(start + delimiter.len()..)?;
    loop {
        if rest.starts_with(b"--") {
            return Some(upload);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let headers_end = find(rest, b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(rest.get(..headers_end)?).into_owned();
        rest = rest.get(headers_end + 4..)?;
        let end = find(rest, format!("\r\n{delimiter}").as_bytes())?;
        let content = rest.get(..end)?;
        rest = rest.get(end + 2 + delimiter.len()..)?;
        let disposition = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?;
        let param = |name: &str| {
            disposition
                .split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .map(|v| v.trim_matches('"').to_owned())
        };
        let name = param("name")?;
        match param("filename") {
            Some(file_name) if name == "file" => {
                upload.file_name = file_name;
                upload.file = content.to_vec();
            }
            _ => {
                upload
                    .fields
                    .insert(name, String::from_utf8_lossy(content).into_owned());
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn upload(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let upload = if content_type.starts_with("multipart/form-data") {
        read_multipart(content_type, &body)
    } else {
        // A form without a file (urlencoded): its fields only.
        let form = crate::forms::FormData::parse(&body);
        Some(Upload {
            fields: ["csrf", "source", "dry_run"]
                .iter()
                .map(|k| ((*k).to_owned(), form.text(k)))
                .collect(),
            file_name: String::new(),
            file: Vec::new(),
        })
    };
    let Some(upload) = upload else {
        return Err(PageError(Problem::Invalid(Invalid::one(
            "file",
            "the upload could not be read; choose the file again",
        ))));
    };
    let csrf = upload.fields.get("csrf").cloned().unwrap_or_default();
    if !same(&csrf, &v.session.csrf_token) {
        return Err(PageError(Problem::Forbidden(
            "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
        )));
    }
    let source_code = upload.fields.get("source").cloned().unwrap_or_default();
    let dry_run = upload.fields.get("dry_run").is_some_and(|v| v == "yes");
    let outcome = match Source::from_code(&source_code) {
        _ if !may(&v, ResourceKind::ThreatData, Action::Create) => {
            // Let the use case refuse (and audit the refusal).
            s.app
                .import_threat_data(
                    &v.actor,
                    tf,
                    Source::Cbp,
                    "refused",
                    std::io::empty(),
                    true,
                    &mut |_| {},
                )
                .await
        }
        None => Err(Invalid::one("source", "choose which dataset the file is").into()),
        Some(_) if upload.file.is_empty() => {
            Err(Invalid::one("file", "choose a file to import").into())
        }
        Some(source) => {
            let name = if upload.file_name.trim().is_empty() {
                "upload.csv".to_owned()
            } else {
                upload.file_name.clone()
            };
            s.app
                .import_threat_data(
                    &v.actor,
                    tf,
                    source,
                    &name,
                    upload.file.as_slice(),
                    dry_run,
                    &mut |_| {},
                )
                .await
        }
    };
    match outcome {
        Ok(report) => {
            let notice = if report.dry_run {
                "Dry run: the file was read and nothing was saved. The report is below.".to_owned()
            } else {
                "Imported. The report is below.".to_owned()
            };
            let page = data_page(
                &s,
                &v,
                tf,
                Some(ReportView::of(&report)),
                None,
                Some(notice),
            )
            .await?;
            Ok(render(&page))
        }
        Err(taskforce_app::AppError::Invalid(invalid)) => {
            let page = data_page(&s, &v, tf, None, Some(invalid.to_string()), None).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// -- focus industries ---------------------------------------------------------------------------

async fn focus(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let industry = form.text("industry");
    let on = form.text("focus") != "no";
    s.app
        .set_threat_focus(&v.actor, tf, &industry, on, &form.text("note"))
        .await?;
    Ok(Redirect::to(&format!("{}/threat?industry={industry}", base(tf))).into_response())
}

// -- outreach plans -----------------------------------------------------------------------------

async fn plans(State(s): State<AppState>, v: Viewer, Ids(tf, _): Ids<TaskForceId>) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let plans = s.app.outreach_plans(&v.actor, tf).await?;
    let rows = plans
        .iter()
        .map(|p| {
            vec![
                Cell::link(p.title.clone(), format!("{}/outreach/{}", base(tf), p.id)),
                Cell::text(industry_name(&p.industry)),
                Cell::text(county_name(&p.fips)),
                Cell::text(p.status.label()),
            ]
        })
        .collect();
    let page = TablePage {
        chrome: Chrome::new(
            &v,
            crumbs(
                tf,
                &t.name,
                vec![
                    Cell::link("Threat assessment", format!("{}/threat", base(tf))),
                    Cell::text("Outreach plans"),
                ],
            ),
            None,
        ),
        title: "Outreach plans".into(),
        intro: "Plans made from the threat assessment's findings: whom to engage in an industry and county, what was done and what it produced.".into(),
        headers: vec!["Plan", "Industry", "County", "Status"],
        rows,
        empty: "No outreach plans yet. Open a finding of the threat assessment to make one.",
        new: None,
    };
    Ok(render(&page))
}

#[derive(Deserialize)]
struct NewPlanQuery {
    industry: Option<String>,
    fips: Option<String>,
}

fn plan_fields(input: &OutreachPlanInput, counties: &[String]) -> Vec<Field> {
    vec![
        Field::new("title", "Title", "text", input.title.clone()).required(),
        Field::new("industry", "Industry", "select", input.industry.clone())
            .required()
            .options(
                INDUSTRIES
                    .iter()
                    .map(|i| (i.code.to_owned(), i.label.to_owned()))
                    .collect(),
            ),
        Field::new("fips", "County", "select", input.fips.clone())
            .required()
            .options(
                counties
                    .iter()
                    .map(|f| (f.clone(), county_name(f)))
                    .collect(),
            ),
        Field::new("goal", "Goal", "textarea", input.goal.clone())
            .hint("What the outreach should achieve, and for whom."),
        Field::new(
            "partners",
            "Partners to engage",
            "textarea",
            input.partners.clone(),
        )
        .hint(
            "One per line: cooperatives, extension offices, clinics, consulates, worker centers.",
        ),
        Field::new(
            "status",
            "Status",
            "select",
            input.status.clone().unwrap_or_else(|| "planned".into()),
        )
        .options(
            PlanStatus::ALL
                .iter()
                .map(|s| (s.code().to_owned(), s.label().to_owned()))
                .collect(),
        ),
    ]
}

async fn plan_form(
    s: &AppState,
    v: &Viewer,
    tf: TaskForceId,
    input: &OutreachPlanInput,
    invalid: Option<&Invalid>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let page = FormPage {
        chrome: Chrome::new(
            v,
            crumbs(
                tf,
                &t.name,
                vec![
                    Cell::link("Outreach plans", format!("{}/outreach", base(tf))),
                    Cell::text("New outreach plan"),
                ],
            ),
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        title: "New outreach plan".into(),
        action: format!("{}/outreach/new", base(tf)),
        cancel: format!("{}/threat", base(tf)),
        submit: "Create the plan",
        version: None,
        fields: plan_fields(input, &t.counties),
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

async fn new_plan(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(q): Query<NewPlanQuery>,
) -> PageResult {
    if !may(&v, ResourceKind::OutreachPlan, Action::Create) {
        return Err(PageError(Problem::Forbidden(
            "Your role does not include this. Ask your task force coordinator if you need it."
                .into(),
        )));
    }
    let industry = q.industry.unwrap_or_default();
    let fips = q.fips.unwrap_or_default();
    let known = industry_by_code(&industry);
    let input = OutreachPlanInput {
        title: match known {
            Some(i) => format!("{} outreach, {}", i.label, county_name(&fips)),
            None => String::new(),
        },
        partners: known
            .map(|i| i.partners.replace("; ", "\n"))
            .unwrap_or_default(),
        industry,
        fips,
        ..Default::default()
    };
    plan_form(&s, &v, tf, &input, None).await
}

async fn create_plan(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let input = OutreachPlanInput {
        industry: form.text("industry"),
        fips: form.text("fips"),
        title: form.text("title"),
        goal: form.text("goal"),
        partners: form.text("partners"),
        status: Some(form.text("status")),
    };
    match s
        .app
        .create_outreach_plan(&v.actor, tf, input.clone())
        .await
    {
        Ok(plan) => {
            Ok(Redirect::to(&format!("{}/outreach/{}?saved=1", base(tf), plan.id)).into_response())
        }
        Err(taskforce_app::AppError::Invalid(invalid)) => {
            plan_form(&s, &v, tf, &input, Some(&invalid)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "threat/plan.html")]
pub struct PlanPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub action: String,
    pub title: String,
    pub finding: Cell,
    pub status: String,
    pub goal: String,
    pub partners: Vec<String>,
    /// date, kind, description, contacts, trained, tips
    pub activities: Vec<(String, String, String, String, String, String)>,
    pub totals: (String, String, String),
    pub can_add: bool,
    pub fields: Vec<Field>,
    pub problems: Vec<FormProblem>,
}

/// An entry of the activity form's error summary.
pub struct FormProblem {
    pub anchor: String,
    pub message: String,
}

#[derive(Deserialize)]
struct Saved {
    saved: Option<String>,
}

fn activity_fields(input: &OutreachActivityInput, invalid: Option<&Invalid>) -> Vec<Field> {
    let mut fields = vec![
        Field::new("happened_on", "Date", "date", input.happened_on.clone()).required(),
        Field::new("kind", "Kind of activity", "select", input.kind.clone())
            .required()
            .options(
                ActivityKind::ALL
                    .iter()
                    .map(|k| (k.code().to_owned(), k.label().to_owned()))
                    .collect(),
            ),
        Field::new(
            "description",
            "What happened",
            "textarea",
            input.description.clone(),
        ),
        Field::new(
            "contacts",
            "People reached",
            "number",
            input.contacts.clone(),
        ),
        Field::new(
            "people_trained",
            "People trained",
            "number",
            input.people_trained.clone(),
        ),
        Field::new(
            "tips_received",
            "Tips received",
            "number",
            input.tips_received.clone(),
        ),
    ];
    if let Some(invalid) = invalid {
        for f in &mut fields {
            f.error = invalid.message_for(&f.name).map(str::to_owned);
        }
    }
    fields
}

async fn plan_page(
    s: &AppState,
    v: &Viewer,
    tf: TaskForceId,
    id: OutreachPlanId,
    input: &OutreachActivityInput,
    invalid: Option<&Invalid>,
    notice: Option<String>,
) -> PageResult {
    let t = s.app.task_force(&v.actor, tf).await?;
    let (plan, activities) = s.app.outreach_plan(&v.actor, tf, id).await?;
    let sum = |f: fn(&OutreachActivity) -> i64| activities.iter().map(f).sum::<i64>().to_string();
    let page = PlanPage {
        chrome: Chrome::new(
            v,
            crumbs(
                tf,
                &t.name,
                vec![
                    Cell::link("Outreach plans", format!("{}/outreach", base(tf))),
                    Cell::text(plan.title.clone()),
                ],
            ),
            notice,
        ),
        csrf: v.session.csrf_token.clone(),
        action: format!("{}/outreach/{}/activities", base(tf), plan.id),
        title: plan.title.clone(),
        finding: Cell::link(
            format!(
                "{} in {}",
                industry_name(&plan.industry),
                county_name(&plan.fips)
            ),
            format!("{}/threat/cells/{}/{}", base(tf), plan.industry, plan.fips),
        ),
        status: plan.status.label().to_owned(),
        goal: plan.goal.clone(),
        partners: plan.partners.clone(),
        totals: (
            sum(|a| a.contacts),
            sum(|a| a.people_trained),
            sum(|a| a.tips_received),
        ),
        activities: activities
            .iter()
            .map(|a| {
                (
                    a.happened_on.format("%Y-%m-%d").to_string(),
                    a.kind.label().to_owned(),
                    a.description.clone(),
                    a.contacts.to_string(),
                    a.people_trained.to_string(),
                    a.tips_received.to_string(),
                )
            })
            .collect(),
        can_add: may(v, ResourceKind::OutreachPlan, Action::Update),
        fields: activity_fields(input, invalid),
        problems: invalid
            .map(|inv| {
                inv.errors
                    .iter()
                    .map(|e| FormProblem {
                        anchor: format!("field-{}", e.field),
                        message: e.to_string_pair(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    Ok(match invalid {
        Some(_) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response(),
        None => render(&page),
    })
}

trait Pair {
    fn to_string_pair(&self) -> String;
}

impl Pair for taskforce_domain::FieldError {
    fn to_string_pair(&self) -> String {
        format!("{}: {}", self.field.replace('_', " "), self.message)
    }
}

async fn plan(
    State(s): State<AppState>,
    v: Viewer,
    Ids((tf, id), _): Ids<(TaskForceId, OutreachPlanId)>,
    Query(saved): Query<Saved>,
) -> PageResult {
    plan_page(
        &s,
        &v,
        tf,
        id,
        &OutreachActivityInput::default(),
        None,
        saved.saved.map(|_| "Saved.".to_owned()),
    )
    .await
}

async fn add_activity(
    State(s): State<AppState>,
    Ids((tf, id), _): Ids<(TaskForceId, OutreachPlanId)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let input = OutreachActivityInput {
        happened_on: form.text("happened_on"),
        kind: form.text("kind"),
        description: form.text("description"),
        contacts: form.text("contacts"),
        people_trained: form.text("people_trained"),
        tips_received: form.text("tips_received"),
    };
    match s
        .app
        .add_outreach_activity(&v.actor, tf, id, input.clone())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/outreach/{id}?saved=1", base(tf))).into_response()),
        Err(taskforce_app::AppError::Invalid(invalid)) => {
            plan_page(&s, &v, tf, id, &input, Some(&invalid), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(num(1234567.891, 2), "1,234,567.89");
        assert_eq!(num(12.0, 2), "12");
        assert_eq!(num(-1500.5, 1), "-1,500.5");
        assert_eq!(num(0.1234, 3), "0.123");
    }

    #[test]
    fn multipart_bodies_are_read_and_junk_is_refused() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"w.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\r\n1,2\r\n--XyZ--\r\n";
        let upload = read_multipart("multipart/form-data; boundary=XyZ", body).expect("read");
        assert_eq!(upload.fields.get("csrf").map(String::as_str), Some("abc"));
        assert_eq!(upload.file_name, "w.csv");
        assert_eq!(upload.file, b"a,b\r\n1,2");
        for junk in [
            &b""[..],
            b"--XyZ",
            b"--XyZ\r\n",
            b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx",
            b"\xff\xfe",
        ] {
            let _ = read_multipart("multipart/form-data; boundary=XyZ", junk);
        }
        assert!(read_multipart("multipart/form-data", body).is_none());
    }
}
