//! The HTTP application: state, routes, and the status page.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use regulars_core::store::Store;
use serde_json::json;
use tower_http::trace::TraceLayer;

use crate::error::AppError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The store, on whichever backend.
    pub store: Arc<dyn Store>,
}

/// The server's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(status_page))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The process is up (says nothing about dependencies: a restart would not help them).
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(json!({ "status": "ready", "database": state.store.backend_name() })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: database unreachable");
            let mut response = AppError(e).into_response();
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            response
        }
    }
}

/// A plain page that shows a newcomer the server works and what it holds.
async fn status_page(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let mut rows = String::new();
    for chain in state.store.list_chains().await? {
        let cafes = state.store.list_cafes(chain.id).await?;
        let guests = state.store.count_guests(chain.id).await?;
        let programs = state.store.list_programs(chain.id).await?;
        let _ = write!(
            rows,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{guests}</td></tr>",
            escape(&chain.name),
            escape(&chain.slug),
            cafes.iter().map(|c| escape(&c.name)).collect::<Vec<_>>().join("<br>"),
            programs.iter().map(|p| escape(&p.name)).collect::<Vec<_>>().join("<br>"),
        );
    }
    if rows.is_empty() {
        rows = "<tr><td colspan=5>No chains yet: run <code>regulars demo</code>.</td></tr>".into();
    }
    Ok(Html(format!(
        "<!doctype html><html lang=en><meta charset=utf-8><title>regulars</title>\
         <style>body{{font:16px system-ui;margin:2rem;max-width:60rem}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.4rem .8rem;text-align:left;vertical-align:top}}</style>\
         <h1>regulars is running</h1><p>Storage: <b>{}</b>. Health: <a href=/healthz>/healthz</a>, \
         readiness: <a href=/readyz>/readyz</a>.</p>\
         <table><tr><th>Chain</th><th>Slug</th><th>Cafes</th><th>Programs</th><th>Guests</th></tr>{rows}</table></html>",
        state.store.backend_name()
    )))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
