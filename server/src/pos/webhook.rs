//! `POST /pos/{source}/webhook`: a signed delivery from a POS becomes a purchase or a refund,
//! exactly once.
//!
//! Order matters: the source verifies the signature before the body is read; a delivery
//! already applied is answered from storage before the guest's card code is looked at (a
//! retry must not count as a reused code); everything else is one storage transaction.
//!
//! The answer is the stored outcome ([`IngestOutcome`]) plus what the server knows of the
//! notification's way to the guest, which storage does not: `"notified": true` says a message
//! was queued, `"messengers"` lists the messengers this chain is served on (its configured
//! bots) on which the guest has an identity, and when a message was queued with none of them,
//! `"undeliverable"` says so (`reason` and `message`): the outbox will give it up as
//! [`NO_MESSENGER`](regulars_core::notification::NO_MESSENGER) instead of sending it. An
//! identity the guest has blocked still counts here; the outbox finds out when it sends.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use regulars_core::ErrorKind;
use regulars_core::ids::CafeId;
use regulars_core::pos::ingest::{GuestMatch, IngestOutcome, Notify, PurchaseIngest, RefundIngest, purchase_event_key};
use regulars_core::pos::{PosError, PosPayload, PosPurchase, PosRequest, PosSourceExt as _};
use serde::Serialize;
use serde_json::json;

use super::sources::PosRoute;
use crate::app::AppState;
use crate::error::AppError;

/// An answer to a POS that is not a 200 with an outcome.
#[derive(Debug)]
pub(crate) enum PosAnswer {
    /// No source of that name.
    UnknownSource(String),
    /// The source refused the request (signature, JSON, size) or ignored it.
    Source(PosError),
    /// The body could not be read (too large for the server, or cut off).
    Body(BytesRejection),
    /// The cafe reference is not mapped for this source.
    UnknownCafe(String),
    /// A refund of a receipt this source never reported (yet).
    UnknownReceipt(String),
    /// Anything storage or the services said.
    App(AppError),
}

impl From<regulars_core::Error> for PosAnswer {
    fn from(e: regulars_core::Error) -> Self {
        Self::App(AppError(e))
    }
}

fn error_body(status: StatusCode, kind: &str, message: &str, field: Option<&str>) -> Response {
    (status, Json(json!({ "error": { "kind": kind, "message": message, "field": field } }))).into_response()
}

impl IntoResponse for PosAnswer {
    fn into_response(self) -> Response {
        match self {
            Self::UnknownSource(name) => {
                error_body(StatusCode::NOT_FOUND, "not_found", &format!("no POS source `{name}` is configured"), None)
            }
            Self::Source(PosError::Unsupported { event_type }) => {
                (StatusCode::ACCEPTED, Json(json!({ "status": "ignored", "event_type": event_type }))).into_response()
            }
            Self::Source(e @ PosError::Unauthenticated { .. }) => {
                tracing::warn!(error = %e, "POS delivery refused");
                error_body(StatusCode::UNAUTHORIZED, "unauthenticated", &e.to_string(), None)
            }
            Self::Source(PosError::InvalidPayload { field, reason }) => {
                error_body(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", &reason, Some(&field))
            }
            Self::Source(e) => error_body(StatusCode::PAYLOAD_TOO_LARGE, "too_large", &e.to_string(), None),
            Self::Body(rejection) => {
                let status = rejection.status();
                let kind = if status == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "invalid_input" };
                error_body(status, kind, &rejection.body_text(), None)
            }
            Self::UnknownCafe(reference) => error_body(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                &format!("cafe `{reference}` is not mapped to a regulars cafe for this source"),
                Some("cafe"),
            ),
            Self::UnknownReceipt(receipt) => {
                let mut response = error_body(
                    StatusCode::CONFLICT,
                    "unknown_receipt",
                    &format!("no purchase `{receipt}` from this source yet; retry once the sale is delivered"),
                    Some("receipt_id"),
                );
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
                response
            }
            Self::App(e) => e.into_response(),
        }
    }
}

/// The served source named `name`.
pub(crate) fn route<'a>(state: &'a AppState, name: &str) -> Result<&'a PosRoute, PosAnswer> {
    state.pos.get(name).ok_or_else(|| PosAnswer::UnknownSource(name.to_owned()))
}

/// The raw request as the source sees it, refused early when `Content-Length` says too large.
pub(crate) fn pos_request(
    route: &PosRoute,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<PosRequest, PosAnswer> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if let Some(len) = declared {
        route.source.check_body_len(len).map_err(PosAnswer::Source)?;
    }
    let body = body.map_err(PosAnswer::Body)?;
    let mut request = PosRequest::new(body.to_vec(), Utc::now());
    for (name, value) in headers {
        if let Ok(value) = value.to_str() {
            request.headers.append(name.as_str(), value);
        }
    }
    Ok(request)
}

