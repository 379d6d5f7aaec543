//! The audit log for auditors: a task force's entries by day, a CSV export, and a check of the
//! whole hash chain. Each look is itself recorded (by the use cases).

use crate::auth::{SignedForm, Viewer};
use crate::error::PageError;
use crate::view::*;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use serde::Deserialize;
use taskforce_domain::audit::{canonical_time, StoredAuditEntry};
use taskforce_domain::Invalid;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit))
        .route("/audit.csv", get(audit_csv))
        .route("/audit/verify", post(verify))
}

#[derive(Deserialize)]
struct Days {
    from: Option<String>,
    to: Option<String>,
}

/// The days asked for; by default the last seven.
fn days(
    v: &Viewer,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(NaiveDate, NaiveDate), PageError> {
    let today = v.now.date_naive();
    let parse = |field: &str, text: Option<&str>, default: NaiveDate| match text
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => Ok(default),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| PageError::from(Invalid::one(field, "must be a date written YYYY-MM-DD"))),
    };
    let from = parse("from", from, today - chrono::Duration::days(6))?;
    let to = parse("to", to, today)?;
    if to < from {
        return Err(Invalid::one("to", "must not be before from").into());
    }
    Ok((from, to))
}

fn row(
    e: &StoredAuditEntry,
) -> (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
) {
    let r = &e.record;
    (
        e.seq.to_string(),
        canonical_time(r.at)
            .replace('T', " ")
            .trim_end_matches('Z')
            .to_owned(),
        if r.actor_email.is_empty() {
            "anonymous".into()
        } else {
            r.actor_email.clone()
        },
        r.source.clone(),
        r.action.clone(),
        if r.object_id.is_empty() {
            r.object_kind.clone()
        } else {
            format!("{} {}", r.object_kind, r.object_id)
        },
        r.outcome.code().to_owned(),
        r.detail.clone(),
    )
}

async fn page(
    s: &AppState,
    v: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
    verification: Option<String>,
) -> PageResult {
    let tf = v.principal.task_force_id;
    let (entries, more) = s.app.audit_log(&v.actor, tf, from, to).await?;
    let task_force = s.app.task_force(&v.actor, tf).await?.name;
    Ok(render(&AuditPage {
        chrome: Chrome::new(
            v,
            vec![Cell::link("Task forces", "/"), Cell::text("Audit log")],
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        task_force,
        from: from.to_string(),
        to: to.to_string(),
        entries: entries.iter().map(row).collect(),
        more,
        verification,
    }))
}

async fn audit(State(s): State<AppState>, v: Viewer, Query(q): Query<Days>) -> PageResult {
    let (from, to) = days(&v, q.from.as_deref(), q.to.as_deref())?;
    page(&s, &v, from, to, None).await
}

async fn audit_csv(State(s): State<AppState>, v: Viewer, Query(q): Query<Days>) -> PageResult {
    let (from, to) = days(&v, q.from.as_deref(), q.to.as_deref())?;
    let entries = s
        .app
        .export_audit_log(&v.actor, v.principal.task_force_id, from, to)
        .await?;
    let mut out = String::from(
        "seq,at,actor,source,action,object_kind,object_id,outcome,detail,prev_hash,hash\n",
    );
    for e in &entries {
        let r = &e.record;
        let fields = [
            e.seq.to_string(),
            canonical_time(r.at),
            r.actor_email.clone(),
            r.source.clone(),
            r.action.clone(),
            r.object_kind.clone(),
            r.object_id.clone(),
            r.outcome.code().to_owned(),
            r.detail.clone(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    let disposition = format!("attachment; filename=\"audit-{from}-{to}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        out,
    )
        .into_response())
}

async fn verify(State(s): State<AppState>, SignedForm { viewer, form }: SignedForm) -> PageResult {
    let (from, to) = days(&viewer, Some(&form.text("from")), Some(&form.text("to")))?;
    let message = match s
        .app
        .verify_audit_for(&viewer.actor, viewer.principal.task_force_id)
        .await?
    {
        Ok(v) => format!(
            "The audit log is intact: {} entries checked, none edited, deleted or reordered.",
            v.entries
        ),
        Err(broken) => format!(
            "The audit log is BROKEN at entry {}: {}. Tell your administrator and keep this page.",
            broken.seq, broken.reason
        ),
    };
    page(&s, &viewer, from, to, Some(message)).await
}
