//! The dashboard: is it working, and who are my regulars? Every figure comes from the
//! roll-ups ([`regulars_core::analytics`]), never from a scan of the sales.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use regulars_core::analytics::{Balance, Counters, HourlyStats, Scope, hour_of, hour_start};
use regulars_core::event::{Event, EventFilter};
use regulars_core::page::PageRequest;

use regulars_core::{Error, Result};
use regulars_i18n::LanguageIdentifier;
use serde::Deserialize;

use super::charts::{self, Point};
use super::export::csv_response;
use super::format::{self, Change};
use super::viewer::{Chrome, Viewer};
use super::{PortalError, render};
use crate::app::AppState;

/// The dashboard's query: `?cafe=all|<id>&days=7|30|90`.
#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    /// The cafe filter.
    pub cafe: Option<String>,
    /// The period, in days (default 30).
    pub days: Option<i64>,
}

/// The periods offered.
const PERIODS: [i64; 3] = [7, 30, 90];

/// Days of history every dashboard reads: two periods of the longest, and the charts.
fn history_days(days: i64) -> i64 {
    (2 * days).max(8 * 7).max(30)
}

/// What the roll-ups say about one scope, by the cafe's local day.
#[derive(Debug, Default)]
pub struct Daily {
    /// Additive figures per day, all currencies together (counts are currency-free).
    pub days: BTreeMap<NaiveDate, Counters>,
    /// Net revenue per day and currency.
    pub revenue: BTreeMap<NaiveDate, BTreeMap<String, i64>>,
}

impl Daily {
    /// The figures of `from..=to`.
    #[must_use]
    pub fn total(&self, from: NaiveDate, to: NaiveDate) -> Counters {
        let mut total = Counters::default();
        for counters in self.days.range(from..=to).map(|(_, c)| *c) {
            total += counters;
        }
        total
    }

    /// Net revenue of `from..=to` per currency.
    #[must_use]
    pub fn revenue(&self, from: NaiveDate, to: NaiveDate) -> BTreeMap<String, i64> {
        let mut total = BTreeMap::new();
        for by_currency in self.revenue.range(from..=to).map(|(_, r)| r) {
            for (currency, minor) in by_currency {
                *total.entry(currency.clone()).or_insert(0) += minor;
            }
        }
        total
    }
}

/// One hour of one cafe's roll-ups, at the cafe's local time.
#[derive(Debug, Clone, Copy)]
pub struct LocalHour {
    /// The local start of the hour.
    pub at: chrono::NaiveDateTime,
    /// The cafe, when the hour is a cafe's.
    pub cafe: Option<regulars_core::ids::CafeId>,
    /// The cafe's currency, when the hour is a cafe's.
    pub currency: Option<regulars_core::money::Currency>,
    /// What happened.
    pub counters: Counters,
}

/// The scope's hourly roll-ups from local day `since` on, each at its cafe's local time.
///
/// # Errors
/// A store failure.
pub async fn local_hours(state: &AppState, viewer: &Viewer, scope: Scope, since: NaiveDate) -> Result<Vec<LocalHour>> {
    let default_tz = scope_timezone(viewer, scope);
    let from = hour_of(since.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()) - 24;
    let until = hour_of(Utc::now()) + 1;
    let cafes: Option<Vec<_>> = match scope {
        Scope::Chain => None,
        Scope::Cafe(id) => Some(vec![id]),
    };
    let rows: Vec<HourlyStats> = state.store.hourly_stats(viewer.chain.id, cafes.as_deref(), from, until).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let cafe = row.cafe.and_then(|id| viewer.cafes.iter().find(|c| c.id == id));
            let tz = cafe.map_or(default_tz, |c| c.timezone);
            let at = hour_start(row.hour).with_timezone(&tz).naive_local();
            (at.date() >= since).then_some(LocalHour {
                at,
                cafe: row.cafe,
                currency: cafe.map(|c| c.currency),
                counters: row.counters,
            })
        })
        .collect())
}

