//! HTTP for Taskforce: server-rendered pages, the JSON API (`/api/v1`, described at
//! `/api/openapi.json`), static assets, `/healthz` and `/metrics`.
//!
//! Architecture invariant: no business rule lives here. Handlers parse the request, call one
//! use case of `taskforce-app`, and turn its answer into HTML or JSON.

mod api;
mod assets;
mod error;
mod forms;
mod pages;
mod telemetry;
mod view;

use axum::Router;
use std::net::SocketAddr;
use taskforce_app::App;
use tokio::net::TcpListener;

pub use api::openapi_json;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
}

/// The whole web application.
pub fn router(app: App) -> Router {
    let state = AppState { app };
    Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .route("/api/openapi.json", axum::routing::get(api::openapi))
        .merge(telemetry::routes())
        .merge(assets::routes())
        .fallback(error::not_found_page)
        .with_state(state)
        .layer(axum::middleware::from_fn(telemetry::record))
        .layer(axum::middleware::from_fn(view::security_headers))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(1024 * 1024))
}

/// Serves `router` on `listener` until ctrl-c (or SIGTERM).
pub async fn serve(listener: TcpListener, app: App) -> std::io::Result<()> {
    let router = router(app);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
