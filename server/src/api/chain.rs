//! The chain, its cafes, and its event log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use regulars_core::Error;
use regulars_core::auth::{Action, CafeFilter, Target};
use regulars_core::chain::{CafeUpdate, GeoPoint, NewCafe, OpeningHours};
use regulars_core::event::EventFilter;
use regulars_core::ids::{CafeId, ChainId};
use regulars_core::money::Currency;
use serde_json::json;

use super::views::{
    CafePage, CafeUpdateBody, CafeView, ChainView, ErrorBody, EventPage, EventView, NewCafeBody, PageQuery, listed,
    next_cursor,
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
    params(("chain" = i64, Path, description = "The chain's id"), PageQuery),
    responses(
        (status = 200, body = CafePage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn list_cafes(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<CafePage>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewCafe, Target::Chain(chain))?;
    let visible = caller.principal.cafes();
    let cafes = state.store.list_cafes(chain).await?.into_iter().filter(|c| visible.admits(c.id));
    let (items, next_cursor) = listed(cafes, &query, |c| c.id.get())?;
    Ok(Json(CafePage { items, next_cursor }))
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
        Some(value) => opening_hours(value)?,
        None => OpeningHours::daily(
            NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            NaiveTime::from_hms_opt(20, 0, 0).unwrap_or_default(),
        ),
    };
    let new = NewCafe {
        name: body.name,
        address: body.address,
        location: GeoPoint { lat: body.lat, lon: body.lon },
        timezone: timezone(&body.timezone)?,
        currency: Currency::new(&body.currency)?,
        opening_hours,
    };
    let cafe = state.store.create_cafe(chain, new).await?;
    super::audit(&state, &caller, "audit.cafe_created", format!("cafe:{}", cafe.id), json!({ "name": cafe.name }))
        .await?;
    Ok((StatusCode::CREATED, Json(CafeView::from(&cafe))))
}

fn opening_hours(value: serde_json::Value) -> Result<OpeningHours, Error> {
    serde_json::from_value(value)
        .map_err(|e| Error::invalid("opening_hours", format!("expected a list of {{day, opens, closes}}: {e}")))
}

fn timezone(name: &str) -> Result<Tz, Error> {
    name.parse().map_err(|_| Error::invalid("timezone", format!("`{name}` is not an IANA timezone")))
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

/// Changes a cafe: hours, address, coordinates, timezone, name, or archives it (managers of
/// the cafe, owners). Sales after the change see it.
#[utoipa::path(
    patch, path = "/api/v1/chains/{chain}/cafes/{cafe}", tag = "chain", request_body = CafeUpdateBody,
    params(("chain" = i64, Path, description = "The chain's id"), ("cafe" = i64, Path, description = "The cafe's id")),
    responses(
        (status = 200, body = CafeView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn update_cafe(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, cafe)): ApiPath<(i64, i64)>,
    body: axum::body::Bytes,
) -> Result<Json<CafeView>, AppError> {
    let (chain, cafe) = (ChainId(chain), CafeId(cafe));
    caller.principal.require(Action::EditCafe, Target::Cafe(chain, cafe))?;
    let body: CafeUpdateBody = super::json(&body)?;
    let location = match (body.lat, body.lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
        (None, None) => None,
        (Some(_), None) => return Err(Error::invalid("lon", "give lat and lon together").into()),
        (None, Some(_)) => return Err(Error::invalid("lat", "give lat and lon together").into()),
    };
    let update = CafeUpdate {
        name: body.name,
        address: body.address,
        location,
        timezone: body.timezone.as_deref().map(timezone).transpose()?,
        opening_hours: body.opening_hours.map(opening_hours).transpose()?,
        archived: body.archived,
    };
    let updated = state.store.update_cafe(chain, cafe, update.clone()).await?;
    super::audit(&state, &caller, "audit.cafe_updated", format!("cafe:{cafe}"), json!({ "change": update })).await?;
    Ok(Json(CafeView::from(&updated)))
}

/// Event log parameters: every one given must hold.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// A kind (`ledger.earn`) or a family ending in `.` (`audit.` for every admin write).
    pub kind: Option<String>,
    /// A subject such as `cafe:3` or `program:1`.
    pub subject: Option<String>,
    /// A guest's id: their events (the same as `subject=guest:<id>`).
    pub guest: Option<i64>,
    /// A cafe's id: events about it or at it (a shift, a sale, a terminal).
    pub cafe: Option<i64>,
    /// A staff member's id: what they did (admin changes) or what is about them (their
    /// record, their shifts).
    pub staff: Option<i64>,
    /// At or after this time (RFC 3339, e.g. `2026-12-01T00:00:00Z`).
    pub since: Option<DateTime<Utc>>,
    /// Before this time (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (50).
    pub limit: Option<u32>,
}

impl EventQuery {
    fn filter(&self) -> Result<EventFilter, Error> {
        let subject = match (&self.subject, self.guest) {
            (Some(_), Some(_)) => return Err(Error::invalid("guest", "give `guest` or `subject`, not both")),
            (Some(subject), None) => Some(subject.clone()),
            (None, Some(guest)) => Some(format!("guest:{guest}")),
            (None, None) => None,
        };
        Ok(EventFilter {
            kind: self.kind.clone(),
            subject,
            since: self.since,
            until: self.until,
            cafes: self.cafe.map(|cafe| vec![CafeId(cafe)]),
            staff: self.staff.map(regulars_core::ids::StaffId),
            newest_first: false,
        })
    }
}

/// The chain's event log, oldest first, filtered by kind, subject or guest, cafe and time
/// (owners; managers read the events at their cafes).
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/events", tag = "events",
    params(("chain" = i64, Path, description = "The chain's id"), EventQuery),
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
    ApiQuery(query): ApiQuery<EventQuery>,
) -> Result<Json<EventPage>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewEvents, Target::Chain(chain))?;
    let page = PageQuery { cursor: query.cursor.clone(), limit: query.limit }.request()?;
    let mut filter = query.filter()?;
    // One cafe asked for: another cafe's log is as hidden as the cafe itself. None: a manager
    // reads their own cafes' events.
    for &cafe in filter.cafes.iter().flatten() {
        caller.principal.require(Action::ViewEvents, Target::Cafe(chain, cafe))?;
    }
    if let (None, CafeFilter::Only(mine)) = (&filter.cafes, caller.principal.cafes()) {
        filter.cafes = Some(mine);
    }
    let events = state.store.events(chain, &filter, page).await?;
    Ok(Json(EventPage { items: events.items.iter().map(EventView::from).collect(), next_cursor: next_cursor(&events) }))
}
