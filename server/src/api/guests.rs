//! Guests: search and lists (managers and owners), a lookup by public id (baristas, to
//! serve), wallets, the ledger, and manual adjustments with a reason.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use regulars_core::auth::{Action, Target};
use regulars_core::guest::{Guest, normalize_phone};
use regulars_core::ids::{ChainId, GuestId, WalletId};
use regulars_core::ledger::{Actor, EntryKind, IdempotencyKey, NewLedgerEntry, Overdraft};
use regulars_core::{Error, ErrorKind};
use serde::Deserialize;
use serde_json::json;

use super::views::{
    AdjustmentBody, ErrorBody, GuestDetail, GuestPage, GuestView, LedgerEntryView, LedgerPage, PageQuery, WalletView,
    next_cursor,
};
use super::{ApiPath, ApiQuery, Caller};
use crate::app::AppState;
use crate::error::AppError;

/// Guest search parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GuestQuery {
    /// A phone number (any common spelling), a public id, or part of a name; every guest
    /// when left out.
    pub q: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (50).
    pub limit: Option<u32>,
}

/// Guests of the chain by id, or those matching `q` (managers): on the first page the guest
/// with that public id and those with that phone, then everyone whose name contains it.
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/guests", tag = "guests",
    params(("chain" = i64, Path, description = "The chain's id"), GuestQuery),
    responses(
        (status = 200, body = GuestPage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn list_guests(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    ApiQuery(query): ApiQuery<GuestQuery>,
) -> Result<Json<GuestPage>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ListGuests, Target::Chain(chain))?;
    let page = PageQuery { cursor: query.cursor.clone(), limit: query.limit }.request()?;
    let view = |guests: &[Guest]| guests.iter().map(|g| GuestView::new(g, &caller.principal)).collect();
    let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) else {
        let guests = state.store.list_guests(chain, page).await?;
        return Ok(Json(GuestPage { items: view(&guests.items), next_cursor: next_cursor(&guests) }));
    };
    let found = find_guests(&state, chain, q, page).await?;
    Ok(Json(GuestPage { items: view(&found.items), next_cursor: next_cursor(&found) }))
}

/// Guests matching `q`: the guest with that public id and those with that phone number, if
/// any; otherwise those whose name contains it (paged by name search's cursor).
///
/// # Errors
/// A store failure.
pub(crate) async fn find_guests(
    state: &AppState,
    chain: ChainId,
    q: &str,
    page: regulars_core::page::PageRequest,
) -> Result<regulars_core::page::Page<Guest>, Error> {
    let mut found = Vec::new();
    if page.after.is_none() {
        match state.store.guest_by_public_id(chain, &q.to_uppercase()).await {
            Ok(guest) => found.push(guest),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::InvalidInput) => {}
            Err(e) => return Err(e),
        }
        if let Some(phone) = normalize_phone(q) {
            found.extend(state.store.guests_by_phone(chain, &phone).await?);
        }
    }
    if !found.is_empty() {
        // A card code or a phone number that names someone is what was meant: no name scan.
        return Ok(regulars_core::page::Page { items: found, next: None });
    }
    let by_name = state.store.search_guests(chain, q, page).await?;
    for guest in by_name.items {
        if !found.iter().any(|g| g.id == guest.id) {
            found.push(guest);
        }
    }
    Ok(regulars_core::page::Page { items: found, next: by_name.next })
}

/// Lookup parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// The public id the guest shows at the till (on their card, under the QR).
    pub public_id: String,
}

/// One guest by the public id they show, with their wallets: what a barista needs to serve
/// them (the phone masked).
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/guests/lookup", tag = "guests",
    params(("chain" = i64, Path, description = "The chain's id"), LookupQuery),
    responses(
        (status = 200, body = GuestDetail),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn lookup_guest(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    ApiQuery(query): ApiQuery<LookupQuery>,
) -> Result<Json<GuestDetail>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::FindGuest, Target::Chain(chain))?;
    let guest = state.store.guest_by_public_id(chain, &query.public_id.trim().to_uppercase()).await?;
    Ok(Json(detail(&state, &caller, &guest).await?))
}

