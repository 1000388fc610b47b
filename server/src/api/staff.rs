//! Staff members, their PINs, shifts, and paired terminals.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use regulars_core::auth::account::normalize_login;
use regulars_core::auth::token::{TokenKind, issue};
use regulars_core::auth::{Action, CafeFilter, NewTerminal, Target};
use regulars_core::ids::{CafeId, ChainId, StaffId, TerminalId};
use regulars_core::staff::{NewStaff, Role, StaffUpdate};
use regulars_core::{Error, ErrorKind};
use serde::Deserialize;
use serde_json::json;

use super::session::{hash_new_password, hash_new_pin};
use super::views::{
    ErrorBody, NewStaffBody, PageQuery, PairTerminalBody, PairedTerminal, PinBody, ShiftPage, ShiftView, StaffPage,
    StaffUpdateBody, StaffView, TerminalPage, TerminalView, listed, next_cursor,
};
use super::{ApiPath, ApiQuery, Caller};
use crate::app::AppState;
use crate::error::AppError;

/// Staff of the caller's cafes (all of them for an owner).
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/staff", tag = "staff",
    params(("chain" = i64, Path, description = "The chain's id"), PageQuery),
    responses(
        (status = 200, body = StaffPage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn list_staff(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<StaffPage>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewStaff, Target::Chain(chain))?;
    let staff = state.store.list_staff(chain).await?;
    let visible = staff
        .into_iter()
        .filter(|s| s.id == caller.principal.staff_id || caller.principal.sees_any(Action::ViewStaff, &s.cafes));
    let (items, next_cursor) = listed(visible, &query, |s| s.id.get())?;
    Ok(Json(StaffPage { items, next_cursor }))
}

/// Adds a staff member, optionally with a login and password and a PIN (owners; managers
/// add baristas at their cafes).
#[utoipa::path(
    post, path = "/api/v1/chains/{chain}/staff", tag = "staff", request_body = NewStaffBody,
    params(("chain" = i64, Path, description = "The chain's id")),
    responses(
        (status = 201, body = StaffView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The login is taken", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn create_staff(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<StaffView>), AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::EditStaff, Target::Chain(chain))?;
    let body: NewStaffBody = super::json(&body)?;
    let role = Role::parse(&body.role)?;
    let cafes: Vec<CafeId> = body.cafes.iter().copied().map(CafeId).collect();
    caller.principal.may_assign(role, &cafes)?;
    let login = body.login.as_deref().map(normalize_login).transpose()?;
    let password = match (&login, body.password) {
        (Some(_), Some(password)) => Some(hash_new_password("password", password).await?),
        (None, Some(_)) => return Err(Error::invalid("login", "is required with a password").into()),
        (Some(_), None) => return Err(Error::invalid("password", "is required with a login").into()),
        (None, None) => None,
    };
    let pin = match body.pin {
        Some(pin) => Some(hash_new_pin("pin", pin).await?),
        None => None,
    };
    if let (Some(login), Some(password)) = (&login, password) {
        match state.store.create_account(login, password).await {
            Ok(_) => {}
            // One person, several chains: their existing login works here too, with the
            // password they already have.
            Err(e) if e.kind() == ErrorKind::Conflict => {
                return Err(Error::Conflict(format!(
                    "the login `{login}` is taken; to add that person to this chain, leave out the password"
                ))
                .into());
            }
            Err(e) => return Err(e.into()),
        }
    } else if let Some(login) = &login {
        state.store.account_by_login(login).await.map_err(|e| match e.kind() {
            ErrorKind::NotFound => Error::invalid("password", "is required for a new login"),
            _ => e,
        })?;
    }
    let member = state
        .store
        .create_staff(chain, NewStaff { name: body.name.trim().to_owned(), role, cafes, identity: None, login })
        .await?;
    if let Some(pin) = pin {
        state.store.set_staff_pin(chain, member.id, Some(pin)).await?;
    }
    super::audit(
        &state,
        &caller,
        "audit.staff_added",
        format!("staff:{}", member.id),
        json!({ "role": member.role.as_str(), "cafes": member.cafes }),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(StaffView::from(&member))))
}

/// Changes a staff member's name, role or cafes, or deactivates them when they leave
/// (owners; managers for the baristas of their cafes, who stay baristas at their cafes).
/// Nobody changes their own role or deactivates themselves, so a chain cannot lose its last
/// owner by a slip.
#[utoipa::path(
    patch, path = "/api/v1/chains/{chain}/staff/{staff}", tag = "staff", request_body = StaffUpdateBody,
    params(("chain" = i64, Path, description = "The chain's id"), ("staff" = i64, Path, description = "The staff member")),
    responses(
        (status = 200, body = StaffView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn update_staff(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, staff)): ApiPath<(i64, i64)>,
    body: axum::body::Bytes,
) -> Result<Json<StaffView>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::EditStaff, Target::Chain(chain))?;
    let member = state.store.staff(chain, StaffId(staff)).await?;
    if !caller.principal.sees_any(Action::EditStaff, &member.cafes) {
        return Err(Error::not_found(StaffId::ENTITY, staff).into());
    }
    let body: StaffUpdateBody = super::json(&body)?;
    let update = StaffUpdate {
        name: body.name,
        role: body.role.as_deref().map(Role::parse).transpose()?,
        cafes: body.cafes.map(|cafes| cafes.into_iter().map(CafeId).collect()),
        active: body.active,
    };
    let changed = update.apply(member.clone())?;
    if member.id == caller.principal.staff_id {
        if changed.role != member.role {
            return Err(Error::Forbidden("nobody changes their own role; ask another owner".into()).into());
        }
        if changed.cafes != member.cafes && member.role != Role::Owner {
            return Err(Error::Forbidden("your cafes are set by an owner".into()).into());
        }
        if !changed.active {
            return Err(Error::Forbidden("nobody deactivates themselves; ask another owner".into()).into());
        }
    } else {
        // Both as they are and as they would be: a manager edits baristas of their cafes only.
        caller.principal.may_assign(member.role, &member.cafes)?;
        caller.principal.may_assign(changed.role, &changed.cafes)?;
    }
    let updated = state.store.update_staff(chain, member.id, update.clone()).await?;
    super::audit(&state, &caller, "audit.staff_updated", format!("staff:{}", member.id), json!({ "change": update }))
        .await?;
    Ok(Json(StaffView::from(&updated)))
}

