//! The loyalty rules engine: a program's rules as data, and pure functions that apply them.
//!
//! A program's rules ([`ProgramRules`]) are plain serde data: stored per program as JSON,
//! loadable from the server's TOML config, and checked by [`ProgramRules::validate_for`], whose
//! errors name the offending field (`rules.tiers[1].threshold`). Unknown fields are refused, so
//! a typo in a config file is an error rather than a silently ignored rule.
//!
//! Everything here is a pure function of its inputs (the rules, the wallet's ledger history,
//! the purchase, the cafe's timezone and the current time) and returns a *plan*: the ledger
//! entries to post, with idempotency keys derived from the purchase, plus the tier change and
//! the rewards unlocked. Nothing here touches storage; [`crate::loyalty`] wires plans to a
//! [`Store`](crate::store::Store). Because the till's preview and the real earn both call
//! [`calculate`], a preview shows exactly what an earn writes.
//!
//! # Keys
//!
//! Every key is optional; what a program leaves out does not apply. In TOML (the server's
//! config file; the same shape is stored per program as JSON):
//!
//! ```
//! # use regulars_core::program::ProgramKind;
//! # use regulars_core::rules::ProgramRules;
//! let rules: ProgramRules = toml::from_str(r#"
//! per_visit = 0                    # points (stamps) per purchase, whatever its size
//! minimum_spend_minor = 20000      # below 200.00 nothing is earned
//! cafes = [1, 2]                   # where the program earns; empty = every cafe
//! timezone = "Europe/Belgrade"     # calendar-year boundaries of tiers; default UTC
//! refunds = "debt"                 # or "allow_negative"
//! expiry = { lots_after_months = 12 }   # or { inactivity_months = 6 }
//!
//! [earn]                           # points programs: 1 point per 100.00
//! points = 1
//! per_minor = 10000
//! rounding = "down"                # "down" (default), "nearest", "up"; once per purchase
//!
//! [[items]]                        # first match wins; by `sku` or by `category`
//! category = "coffee"
//! multiplier_percent = 200         # integer percent: 200 doubles
//! per_unit = 0                     # fixed points (stamps) per unit sold
//!
//! [[items]]
//! category = "alcohol"
//! exclude = true
//!
//! [[windows]]                      # in the purchase cafe's local time
//! name = "Quiet hours"
//! days = ["Mon", "Tue", "Wed", "Thu", "Fri"]   # empty = every day
//! dates = []                       # e.g. ["2026-12-31"]; empty = any date
//! from = "14:00:00"                # from/to left out = the whole day
//! to = "17:00:00"
//! multiplier_percent = 150
//! bonus = 0                        # flat points (stamps) on top
//!
//! [caps]
//! per_purchase = 500
//! per_guest_per_day = 1000         # per local calendar day of the cafe
//!
//! [qualification]
//! basis = "points"                 # or "spend" (minor units)
//! window = "calendar_year"         # "lifetime" (default) or { rolling_months = 12 }
//! downgrade = "to_qualified"       # or "one_step", "never"
//!
//! [[tiers]]                        # ascending; the first has threshold 0
//! name = "Classic"
//! threshold = 0
//!
//! [[tiers]]
//! name = "Gold"
//! threshold = 1500
//! multiplier_percent = 150
//!
//! [[rewards]]
//! key = "free-coffee"
//! name = "Free coffee"
//! cost = 100                       # points, or stamps in a stamp program
//! tiers = []                       # tier-only rewards name their tiers
//! cafes = []                       # cafe-only rewards name their cafes
//! auto_issue = false               # issue as soon as the wallet holds the cost
//! value_minor = 25000              # what it is worth, shown to guests
//! valid_days = 30                  # how long its code stays valid
//! "#)?;
//! rules.validate_for(ProgramKind::Points)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | concept | module |
//! |---|---|
//! | earning: rate, visits, items, minimum spend, time windows, multipliers, caps | [`earning`] |
//! | stamp cards: restart and carry-over | [`stamps`] |
//! | tiers: thresholds, qualification windows, downgrades, progress | [`tiers`] |
//! | reward catalogue, eligibility, redemption | [`rewards`] |
//! | reward codes the till applies exactly once | [`codes`] |
//! | points expiry: FIFO lots or inactivity | [`expiry`] |
//! | refunds and debts | [`refunds`] |
//! | what the ledger says about a wallet | [`history`] |
//! | the snapshot stored on every entry | [`snapshot`] |
//! | the earn plan and preview | [`preview`] |
//!
//! ```
//! use regulars_core::program::ProgramKind;
//! use regulars_core::rules::ProgramRules;
//!
//! let rules: ProgramRules = serde_json::from_str(
//!     r#"{"earn":{"points":1,"per_minor":10000},
//!         "tiers":[{"name":"Classic","threshold":0},{"name":"Silver","threshold":500}],
//!         "rewards":[{"key":"free-coffee","name":"Free coffee","cost":100}]}"#,
//! )?;
//! rules.validate_for(ProgramKind::Points)?;
//! assert_eq!(rules.tier_for(600).map(|t| t.name.as_str()), Some("Silver"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod codes;
pub mod earning;
pub mod expiry;
pub mod history;
pub mod preview;
pub mod refunds;
pub mod rewards;
pub mod snapshot;
pub mod stamps;
pub mod tiers;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use codes::{RewardCode, RewardCodeStatus};
pub use earning::{Caps, EarnRate, ItemRule, Promotion, Rounding, TimeWindow};
pub use expiry::ExpiryPolicy;
pub use preview::{Calculation, EarnInput, PlannedEntry, calculate};
pub use refunds::RefundPolicy;
pub use rewards::Reward;
pub use tiers::{DowngradePolicy, QualificationBasis, QualificationWindow, Tier, TierQualification, TierStatus};