/// The cafe a POS reference names.
pub(crate) fn cafe_of(route: &PosRoute, reference: &str) -> Result<CafeId, PosAnswer> {
    route.cafes.get(reference).copied().ok_or_else(|| PosAnswer::UnknownCafe(reference.to_owned()))
}

/// `POST /pos/{source}/webhook`.
pub(crate) async fn webhook(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PosAnswer> {
    let route = route(&state, &name)?;
    let request = pos_request(route, &headers, body)?;
    let event = route.source.parse(&request).map_err(PosAnswer::Source)?;
    let outcome = match event.payload {
        PosPayload::PurchaseCompleted(purchase) => {
            record_purchase(&state, route, &name, event.delivery_id, purchase, request.received_at).await?
        }
        PosPayload::PurchaseRefunded(refund) => {
            let cafe_id = cafe_of(route, &refund.cafe_ref)?;
            let receipt = refund.receipt_id.clone();
            let ingest = RefundIngest { source: name, delivery_id: event.delivery_id, cafe_id, refund };
            match state.store.ingest_refund(route.chain, ingest).await {
                Err(e) if e.kind() == ErrorKind::NotFound => return Err(PosAnswer::UnknownReceipt(receipt)),
                other => other?,
            }
        }
    };
    let messengers = messengers_of_guest(&state, route, &outcome).await;
    Ok(Json(WebhookAnswer::new(outcome, messengers)).into_response())
}

/// What a POS is answered: the outcome, and where its notification can go.
#[derive(Debug, Serialize)]
struct WebhookAnswer {
    #[serde(flatten)]
    outcome: IngestOutcome,
    /// For a known guest: the chain's messengers they have an identity on.
    #[serde(skip_serializing_if = "Option::is_none")]
    messengers: Option<Vec<String>>,
    /// A notification was queued that no messenger can take.
    #[serde(skip_serializing_if = "Option::is_none")]
    undeliverable: Option<Undeliverable>,
}

/// Why a queued notification will not reach the guest.
#[derive(Debug, Serialize)]
struct Undeliverable {
    reason: &'static str,
    message: &'static str,
}

impl WebhookAnswer {
    fn new(outcome: IngestOutcome, messengers: Option<Vec<String>>) -> Self {
        let undeliverable =
            (outcome.notified && messengers.as_ref().is_some_and(Vec::is_empty)).then_some(Undeliverable {
                reason: "no_reachable_messenger",
                message: "the guest has no identity on a messenger this chain is served on; \
                          the notification will not be sent",
            });
        Self { outcome, messengers, undeliverable }
    }
}

/// The messengers of the chain's bots on which the outcome's guest has an identity, sorted;
/// `None` without a matched guest, or when the guest cannot be read (the sale is recorded
/// either way, so that is logged, not answered with an error the POS would retry).
async fn messengers_of_guest(state: &AppState, route: &PosRoute, outcome: &IngestOutcome) -> Option<Vec<String>> {
    let GuestMatch::Matched { public_id, .. } = &outcome.guest else { return None };
    let mut served: Vec<&str> =
        state.bots.iter().filter(|bot| bot.chain == route.chain).map(|bot| bot.channel.kind()).collect();
    if served.is_empty() {
        // No bot for the chain: nothing to look up (and most POS traffic of a chain without
        // bots pays no extra read).
        return Some(Vec::new());
    }
    served.sort_unstable();
    served.dedup();
    match state.store.guest_by_public_id(route.chain, public_id).await {
        Ok(guest) => Some(
            served
                .into_iter()
                .filter(|kind| guest.identities.iter().any(|i| i.channel.as_str() == *kind))
                .map(str::to_owned)
                .collect(),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the guest's messengers for the POS answer");
            None
        }
    }
}

async fn record_purchase(
    state: &AppState,
    route: &PosRoute,
    source: &str,
    delivery_id: String,
    purchase: PosPurchase,
    now: chrono::DateTime<Utc>,
) -> Result<IngestOutcome, PosAnswer> {
    let cafe_id = cafe_of(route, &purchase.cafe_ref)?;
    // A retry is answered before a card code is checked: the code was used by the first
    // delivery, and checking it again would call the retry a reuse. Without a code nothing
    // needs answering early; the transaction finds a retry by its unique keys and answers
    // with the first outcome all the same, and every sale saves a read.
    if purchase.guest.carries_code()
        && let Some(done) = state
            .store
            .delivery_outcome(route.chain, source, &delivery_id, &purchase_event_key(&purchase.receipt_id))
            .await?
    {
        return Ok(done);
    }
    let matched = state.till.match_for_source(route.chain, source, &purchase.guest, now).await?;
    let ingest = PurchaseIngest {
        source: source.to_owned(),
        delivery_id,
        purchase: purchase.to_new_purchase(source, cafe_id, matched.guest.as_ref().map(|g| g.id)),
        guest: matched.outcome,
        card_step: matched.step,
        reward_code: purchase.reward_code.clone(),
        promotions: Vec::new(),
        staff: None,
        notify: Notify::Guest,
    };
    Ok(state.store.ingest_purchase(route.chain, ingest).await?)
}