/// Sets or removes a staff member's PIN for paired terminals.
#[utoipa::path(
    put, path = "/api/v1/chains/{chain}/staff/{staff}/pin", tag = "staff", request_body = PinBody,
    params(("chain" = i64, Path, description = "The chain's id"), ("staff" = i64, Path, description = "The staff member")),
    responses(
        (status = 204, description = "Set"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn set_pin(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, staff)): ApiPath<(i64, i64)>,
    body: axum::body::Bytes,
) -> Result<StatusCode, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::EditStaff, Target::Chain(chain))?;
    let member = state.store.staff(chain, StaffId(staff)).await?;
    if !caller.principal.sees_any(Action::EditStaff, &member.cafes) {
        return Err(Error::not_found(StaffId::ENTITY, staff).into());
    }
    if member.id != caller.principal.staff_id {
        caller.principal.may_assign(member.role, &member.cafes)?;
    }
    let body: PinBody = super::json(&body)?;
    let pin = match body.pin {
        Some(pin) => Some(hash_new_pin("pin", pin).await?),
        None => None,
    };
    let set = pin.is_some();
    state.store.set_staff_pin(chain, member.id, pin).await?;
    super::audit(&state, &caller, "audit.pin_changed", format!("staff:{}", member.id), json!({ "set": set })).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Shift list parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ShiftQuery {
    /// One cafe only.
    pub cafe: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (50).
    pub limit: Option<u32>,
}