/// The scope's hourly roll-ups since `since`, folded into local days of each cafe.
///
/// # Errors
/// A store failure.
pub async fn daily(state: &AppState, viewer: &Viewer, scope: Scope, since: NaiveDate) -> Result<Daily> {
    let mut daily = Daily::default();
    for hour in local_hours(state, viewer, scope, since).await? {
        let day = hour.at.date();
        *daily.days.entry(day).or_default() += hour.counters;
        if let Some(currency) = hour.currency {
            *daily.revenue.entry(day).or_default().entry(currency.to_string()).or_insert(0) +=
                hour.counters.net_revenue_minor();
        }
    }
    Ok(daily)
}

/// The timezone a scope's days are counted in: its cafe's, or the chain's first cafe's.
#[must_use]
pub fn scope_timezone(viewer: &Viewer, scope: Scope) -> Tz {
    viewer.cafes_of(scope).first().map_or(Tz::UTC, |c| c.timezone)
}

/// One figure of the dashboard.
#[derive(Debug, Clone)]
pub struct Card {
    /// What it is.
    pub label: String,
    /// The figure.
    pub value: String,
    /// Its change against the previous period, when it has one.
    pub change: Option<Change>,
    /// A stable name, for tests and CSV.
    pub key: &'static str,
}

/// A line of recent activity.
#[derive(Debug, Clone)]
pub struct Activity {
    /// When, in the scope's timezone.
    pub when: String,
    /// What happened.
    pub text: String,
}

#[derive(Template)]
#[template(path = "portal/dashboard.html")]
struct DashboardPage<'a> {
    chrome: Chrome<'a>,
    cards: Vec<Card>,
    periods: Vec<super::viewer::Choice>,
    orders_chart: String,
    revenue_chart: String,
    activity: Vec<Activity>,
    csv_href: String,
}

/// `GET /portal/`: the dashboard.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PortalError> {
    let scope = viewer.figures_scope(query.cafe.as_deref())?;
    let days = period(query.days)?;
    let lang = viewer.lang.clone();
    let tz = scope_timezone(&viewer, scope);
    let today = format::local_day(Utc::now(), tz);
    let daily = daily(&state, &viewer, scope, today - Duration::days(history_days(days) - 1)).await?;
    let cards = cards(&state, &viewer, scope, &daily, today, days).await?;
    let rtl = regulars_i18n::text_direction(&lang).as_html_dir() == "rtl";
    let t = |id: &str| state.i18n.format(&lang, id, None);
    let weeks: Vec<Point> = (0..8)
        .map(|i| {
            let end = today - Duration::days(7 * (7 - i));
            let start = end - Duration::days(6);
            let orders = daily.total(start, end).orders;
            Point { label: format::short_day(&lang, start), value: orders, value_text: format::integer(&lang, orders) }
        })
        .collect();
    let currency = main_currency(&viewer, scope);
    let revenue_days: Vec<Point> = (0..30)
        .map(|i| {
            let day = today - Duration::days(29 - i);
            let minor = daily.revenue.get(&day).and_then(|r| r.get(&currency)).copied().unwrap_or(0);
            Point {
                label: format::short_day(&lang, day),
                value: minor,
                value_text: format::money(&lang, minor, &currency),
            }
        })
        .collect();
    let cafe_value = query.cafe.clone().unwrap_or_else(|| "all".into());
    let page = DashboardPage {
        orders_chart: charts::bars(&t("portal-dash-orders-per-week"), &weeks, rtl),
        revenue_chart: charts::line(&t("portal-dash-revenue-per-day"), &revenue_days, rtl),
        activity: activity(&state, &viewer, scope, tz).await?,
        periods: PERIODS
            .iter()
            .map(|d| super::viewer::Choice {
                value: d.to_string(),
                label: viewer_text(&state, &lang, "portal-dash-last-days", "days", *d),
                selected: *d == days,
            })
            .collect(),
        csv_href: format!("/portal/dashboard.csv?cafe={cafe_value}&days={days}"),
        cards,
        chrome: Chrome::new(&state, &viewer, "/portal/", "portal-nav-dashboard", Some(scope)),
    };
    Ok(render(&page)?.into_response())
}

