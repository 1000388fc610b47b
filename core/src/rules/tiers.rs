//! Tiers (Classic / Silver / Gold): thresholds, qualification windows, downgrades, progress.
//!
//! A tier is earned on *qualifying* activity, never on the balance: the points a guest earned
//! (spending or losing points does not cost a tier) or the money they spent, counted within a
//! qualification window. Refunds take back the progress their purchase gave, as if it had never
//! counted.
//!
//! - **Upgrades are immediate**: the purchase that crosses a threshold lifts the tier, and the
//!   new tier's multiplier applies from the next purchase.
//! - **Downgrades happen only at a review**, when the window the tier was earned in has ended:
//!   for [`QualificationWindow::CalendarYear`], on 1 January (in the program's timezone) for the
//!   year just ended, so a tier earned in March is kept until the end of the next year at least
//!   when it is re-earned; for [`QualificationWindow::RollingMonths`], N months after the
//!   upgrade, judged on the last N months, and every N months after that. What happens then is
//!   the [`DowngradePolicy`].
//!
//! The tier is a pure function of the ledger history ([`tier_status`]), so it never drifts from
//! the ledger; [`Wallet::tier`](crate::wallet::Wallet::tier) is only a cache of it.

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{ProgramRules, hundred, percent};
use crate::{Error, Result};

/// A tier such as Classic, Silver or Gold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Display name and stable key.
    pub name: String,
    /// Qualifying points (or spend in minor units) needed within the window.
    pub threshold: i64,
    /// Multiplier on everything earned while in this tier, in percent (`150` = 1.5x).
    #[serde(default = "hundred", skip_serializing_if = "is_hundred")]
    pub multiplier_percent: u32,
}

fn is_hundred(v: &u32) -> bool {
    *v == 100
}

/// How tiers are earned and kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierQualification {
    /// What counts toward a threshold.
    #[serde(default)]
    pub basis: QualificationBasis,
    /// Over which period it counts.
    #[serde(default)]
    pub window: QualificationWindow,
    /// What happens at a review when the guest no longer qualifies.
    #[serde(default)]
    pub downgrade: DowngradePolicy,
}

impl TierQualification {
    pub(super) fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// What counts toward a tier threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualificationBasis {
    /// Points earned (earn and bonus entries, net of refunds); never the balance.
    #[default]
    Points,
    /// Net spend in minor units of purchases that earned (net of refunds).
    Spend,
}

/// The period qualifying activity is counted over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualificationWindow {
    /// Everything ever earned; tiers only go down through refunds.
    #[default]
    Lifetime,
    /// The calendar year in the program's timezone; reviews on 1 January.
    CalendarYear,
    /// The last N months; a tier is reviewed N months after it was reached.
    RollingMonths(u32),
}

/// What a review does when the guest no longer qualifies for their tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DowngradePolicy {
    /// Move to the tier the finished window qualifies for.
    #[default]
    ToQualified,
    /// Move down at most one tier per review (Gold falls to Silver, never straight to Classic).
    OneStep,
    /// Never downgrade; tiers are for life once reached.
    Never,
}

pub(super) fn validate(tiers: &[Tier], qualification: &TierQualification) -> Result<()> {
    for (i, tier) in tiers.iter().enumerate() {
        crate::chain::non_empty(&format!("rules.tiers[{i}].name"), &tier.name)?;
        if tier.threshold < 0 {
            return Err(Error::invalid(format!("rules.tiers[{i}].threshold"), "must not be negative"));
        }
        percent(&format!("rules.tiers[{i}].multiplier_percent"), tier.multiplier_percent)?;
        if tiers[..i].iter().any(|t| t.name == tier.name) {
            return Err(Error::invalid(format!("rules.tiers[{i}].name"), "is used by an earlier tier"));
        }
    }
    if let Some(first) = tiers.first()
        && first.threshold != 0
    {
        return Err(Error::invalid("rules.tiers[0].threshold", "the first tier is where everyone starts: use 0"));
    }
    for (i, pair) in tiers.windows(2).enumerate() {
        if pair[1].threshold <= pair[0].threshold {
            return Err(Error::invalid(
                format!("rules.tiers[{}].threshold", i + 1),
                "tiers must have increasing thresholds",
            ));
        }
    }
    if let QualificationWindow::RollingMonths(months) = qualification.window
        && !(1..=120).contains(&months)
    {
        return Err(Error::invalid("rules.qualification.window.rolling_months", "must be between 1 and 120"));
    }
    Ok(())
}