pub(super) async fn detail(state: &AppState, caller: &Caller, guest: &Guest) -> Result<GuestDetail, Error> {
    let wallets = state.store.wallets_of_guest(guest.chain_id, guest.id).await?;
    Ok(GuestDetail {
        guest: GuestView::new(guest, &caller.principal),
        wallets: wallets.iter().map(WalletView::from).collect(),
    })
}

/// One guest with their wallets (managers).
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/guests/{guest}", tag = "guests",
    params(("chain" = i64, Path, description = "The chain's id"), ("guest" = i64, Path, description = "The guest's id")),
    responses(
        (status = 200, body = GuestDetail),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn get_guest(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, guest)): ApiPath<(i64, i64)>,
) -> Result<Json<GuestDetail>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ListGuests, Target::Chain(chain))?;
    let guest = state.store.guest(chain, GuestId(guest)).await?;
    Ok(Json(detail(&state, &caller, &guest).await?))
}

/// One wallet's ledger, oldest first, with each entry's rule snapshot (managers).
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/guests/{guest}/wallets/{wallet}/ledger", tag = "guests",
    params(
        ("chain" = i64, Path, description = "The chain's id"),
        ("guest" = i64, Path, description = "The guest's id"),
        ("wallet" = i64, Path, description = "One of the guest's wallets"),
        PageQuery,
    ),
    responses(
        (status = 200, body = LedgerPage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn guest_ledger(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, guest, wallet)): ApiPath<(i64, i64, i64)>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<LedgerPage>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewGuestHistory, Target::Chain(chain))?;
    let wallet = guest_wallet(&state, chain, GuestId(guest), WalletId(wallet)).await?;
    let entries = state.store.ledger_entries(chain, wallet, page.request()?).await?;
    Ok(Json(LedgerPage {
        items: entries.items.iter().map(LedgerEntryView::from).collect(),
        next_cursor: next_cursor(&entries),
    }))
}

/// The wallet, when it is the guest's; otherwise not found.
async fn guest_wallet(state: &AppState, chain: ChainId, guest: GuestId, wallet: WalletId) -> Result<WalletId, Error> {
    let found = state.store.wallet(chain, wallet).await?;
    if found.scope.guest_id != guest {
        return Err(Error::not_found(WalletId::ENTITY, wallet));
    }
    Ok(found.id)
}

/// Adjusts a guest's balance by hand, with a required reason: a ledger `adjust` entry
/// (managers). The same `idempotency_key` again adjusts once and answers the same entry.
#[utoipa::path(
    post, path = "/api/v1/chains/{chain}/guests/{guest}/adjustments", tag = "guests", request_body = AdjustmentBody,
    params(("chain" = i64, Path, description = "The chain's id"), ("guest" = i64, Path, description = "The guest's id")),
    responses(
        (status = 201, description = "Adjusted", body = LedgerEntryView),
        (status = 200, description = "Adjusted before under this key; nothing changed", body = LedgerEntryView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The key was used for another adjustment, or the balance would go below zero",
         body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn adjust_balance(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, guest)): ApiPath<(i64, i64)>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<LedgerEntryView>), AppError> {
    // Who may do this is answered before what was sent is read (404 for another chain).
    caller.principal.require(Action::AdjustBalance, Target::Chain(ChainId(chain)))?;
    let body: AdjustmentBody = super::json(&body)?;
    let (entry, replayed) = adjust(&state, &caller, ChainId(chain), GuestId(guest), &body).await?;
    let status = if replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(LedgerEntryView::from(&entry))))
}

