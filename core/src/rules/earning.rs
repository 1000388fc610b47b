//! Earning rules and the arithmetic that turns a purchase into points or stamps.
//!
//! # How a purchase earns
//!
//! 1. **Net amount.** Points are computed on what the guest actually paid: the purchase total
//!    after discounts and rewards. Line items carry list prices, so the net total is
//!    apportioned to lines in proportion to their list price (largest remainder, so the shares
//!    add up to the total exactly, to the minor unit).
//! 2. **Items.** The first [`ItemRule`] matching a line (by SKU or category) sets that line's
//!    multiplier, excludes it, or grants a fixed number per unit sold.
//! 3. **Minimum spend.** When the net amount of the eligible (not excluded) lines is below
//!    [`ProgramRules::minimum_spend_minor`], the purchase earns nothing at all.
//! 4. **Base.** `eligible amount × item multiplier × rate` plus the per-visit and per-unit
//!    grants.
//! 5. **Multipliers.** Every matching [`TimeWindow`], the guest's tier and every active
//!    [`Promotion`] multiply the base; multipliers compose by multiplication (double points
//!    in a 150% tier is 300%).
//! 6. **Rounding, once.** The exact result is rounded once per purchase, at the end, by
//!    [`EarnRate::rounding`] (down unless the program says otherwise), so splitting a purchase
//!    into lines never loses or mints a point.
//! 7. **Bonuses.** Flat window and promotion bonuses are added.
//! 8. **Caps.** The per-purchase cap, then what is left of the per-guest daily cap (days are
//!    the purchase cafe's local calendar days).
//!
//! In a stamp program the same steps run with stamps as the unit and no amount rate.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{MAX_UNITS, ProgramRules, hundred, percent, units};
use crate::purchase::{LineItem, NewPurchase};
use crate::rules::snapshot::{CapKind, EarnSnapshot, LineShare};
use crate::rules::tiers::Tier;
use crate::{Error, Result};

/// `points` for every `per_minor` minor units of eligible net spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarnRate {
    /// Points granted per step.
    pub points: i64,
    /// Minor units per step (10000 = 100.00 RSD).
    pub per_minor: i64,
    /// How the exact result is rounded, once per purchase.
    #[serde(default, skip_serializing_if = "Rounding::is_down")]
    pub rounding: Rounding,
}

impl EarnRate {
    pub(super) fn validate(&self, field: &str) -> Result<()> {
        if !(0..=1_000_000).contains(&self.points) {
            return Err(Error::invalid(format!("{field}.points"), "must be between 0 and 1000000"));
        }
        if !(1..=MAX_UNITS).contains(&self.per_minor) {
            return Err(Error::invalid(format!("{field}.per_minor"), "must be positive"));
        }
        Ok(())
    }
}

/// How a fractional result becomes whole points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Toward zero: 4.9 points is 4. The default, and what guests expect from "1 point per 100".
    #[default]
    Down,
    /// To the nearest whole point, halves up: 4.5 is 5.
    Nearest,
    /// Away from zero: 4.1 is 5.
    Up,
}

impl Rounding {
    fn is_down(&self) -> bool {
        *self == Self::Down
    }

    /// `numer / den` rounded this way; both must be non-negative and `den` positive.
    pub(crate) fn apply(self, numer: i128, den: i128) -> i128 {
        match self {
            Self::Down => numer / den,
            Self::Nearest => (2 * numer + den) / (2 * den),
            Self::Up => (numer + den - 1) / den,
        }
    }
}

/// A rule for receipt lines, matched by SKU or by category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRule {
    /// Matches lines with this POS article code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Matches lines of this category (`coffee`, `alcohol`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Multiplier on the line's amount-based points, in percent (`200` doubles).
    #[serde(default = "hundred", skip_serializing_if = "is_hundred")]
    pub multiplier_percent: u32,
    /// The line earns nothing and does not count toward the minimum spend (tobacco, alcohol,
    /// gift cards, where the law or the owner says so).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclude: bool,
    /// Points or stamps per unit sold, on top of the amount (a stamp per coffee).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub per_unit: i64,
}

