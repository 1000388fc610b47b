//! Analytics: repeat rate and visit frequency, orders and the average check month by month,
//! the cohort retention grid, the busiest hours of the week and the cafes side by side.
//! Every table exports to CSV from the same figures.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, Timelike, Utc};
use regulars_core::analytics::{Counters, Scope, month_of, month_start};
use regulars_core::{Error, Result};
use serde::Deserialize;

use super::charts::{self, Point};
use super::dashboard::{local_hours, main_currency, scope_timezone};
use super::export::{csv_field, csv_response};
use super::format;
use super::viewer::{Chrome, Viewer};
use super::{PortalError, render};
use crate::app::AppState;

/// Months in the monthly series and the cohort grid.
const MONTHS: i64 = 12;
/// Weeks the busiest-hours grid looks back.
const WEEKS: i64 = 12;

/// `?cafe=all|<id>`, and for the CSV `table=months|cohorts|hours|cafes`.
#[derive(Debug, Default, Deserialize)]
pub struct AnalyticsQuery {
    /// The cafe filter.
    pub cafe: Option<String>,
    /// Which table to export.
    pub table: Option<String>,
}

/// One month of the series.
#[derive(Debug, Clone)]
pub struct MonthRow {
    /// `2026-12`.
    pub month: String,
    /// Its first day, as read.
    pub label: String,
    /// Figures.
    pub counters: Counters,
    /// The average check as read.
    pub average: String,
    /// Net revenue as read.
    pub revenue: String,
}

/// One cohort of the retention grid.
#[derive(Debug, Clone)]
pub struct CohortRow {
    /// `2026-12`.
    pub month: String,
    /// As read.
    pub label: String,
    /// Guests whose first purchase was that month.
    pub size: i64,
    /// Share returning in each later month (0 = the cohort's own), with its heat class.
    pub cells: Vec<(String, &'static str, i64)>,
}

/// One cafe of the comparison.
#[derive(Debug, Clone)]
pub struct CafeRow {
    /// Its name.
    pub name: String,
    /// Orders in the last 30 days.
    pub orders: i64,
    /// Net revenue in the last 30 days, as read.
    pub revenue: String,
    /// Net revenue, minor units.
    pub revenue_minor: i64,
    /// Average check, as read.
    pub average: String,
    /// Guests who bought there.
    pub visitors: i64,
    /// Share of them who came back.
    pub repeat: String,
}

/// Everything the page shows, computed once for the page and the CSV.
struct Figures {
    months: Vec<MonthRow>,
    cohorts: Vec<CohortRow>,
    /// `[weekday][hour]` orders, Monday first.
    hours: [[i64; 24]; 7],
    cafes: Vec<CafeRow>,
    repeat: String,
    frequency: String,
}

/// A heat class (`heat-0` … `heat-5`) for `value` of `max`.
fn heat(value: i64, max: i64) -> &'static str {
    const CLASSES: [&str; 6] = ["heat-0", "heat-1", "heat-2", "heat-3", "heat-4", "heat-5"];
    if value <= 0 || max <= 0 {
        return CLASSES[0];
    }
    CLASSES[usize::try_from((value * 5).div_euclid(max).clamp(1, 5)).unwrap_or(5)]
}

fn month_key(month: i64) -> String {
    let start = month_start(month);
    format!("{:04}-{:02}", start.year(), start.month())
}

