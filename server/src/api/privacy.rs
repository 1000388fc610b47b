//! A guest's data rights (GDPR): an owner exports everything stored about a guest, or erases
//! their personal data. Both are audited.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use regulars_core::Error;
use regulars_core::auth::{Action, Target};
use regulars_core::ids::{ChainId, GuestId};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::views::{ErrorBody, GuestView};
use super::{ApiPath, Caller};
use crate::app::AppState;
use crate::error::AppError;

/// Everything stored about one guest, as a JSON document to hand them: profile and
/// identities, wallets with their whole ledgers and reward codes, purchases with line items,
/// messages, conversation state, referrals and the events about them (owners).
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/guests/{guest}/export", tag = "guests",
    params(("chain" = i64, Path, description = "The chain's id"), ("guest" = i64, Path, description = "The guest's id")),
    responses(
        (status = 200, description = "The export, as an attachment", body = Object),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn export_guest(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, guest)): ApiPath<(i64, i64)>,
) -> Result<impl IntoResponse, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ExportGuest, Target::Chain(chain))?;
    let export = regulars_core::privacy::export_guest(&*state.store, chain, GuestId(guest)).await?;
    super::audit(&state, &caller, "audit.guest_exported", format!("guest:{guest}"), json!({})).await?;
    let attachment = format!("attachment; filename=\"guest-{guest}.json\"");
    Ok(([(header::CONTENT_DISPOSITION, attachment)], Json(export)))
}

/// The confirmation an erasure needs: the guest's public id, as printed on their card, so a
/// mistyped guest id in a path cannot erase somebody else.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    /// The public id of the guest being erased (`public_id` in the guest's record, e.g. `7D3WATAT6407`).
    pub confirm_public_id: Option<String>,
}

/// Erases a guest's personal data at their request: name, phone, birthday, language,
/// consent, messenger identities, conversations, card secret and messages. Wallets, ledger and
/// purchases stay, anonymous, so the chain's totals stay right; if they write again they are a
/// new guest. Erasing again changes nothing (owners).
#[utoipa::path(
    post, path = "/api/v1/chains/{chain}/guests/{guest}/erase", tag = "guests", request_body = EraseBody,
    params(("chain" = i64, Path, description = "The chain's id"), ("guest" = i64, Path, description = "The guest's id")),
    responses(
        (status = 200, description = "Erased; what is left of them", body = GuestView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "`confirm_public_id` is missing or is not this guest's", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn erase_guest(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, guest)): ApiPath<(i64, i64)>,
    body: axum::body::Bytes,
) -> Result<Json<GuestView>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::EraseGuest, Target::Chain(chain))?;
    let body: EraseBody = super::json(&body)?;
    let before = state.store.guest(chain, GuestId(guest)).await?;
    let confirmed = body.confirm_public_id.as_deref().map(str::trim);
    if before.erased_at.is_none() && !confirmed.is_some_and(|id| id.eq_ignore_ascii_case(before.public_id.as_str())) {
        return Err(Error::invalid("confirm_public_id", "give the guest's public id to confirm the erasure").into());
    }
    let erased = state.store.erase_guest(chain, before.id).await?;
    if before.erased_at.is_none() {
        super::audit(&state, &caller, "audit.guest_erased", format!("guest:{guest}"), json!({})).await?;
    }
    Ok(Json(GuestView::new(&erased, &caller.principal)))
}
