//! API tokens for integrators: created by an owner (signed in, never with another token),
//! shown once, stored as a digest, revocable.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use regulars_core::auth::token::{TokenKind, issue};
use regulars_core::auth::{Action, NewApiToken, Permission, Target};
use regulars_core::ids::{ApiTokenId, ChainId, StaffId};
use serde_json::json;

use super::views::{CreatedToken, ErrorBody, NewTokenBody, PageQuery, TokenPage, TokenView, listed};
use super::{ApiPath, ApiQuery, Caller};
use crate::app::AppState;
use crate::error::AppError;

/// The chain's API tokens, revoked ones included (never their values).
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/tokens", tag = "tokens",
    params(("chain" = i64, Path, description = "The chain's id"), PageQuery),
    responses(
        (status = 200, body = TokenPage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<TokenPage>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ManageTokens, Target::Chain(chain))?;
    let tokens = state.store.list_api_tokens(chain).await?;
    let (items, next_cursor) = listed(tokens, &query, |t| t.id.get())?;
    Ok(Json(TokenPage { items, next_cursor }))
}

/// Creates a token bound by a staff member's role (the creator's by default) and narrowed
/// to `permissions`; its value is in this answer only.
#[utoipa::path(
    post, path = "/api/v1/chains/{chain}/tokens", tag = "tokens", request_body = NewTokenBody,
    params(("chain" = i64, Path, description = "The chain's id")),
    responses(
        (status = 201, body = CreatedToken),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<CreatedToken>), AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ManageTokens, Target::Chain(chain))?;
    let body: NewTokenBody = super::json(&body)?;
    let permissions: BTreeSet<Permission> =
        body.permissions.iter().map(|p| Permission::parse(p)).collect::<Result<_, _>>()?;
    let staff_id = body.staff_id.map_or(caller.principal.staff_id, StaffId);
    let token = issue(TokenKind::Api);
    let created = state
        .store
        .create_api_token(
            chain,
            NewApiToken {
                staff_id,
                name: body.name,
                permissions,
                created_by: caller.principal.staff_id,
                token: token.hash,
            },
        )
        .await?;
    super::audit(&state, &caller, "audit.token_created", format!("api_token:{}", created.id), json!({})).await?;
    let view = CreatedToken { token: TokenView::from(&created), secret: token.plain.expose().to_owned() };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Revokes a token; it stops working at once. Idempotent.
#[utoipa::path(
    delete, path = "/api/v1/chains/{chain}/tokens/{token}", tag = "tokens",
    params(("chain" = i64, Path, description = "The chain's id"), ("token" = i64, Path, description = "The token's id")),
    responses(
        (status = 200, body = TokenView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, token)): ApiPath<(i64, i64)>,
) -> Result<Json<TokenView>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ManageTokens, Target::Chain(chain))?;
    let revoked = state.store.revoke_api_token(chain, ApiTokenId(token), Utc::now()).await?;
    super::audit(&state, &caller, "audit.token_revoked", format!("api_token:{token}"), json!({})).await?;
    Ok(Json(TokenView::from(&revoked)))
}