/// Adjusts a guest's balance by hand (managers), with its audit entry: the API's and the
/// portal's one way. Answers the entry and whether it was there already (the same key).
///
/// # Errors
/// [`Error::Forbidden`] below a manager; [`Error::InvalidInput`] naming the field for a
/// missing reason, nothing to move or a long key; [`Error::NotFound`] for a wallet that is not
/// the guest's; [`Error::InsufficientBalance`] for taking more than there is.
pub(crate) async fn adjust(
    state: &AppState,
    caller: &Caller,
    chain: ChainId,
    guest: GuestId,
    body: &AdjustmentBody,
) -> Result<(regulars_core::ledger::LedgerEntry, bool), Error> {
    caller.principal.require(Action::AdjustBalance, Target::Chain(chain))?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(Error::invalid("reason", "must say why, in 1 to 500 characters"));
    }
    if body.points == 0 && body.stamps == 0 {
        return Err(Error::invalid("points", "an adjustment must move points or stamps"));
    }
    if body.idempotency_key.len() > 100 {
        return Err(Error::invalid("idempotency_key", "must be at most 100 characters"));
    }
    let wallet = guest_wallet(state, chain, guest, WalletId(body.wallet_id)).await?;
    let key = IdempotencyKey::new(format!("admin:adjust:{}", body.idempotency_key))?;
    let outcome = state
        .store
        .post_entry(
            chain,
            NewLedgerEntry {
                wallet_id: wallet,
                kind: EntryKind::Adjust,
                points: body.points,
                stamps: body.stamps,
                idempotency_key: key,
                actor: Actor::Staff(caller.principal.staff_id),
                cafe_id: None,
                shift_id: None,
                purchase_id: None,
                reason: Some(reason.to_owned()),
                rule_snapshot: json!({ "adjustment": { "by": caller.principal.staff_id } }),
                overdraft: Overdraft::Forbid,
            },
        )
        .await?;
    if !outcome.replayed {
        super::audit(
            state,
            caller,
            "audit.balance_adjusted",
            format!("guest:{guest}"),
            json!({ "wallet": wallet, "points": body.points, "stamps": body.stamps, "reason": reason }),
        )
        .await?;
    }
    Ok((outcome.entry, outcome.replayed))
}

/// Another guest to merge into this one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The guest who is the same person; their identities, purchases, wallets and balances
    /// move to the guest of the path, who stays.
    pub absorb: i64,
}

/// Merges another guest into this one: one person found twice (managers). Identities,
/// purchases, queued messages and wallets move; a wallet both have keeps its history and its
/// balance moves with two `adjust` entries. Merging again changes nothing.
#[utoipa::path(
    post, path = "/api/v1/chains/{chain}/guests/{guest}/merges", tag = "guests", request_body = MergeBody,
    params(("chain" = i64, Path, description = "The chain's id"), ("guest" = i64, Path, description = "The guest who stays")),
    responses(
        (status = 200, description = "Merged; the guest who stays", body = GuestDetail),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "A guest cannot absorb themselves", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn merge_guests(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, guest)): ApiPath<(i64, i64)>,
    body: axum::body::Bytes,
) -> Result<Json<GuestDetail>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::MergeGuests, Target::Chain(chain))?;
    let body: MergeBody = super::json(&body)?;
    let kept = merge(&state, &caller, chain, GuestId(guest), GuestId(body.absorb)).await?;
    Ok(Json(detail(&state, &caller, &kept).await?))
}

/// Merges `absorb` into `keep` (managers), with its audit entry: the API's and the portal's
/// one way. Answers the kept guest as stored after.
///
/// # Errors
/// [`Error::Forbidden`] below a manager; [`Error::InvalidInput`] for a guest absorbing
/// themselves; [`Error::NotFound`] for a guest of another chain.
pub(crate) async fn merge(
    state: &AppState,
    caller: &Caller,
    chain: ChainId,
    keep: GuestId,
    absorb: GuestId,
) -> Result<Guest, Error> {
    caller.principal.require(Action::MergeGuests, Target::Chain(chain))?;
    let merged = regulars_core::merge::merge_into(&*state.store, chain, keep, absorb).await?;
    super::audit(
        state,
        caller,
        "audit.guests_merged",
        format!("guest:{keep}"),
        json!({ "absorbed": absorb.get(), "moved_wallets": merged.moved_wallets }),
    )
    .await?;
    Ok(merged.guest)
}