async fn figures(state: &AppState, viewer: &Viewer, scope: Scope) -> Result<Figures> {
    let lang = &viewer.lang;
    let tz = scope_timezone(viewer, scope);
    let today = format::local_day(Utc::now(), tz);
    let this_month = month_of(Utc::now().with_timezone(&tz).naive_local().and_utc());
    let first_month = this_month - (MONTHS - 1);
    let since = month_start(first_month);
    let currency = main_currency(viewer, scope);

    let mut by_month: BTreeMap<i64, Counters> = BTreeMap::new();
    let mut revenue_by_month: BTreeMap<i64, i64> = BTreeMap::new();
    let mut hours = [[0_i64; 24]; 7];
    let weeks_from = today - Duration::days(7 * WEEKS - 1);
    // The cafes side by side come from the same rows: their last 30 days, per cafe.
    let cafes_from = today - Duration::days(29);
    let mut by_cafe: BTreeMap<i64, Counters> = BTreeMap::new();
    for hour in local_hours(state, viewer, scope, since).await? {
        if let (Scope::Chain, Some(cafe)) = (scope, hour.cafe)
            && hour.at.date() >= cafes_from
        {
            *by_cafe.entry(cafe.get()).or_default() += hour.counters;
        }
        let month = month_of(hour.at.and_utc());
        *by_month.entry(month).or_default() += hour.counters;
        if hour.currency.is_some_and(|c| c.to_string() == currency) {
            *revenue_by_month.entry(month).or_insert(0) += hour.counters.net_revenue_minor();
        }
        if hour.at.date() >= weeks_from {
            let weekday = hour.at.weekday().num_days_from_monday() as usize;
            hours[weekday][hour.at.hour() as usize] += hour.counters.orders;
        }
    }
    let months = (first_month..=this_month)
        .map(|m| {
            let counters = by_month.get(&m).copied().unwrap_or_default();
            let revenue = revenue_by_month.get(&m).copied().unwrap_or(0);
            let average = if counters.orders > 0 {
                format::money(lang, revenue.div_euclid(counters.orders), &currency)
            } else {
                "–".to_owned()
            };
            MonthRow {
                month: month_key(m),
                label: format::short_month(lang, month_start(m)),
                counters,
                average,
                revenue: format::money(lang, revenue, &currency),
            }
        })
        .collect();

    let cells = state.store.cohort_cells(viewer.chain.id, scope, first_month).await?;
    let mut grid: BTreeMap<i64, BTreeMap<i64, i64>> = BTreeMap::new();
    for cell in cells {
        grid.entry(cell.cohort).or_default().insert(cell.month - cell.cohort, cell.guests);
    }
    let cohorts = (first_month..=this_month)
        .map(|cohort| {
            let row = grid.get(&cohort);
            let size = row.and_then(|r| r.get(&0)).copied().unwrap_or(0);
            let cells = (0..=(this_month - cohort))
                .map(|offset| {
                    let guests = row.and_then(|r| r.get(&offset)).copied().unwrap_or(0);
                    (format::share(lang, guests, size), heat(guests, size), guests)
                })
                .collect();
            CohortRow { month: month_key(cohort), label: format::short_month(lang, month_start(cohort)), size, cells }
        })
        .collect();

    let totals = state.store.scope_totals(viewer.chain.id, scope).await?;
    let frequency = if totals.visitors > 0 {
        // Purchases per guest who bought, one decimal.
        let tenths = totals.visits * 10 / totals.visitors;
        format!("{}{}{}", format::integer(lang, tenths / 10), format::decimal_separator(lang), tenths % 10)
    } else {
        "–".to_owned()
    };

    let mut cafes = Vec::new();
    if scope == Scope::Chain {
        for cafe in &viewer.cafes {
            let c = by_cafe.get(&cafe.id.get()).copied().unwrap_or_default();
            let revenue = c.net_revenue_minor();
            let t = state.store.scope_totals(viewer.chain.id, Scope::Cafe(cafe.id)).await?;
            let code = cafe.currency.to_string();
            cafes.push(CafeRow {
                name: cafe.name.clone(),
                orders: c.orders,
                revenue: format::money(lang, revenue, &code),
                revenue_minor: revenue,
                average: if c.orders > 0 {
                    format::money(lang, revenue.div_euclid(c.orders), &code)
                } else {
                    "–".to_owned()
                },
                visitors: t.visitors,
                repeat: format::share(lang, t.repeat_visitors, t.visitors),
            });
        }
    }
    Ok(Figures {
        months,
        cohorts,
        hours,
        cafes,
        repeat: format::share(lang, totals.repeat_visitors, totals.visitors),
        frequency,
    })
}

/// One row of the busiest-hours grid.
struct HourRow {
    day: String,
    cells: Vec<(i64, &'static str)>,
}

#[derive(Template)]
#[template(path = "portal/analytics.html")]
struct AnalyticsPage<'a> {
    chrome: Chrome<'a>,
    cafe_value: String,
    repeat: String,
    frequency: String,
    orders_chart: String,
    average_chart: String,
    months: Vec<MonthRow>,
    cohorts: Vec<CohortRow>,
    cohort_offsets: Vec<i64>,
    hour_rows: Vec<HourRow>,
    cafes: Vec<CafeRow>,
}