fn is_hundred(v: &u32) -> bool {
    *v == 100
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

impl ItemRule {
    pub(super) fn validate(&self, field: &str) -> Result<()> {
        match (&self.sku, &self.category) {
            (Some(s), None) | (None, Some(s)) if !s.trim().is_empty() => {}
            _ => return Err(Error::invalid(format!("{field}.sku"), "name exactly one of `sku` or `category`")),
        }
        percent(&format!("{field}.multiplier_percent"), self.multiplier_percent)?;
        units(&format!("{field}.per_unit"), self.per_unit)
    }

    /// Whether this rule applies to `line`.
    #[must_use]
    pub fn matches(&self, line: &LineItem) -> bool {
        match (&self.sku, &self.category) {
            (Some(sku), _) => *sku == line.sku,
            (None, Some(category)) => line.category.as_deref() == Some(category.as_str()),
            (None, None) => false,
        }
    }
}

/// A recurring local-time window: quiet hours, a double-points day, a holiday.
///
/// The window is judged in the purchase cafe's timezone, so "15:00-17:00" means the same wall
/// clock time in Belgrade and in Tel Aviv, and across daylight-saving changes. `to` earlier
/// than `from` spans midnight (the late part belongs to the day it started); `from` equal to
/// `to` (or both left out) is the whole day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    /// Shown to guests and kept in snapshots, e.g. `Quiet hours`.
    pub name: String,
    /// Weekdays the window starts on (`Mon`, `Tue`, ...); empty means every day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<Weekday>,
    /// Calendar dates the window starts on (a holiday); empty means any date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<NaiveDate>,
    /// Local start time (`"14:00:00"`); the start of the day when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveTime>,
    /// Local end time, exclusive; the end of the day when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveTime>,
    /// Multiplier on the purchase's base points, in percent.
    #[serde(default = "hundred", skip_serializing_if = "is_hundred")]
    pub multiplier_percent: u32,
    /// Flat points (or stamps) added for a purchase in the window.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bonus: i64,
}

impl TimeWindow {
    pub(super) fn validate(&self, field: &str) -> Result<()> {
        crate::chain::non_empty(&format!("{field}.name"), &self.name)?;
        percent(&format!("{field}.multiplier_percent"), self.multiplier_percent)?;
        units(&format!("{field}.bonus"), self.bonus)
    }

    fn starts_on(&self, date: NaiveDate) -> bool {
        (self.days.is_empty() || self.days.contains(&date.weekday()))
            && (self.dates.is_empty() || self.dates.contains(&date))
    }

    /// Whether `at` falls in the window, judged on the wall clock of `tz`.
    #[must_use]
    pub fn contains(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        let local = at.with_timezone(&tz).naive_local();
        let (date, time) = (local.date(), local.time());
        let from = self.from.unwrap_or(NaiveTime::MIN);
        let to = self.to.unwrap_or(NaiveTime::MIN);
        if from < to {
            self.starts_on(date) && from <= time && time < to
        } else if from == to {
            self.starts_on(date)
        } else {
            // Overnight: the small hours belong to the window that started the evening before.
            (self.starts_on(date) && time >= from) || (date.pred_opt().is_some_and(|d| self.starts_on(d)) && time < to)
        }
    }
}

/// Upper limits on what a guest earns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caps {
    /// Most points (or stamps) one purchase can earn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_purchase: Option<i64>,
    /// Most points (or stamps) one guest can earn per local calendar day of the cafe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_guest_per_day: Option<i64>,
}

impl Caps {
    pub(super) fn is_unlimited(&self) -> bool {
        self.per_purchase.is_none() && self.per_guest_per_day.is_none()
    }

    pub(super) fn validate(&self, field: &str) -> Result<()> {
        if let Some(cap) = self.per_purchase {
            units(&format!("{field}.per_purchase"), cap)?;
        }
        if let Some(cap) = self.per_guest_per_day {
            units(&format!("{field}.per_guest_per_day"), cap)?;
        }
        Ok(())
    }
}

/// A promotion the guest takes part in at the time of the purchase. Promotions themselves
/// (who, when, how announced) are a later feature; the engine only needs their effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    /// Stable key, kept in snapshots.
    pub key: String,
    /// Multiplier on the base, in percent.
    #[serde(default = "hundred", skip_serializing_if = "is_hundred")]
    pub multiplier_percent: u32,
    /// Flat points (or stamps) added.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bonus: i64,
}

/// Apportions `net` over lines in proportion to their list totals, by largest remainder, so the
/// shares add up to `net` exactly. No lines (or lines worth nothing) give one unitemised share.
#[must_use]
pub fn apportion(net: i64, items: &[LineItem]) -> Vec<i64> {
    let gross: i128 = items.iter().map(|l| i128::from(l.total_minor())).sum();
    if items.is_empty() || gross <= 0 {
        return vec![net];
    }
    let net = i128::from(net);
    let mut shares: Vec<(i128, i128)> = items
        .iter()
        .map(|l| {
            let exact = net * i128::from(l.total_minor());
            (exact / gross, exact % gross)
        })
        .collect();
    let mut left = net - shares.iter().map(|s| s.0).sum::<i128>();
    // Hand the leftover minor units to the largest remainders; ties go to earlier lines so the
    // result does not depend on sort stability.
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|a, b| shares[*b].1.cmp(&shares[*a].1).then(a.cmp(b)));
    for i in order {
        if left <= 0 {
            break;
        }
        shares[i].0 += 1;
        left -= 1;
    }
    shares.into_iter().map(|s| i64::try_from(s.0).unwrap_or(i64::MAX)).collect()
}

