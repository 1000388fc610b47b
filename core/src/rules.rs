//! Earning rules, tiers and rewards of a program, as data.
//!
//! This is the minimal rule set the foundation needs (an earn rate, ordered tiers, a reward
//! catalogue); the rules engine grows it.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The rules of one program.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramRules {
    /// Points per spent amount (points programs); ignored by stamp programs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earn: Option<EarnRate>,
    /// Tiers in ascending order of threshold; the first one is where every guest starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<Tier>,
    /// What points or a full stamp card buy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rewards: Vec<Reward>,
}

/// `points` for every `per_minor` minor units spent, rounded down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarnRate {
    /// Points granted per step.
    pub points: i64,
    /// Minor units per step (10000 = 100.00 RSD).
    pub per_minor: i64,
}

/// A tier such as Classic, Silver or Gold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Display name and stable key.
    pub name: String,
    /// Lifetime points needed to reach it.
    pub threshold: i64,
}

/// A reward in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reward {
    /// Stable key, e.g. `free-coffee`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Cost in points, or in stamps for stamp programs.
    pub cost: i64,
}

impl ProgramRules {
    /// Checks the rules.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad field, e.g. `rules.tiers[1].threshold`.
    pub fn validate(&self) -> Result<()> {
        if let Some(rate) = self.earn {
            if rate.points < 0 {
                return Err(Error::invalid("rules.earn.points", "must not be negative"));
            }
            if rate.per_minor <= 0 {
                return Err(Error::invalid("rules.earn.per_minor", "must be positive"));
            }
        }
        for (i, pair) in self.tiers.windows(2).enumerate() {
            if pair[1].threshold <= pair[0].threshold {
                return Err(Error::invalid(
                    format!("rules.tiers[{}].threshold", i + 1),
                    "tiers must have increasing thresholds",
                ));
            }
        }
        for (i, reward) in self.rewards.iter().enumerate() {
            if reward.cost <= 0 {
                return Err(Error::invalid(format!("rules.rewards[{i}].cost"), "must be positive"));
            }
        }
        Ok(())
    }

    /// The tier a guest with `lifetime_points` holds, if the program has tiers.
    #[must_use]
    pub fn tier_for(&self, lifetime_points: i64) -> Option<&Tier> {
        self.tiers.iter().rev().find(|t| lifetime_points >= t.threshold)
    }
}
