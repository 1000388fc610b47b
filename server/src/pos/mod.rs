//! POS ingestion over HTTP: `POST /pos/{source}/webhook` and `POST /pos/{source}/preview`.
//!
//! Each configured source ([`sources`]) has its driver verify and parse the request; the
//! webhook applies it in one storage transaction ([`PosRepo`](regulars_core::store::PosRepo)),
//! the preview computes the same earn without writing. Answers follow the generic contract in
//! `channels/pos-webhook/README.md`: 200 with the outcome (`"duplicate": true` on a retry),
//! 202 for event types regulars ignores, 401 (signature), 413 (size), 422 (JSON, fields, cafe,
//! currency), 409 with `Retry-After` for a refund of a receipt not delivered yet, and 503 with
//! `Retry-After` when storage is down (nothing written).

mod preview;
pub mod sources;
mod webhook;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;

use crate::app::AppState;

/// The largest body the server buffers for any POS route; each source's own, smaller limit
/// is checked by its driver (and up front from `Content-Length`).
const BODY_BUFFER_LIMIT: usize = 1024 * 1024;

/// The POS routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pos/{source}/webhook", post(webhook::webhook))
        .route("/pos/{source}/preview", post(preview::preview))
        .layer(DefaultBodyLimit::max(BODY_BUFFER_LIMIT))
}