/// `GET /portal/dashboard.csv`: the dashboard's figures per day of the period.
pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, PortalError> {
    let scope = viewer.figures_scope(query.cafe.as_deref())?;
    let days = period(query.days)?;
    let today = format::local_day(Utc::now(), scope_timezone(&viewer, scope));
    let start = today - Duration::days(days - 1);
    let daily = daily(&state, &viewer, scope, start).await?;
    let mut out = String::from(
        "date,orders,revenue_minor,refunded_minor,points_earned,stamps_earned,points_redeemed,rewards_redeemed,new_guests,referrals\n",
    );
    for offset in 0..days {
        let day = start + Duration::days(offset);
        let c = daily.days.get(&day).copied().unwrap_or_default();
        out.push_str(&format!(
            "{day},{},{},{},{},{},{},{},{},{}\n",
            c.orders,
            c.revenue_minor,
            c.refunded_minor,
            c.points_earned,
            c.stamps_earned,
            c.points_redeemed,
            c.rewards_redeemed,
            c.new_guests,
            c.referrals
        ));
    }
    Ok(csv_response("dashboard.csv", out))
}

fn period(days: Option<i64>) -> Result<i64> {
    match days {
        None => Ok(30),
        Some(d) if PERIODS.contains(&d) => Ok(d),
        Some(_) => Err(Error::invalid("days", "7, 30 or 90")),
    }
}

fn viewer_text(state: &AppState, lang: &LanguageIdentifier, id: &str, name: &str, value: i64) -> String {
    let mut args = regulars_i18n::FluentArgs::new();
    args.set(name, value);
    state.i18n.format(lang, id, Some(&args))
}

/// The currency most of the scope's cafes take (the first cafe's on a tie).
#[must_use]
pub fn main_currency(viewer: &Viewer, scope: Scope) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for cafe in viewer.cafes_of(scope) {
        let code = cafe.currency.to_string();
        match counts.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n += 1,
            None => counts.push((code, 1)),
        }
    }
    counts.iter().max_by_key(|(_, n)| *n).map_or_else(|| "EUR".to_owned(), |(c, _)| c.clone())
}

async fn cards(
    state: &AppState,
    viewer: &Viewer,
    scope: Scope,
    daily: &Daily,
    today: NaiveDate,
    days: i64,
) -> Result<Vec<Card>> {
    let lang = &viewer.lang;
    let t = |id: &str| state.i18n.format(lang, id, None);
    let (now_from, before_from, before_to) =
        (today - Duration::days(days - 1), today - Duration::days(2 * days - 1), today - Duration::days(days));
    let now = daily.total(now_from, today);
    let before = daily.total(before_from, before_to);
    let totals = state.store.scope_totals(viewer.chain.id, scope).await?;
    let eligible = reward_eligible(state, viewer).await?;
    let int = |n: i64| format::integer(lang, n);
    let money_text = |by_currency: &BTreeMap<String, i64>| {
        if by_currency.is_empty() {
            return format::money(lang, 0, &main_currency(viewer, scope));
        }
        by_currency.iter().map(|(c, minor)| format::money(lang, *minor, c)).collect::<Vec<_>>().join(" · ")
    };
    let revenue_now = daily.revenue(now_from, today);
    let revenue_before = daily.revenue(before_from, before_to);
    let single = |m: &BTreeMap<String, i64>| if m.len() <= 1 { m.values().sum::<i64>() } else { 0 };
    let check = |c: &Counters, r: &BTreeMap<String, i64>| {
        if r.len() > 1 || c.orders == 0 { None } else { Some(single(r).div_euclid(c.orders)) }
    };
    let currency = main_currency(viewer, scope);
    let card = |key, label: String, value: String, change: Option<Change>| Card { key, label, value, change };
    Ok(vec![
        card("guests", t("portal-dash-total-guests"), int(totals.guests), None),
        card(
            "new_guests",
            t("portal-dash-new-guests"),
            int(now.new_guests),
            Some(format::change(lang, now.new_guests, before.new_guests)),
        ),
        card("orders", t("portal-dash-orders"), int(now.orders), Some(format::change(lang, now.orders, before.orders))),
        card(
            "revenue",
            t("portal-dash-revenue"),
            money_text(&revenue_now),
            (revenue_now.len() <= 1).then(|| format::change(lang, single(&revenue_now), single(&revenue_before))),
        ),
        card(
            "average_check",
            t("portal-dash-average-check"),
            check(&now, &revenue_now).map_or_else(|| "–".to_owned(), |m| format::money(lang, m, &currency)),
            check(&now, &revenue_now).zip(check(&before, &revenue_before)).map(|(a, b)| format::change(lang, a, b)),
        ),
        card(
            "points_earned",
            t("portal-dash-points-issued"),
            int(now.points_earned),
            Some(format::change(lang, now.points_earned, before.points_earned)),
        ),
        card(
            "rewards_redeemed",
            t("portal-dash-rewards-redeemed"),
            int(now.rewards_redeemed),
            Some(format::change(lang, now.rewards_redeemed, before.rewards_redeemed)),
        ),
        card("reward_eligible", t("portal-dash-reward-eligible"), int(eligible), None),
        card(
            "referrals",
            t("portal-dash-referrals"),
            int(now.referrals),
            Some(format::change(lang, now.referrals, before.referrals)),
        ),
        card(
            "repeat_share",
            t("portal-dash-repeat-guests"),
            format::share(lang, totals.repeat_visitors, totals.visitors),
            None,
        ),
    ])
}

