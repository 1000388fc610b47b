//! `GET|POST /channels/{kind}/{chain}/webhook`: every bot's webhook, by messenger kind and
//! chain slug (`/channels/telegram/demo/webhook`).
//!
//! The bot's channel verifies the request (secret token or signature, before the body is
//! read) and parses it; then [`inbound::handle_events`] runs. Answers: 200 (with the
//! platform's expected body, e.g. WhatsApp's `hub.challenge` or Viber's welcome message),
//! 401 for a request that fails verification (403 for a `GET` subscription check, as WhatsApp
//! expects), 400 for a verified body that is not the platform's, 404 for no such bot, 503 with
//! `Retry-After` when storage is down (the platform delivers again).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use regulars_core::channel::{ChannelRequest, WebhookError};
use regulars_core::http::Headers;

use super::inbound;
use crate::app::AppState;
use crate::error::AppError;

/// Messenger updates are small; the largest (Viber) allows 30 KB. Generous, not unbounded.
const BODY_LIMIT: usize = 256 * 1024;

/// The webhook routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/channels/{kind}/{chain}/webhook", get(webhook).post(webhook))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn webhook(
    State(state): State<AppState>,
    Path((kind, chain)): Path<(String, String)>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(bot) = state.bots.get(&kind, &chain) else {
        return (StatusCode::NOT_FOUND, format!("no {kind} bot for chain `{chain}`")).into_response();
    };
    let request = ChannelRequest {
        method: method.as_str().to_owned(),
        query: query.unwrap_or_default(),
        headers: headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect::<Headers>(),
        body: body.to_vec(),
        received_at: Utc::now(),
    };
    let outcome = match bot.channel.parse_webhook(&request) {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::warn!(%error, channel = %kind, %chain, "webhook refused");
            let status = match &error {
                WebhookError::Unauthenticated(_) if method == Method::GET => StatusCode::FORBIDDEN,
                other => StatusCode::from_u16(other.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            };
            return (status, error.to_string()).into_response();
        }
    };
    match inbound::handle_events(&state, &bot, outcome.events, request.received_at).await {
        Ok(body) => match body.or(outcome.reply) {
            Some(body) => (StatusCode::OK, body).into_response(),
            None => StatusCode::OK.into_response(),
        },
        Err(e) => AppError(e).into_response(),
    }
}
