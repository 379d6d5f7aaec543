//! Kinds of search entry beyond cases, persons and notes: the policy kinds they are read as,
//! and how a hit of each is shown. Each capability that indexes records adds itself here.

use crate::{App, AppError, Result};
use taskforce_domain::access::ResourceKind;
use taskforce_domain::{TaskForceId, TipId};
use taskforce_store::search::SearchHit;
use taskforce_store::Connection;

/// Tips (intake): read by the organization they are routed to.
pub(crate) const EXTRA: &[ResourceKind] = &[ResourceKind::Tip];

/// The title, text and address of a hit of another kind.
pub(crate) async fn hit_text(
    app: &App,
    conn: &mut Connection,
    tf: TaskForceId,
    kind: &str,
    hit: &SearchHit,
) -> Result<(String, String, String)> {
    match kind {
        "tip" => {
            let id = hit
                .doc_id
                .parse()
                .map(TipId)
                .map_err(|_| AppError::Internal("a tip entry has a bad id".into()))?;
            let row = taskforce_store::intake::tip(conn, tf, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let narrative = app.unseal(conn, tf, &row.narrative_enc).await?;
            Ok((
                format!("Tip {}", row.tip.reference),
                narrative,
                format!("/task-forces/{tf}/tips/{id}"),
            ))
        }
        other => Err(AppError::Internal(format!(
            "unknown search entry kind {other}"
        ))),
    }
}
