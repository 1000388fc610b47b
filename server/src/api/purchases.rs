//! A guest's purchases with their line items.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use regulars_core::auth::{Action, Target};
use regulars_core::ids::{ChainId, GuestId};
use regulars_core::purchase::{LineItem, Purchase};
use serde::Serialize;
use utoipa::ToSchema;

use super::views::{ErrorBody, PageQuery, next_cursor, page_view};
use super::{ApiPath, ApiQuery, Caller};
use crate::app::AppState;
use crate::error::AppError;

/// One purchase as the POS reported it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseView {
    /// Its id.
    pub id: i64,
    /// The cafe it was made at.
    pub cafe_id: i64,
    /// The POS source that reported it.
    pub source: String,
    /// The receipt number at that POS.
    pub receipt: String,
    /// The total in minor units (cents, para).
    pub total_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// What was bought.
    pub items: Vec<LineItemView>,
    /// When it happened at the till.
    pub occurred_at: DateTime<Utc>,
    /// When regulars recorded it.
    pub recorded_at: DateTime<Utc>,
}

/// One line of a receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineItemView {
    /// The POS's article code.
    pub sku: String,
    /// The name on the receipt.
    pub name: String,
    /// The category, when the POS gives one.
    pub category: Option<String>,
    /// Units sold.
    pub quantity: u32,
    /// The price of one unit in minor units.
    pub unit_price_minor: i64,
}

impl From<&LineItem> for LineItemView {
    fn from(item: &LineItem) -> Self {
        Self {
            sku: item.sku.clone(),
            name: item.name.clone(),
            category: item.category.clone(),
            quantity: item.quantity,
            unit_price_minor: item.unit_price_minor,
        }
    }
}

impl From<&Purchase> for PurchaseView {
    fn from(p: &Purchase) -> Self {
        Self {
            id: p.id.get(),
            cafe_id: p.details.cafe_id.get(),
            source: p.details.source.clone(),
            receipt: p.details.external_id.clone(),
            total_minor: p.details.total.minor,
            currency: p.details.total.currency.to_string(),
            items: p.details.items.iter().map(LineItemView::from).collect(),
            occurred_at: p.details.occurred_at,
            recorded_at: p.recorded_at,
        }
    }
}

page_view!(
    /// A page of purchases.
    PurchasePage, PurchaseView);

/// A guest's purchases, newest first, with line items (managers).
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/guests/{guest}/purchases", tag = "guests",
    params(
        ("chain" = i64, Path, description = "The chain's id"),
        ("guest" = i64, Path, description = "The guest's id"),
        PageQuery,
    ),
    responses(
        (status = 200, body = PurchasePage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn guest_purchases(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, guest)): ApiPath<(i64, i64)>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<PurchasePage>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewGuestHistory, Target::Chain(chain))?;
    let guest = state.store.guest(chain, GuestId(guest)).await?;
    let purchases = state.store.purchases_of_guest(chain, guest.id, page.request()?).await?;
    Ok(Json(PurchasePage {
        items: purchases.items.iter().map(PurchaseView::from).collect(),
        next_cursor: next_cursor(&purchases),
    }))
}