use crate::ids::CafeId;
use crate::program::ProgramKind;
use crate::{Error, Result};

/// The rules of one program.
///
/// Every field but the ones a program uses may be left out; an empty rule set earns nothing.
/// Amounts are minor units of the cafe's currency, points and stamps are whole numbers, and
/// multipliers are integer percentages (`200` doubles), so no float ever touches a balance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramRules {
    /// Points per amount spent (points programs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earn: Option<EarnRate>,
    /// Points (or stamps, in a stamp program) for every qualifying purchase, whatever its size.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub per_visit: i64,
    /// Per-SKU and per-category rules: multipliers, exclusions, per-unit grants. The first
    /// matching rule applies to a line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemRule>,
    /// A purchase whose eligible net amount is below this earns nothing, visit grants included.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub minimum_spend_minor: i64,
    /// Local-time windows (quiet hours, double-points days) with multipliers and bonuses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<TimeWindow>,
    /// Caps per purchase and per guest per day.
    #[serde(default, skip_serializing_if = "Caps::is_unlimited")]
    pub caps: Caps,
    /// Cafes where the program earns; empty means every cafe of the chain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cafes: Vec<CafeId>,
    /// Tiers in ascending order of threshold; the first one is where every guest starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<Tier>,
    /// How tiers are earned and kept.
    #[serde(default, skip_serializing_if = "TierQualification::is_default")]
    pub qualification: TierQualification,
    /// What points or a full stamp card buy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rewards: Vec<Reward>,
    /// When points lapse; `None` means never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<ExpiryPolicy>,
    /// What a refund does when the points it reverses were already spent.
    #[serde(default, skip_serializing_if = "RefundPolicy::is_default")]
    pub refunds: RefundPolicy,
    /// The timezone of calendar boundaries that are not tied to one cafe (the calendar year of
    /// tier qualification). Time windows and daily caps always use the purchase cafe's own
    /// timezone. Defaults to UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<Tz>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// `100`, the neutral multiplier, for serde defaults.
pub(crate) fn hundred() -> u32 {
    100
}

/// Largest multiplier accepted (50x): anything bigger is a typo that would mint points.
const MAX_PERCENT: u32 = 5_000;

/// Largest points or stamps figure a single rule may name.
const MAX_UNITS: i64 = 1_000_000_000;