/// One piece of qualifying activity: points earned or money spent at `at` (negative never;
/// refunds are netted into the purchase they reverse before they get here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualifyingEvent {
    /// When the activity happened (the purchase time, for purchases).
    pub at: DateTime<Utc>,
    /// Points or minor units.
    pub amount: i64,
}

/// Where a guest stands in the tier ladder at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierStatus {
    /// The tier held; `None` when the program has no tiers.
    pub tier: Option<Tier>,
    /// Qualifying points or spend in the current window.
    pub qualifying: i64,
    /// When the current window started; `None` for lifetime qualification.
    pub window_start: Option<DateTime<Utc>>,
    /// When the tier is next reviewed (and may go down); `None` when it cannot go down.
    pub review_at: Option<DateTime<Utc>>,
    /// Progress to the next tier up, if there is one.
    pub next: Option<TierProgress>,
    /// Qualifying points or spend still needed before `review_at` to keep the tier held now;
    /// `None` when the tier cannot go down.
    pub to_keep: Option<i64>,
}

impl TierStatus {
    /// The held tier's name.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.tier.as_ref().map(|t| t.name.as_str())
    }
}

/// How far the next tier is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierProgress {
    /// The next tier's name.
    pub name: String,
    /// Its threshold.
    pub threshold: i64,
    /// Qualifying points or spend still missing in the current window.
    pub missing: i64,
}

/// The tier status at `now`, from the qualifying activity up to then.
///
/// Events after `now` are ignored, so the same history answers "what tier did the guest hold
/// when they bought this" and "what tier do they hold today".
#[must_use]
pub fn tier_status(rules: &ProgramRules, events: &[QualifyingEvent], now: DateTime<Utc>) -> TierStatus {
    let tiers = &rules.tiers;
    let mut events: Vec<QualifyingEvent> = events.iter().copied().filter(|e| e.at <= now).collect();
    events.sort_by_key(|e| e.at);
    let window = Window { kind: rules.qualification.window, tz: rules.program_timezone() };
    if tiers.is_empty() {
        return TierStatus {
            tier: None,
            qualifying: 0,
            window_start: None,
            review_at: None,
            next: None,
            to_keep: None,
        };
    }
    let qualified = |sum: i64| tiers.iter().rposition(|t| sum >= t.threshold).unwrap_or(0);
    let sum_in = |from: Option<DateTime<Utc>>, to: DateTime<Utc>, inclusive: bool| -> i64 {
        events
            .iter()
            .filter(|e| from.is_none_or(|f| e.at >= f) && if inclusive { e.at <= to } else { e.at < to })
            .map(|e| e.amount)
            .sum()
    };

    let (index, review_at) = if window.kind == QualificationWindow::Lifetime {
        (qualified(sum_in(None, now, true)), None)
    } else {
        let mut index = 0;
        let mut review: Option<DateTime<Utc>> = None;
        let policy = rules.qualification.downgrade;
        let run_reviews = |index: &mut usize, review: &mut Option<DateTime<Utc>>, until: DateTime<Utc>| {
            while let Some(at) = *review
                && at <= until
            {
                let earned = qualified(sum_in(Some(window.review_start(at)), at, false));
                *index = match policy {
                    DowngradePolicy::ToQualified => earned,
                    DowngradePolicy::OneStep => earned.max(index.saturating_sub(1)),
                    DowngradePolicy::Never => *index,
                };
                *review = (*index > 0 && policy != DowngradePolicy::Never).then(|| window.next_review(at));
            }
        };
        for event in &events {
            run_reviews(&mut index, &mut review, event.at);
            let earned = qualified(sum_in(Some(window.start_of(event.at)), event.at, true));
            if earned > index {
                index = earned;
                review = (policy != DowngradePolicy::Never).then(|| window.review_after_upgrade(event.at));
            }
        }
        run_reviews(&mut index, &mut review, now);
        (index, review)
    };

    let window_start = (window.kind != QualificationWindow::Lifetime).then(|| window.start_of(now));
    let qualifying = sum_in(window_start, now, true);
    let next = tiers.get(index + 1).map(|t| TierProgress {
        name: t.name.clone(),
        threshold: t.threshold,
        missing: (t.threshold - qualifying).max(0),
    });
    // What the review will judge: the window ending at the review, as far as it has run.
    let to_keep =
        review_at.map(|at| (tiers[index].threshold - sum_in(Some(window.review_start(at)), now, true)).max(0));
    TierStatus { tier: Some(tiers[index].clone()), qualifying, window_start, review_at, next, to_keep }
}

