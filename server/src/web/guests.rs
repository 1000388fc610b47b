//! The guest list: searchable by phone, name and public id, sortable by spend, orders and
//! last visit (from the roll-ups, by index), with each guest's balance, level and whether a
//! reward is within reach; exported to CSV with the same query.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use regulars_core::analytics::{GuestVisits, Scope, VisitOrder};
use regulars_core::auth::policy::{Action, Target};
use regulars_core::guest::Guest;
use regulars_core::page::{Cursor, PageRequest};
use regulars_core::program::Program;
use regulars_core::{Error, Result};
use serde::Deserialize;

use super::export::{csv_field, csv_stream};
use super::format;
use super::viewer::{Chrome, Viewer};
use super::{PortalError, render};
use crate::app::AppState;

/// Rows per page.
const PAGE: u32 = 50;
/// Rows per read while exporting.
const EXPORT_PAGE: u32 = 500;

/// `?q=&sort=joined|spend|orders|last&cafe=&after=&offset=`.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct GuestsQuery {
    /// Search text: a phone number, a public id or part of a name.
    pub q: Option<String>,
    /// The order.
    pub sort: Option<String>,
    /// The cafe whose visits count (`all` for the chain).
    pub cafe: Option<String>,
    /// The next page of the joined order or a search.
    pub after: Option<String>,
    /// The next page of a sorted order.
    pub offset: Option<u64>,
}

/// How the list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    Joined,
    Visits(VisitOrder),
}

impl Sort {
    fn parse(text: Option<&str>) -> Result<Self> {
        match text.unwrap_or("joined") {
            "joined" => Ok(Self::Joined),
            "spend" => Ok(Self::Visits(VisitOrder::Spend)),
            "orders" => Ok(Self::Visits(VisitOrder::Orders)),
            "last" => Ok(Self::Visits(VisitOrder::LastVisit)),
            _ => Err(Error::invalid("sort", "joined, spend, orders or last")),
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Joined => "joined",
            Self::Visits(VisitOrder::Spend) => "spend",
            Self::Visits(VisitOrder::Orders) => "orders",
            Self::Visits(VisitOrder::LastVisit) => "last",
        }
    }
}

/// One guest as the list shows them.
#[derive(Debug, Clone)]
pub struct GuestLine {
    /// Public id (on their card).
    pub public_id: String,
    /// Name, or empty.
    pub name: String,
    /// Phone, masked unless the viewer may see contacts.
    pub phone: String,
    /// Spend in the scope, raw minor units (for CSV) and as read.
    pub spend_minor: i64,
    /// Spend as read.
    pub spend: String,
    /// Orders in the scope.
    pub orders: i64,
    /// Points (or stamps) of their main wallet.
    pub balance: i64,
    /// Their level, or empty.
    pub tier: String,
    /// Last visit as read, or empty.
    pub last_visit: String,
    /// Last visit, for CSV.
    pub last_visit_at: Option<DateTime<Utc>>,
    /// Whether a reward is within reach now.
    pub reward_ready: bool,
}

/// One page of the list and where the next starts.
struct Lines {
    lines: Vec<GuestLine>,
    next: Option<(String, String)>,
}

async fn lines(
    state: &AppState,
    viewer: &Viewer,
    scope: Scope,
    query: &GuestsQuery,
    limit: u32,
    programs: &[Program],
) -> Result<Lines> {
    let chain = viewer.chain.id;
    let sort = Sort::parse(query.sort.as_deref())?;
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let after = query.after.clone().map(Cursor::try_from).transpose()?;
    let (guests, visits, next): (Vec<Guest>, Vec<GuestVisits>, Option<(String, String)>) = match (q, sort) {
        (None, Sort::Visits(order)) => {
            let offset = query.offset.unwrap_or(0);
            // One more than shown says whether there is a next page.
            let mut visits = state.store.top_guests(chain, scope, order, offset, limit + 1).await?;
            let more = visits.len() > limit as usize;
            visits.truncate(limit as usize);
            let mut guests = Vec::with_capacity(visits.len());
            for v in &visits {
                guests.push(state.store.guest(chain, v.guest).await?);
            }
            let next = more.then(|| ("offset".to_owned(), (offset + u64::from(limit)).to_string()));
            (guests, visits, next)
        }
        (q, _) => {
            let page = PageRequest { after, limit };
            let found = match q {
                Some(q) => crate::api::guests::find_guests(state, chain, q, page).await?,
                None => state.store.list_guests(chain, page).await?,
            };
            let ids: Vec<_> = found.items.iter().map(|g| g.id).collect();
            let visits = state.store.guest_visits(chain, scope, &ids).await?;
            let next = found.next.map(|c| ("after".to_owned(), String::from(c)));
            (found.items, visits, next)
        }
    };
    let tz = super::dashboard::scope_timezone(viewer, scope);
    let currency = viewer.cafes_of(scope).first().map_or_else(|| "EUR".to_owned(), |c| c.currency.to_string());
    let mut lines = Vec::with_capacity(guests.len());
    for guest in guests {
        let v = visits.iter().find(|v| v.guest == guest.id);
        lines.push(line(state, viewer, &guest, v, programs, tz, &currency).await?);
    }
    Ok(Lines { lines, next })
}

