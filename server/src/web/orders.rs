//! The orders: every purchase newest first with its cafe, guest, amount, line items,
//! refunds, the POS source and the staff on shift at its cafe when it was made; filtered by
//! cafe, guest, source and date, and exported to CSV with the same filter. Managers see
//! their cafes' orders, as in the API.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono_tz::Tz;
use regulars_core::Result;
use regulars_core::analytics::Scope;
use regulars_core::auth::policy::{Action, Target};
use regulars_core::ids::{GuestId, StaffId};
use regulars_core::page::{Cursor, PageRequest};
use regulars_core::purchase::{PurchaseFilter, PurchaseRecord};
use serde::Deserialize;

use super::export::{csv_field, csv_stream};
use super::filters::{day_bounds, guest_by_card};
use super::format;
use super::guests::{href, next_page_href};
use super::viewer::{Chrome, Viewer};
use super::{PortalError, render};
use crate::app::AppState;

/// Orders on a page.
const PAGE: u32 = 50;
/// Orders read at a time by an export.
const EXPORT_PAGE: u32 = 500;

/// `?cafe=&guest=<card>&source=&since=YYYY-MM-DD&until=YYYY-MM-DD&after=`.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct OrdersQuery {
    cafe: Option<String>,
    guest: Option<String>,
    source: Option<String>,
    since: Option<String>,
    until: Option<String>,
    after: Option<String>,
}

impl OrdersQuery {
    /// The filter's fields as a link's query (without the page cursor).
    fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("cafe", &self.cafe),
            ("guest", &self.guest),
            ("source", &self.source),
            ("since", &self.since),
            ("until", &self.until),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| (k, v.to_owned())))
        .collect()
    }
}

/// One order as the page and the export show it.
struct OrderLine {
    id: i64,
    when: String,
    occurred_at: String,
    cafe: String,
    guest: String,
    receipt: String,
    source: String,
    currency: String,
    total_minor: i64,
    total: String,
    refunded_minor: i64,
    refunded: String,
    refunds: String,
    items: String,
    staff: String,
}

#[derive(Template)]
#[template(path = "portal/orders.html")]
struct OrdersPage<'a> {
    chrome: Chrome<'a>,
    guest: String,
    source: String,
    since: String,
    until: String,
    lines: Vec<OrderLine>,
    next_href: Option<String>,
    csv_href: String,
}

/// What a query asks the store for, checked against what the viewer may see, and the
/// timezone its dates are in.
async fn filter_of(state: &AppState, viewer: &Viewer, query: &OrdersQuery) -> Result<(PurchaseFilter, Tz, Scope)> {
    let chain = viewer.chain.id;
    viewer.caller.principal.require(Action::ViewGuestHistory, Target::Chain(chain))?;
    let scope = viewer.scope(query.cafe.as_deref())?;
    let cafes = viewer.cafe_ids(scope);
    let guest = guest_by_card(state, viewer, "guest", query.guest.as_deref()).await?.map(|g| g.id);
    let source = query.source.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let tz = super::dashboard::scope_timezone(viewer, scope);
    let (since, until) = day_bounds(tz, query.since.as_deref(), query.until.as_deref())?;
    Ok((PurchaseFilter { cafes, guest, source, since, until }, tz, scope))
}

/// Names and card codes the lines show, read once per page.
struct Names {
    staff: HashMap<StaffId, String>,
    guests: HashMap<GuestId, String>,
}

impl Names {
    async fn of_staff(state: &AppState, viewer: &Viewer) -> Result<HashMap<StaffId, String>> {
        Ok(state.store.list_staff(viewer.chain.id).await?.into_iter().map(|s| (s.id, s.name)).collect())
    }

    async fn guests_of(&mut self, state: &AppState, viewer: &Viewer, records: &[PurchaseRecord]) -> Result<()> {
        for id in records.iter().filter_map(|r| r.purchase.details.guest_id) {
            if let std::collections::hash_map::Entry::Vacant(slot) = self.guests.entry(id) {
                slot.insert(state.store.guest(viewer.chain.id, id).await?.public_id.to_string());
            }
        }
        Ok(())
    }
}