/// Shifts at the caller's cafes, newest first.
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/shifts", tag = "staff",
    params(("chain" = i64, Path, description = "The chain's id"), ShiftQuery),
    responses(
        (status = 200, body = ShiftPage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn list_shifts(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    ApiQuery(query): ApiQuery<ShiftQuery>,
) -> Result<Json<ShiftPage>, AppError> {
    let chain = ChainId(chain);
    let page = PageQuery { cursor: query.cursor, limit: query.limit }.request()?;
    let cafes: Option<Vec<CafeId>> = match query.cafe {
        Some(cafe) => {
            caller.principal.require(Action::ViewShifts, Target::Cafe(chain, CafeId(cafe)))?;
            Some(vec![CafeId(cafe)])
        }
        None => {
            caller.principal.require(Action::ViewShifts, Target::Chain(chain))?;
            match caller.principal.cafes() {
                CafeFilter::All => None,
                CafeFilter::Only(cafes) => Some(cafes),
            }
        }
    };
    let shifts = state.store.list_shifts(chain, cafes.as_deref(), page).await?;
    Ok(Json(ShiftPage { items: shifts.items.iter().map(ShiftView::from).collect(), next_cursor: next_cursor(&shifts) }))
}

/// Terminals paired at the caller's cafes.
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/terminals", tag = "staff",
    params(("chain" = i64, Path, description = "The chain's id"), PageQuery),
    responses(
        (status = 200, body = TerminalPage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn list_terminals(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<TerminalPage>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewTerminals, Target::Chain(chain))?;
    let visible = caller.principal.cafes();
    let terminals = state.store.list_terminals(chain).await?.into_iter().filter(|t| visible.admits(t.cafe_id));
    let (items, next_cursor) = listed(terminals, &query, |t| t.id.get())?;
    Ok(Json(TerminalPage { items, next_cursor }))
}

/// Pairs a till tablet to a cafe and answers its token, once (managers of that cafe).
#[utoipa::path(
    post, path = "/api/v1/chains/{chain}/terminals", tag = "staff", request_body = PairTerminalBody,
    params(("chain" = i64, Path, description = "The chain's id")),
    responses(
        (status = 201, body = PairedTerminal),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn pair_terminal(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<PairedTerminal>), AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::PairTerminal, Target::Chain(chain))?;
    let body: PairTerminalBody = super::json(&body)?;
    let cafe = CafeId(body.cafe_id);
    caller.principal.require(Action::PairTerminal, Target::Cafe(chain, cafe))?;
    let token = issue(TokenKind::Terminal);
    let terminal = state
        .store
        .pair_terminal(
            chain,
            NewTerminal { cafe_id: cafe, name: body.name, paired_by: caller.principal.staff_id, token: token.hash },
        )
        .await?;
    super::audit(
        &state,
        &caller,
        "audit.terminal_paired",
        format!("terminal:{}", terminal.id),
        json!({ "cafe": cafe }),
    )
    .await?;
    let view = PairedTerminal { terminal: TerminalView::from(&terminal), token: token.plain.expose().to_owned() };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Unpairs a terminal: its token and every session on it stop working. Idempotent.
#[utoipa::path(
    delete, path = "/api/v1/chains/{chain}/terminals/{terminal}", tag = "staff",
    params(("chain" = i64, Path, description = "The chain's id"), ("terminal" = i64, Path, description = "The terminal")),
    responses(
        (status = 200, body = TerminalView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn revoke_terminal(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, terminal)): ApiPath<(i64, i64)>,
) -> Result<Json<TerminalView>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::PairTerminal, Target::Chain(chain))?;
    let found = state.store.terminal(chain, TerminalId(terminal)).await?;
    caller.principal.require(Action::PairTerminal, Target::Cafe(chain, found.cafe_id))?;
    let revoked = state.store.revoke_terminal(chain, found.id, Utc::now()).await?;
    super::audit(&state, &caller, "audit.terminal_revoked", format!("terminal:{terminal}"), json!({})).await?;
    Ok(Json(TerminalView::from(&revoked)))
}
