//! The event log: sales, rewards, guests, staff and shifts, and the admin audit, newest
//! first, filtered by family, cafe, guest and date. Managers read their cafes' events, as in
//! the API.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use regulars_core::Error;
use regulars_core::analytics::Scope;
use regulars_core::auth::policy::{Action, Target};
use regulars_core::event::EventFilter;
use regulars_core::ids::StaffId;
use regulars_core::page::{Cursor, PageRequest};
use serde::Deserialize;

use super::export::{csv_field, csv_stream};
use super::filters::{day_bounds, guest_by_card};
use super::format;
use super::guests::{href, next_page_href};
use super::viewer::{Choice, Chrome, Viewer};
use super::{PortalError, render};
use crate::app::AppState;

/// The families of events to filter by: (kind prefix, message id).
const FAMILIES: [(&str, &str); 7] = [
    ("purchase.", "portal-events-sales"),
    ("reward_code.", "portal-events-rewards"),
    ("wallet.", "portal-events-wallets"),
    ("guest.", "portal-events-guests"),
    ("audit.", "portal-events-audit"),
    ("staff.", "portal-events-staff"),
    ("shift.", "portal-events-shifts"),
];

/// `?kind=audit.&cafe=&guest=<card>&since=YYYY-MM-DD&until=YYYY-MM-DD&after=`.
#[derive(Debug, Default, Deserialize)]
pub struct EventsQuery {
    kind: Option<String>,
    cafe: Option<String>,
    staff: Option<String>,
    guest: Option<String>,
    since: Option<String>,
    until: Option<String>,
    after: Option<String>,
}

struct EventLine {
    when: String,
    kind: String,
    subject: String,
    cafe: String,
    details: String,
}

#[derive(Template)]
#[template(path = "portal/events.html")]
struct EventsPage<'a> {
    chrome: Chrome<'a>,
    families: Vec<Choice>,
    staff: Vec<Choice>,
    guest: String,
    since: String,
    until: String,
    lines: Vec<EventLine>,
    next_href: Option<String>,
    csv_href: String,
}

/// What a query asks the store for, checked against what the viewer may see, the timezone
/// its dates are in and the cafe scope picked (`None`: a manager's own cafes).
async fn filter_of(
    state: &AppState,
    viewer: &Viewer,
    query: &EventsQuery,
) -> Result<(EventFilter, chrono_tz::Tz, Option<Scope>), Error> {
    let chain = viewer.chain.id;
    viewer.caller.principal.require(Action::ViewEvents, Target::Chain(chain))?;
    let scope = match query.cafe.as_deref().map(str::trim).filter(|c| !c.is_empty() && *c != "all") {
        Some(_) => Some(viewer.scope(query.cafe.as_deref())?),
        None if viewer.sees_whole_chain() => Some(Scope::Chain),
        None => None,
    };
    let tz = super::dashboard::scope_timezone(viewer, scope.unwrap_or(Scope::Chain));
    let kind = query.kind.clone().filter(|k| FAMILIES.iter().any(|(prefix, _)| prefix == k));
    let subject =
        guest_by_card(state, viewer, "guest", query.guest.as_deref()).await?.map(|g| format!("guest:{}", g.id));
    let (since, until) = day_bounds(tz, query.since.as_deref(), query.until.as_deref())?;
    if let Some(Scope::Cafe(cafe)) = scope {
        viewer.caller.principal.require(Action::ViewEvents, Target::Cafe(chain, cafe))?;
    }
    let cafes = viewer.cafe_ids(scope.unwrap_or(Scope::Chain));
    let staff = match query.staff.as_deref().map(str::trim).filter(|s| !s.is_empty() && *s != "all") {
        None => None,
        Some(text) => Some(StaffId(text.parse().map_err(|_| Error::invalid("staff", "a staff member's id or `all`"))?)),
    };
    let filter = EventFilter { kind, subject, since, until, cafes, staff, newest_first: true };
    Ok((filter, tz, scope))
}

