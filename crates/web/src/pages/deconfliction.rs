//! Target deconfliction pages (C5): the agency's alerts, one alert with its actions
//! (acknowledge, contact made, and for a held-back hit the supervisor's decision), and a
//! person's "do not disclose" setting. An alert shows whom to contact and what kind of
//! identifier matched, never the other agency's case.

use super::structure::{crumbs, Notice};
use crate::auth::{SignedForm, Viewer};
use crate::error::{Ids, PageError};
use crate::view::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use taskforce_app::deconfliction::HitView;
use taskforce_domain::deconfliction::{DoNotDiscloseInput, HitActionInput};
use taskforce_domain::*;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/deconfliction", get(list))
        .route("/deconfliction/{id}", get(hit_page))
        .route("/deconfliction/{id}/actions", post(act))
        .route(
            "/persons/{id}/deconfliction",
            get(target_page).post(set_target),
        )
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn state_words(state: &str) -> &'static str {
    match state {
        "open" => "Both agencies told",
        "awaiting_decision" => {
            "Waiting for a supervisor's decision: the other agency has not been told"
        }
        _ => "Not disclosed (supervisor's decision)",
    }
}

pub struct HitRow {
    pub id: String,
    pub when: String,
    pub matched: &'static str,
    pub contact: String,
    pub state: &'static str,
    pub progress: &'static str,
}

#[derive(Template)]
#[template(path = "deconfliction/list.html")]
struct ListPage {
    chrome: Chrome,
    hits: Vec<HitRow>,
}

#[derive(Template)]
#[template(path = "deconfliction/hit.html")]
struct HitPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    contact: String,
    matched: &'static str,
    state: &'static str,
    when: String,
    your_case: String,
    acknowledged: String,
    contacted: String,
    actions: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "deconfliction/target.html")]
struct TargetPage {
    chrome: Chrome,
    csrf: String,
    person: String,
    checked: bool,
    tokens: usize,
    do_not_disclose: bool,
    /// Hits on the person already told to another agency (0 for readers outside its holder).
    already_disclosed: usize,
    may_update: bool,
}

async fn list(State(s): State<AppState>, v: Viewer) -> PageResult {
    let hits = s
        .app
        .deconfliction_hits(&v.actor, v.principal.task_force_id)
        .await?;
    Ok(render(&ListPage {
        chrome: Chrome::new(
            &v,
            crumbs(None, vec![Cell::text("Deconfliction alerts")]),
            None,
        ),
        hits: hits
            .iter()
            .map(|h| HitRow {
                id: h.id.to_string(),
                when: when(h.created_at),
                matched: h.matched.label(),
                contact: h.contact.line(),
                state: state_words(h.state),
                progress: match (h.acknowledged_at, h.contacted_at) {
                    (_, Some(_)) => "Contact made",
                    (Some(_), None) => "Acknowledged",
                    (None, None) => "New",
                },
            })
            .collect(),
    }))
}

fn hit_page_of(v: &Viewer, h: &HitView, notice: Option<String>) -> Response {
    render(&HitPage {
        chrome: Chrome::new(
            v,
            crumbs(
                None,
                vec![
                    Cell::link("Deconfliction alerts", "/deconfliction"),
                    Cell::text("Possible overlap"),
                ],
            ),
            notice,
        ),
        csrf: v.session.csrf_token.clone(),
        id: h.id.to_string(),
        contact: h.contact.line(),
        matched: h.matched.label(),
        state: state_words(h.state),
        when: when(h.created_at),
        your_case: h.your_case_id.to_string(),
        acknowledged: h.acknowledged_at.map(when).unwrap_or_default(),
        contacted: h.contacted_at.map(when).unwrap_or_default(),
        actions: h.actions.iter().map(|a| (a.code(), a.label())).collect(),
    })
}

async fn hit_page(
    State(s): State<AppState>,
    v: Viewer,
    Ids(id, _): Ids<DeconflictionHitId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let h = s
        .app
        .deconfliction_hit(&v.actor, v.principal.task_force_id, id)
        .await?;
    Ok(hit_page_of(&v, &h, notice.text()))
}

async fn act(
    State(s): State<AppState>,
    Ids(id, _): Ids<DeconflictionHitId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    s.app
        .act_on_hit(
            &v.actor,
            v.principal.task_force_id,
            id,
            HitActionInput {
                action: form.text("action"),
            },
        )
        .await?;
    Ok(Redirect::to(&format!("/deconfliction/{id}?saved=1")).into_response())
}

async fn target_page(
    State(s): State<AppState>,
    v: Viewer,
    Ids(id, _): Ids<PersonId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let t = s
        .app
        .deconfliction_target(&v.actor, v.principal.task_force_id, id)
        .await?;
    Ok(render(&TargetPage {
        chrome: Chrome::new(
            &v,
            crumbs(
                None,
                vec![
                    Cell::link("Person", format!("/persons/{id}")),
                    Cell::text("Deconfliction"),
                ],
            ),
            notice.text(),
        ),
        csrf: v.session.csrf_token.clone(),
        person: id.to_string(),
        checked: t.checked,
        tokens: t.tokens,
        do_not_disclose: t.do_not_disclose,
        already_disclosed: t.already_disclosed.unwrap_or(0),
        may_update: t.may_update,
    }))
}

async fn set_target(
    State(s): State<AppState>,
    Ids(id, _): Ids<PersonId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let value = match form.text("do_not_disclose").as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    s.app
        .set_do_not_disclose(
            &v.actor,
            v.principal.task_force_id,
            id,
            DoNotDiscloseInput {
                do_not_disclose: value,
            },
        )
        .await?;
    Ok(Redirect::to(&format!("/persons/{id}/deconfliction?saved=1")).into_response())
}