/// What a purchase earns under `rules`, before any ledger concerns (debts, stamp cards).
///
/// `tier` is the guest's tier at the time of the purchase, `earned_today` what the guest
/// already earned on the cafe's local calendar day of the purchase.
#[must_use]
pub fn compute(
    rules: &ProgramRules,
    purchase: &NewPurchase,
    tz: Tz,
    tier: Option<&Tier>,
    promotions: &[Promotion],
    earned_today: i64,
) -> EarnSnapshot {
    let shares = apportion(purchase.total.minor, &purchase.items);
    let lines: Vec<LineShare> = if purchase.items.is_empty() || shares.len() != purchase.items.len() {
        vec![LineShare::unitemised(purchase.total.minor)]
    } else {
        purchase
            .items
            .iter()
            .zip(&shares)
            .map(|(item, net)| {
                let rule = rules.items.iter().position(|r| r.matches(item));
                let matched = rule.map(|i| &rules.items[i]);
                LineShare {
                    sku: Some(item.sku.clone()),
                    category: item.category.clone(),
                    quantity: item.quantity,
                    net_minor: *net,
                    rule,
                    multiplier_percent: matched.map_or(100, |r| r.multiplier_percent),
                    excluded: matched.is_some_and(|r| r.exclude),
                    per_unit: matched.map_or(0, |r| r.per_unit),
                }
            })
            .collect()
    };
    let eligible = || lines.iter().filter(|l| !l.excluded);
    let eligible_minor: i64 = eligible().map(|l| l.net_minor).sum();
    let weighted: i128 = eligible().map(|l| i128::from(l.net_minor.max(0)) * i128::from(l.multiplier_percent)).sum();
    let per_unit: i128 = eligible().map(|l| i128::from(l.quantity) * i128::from(l.per_unit)).sum();
    let below_minimum = eligible_minor < rules.minimum_spend_minor;

    let windows: Vec<TimeWindow> =
        rules.windows.iter().filter(|w| w.contains(purchase.occurred_at, tz)).cloned().collect();
    let tier = tier.cloned();
    let mut snapshot = EarnSnapshot {
        purchase_key: String::new(),
        occurred_at: purchase.occurred_at,
        local_time: purchase.occurred_at.with_timezone(&tz).naive_local(),
        timezone: tz,
        net_minor: purchase.total.minor,
        eligible_minor,
        lines,
        rate: rules.earn,
        per_visit: rules.per_visit,
        minimum_spend_minor: rules.minimum_spend_minor,
        below_minimum,
        windows,
        tier,
        promotions: promotions.to_vec(),
        uncapped: 0,
        caps: rules.caps,
        capped_by: None,
        earned: 0,
    };
    if below_minimum {
        return snapshot;
    }

    // Exact arithmetic in i128: amount points are counted in 1/(per_minor*100) of a unit so
    // item percentages and the rate stay exact until the single rounding at the end.
    let (rate_points, per_minor, rounding) =
        rules.earn.map_or((0, 1, Rounding::Down), |r| (r.points, r.per_minor, r.rounding));
    let fixed: i128 = i128::from(rules.per_visit) + per_unit;
    let scale = i128::from(per_minor) * 100;
    let multipliers = snapshot
        .windows
        .iter()
        .map(|w| w.multiplier_percent)
        .chain(snapshot.tier.as_ref().map(|t| t.multiplier_percent))
        .chain(promotions.iter().map(|p| p.multiplier_percent));
    let (mut num, mut den) = (weighted * i128::from(rate_points) + fixed * scale, scale);
    for m in multipliers {
        // Reduce as we go: 200/100 is 2/1, so long chains of multipliers stay small.
        let g = gcd(i128::from(m), 100);
        num = num.saturating_mul(i128::from(m) / g);
        den = den.saturating_mul(100 / g);
        let g = gcd(num, den).max(1);
        num /= g;
        den /= g;
    }
    let multiplied = rounding.apply(num.max(0), den.max(1));
    let bonus: i128 = snapshot.windows.iter().map(|w| i128::from(w.bonus)).sum::<i128>()
        + promotions.iter().map(|p| i128::from(p.bonus.max(0))).sum::<i128>();
    let uncapped = i64::try_from((multiplied + bonus).min(i128::from(MAX_UNITS))).unwrap_or(MAX_UNITS);
    snapshot.uncapped = uncapped;
    let mut earned = uncapped;
    if let Some(cap) = rules.caps.per_purchase
        && earned > cap
    {
        earned = cap;
        snapshot.capped_by = Some(CapKind::PerPurchase);
    }
    if let Some(cap) = rules.caps.per_guest_per_day {
        let left = (cap - earned_today).max(0);
        if earned > left {
            earned = left;
            snapshot.capped_by = Some(CapKind::PerGuestPerDay);
        }
    }
    snapshot.earned = earned;
    snapshot
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}
