//! What the owner portal reads: roll-ups kept by the store as sales, refunds, ledger entries
//! and guests change ([`AnalyticsRepo`]), so a dashboard's cost does not grow with the
//! chain's history.
//!
//! Time is bucketed in UTC hours ([`HourIndex`]) and months ([`MonthIndex`]); the portal turns
//! hours into a cafe's local days and hours of the day.

use std::ops::AddAssign;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use crate::ids::{CafeId, GuestId};

/// Hours since the Unix epoch, in UTC: the roll-ups' time bucket.
pub type HourIndex = i64;

/// `year * 12 + month - 1` of a UTC month: the cohort grid's bucket.
pub type MonthIndex = i64;

/// The hour `at` falls in.
#[must_use]
pub fn hour_of(at: DateTime<Utc>) -> HourIndex {
    at.timestamp().div_euclid(3600)
}

/// The start of an hour.
#[must_use]
pub fn hour_start(hour: HourIndex) -> DateTime<Utc> {
    DateTime::from_timestamp(hour.saturating_mul(3600), 0).unwrap_or_default()
}

/// The month `at` falls in.
#[must_use]
pub fn month_of(at: DateTime<Utc>) -> MonthIndex {
    i64::from(at.year()) * 12 + i64::from(at.month0())
}

/// The first day of a month.
#[must_use]
pub fn month_start(month: MonthIndex) -> NaiveDate {
    let year = i32::try_from(month.div_euclid(12)).unwrap_or(1970);
    let month0 = u32::try_from(month.rem_euclid(12)).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, month0 + 1, 1).unwrap_or_default()
}

/// Where a figure is counted: one cafe, or the whole chain.
///
/// Distinct guests (visitors, repeat visitors, cohorts) are counted per scope, so a guest
/// who visits two cafes is one visitor of the chain and one of each cafe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The whole chain.
    Chain,
    /// One cafe.
    Cafe(CafeId),
}

impl Scope {
    /// The scope's key in the roll-up tables: the cafe's id, 0 for the chain.
    #[must_use]
    pub fn key(self) -> i64 {
        match self {
            Self::Chain => 0,
            Self::Cafe(cafe) => cafe.get(),
        }
    }
}

/// Additive figures of one hour at one cafe (or summed over many).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Sales recorded.
    pub orders: i64,
    /// Their totals, in the cafe's currency's minor units, before refunds.
    pub revenue_minor: i64,
    /// Refunded of those sales (counted in the hour of the sale).
    pub refunded_minor: i64,
    /// Points earned (sales and bonuses), net of points taken back by refunds.
    pub points_earned: i64,
    /// Stamps earned, net of refunds.
    pub stamps_earned: i64,
    /// Points spent on rewards.
    pub points_redeemed: i64,
    /// Rewards taken.
    pub rewards_redeemed: i64,
    /// Guests who joined (and were not merged into another since), at their home cafe.
    pub new_guests: i64,
    /// Of those, guests who came through a friend's invitation.
    pub referrals: i64,
}

impl Counters {
    /// Revenue less refunds.
    #[must_use]
    pub fn net_revenue_minor(&self) -> i64 {
        self.revenue_minor - self.refunded_minor
    }

    /// Net revenue per order, rounded down; `None` without orders.
    #[must_use]
    pub fn average_check_minor(&self) -> Option<i64> {
        (self.orders > 0).then(|| self.net_revenue_minor().div_euclid(self.orders))
    }
}

impl AddAssign for Counters {
    fn add_assign(&mut self, other: Self) {
        self.orders += other.orders;
        self.revenue_minor += other.revenue_minor;
        self.refunded_minor += other.refunded_minor;
        self.points_earned += other.points_earned;
        self.stamps_earned += other.stamps_earned;
        self.points_redeemed += other.points_redeemed;
        self.rewards_redeemed += other.rewards_redeemed;
        self.new_guests += other.new_guests;
        self.referrals += other.referrals;
    }
}

/// One cafe's figures in one hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourlyStats {
    /// The cafe; `None` for what has no cafe (guests without a home cafe, chain-wide
    /// adjustments).
    pub cafe: Option<CafeId>,
    /// The hour.
    pub hour: HourIndex,
    /// What happened.
    pub counters: Counters,
}

/// Counts of a scope right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScopeTotals {
    /// Guests (not merged into another), by home cafe for a cafe's scope.
    pub guests: i64,
    /// Guests who bought something (at the cafe, for a cafe's scope).
    pub visitors: i64,
    /// Of those, guests who bought twice or more.
    pub repeat_visitors: i64,
    /// The purchases of those guests (sales without a guest are not counted).
    pub visits: i64,
}

/// One cell of the retention grid: guests whose first purchase was in `cohort` who bought
/// again in `month` (the cohort's own month holds the cohort's size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CohortCell {
    /// The month of the first purchase.
    pub cohort: MonthIndex,
    /// The month of activity.
    pub month: MonthIndex,
    /// Guests.
    pub guests: i64,
}

/// A guest's purchases in a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestVisits {
    /// The guest.
    pub guest: GuestId,
    /// Sales.
    pub orders: i64,
    /// Their totals less refunds, minor units.
    pub spend_minor: i64,
    /// The first sale.
    pub first_at: DateTime<Utc>,
    /// The last sale.
    pub last_at: DateTime<Utc>,
}

/// How [`AnalyticsRepo::top_guests`] orders guests: largest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VisitOrder {
    /// By spend.
    Spend,
    /// By number of orders.
    Orders,
    /// By the last visit, most recent first.
    LastVisit,
}

/// The balance a program counts in, for the loyalty figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Balance {
    /// Points.
    Points,
    /// Stamps.
    Stamps,
}

/// Wallets of a program by tier now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierCount {
    /// The tier's name; `None` for wallets in no tier.
    pub tier: Option<String>,
    /// How many wallets.
    pub wallets: u64,
}

/// Reward codes of one reward in one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RewardCodeCount {
    /// The reward's name as it was when issued.
    pub reward_name: String,
    /// Where the codes are now.
    pub status: crate::rules::codes::RewardCodeStatus,
    /// How many.
    pub codes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_hours_round_trip() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T13:45:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(month_of(at), 2026 * 12 + 11);
        assert_eq!(month_start(month_of(at)), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(hour_start(hour_of(at)).to_rfc3339(), "2026-12-03T13:00:00+00:00");
        let before_epoch = DateTime::parse_from_rfc3339("1969-12-31T23:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(hour_of(before_epoch), -1);
    }

    #[test]
    fn the_average_check_is_net_of_refunds() {
        let c = Counters { orders: 3, revenue_minor: 1000, refunded_minor: 100, ..Counters::default() };
        assert_eq!(c.average_check_minor(), Some(300));
        assert_eq!(Counters::default().average_check_minor(), None);
    }
}
