//! HTTP for Taskforce: server-rendered pages, the JSON API (`/api/v1`, described at
//! `/api/openapi.json`), static assets, `/healthz` and `/metrics`.
//!
//! Architecture invariant: no business rule lives here. Handlers parse the request, call one
//! use case of `taskforce-app`, and turn its answer into HTML or JSON.

mod api;
mod api_cases;
mod api_deconfliction;
mod api_duplicates;
mod api_intake;
mod api_operations;
mod api_referrals;
mod api_services;
mod api_sharing;
mod assets;
mod auth;
mod error;
mod forms;
mod geo;
mod limits;
mod pages;
mod telemetry;
mod view;

use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use taskforce_app::App;
use tokio::net::TcpListener;

pub use api::openapi_json;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Requests per client address on the doors that answer without a session.
    pub limits: Arc<limits::RateLimits>,
    /// Whether the server speaks TLS itself (cookies are then `Secure`, and HSTS is sent).
    pub tls: bool,
}

/// How the web application is served.
#[derive(Clone, Debug)]
pub struct WebConfig {
    pub tls: bool,
    /// Serve `/healthz` and `/metrics` with the application (false when they have an address of
    /// their own, see [`serve_telemetry`]).
    pub telemetry: bool,
    /// Sign-in attempts allowed per client address and minute.
    pub sign_in_per_minute: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            tls: false,
            telemetry: true,
            sign_in_per_minute: 20,
        }
    }
}

/// The whole web application, served without TLS.
pub fn router(app: App) -> Router {
    router_with(app, WebConfig::default())
}

/// The whole web application.
pub fn router_with(app: App, config: WebConfig) -> Router {
    let state = AppState {
        app,
        limits: Arc::new(limits::RateLimits::per_minute(config.sign_in_per_minute)),
        tls: config.tls,
    };
    let tls = config.tls;
    let routes = Router::new()
        .merge(pages::routes())
        .merge(api_cases::routes())
        .nest("/api/v1", api::routes())
        .merge(api_intake::routes())
        .merge(api_sharing::routes())
        .merge(api_referrals::routes())
        .merge(api_services::routes())
        .merge(api_deconfliction::routes())
        .merge(api_operations::routes())
        .merge(api_duplicates::routes())
        .route("/api/openapi.json", axum::routing::get(api::openapi))
        .merge(assets::routes());
    let routes = if config.telemetry {
        routes.merge(telemetry::routes())
    } else {
        routes
    };
    routes
        .layer(tower_http::limit::RequestBodyLimitLayer::new(1024 * 1024))
        // Attachments: up to 10 MB of file plus the form around it.
        .merge(
            pages::upload_routes().layer(tower_http::limit::RequestBodyLimitLayer::new(
                taskforce_domain::cases::MAX_ATTACHMENT_BYTES + 64 * 1024,
            )),
        )
        .fallback(error::not_found_page)
        .with_state(state)
        .layer(axum::middleware::from_fn(telemetry::record))
        .layer(axum::middleware::from_fn(move |req, next| {
            view::security_headers(req, next, tls)
        }))
}

/// `/healthz` and `/metrics` alone, for an address of their own.
pub fn telemetry_router(app: App) -> Router {
    let state = AppState {
        app,
        limits: Arc::new(limits::RateLimits::per_minute(1)),
        tls: false,
    };
    telemetry::routes().with_state(state)
}

/// Serves the telemetry router on `listener` until shutdown.
pub async fn serve_telemetry(listener: TcpListener, app: App) -> std::io::Result<()> {
    axum::serve(listener, telemetry_router(app))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

/// Serves the application on `listener` (plain HTTP) until ctrl-c (or SIGTERM).
pub async fn serve(listener: TcpListener, app: App, config: WebConfig) -> std::io::Result<()> {
    let router = router_with(app, config);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
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
