//! Kinds of search entry beyond cases, persons and notes: the policy kinds they are read as,
//! and how a hit of each is shown. Each capability that indexes records adds itself here.

use crate::{App, AppError, Result};
use taskforce_domain::access::ResourceKind;
use taskforce_domain::TaskForceId;
use taskforce_store::search::SearchHit;
use taskforce_store::Connection;

pub(crate) const EXTRA: &[ResourceKind] = &[];

/// The title, text and address of a hit of another kind.
pub(crate) async fn hit_text(
    _app: &App,
    _conn: &mut Connection,
    _tf: TaskForceId,
    kind: &str,
    _hit: &SearchHit,
) -> Result<(String, String, String)> {
    Err(AppError::Internal(format!(
        "unknown search entry kind {kind}"
    )))
}