#[derive(Clone, Copy)]
struct Window {
    kind: QualificationWindow,
    tz: Tz,
}

impl Window {
    /// Start of the window that counts for activity at `at`.
    fn start_of(self, at: DateTime<Utc>) -> DateTime<Utc> {
        match self.kind {
            QualificationWindow::Lifetime => DateTime::<Utc>::MIN_UTC,
            QualificationWindow::CalendarYear => start_of_year(at.with_timezone(&self.tz).year(), self.tz),
            QualificationWindow::RollingMonths(n) => {
                at.checked_sub_months(Months::new(n)).unwrap_or(DateTime::<Utc>::MIN_UTC)
            }
        }
    }

    /// When a tier reached at `at` is first reviewed.
    fn review_after_upgrade(self, at: DateTime<Utc>) -> DateTime<Utc> {
        match self.kind {
            QualificationWindow::CalendarYear => start_of_year(at.with_timezone(&self.tz).year() + 1, self.tz),
            QualificationWindow::RollingMonths(n) => add_months(at, n),
            QualificationWindow::Lifetime => DateTime::<Utc>::MAX_UTC,
        }
    }

    /// Start of the finished window judged by a review at `at` (which ends at `at`, exclusive).
    fn review_start(self, at: DateTime<Utc>) -> DateTime<Utc> {
        match self.kind {
            QualificationWindow::CalendarYear => start_of_year(at.with_timezone(&self.tz).year() - 1, self.tz),
            // The window is (at - N months, at): activity at its very first instant is the
            // activity that started the previous window, and must not keep a tier twice.
            QualificationWindow::RollingMonths(n) => at
                .checked_sub_months(Months::new(n))
                .map_or(DateTime::<Utc>::MIN_UTC, |start| start + chrono::Duration::nanoseconds(1)),
            QualificationWindow::Lifetime => DateTime::<Utc>::MIN_UTC,
        }
    }

    /// The review after one at `at`.
    fn next_review(self, at: DateTime<Utc>) -> DateTime<Utc> {
        match self.kind {
            QualificationWindow::CalendarYear => start_of_year(at.with_timezone(&self.tz).year() + 1, self.tz),
            QualificationWindow::RollingMonths(n) => add_months(at, n),
            QualificationWindow::Lifetime => DateTime::<Utc>::MAX_UTC,
        }
    }
}

fn add_months(at: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    at.checked_add_months(Months::new(n)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Local midnight of 1 January `year` in `tz`, as UTC.
pub(crate) fn start_of_year(year: i32, tz: Tz) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|midnight| tz.from_local_datetime(&midnight).earliest())
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}