fn line(viewer: &Viewer, names: &Names, tz: Tz, record: &PurchaseRecord) -> OrderLine {
    let lang = &viewer.lang;
    let p = &record.purchase.details;
    let currency = p.total.currency.to_string();
    let refunded_minor = record.refunded_minor();
    let mut staff: Vec<&str> =
        record.shifts.iter().filter_map(|s| names.staff.get(&s.staff_id)).map(String::as_str).collect();
    staff.sort_unstable();
    staff.dedup();
    OrderLine {
        id: record.purchase.id.get(),
        when: format::moment(lang, p.occurred_at, tz),
        occurred_at: p.occurred_at.to_rfc3339(),
        cafe: viewer.cafes.iter().find(|c| c.id == p.cafe_id).map(|c| c.name.clone()).unwrap_or_default(),
        guest: p.guest_id.and_then(|g| names.guests.get(&g).cloned()).unwrap_or_default(),
        receipt: p.external_id.clone(),
        source: p.source.clone(),
        total_minor: p.total.minor,
        total: format::money(lang, p.total.minor, &currency),
        refunded_minor,
        refunded: if refunded_minor == 0 { String::new() } else { format::money(lang, refunded_minor, &currency) },
        refunds: record.refunds.iter().map(|r| r.refund_id.as_str()).collect::<Vec<_>>().join(" "),
        items: p.items.iter().map(|i| format!("{} × {}", i.name, i.quantity)).collect::<Vec<_>>().join(", "),
        staff: staff.join(", "),
        currency,
    }
}

/// `GET /portal/orders`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<OrdersQuery>,
) -> Result<Response, PortalError> {
    let (filter, tz, scope) = filter_of(&state, &viewer, &query).await?;
    let after = query.after.clone().map(Cursor::try_from).transpose()?;
    let found = state.store.list_purchases(viewer.chain.id, &filter, PageRequest { after, limit: PAGE }).await?;
    let mut names = Names { staff: Names::of_staff(&state, &viewer).await?, guests: HashMap::new() };
    names.guests_of(&state, &viewer, &found.items).await?;
    let lines = found.items.iter().map(|r| line(&viewer, &names, tz, r)).collect();
    let pairs = query.pairs();
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let next_href = next_page_href("/portal/orders", &borrowed, found.next);
    let page = OrdersPage {
        chrome: Chrome::new(&state, &viewer, "/portal/orders", "portal-orders-title", Some(scope)),
        guest: query.guest.clone().unwrap_or_default(),
        source: query.source.clone().unwrap_or_default(),
        since: query.since.clone().unwrap_or_default(),
        until: query.until.clone().unwrap_or_default(),
        lines,
        next_href,
        csv_href: href("/portal/orders.csv", &borrowed),
    };
    Ok(render(&page)?.into_response())
}

/// `GET /portal/orders.csv`: every order the filter finds, streamed a page at a time.
pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<OrdersQuery>,
) -> Result<Response, PortalError> {
    let (filter, tz, _) = filter_of(&state, &viewer, &query).await?;
    let staff = Names::of_staff(&state, &viewer).await?;
    let header =
        "id,occurred_at,cafe,guest,source,receipt,currency,total_minor,refunded_minor,refunds,items,staff_on_shift\n"
            .to_owned();
    let start: Option<Cursor> = None;
    Ok(csv_stream("orders.csv", header, start, move |after: Option<Cursor>| {
        let (state, viewer, filter, staff) = (state.clone(), viewer.clone(), filter.clone(), staff.clone());
        async move {
            let found =
                state.store.list_purchases(viewer.chain.id, &filter, PageRequest { after, limit: EXPORT_PAGE }).await?;
            let mut names = Names { staff, guests: HashMap::new() };
            names.guests_of(&state, &viewer, &found.items).await?;
            let chunk: String = found.items.iter().map(|r| csv_row(&line(&viewer, &names, tz, r))).collect();
            Ok((chunk, found.next.map(Some)))
        }
    }))
}

fn csv_row(l: &OrderLine) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{}\n",
        l.id,
        l.occurred_at,
        csv_field(&l.cafe),
        csv_field(&l.guest),
        csv_field(&l.source),
        csv_field(&l.receipt),
        l.currency,
        l.total_minor,
        l.refunded_minor,
        csv_field(&l.refunds),
        csv_field(&l.items),
        csv_field(&l.staff),
    )
}
