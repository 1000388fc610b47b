//! The chain, its cafes, its programs, and its event log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveTime;
use regulars_core::Error;
use regulars_core::auth::{Action, Target};
use regulars_core::chain::{GeoPoint, NewCafe, OpeningHours};
use regulars_core::ids::{CafeId, ChainId, ProgramId};
use regulars_core::money::Currency;
use serde_json::json;

use super::views::{
    CafeView, ChainView, ErrorBody, EventPage, EventView, NewCafeBody, PageQuery, ProgramView, next_cursor,
};
use super::{ApiPath, ApiQuery, Caller};
use crate::app::AppState;
use crate::error::AppError;

/// The chain.
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}", tag = "chain",
    params(("chain" = i64, Path, description = "The chain's id")),
    responses(
        (status = 200, body = ChainView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn get_chain(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
) -> Result<Json<ChainView>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewChain, Target::Chain(chain))?;
    Ok(Json(ChainView::from(&state.store.chain(chain).await?)))
}

/// The chain's cafes the caller works at (all of them for an owner).
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/cafes", tag = "chain",
    params(("chain" = i64, Path, description = "The chain's id")),
    responses(
        (status = 200, body = Vec<CafeView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn list_cafes(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
) -> Result<Json<Vec<CafeView>>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewCafe, Target::Chain(chain))?;
    let visible = caller.principal.cafes();
    let cafes = state.store.list_cafes(chain).await?;
    Ok(Json(cafes.iter().filter(|c| visible.admits(c.id)).map(CafeView::from).collect()))
}

/// Opens a new cafe (owners).
#[utoipa::path(
    post, path = "/api/v1/chains/{chain}/cafes", tag = "chain", request_body = NewCafeBody,
    params(("chain" = i64, Path, description = "The chain's id")),
    responses(
        (status = 201, body = CafeView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn create_cafe(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<CafeView>), AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::CreateCafe, Target::Chain(chain))?;
    let body: NewCafeBody = super::json(&body)?;
    let opening_hours = match body.opening_hours {
        Some(value) => serde_json::from_value::<OpeningHours>(value)
            .map_err(|e| Error::invalid("opening_hours", format!("expected a list of {{day, opens, closes}}: {e}")))?,
        None => OpeningHours::daily(
            NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            NaiveTime::from_hms_opt(20, 0, 0).unwrap_or_default(),
        ),
    };
    let new = NewCafe {
        name: body.name,
        address: body.address,
        location: GeoPoint { lat: body.lat, lon: body.lon },
        timezone: body
            .timezone
            .parse()
            .map_err(|_| Error::invalid("timezone", format!("`{}` is not an IANA timezone", body.timezone)))?,
        currency: Currency::new(&body.currency)?,
        opening_hours,
    };
    let cafe = state.store.create_cafe(chain, new).await?;
    super::audit(&state, &caller, "audit.cafe_created", format!("cafe:{}", cafe.id), json!({ "name": cafe.name }))
        .await?;
    Ok((StatusCode::CREATED, Json(CafeView::from(&cafe))))
}

/// One cafe.
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/cafes/{cafe}", tag = "chain",
    params(("chain" = i64, Path, description = "The chain's id"), ("cafe" = i64, Path, description = "The cafe's id")),
    responses(
        (status = 200, body = CafeView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn get_cafe(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, cafe)): ApiPath<(i64, i64)>,
) -> Result<Json<CafeView>, AppError> {
    let (chain, cafe) = (ChainId(chain), CafeId(cafe));
    caller.principal.require(Action::ViewCafe, Target::Cafe(chain, cafe))?;
    Ok(Json(CafeView::from(&state.store.cafe(chain, cafe).await?)))
}

/// The chain's programs with their rules.
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/programs", tag = "chain",
    params(("chain" = i64, Path, description = "The chain's id")),
    responses(
        (status = 200, body = Vec<ProgramView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn list_programs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
) -> Result<Json<Vec<ProgramView>>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewPrograms, Target::Chain(chain))?;
    Ok(Json(state.store.list_programs(chain).await?.iter().map(ProgramView::from).collect()))
}

/// One program.
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/programs/{program}", tag = "chain",
    params(
        ("chain" = i64, Path, description = "The chain's id"),
        ("program" = i64, Path, description = "The program's id"),
    ),
    responses(
        (status = 200, body = ProgramView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn get_program(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, program)): ApiPath<(i64, i64)>,
) -> Result<Json<ProgramView>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewPrograms, Target::Chain(chain))?;
    Ok(Json(ProgramView::from(&state.store.program(chain, ProgramId(program)).await?)))
}

/// The chain's event log, oldest first (owners).
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/events", tag = "events",
    params(("chain" = i64, Path, description = "The chain's id"), PageQuery),
    responses(
        (status = 200, body = EventPage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn list_events(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<EventPage>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewEvents, Target::Chain(chain))?;
    let events = state.store.events(chain, page.request()?).await?;
    Ok(Json(EventPage { items: events.items.iter().map(EventView::from).collect(), next_cursor: next_cursor(&events) }))
}
