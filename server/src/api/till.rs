//! Opening a guest at the till: the barista scans the card QR or types its 6 digits, the same
//! lookup (wrong-code locks, one use per code, security events) as staff mode in the bot.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use regulars_core::Error;
use regulars_core::auth::{Action, Target, Via};
use regulars_core::identity::TerminalId;
use regulars_core::identity::till::{DetailNeeded, TillActor, TillOutcome, TillRefusal};
use regulars_core::ids::{CafeId, ChainId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::{ErrorBody, GuestDetail};
use super::{ApiPath, Caller};
use crate::app::AppState;
use crate::error::AppError;

/// What the barista has of the guest's card.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TillLookupBody {
    /// The 6 digits under the card's QR, as typed.
    pub code: Option<String>,
    /// The text of the scanned QR.
    pub scanned: Option<String>,
    /// The last digits of the guest's phone, when an earlier answer asked for them.
    pub phone_hint: Option<String>,
    /// The cafe of the till; a paired terminal's own cafe when left out.
    pub cafe: Option<i64>,
}

/// The guest opened, or what is needed to tell guests apart.
#[derive(Debug, Serialize, ToSchema)]
pub struct TillLookupView {
    /// `identified` or `needs_detail`.
    pub outcome: String,
    /// The guest, phone masked for baristas, when identified.
    pub guest: Option<GuestDetail>,
    /// How many guests share the code, when `needs_detail`.
    pub candidates: Option<usize>,
    /// `phone_digits_or_scan` or `scan`, when `needs_detail`.
    pub ask: Option<String>,
}

/// Opens the guest whose card code was typed or scanned at the till (baristas and up; at a
/// paired terminal, its cafe). A code opens one guest once; wrong codes lock the staff member
/// and the terminal for a while (429 with `Retry-After`).
#[utoipa::path(
    post, path = "/api/v1/chains/{chain}/till/lookup", tag = "guests", request_body = TillLookupBody,
    params(("chain" = i64, Path, description = "The chain's id")),
    responses(
        (status = 200, body = TillLookupView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "No guest has this code now, or the code is unreadable", body = ErrorBody),
        (status = 429, description = "Too many wrong codes; see Retry-After", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn till_lookup(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    body: axum::body::Bytes,
) -> Result<Json<TillLookupView>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::FindGuest, Target::Chain(chain))?;
    let body: TillLookupBody = super::json(&body)?;
    let (cafe, terminal) = match (&caller.principal.via, body.cafe) {
        (Via::Terminal { cafe, terminal, .. }, None) => (*cafe, format!("terminal:{terminal}")),
        (Via::Terminal { cafe, .. }, Some(asked)) if asked != cafe.get() => {
            return Err(Error::invalid("cafe", "a paired terminal works at its own cafe").into());
        }
        (Via::Terminal { cafe, terminal, .. }, Some(_)) => (*cafe, format!("terminal:{terminal}")),
        (Via::Session(session), Some(cafe)) => (CafeId(cafe), format!("session:{session}")),
        (Via::Token { token, .. }, Some(cafe)) => (CafeId(cafe), format!("api_token:{token}")),
        (_, None) => return Err(Error::invalid("cafe", "say which cafe's till this is").into()),
    };
    state.store.cafe(chain, cafe).await?;
    let actor = TillActor { chain, staff: caller.principal.staff_id, cafe, terminal: TerminalId::new(terminal)? };
    let now = Utc::now();
    let outcome = match (body.code.as_deref(), body.scanned.as_deref()) {
        (Some(code), None) => state.till.resolve_typed_code(&actor, code, body.phone_hint.as_deref(), now).await?,
        (None, Some(scanned)) => state.till.resolve_scan(&actor, scanned, now).await?,
        _ => return Err(Error::invalid("code", "give the typed `code` or the `scanned` QR, one of them").into()),
    };
    match outcome {
        TillOutcome::Identified(found) => Ok(Json(TillLookupView {
            outcome: "identified".into(),
            guest: Some(super::guests::detail(&state, &caller, &found.guest).await?),
            candidates: None,
            ask: None,
        })),
        TillOutcome::NeedsDetail { candidates, ask } => Ok(Json(TillLookupView {
            outcome: "needs_detail".into(),
            guest: None,
            candidates: Some(candidates),
            ask: Some(match ask {
                DetailNeeded::Scan => "scan".into(),
                _ => "phone_digits_or_scan".into(),
            }),
        })),
        TillOutcome::Refused(refusal) => Err(refused(&refusal).into()),
        _ => Err(Error::internal("the till answered something this API does not know").into()),
    }
}

/// A refusal as the API's error: who may not is 403, a lock is 429, anything about what was
/// typed is 422 naming the field, with the till's own words.
fn refused(refusal: &TillRefusal) -> Error {
    let message = refusal.to_string();
    match refusal {
        TillRefusal::NotStaff | TillRefusal::RoleTooLow { .. } | TillRefusal::NotAtThisCafe => {
            Error::Forbidden(message)
        }
        TillRefusal::Locked { until } => Error::RateLimited {
            message,
            retry_after_seconds: u64::try_from((*until - Utc::now()).num_seconds()).unwrap_or(0).max(1),
        },
        TillRefusal::UnreadableDetail | TillRefusal::DetailMismatch | TillRefusal::InvalidPhone => {
            Error::invalid("phone_hint", message)
        }
        _ => Error::invalid("code", message),
    }
}