/// Wallets that can take a reward now: at least the cheapest reward of their program.
async fn reward_eligible(state: &AppState, viewer: &Viewer) -> Result<i64> {
    let mut total = 0;
    for program in state.store.list_programs(viewer.chain.id).await? {
        let Some(cheapest) = program.cheapest_reward_cost() else {
            continue;
        };
        let (points, stamps) = match program.balance() {
            Balance::Points => (cheapest, 0),
            Balance::Stamps => (0, cheapest),
        };
        let n = state.store.count_reward_eligible(viewer.chain.id, program.id, points, stamps).await?;
        total += i64::try_from(n).unwrap_or(i64::MAX);
    }
    Ok(total)
}

/// The kinds of events the dashboard shows as activity, with their text.
const ACTIVITY: [(&str, &str); 5] = [
    ("purchase.recorded", "portal-activity-purchase"),
    ("reward_code.issued", "portal-activity-reward-issued"),
    ("reward_code.used", "portal-activity-reward-used"),
    ("guest.joined", "portal-activity-joined"),
    ("wallet.tier_changed", "portal-activity-tier"),
];

async fn activity(state: &AppState, viewer: &Viewer, scope: Scope, tz: Tz) -> Result<Vec<Activity>> {
    let filter = EventFilter {
        cafes: match scope {
            Scope::Chain => None,
            Scope::Cafe(id) => Some(vec![id]),
        },
        newest_first: true,
        ..EventFilter::default()
    };
    let page = state.store.events(viewer.chain.id, &filter, PageRequest::first(100)).await?;
    let lang = &viewer.lang;
    Ok(page
        .items
        .iter()
        .filter_map(|event: &Event| {
            let (_, id) = ACTIVITY.iter().find(|(kind, _)| *kind == event.kind)?;
            let mut args = regulars_i18n::FluentArgs::new();
            if let Some(total) = event.payload.get("total_minor").and_then(serde_json::Value::as_i64) {
                let cafe = event.cafe_id.and_then(|c| viewer.cafes.iter().find(|k| k.id == c));
                let currency = cafe.map_or_else(|| main_currency(viewer, scope), |c| c.currency.to_string());
                args.set("amount", format::money(lang, total, &currency));
            }
            if let Some(tier) = event.payload.get("to").and_then(serde_json::Value::as_str) {
                args.set("tier", tier.to_owned());
            }
            Some(Activity {
                when: format::moment(lang, event.created_at, tz),
                text: state.i18n.format(lang, id, Some(&args)),
            })
        })
        .take(10)
        .collect())
}