impl ProgramRules {
    /// Checks the rules without knowing the program's kind. Prefer
    /// [`ProgramRules::validate_for`], which also checks the rules fit the kind.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad field, e.g. `rules.tiers[1].threshold`.
    pub fn validate(&self) -> Result<()> {
        if let Some(rate) = &self.earn {
            rate.validate("rules.earn")?;
        }
        units("rules.per_visit", self.per_visit)?;
        for (i, item) in self.items.iter().enumerate() {
            item.validate(&format!("rules.items[{i}]"))?;
        }
        if !(0..=MAX_UNITS).contains(&self.minimum_spend_minor) {
            return Err(Error::invalid("rules.minimum_spend_minor", "must not be negative"));
        }
        for (i, window) in self.windows.iter().enumerate() {
            window.validate(&format!("rules.windows[{i}]"))?;
        }
        self.caps.validate("rules.caps")?;
        tiers::validate(&self.tiers, &self.qualification)?;
        for (i, reward) in self.rewards.iter().enumerate() {
            reward.validate(&format!("rules.rewards[{i}]"), &self.tiers)?;
            if self.rewards[..i].iter().any(|r| r.key == reward.key) {
                return Err(Error::invalid(format!("rules.rewards[{i}].key"), "is used by an earlier reward"));
            }
        }
        if let Some(expiry) = &self.expiry {
            expiry.validate("rules.expiry")?;
        }
        Ok(())
    }

    /// Checks the rules and that they fit a program of `kind`: a stamp program counts visits
    /// and items, never amounts, and its rewards cost at most one full card.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad field.
    pub fn validate_for(&self, kind: ProgramKind) -> Result<()> {
        self.validate()?;
        match kind {
            ProgramKind::Points => {
                if self.earn.is_none() && self.per_visit == 0 && self.items.iter().all(|i| i.per_unit == 0) {
                    return Err(Error::invalid(
                        "rules.earn",
                        "a points program needs an earn rate, per-visit or per-item points",
                    ));
                }
            }
            ProgramKind::Stamps { card_size } => {
                if self.earn.is_some() {
                    return Err(Error::invalid("rules.earn", "a stamp program counts visits and items, not amounts"));
                }
                if self.per_visit == 0 && self.items.iter().all(|i| i.per_unit == 0) {
                    return Err(Error::invalid(
                        "rules.per_visit",
                        "a stamp program must grant stamps per visit or per item",
                    ));
                }
                if self.expiry.is_some() {
                    return Err(Error::invalid(
                        "rules.expiry",
                        "stamps do not expire; only points programs have expiry",
                    ));
                }
                for (i, reward) in self.rewards.iter().enumerate() {
                    if reward.cost > i64::from(card_size) {
                        return Err(Error::invalid(
                            format!("rules.rewards[{i}].cost"),
                            format!("costs more stamps than a full card ({card_size})"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The tier a guest with `qualifying` points (or spend) holds by threshold alone, if the
    /// program has tiers. Qualification windows and downgrades are applied by
    /// [`tiers::tier_status`].
    #[must_use]
    pub fn tier_for(&self, qualifying: i64) -> Option<&Tier> {
        self.tiers.iter().rev().find(|t| qualifying >= t.threshold)
    }

    /// The tier named `name`, if any.
    #[must_use]
    pub fn tier_named(&self, name: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.name == name)
    }

    /// Whether purchases at `cafe` earn in this program.
    #[must_use]
    pub fn earns_at(&self, cafe: CafeId) -> bool {
        self.cafes.is_empty() || self.cafes.contains(&cafe)
    }

    /// The timezone of program-wide calendar boundaries.
    #[must_use]
    pub fn program_timezone(&self) -> Tz {
        self.timezone.unwrap_or(chrono_tz::UTC)
    }
}

/// Checks a points or stamps figure is in range and not negative.
fn units(field: &str, value: i64) -> Result<()> {
    if (0..=MAX_UNITS).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(field, "must be between 0 and 1000000000"))
    }
}

/// Checks a percentage multiplier.
fn percent(field: &str, value: u32) -> Result<()> {
    if value <= MAX_PERCENT { Ok(()) } else { Err(Error::invalid(field, "must be at most 5000 (50x)")) }
}

#[cfg(test)]
mod tests;
