//! HTML pages. One module per area; each handler calls one use case and renders one page struct.

mod admin;
mod audit;
mod passkeys;
mod session;
mod structure;
mod threat;

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    structure::routes()
        .merge(session::routes())
        .merge(passkeys::routes())
        .merge(admin::routes())
        .merge(audit::routes())
        .merge(threat::routes())
}