async fn line(
    state: &AppState,
    viewer: &Viewer,
    guest: &Guest,
    visits: Option<&GuestVisits>,
    programs: &[Program],
    tz: Tz,
    currency: &str,
) -> Result<GuestLine> {
    let lang = &viewer.lang;
    let wallets = state.store.wallets_of_guest(guest.chain_id, guest.id).await?;
    let main = wallets.iter().max_by_key(|w| w.balances.points.max(w.balances.stamps));
    let reward_ready = wallets.iter().any(|w| {
        programs.iter().filter(|p| p.id == w.scope.program_id).any(|p| {
            let held = w.balances.points.max(w.balances.stamps);
            p.cheapest_reward_cost().is_some_and(|cost| held >= cost)
        })
    });
    let spend_minor = visits.map_or(0, |v| v.spend_minor);
    Ok(GuestLine {
        public_id: guest.public_id.to_string(),
        name: guest.display_name.clone().unwrap_or_default(),
        phone: guest.phone.as_deref().map(|p| viewer.caller.principal.phone_for(p)).unwrap_or_default(),
        spend_minor,
        spend: format::money(lang, spend_minor, currency),
        orders: visits.map_or(0, |v| v.orders),
        balance: main.map_or(0, |w| w.balances.points.max(w.balances.stamps)),
        tier: main.and_then(|w| w.tier.clone()).unwrap_or_default(),
        last_visit: visits.map(|v| format::date(lang, format::local_day(v.last_at, tz))).unwrap_or_default(),
        last_visit_at: visits.map(|v| v.last_at),
        reward_ready,
    })
}

/// A column the list can be sorted by.
struct SortLink {
    label: String,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "portal/guests.html")]
struct GuestsPage<'a> {
    chrome: Chrome<'a>,
    q: String,
    sort: &'static str,
    sorts: Vec<SortLink>,
    lines: Vec<GuestLine>,
    next_href: Option<String>,
    csv_href: String,
}

pub(super) fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish();
    if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
}

/// The link to the page after the one shown (`after` the cursor `next`), with the same
/// query, when there is one.
pub(super) fn next_page_href(path: &str, pairs: &[(&str, &str)], next: Option<Cursor>) -> Option<String> {
    next.map(|c| {
        let cursor = String::from(c);
        let mut with_cursor = pairs.to_vec();
        with_cursor.push(("after", &cursor));
        href(path, &with_cursor)
    })
}

/// `GET /portal/guests`: the guest list.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<GuestsQuery>,
) -> Result<Response, PortalError> {
    viewer.caller.principal.require(Action::ListGuests, Target::Chain(viewer.chain.id))?;
    let scope = viewer.scope(query.cafe.as_deref())?;
    let programs = state.store.list_programs(viewer.chain.id).await?;
    let found = lines(&state, &viewer, scope, &query, PAGE, &programs).await?;
    let sort = Sort::parse(query.sort.as_deref())?.key();
    let q = query.q.clone().unwrap_or_default();
    let cafe_value = query.cafe.clone().unwrap_or_default();
    let t = |id: &str| state.i18n.format(&viewer.lang, id, None);
    let sorts = [
        ("joined", "portal-guest-joined"),
        ("spend", "portal-guests-spend"),
        ("orders", "portal-dash-orders"),
        ("last", "portal-guest-last-visit"),
    ]
    .into_iter()
    .map(|(key, id)| SortLink {
        label: t(id),
        href: href("/portal/guests", &[("q", &q), ("cafe", &cafe_value), ("sort", key)]),
        current: key == sort,
    })
    .collect();
    let next_href = found
        .next
        .as_ref()
        .map(|(k, v)| href("/portal/guests", &[("q", &q), ("cafe", &cafe_value), ("sort", sort), (k, v)]));
    let page = GuestsPage {
        csv_href: href("/portal/guests.csv", &[("q", &q), ("cafe", &cafe_value), ("sort", sort)]),
        chrome: Chrome::new(&state, &viewer, "/portal/guests", "portal-guests-title", Some(scope)),
        q,
        sort,
        sorts,
        lines: found.lines,
        next_href,
    };
    Ok(render(&page)?.into_response())
}

/// `GET /portal/guests.csv`: every guest of the list's query, streamed a page at a time.
pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<GuestsQuery>,
) -> Result<Response, PortalError> {
    viewer.caller.principal.require(Action::ListGuests, Target::Chain(viewer.chain.id))?;
    let scope = viewer.scope(query.cafe.as_deref())?;
    Sort::parse(query.sort.as_deref())?;
    let programs = state.store.list_programs(viewer.chain.id).await?;
    let header_line = "public_id,name,phone,orders,spend_minor,balance,tier,last_visit,reward_ready\n".to_owned();
    let start = GuestsQuery { after: None, offset: None, ..query };
    Ok(csv_stream("guests.csv", header_line, start, move |query: GuestsQuery| {
        let (state, viewer, programs) = (state.clone(), viewer.clone(), programs.clone());
        async move {
            let found = lines(&state, &viewer, scope, &query, EXPORT_PAGE, &programs).await?;
            let chunk: String = found.lines.iter().map(csv_row).collect();
            let following = found.next.map(|(k, v)| GuestsQuery {
                after: (k == "after").then(|| v.clone()),
                offset: (k == "offset").then(|| v.parse().unwrap_or(0)),
                ..query.clone()
            });
            Ok((chunk, following))
        }
    }))
}

fn csv_row(l: &GuestLine) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{}\n",
        csv_field(&l.public_id),
        csv_field(&l.name),
        csv_field(&l.phone),
        l.orders,
        l.spend_minor,
        l.balance,
        csv_field(&l.tier),
        l.last_visit_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        l.reward_ready
    )
}