/// The staff members to filter by: the chain's for an owner, those of a manager's cafes for
/// a manager (and the owners, who work at every cafe), after "everyone".
async fn staff_choices(state: &AppState, viewer: &Viewer, picked: Option<StaffId>) -> Result<Vec<Choice>, Error> {
    let mut members = state.store.list_staff(viewer.chain.id).await?;
    if !viewer.sees_whole_chain() {
        members.retain(|s| s.cafes.is_empty() || s.cafes.iter().any(|c| viewer.cafes.iter().any(|v| v.id == *c)));
    }
    members.sort_by(|a, b| a.name.cmp(&b.name));
    let everyone = state.i18n.format(&viewer.lang, "portal-events-everyone", None);
    let mut choices = vec![Choice { value: String::new(), label: everyone, selected: picked.is_none() }];
    choices.extend(members.into_iter().map(|s| Choice {
        value: s.id.get().to_string(),
        label: s.name,
        selected: picked == Some(s.id),
    }));
    Ok(choices)
}

/// `GET /portal/events`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<EventsQuery>,
) -> Result<Response, PortalError> {
    let (filter, tz, scope) = filter_of(&state, &viewer, &query).await?;
    let chain = viewer.chain.id;
    let kind = filter.kind.clone();
    let guest_text = query.guest.clone().unwrap_or_default();
    let after = query.after.clone().map(Cursor::try_from).transpose()?;
    let found = state.store.events(chain, &filter, PageRequest { after, limit: 50 }).await?;
    let lang = &viewer.lang;
    let lines = found
        .items
        .iter()
        .map(|e| EventLine {
            when: format::moment(lang, e.created_at, tz),
            kind: e.kind.clone(),
            subject: e.subject.clone(),
            cafe: e
                .cafe_id
                .and_then(|c| viewer.cafes.iter().find(|k| k.id == c))
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            details: serde_json::to_string(&e.payload).unwrap_or_default(),
        })
        .collect();
    let t = |id: &str| state.i18n.format(lang, id, None);
    let mut families = vec![Choice { value: String::new(), label: t("portal-events-all"), selected: kind.is_none() }];
    families.extend(FAMILIES.iter().map(|(prefix, id)| Choice {
        value: (*prefix).to_owned(),
        label: t(id),
        selected: kind.as_deref() == Some(*prefix),
    }));
    let pairs: Vec<(&str, &str)> = [
        ("kind", query.kind.as_deref()),
        ("cafe", query.cafe.as_deref()),
        ("staff", query.staff.as_deref()),
        ("guest", query.guest.as_deref()),
        ("since", query.since.as_deref()),
        ("until", query.until.as_deref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let next_href = next_page_href("/portal/events", &pairs, found.next);
    let staff = staff_choices(&state, &viewer, filter.staff).await?;
    let page = EventsPage {
        staff,
        chrome: Chrome::new(&state, &viewer, "/portal/events", "portal-events-title", scope.or(Some(Scope::Chain))),
        families,
        guest: guest_text,
        since: query.since.clone().unwrap_or_default(),
        until: query.until.clone().unwrap_or_default(),
        lines,
        next_href,
        csv_href: href("/portal/events.csv", &pairs),
    };
    Ok(render(&page)?.into_response())
}

/// Events read at a time by an export.
const EXPORT_PAGE: u32 = 500;

/// `GET /portal/events.csv`: every event the filter finds, newest first, streamed.
pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<EventsQuery>,
) -> Result<Response, PortalError> {
    let (filter, _, _) = filter_of(&state, &viewer, &query).await?;
    let header = "id,created_at,kind,subject,cafe,details\n".to_owned();
    let start: Option<Cursor> = None;
    Ok(csv_stream("events.csv", header, start, move |after: Option<Cursor>| {
        let (state, viewer, filter) = (state.clone(), viewer.clone(), filter.clone());
        async move {
            let found = state.store.events(viewer.chain.id, &filter, PageRequest { after, limit: EXPORT_PAGE }).await?;
            let mut chunk = String::new();
            for e in &found.items {
                let cafe =
                    e.cafe_id.and_then(|c| viewer.cafes.iter().find(|k| k.id == c)).map_or("", |c| c.name.as_str());
                chunk.push_str(&format!(
                    "{},{},{},{},{},{}\n",
                    e.id,
                    e.created_at.to_rfc3339(),
                    csv_field(&e.kind),
                    csv_field(&e.subject),
                    csv_field(cafe),
                    csv_field(&serde_json::to_string(&e.payload).unwrap_or_default()),
                ));
            }
            Ok((chunk, found.next.map(Some)))
        }
    }))
}