/// The weekday names, Monday first, from the locale (`portal-weekday-mon` …).
const WEEKDAYS: [&str; 7] = [
    "portal-weekday-mon",
    "portal-weekday-tue",
    "portal-weekday-wed",
    "portal-weekday-thu",
    "portal-weekday-fri",
    "portal-weekday-sat",
    "portal-weekday-sun",
];

/// `GET /portal/analytics`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AnalyticsQuery>,
) -> Result<Response, PortalError> {
    let scope = viewer.figures_scope(query.cafe.as_deref())?;
    let f = figures(&state, &viewer, scope).await?;
    let lang = &viewer.lang;
    let rtl = regulars_i18n::text_direction(lang).as_html_dir() == "rtl";
    let t = |id: &str| state.i18n.format(lang, id, None);
    let orders: Vec<Point> = f
        .months
        .iter()
        .map(|m| Point {
            label: m.label.clone(),
            value: m.counters.orders,
            value_text: format::integer(lang, m.counters.orders),
        })
        .collect();
    let averages: Vec<Point> = f
        .months
        .iter()
        .map(|m| Point {
            label: m.label.clone(),
            value: if m.counters.orders > 0 { m.counters.net_revenue_minor() / m.counters.orders } else { 0 },
            value_text: m.average.clone(),
        })
        .collect();
    let max_hour = f.hours.iter().flatten().copied().max().unwrap_or(0);
    let hour_rows = f
        .hours
        .iter()
        .zip(WEEKDAYS)
        .map(|(row, id)| HourRow { day: t(id), cells: row.iter().map(|n| (*n, heat(*n, max_hour))).collect() })
        .collect();
    let page = AnalyticsPage {
        chrome: Chrome::new(&state, &viewer, "/portal/analytics", "portal-nav-analytics", Some(scope)),
        cafe_value: query.cafe.clone().unwrap_or_else(|| "all".into()),
        repeat: f.repeat,
        frequency: f.frequency,
        orders_chart: charts::bars(&t("portal-analytics-orders-per-month"), &orders, rtl),
        average_chart: charts::line(&t("portal-analytics-average-check-per-month"), &averages, rtl),
        cohort_offsets: (0..MONTHS).collect(),
        months: f.months,
        cohorts: f.cohorts,
        hour_rows,
        cafes: f.cafes,
    };
    Ok(render(&page)?.into_response())
}

/// `GET /portal/analytics.csv?table=months|cohorts|hours|cafes`.
pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AnalyticsQuery>,
) -> Result<Response, PortalError> {
    let scope = viewer.figures_scope(query.cafe.as_deref())?;
    let table = query.table.as_deref().unwrap_or("months");
    if !["months", "cohorts", "hours", "cafes"].contains(&table) {
        return Err(Error::invalid("table", "months, cohorts, hours or cafes").into());
    }
    let f = figures(&state, &viewer, scope).await?;
    let mut out = String::new();
    match table {
        "months" => {
            out.push_str("month,orders,revenue_minor,refunded_minor,new_guests,points_earned\n");
            for m in &f.months {
                let c = m.counters;
                out.push_str(&format!(
                    "{},{},{},{},{},{}\n",
                    m.month, c.orders, c.revenue_minor, c.refunded_minor, c.new_guests, c.points_earned
                ));
            }
        }
        "cohorts" => {
            out.push_str("cohort,size,months_later,returning\n");
            for c in &f.cohorts {
                for (offset, (_, _, guests)) in c.cells.iter().enumerate() {
                    out.push_str(&format!("{},{},{offset},{guests}\n", c.month, c.size));
                }
            }
        }
        "hours" => {
            out.push_str("weekday,hour,orders\n");
            for (day, row) in f.hours.iter().enumerate() {
                for (hour, orders) in row.iter().enumerate() {
                    out.push_str(&format!("{},{hour},{orders}\n", day + 1));
                }
            }
        }
        _ => {
            out.push_str("cafe,orders_30_days,revenue_minor_30_days,visitors\n");
            for c in &f.cafes {
                out.push_str(&format!("{},{},{},{}\n", csv_field(&c.name), c.orders, c.revenue_minor, c.visitors));
            }
        }
    }
    Ok(csv_response(&format!("{table}.csv"), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_grows_with_the_share() {
        assert_eq!(heat(0, 10), "heat-0");
        assert_eq!(heat(1, 10), "heat-1");
        assert_eq!(heat(10, 10), "heat-5");
        assert_eq!(heat(3, 0), "heat-0");
        assert_eq!(month_key(2026 * 12 + 11), "2026-12");
    }
}
