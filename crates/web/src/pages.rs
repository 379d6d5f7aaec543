//! HTML pages. One module per area; each handler calls one use case and renders one page struct.

mod admin;
mod audit;
mod cases;
mod deconfliction;
mod duplicates;
mod intake;
mod operations;
mod passkeys;
mod referrals;
mod services;
mod session;
mod sharing;
mod structure;
mod threat;

use crate::AppState;
use axum::Router;

/// The attachment upload, which takes larger bodies than any other route.
pub fn upload_routes() -> Router<AppState> {
    cases::upload_routes()
}

pub fn routes() -> Router<AppState> {
    structure::routes()
        .merge(session::routes())
        .merge(passkeys::routes())
        .merge(admin::routes())
        .merge(audit::routes())
        .merge(cases::routes())
        .merge(intake::routes())
        .merge(threat::routes())
        .merge(sharing::routes())
        .merge(referrals::routes())
        .merge(services::routes())
        .merge(deconfliction::routes())
        .merge(operations::routes())
        .merge(duplicates::routes())
}
