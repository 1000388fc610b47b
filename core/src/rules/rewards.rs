//! The reward catalogue: what points or a full stamp card buy, for whom, and where.
//!
//! A reward costs points (points programs) or stamps (stamp programs; a full card is
//! `cost = card_size`). It can be limited to some tiers (tier-only rewards) and to some cafes.
//! With `auto_issue`, reaching its cost issues it at once (the 7th stamp earns the free coffee
//! and the card restarts; 1000 points become a coffee voucher); otherwise the guest chooses
//! when to redeem, and [`catalogue`] tells them what they can redeem now and what it is worth.
//! Redeeming posts a `redeem` entry and issues a [`RewardCode`](super::codes::RewardCode) the
//! till applies exactly once.

use serde::{Deserialize, Serialize};

use super::history;
use super::preview::{PlannedEntry, derived_redeem_key, unit_balance};
use super::snapshot::{RewardSnapshot, RuleSnapshot};
use super::tiers::Tier;
use super::units;
use crate::ids::CafeId;
use crate::ledger::{EntryKind, LedgerEntry, Overdraft};
use crate::program::{Program, ProgramKind};
use crate::{Error, Result};

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
    /// Tiers that may redeem it; empty means every tier.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<String>,
    /// Cafes where it can be redeemed and used; empty means every cafe.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cafes: Vec<CafeId>,
    /// Issue it automatically as soon as the wallet holds its cost.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto_issue: bool,
    /// What it is worth at the menu price, in minor units, to show guests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_minor: Option<i64>,
    /// Days a code for it stays valid; `None` means until used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_days: Option<u32>,
}

impl Reward {
    pub(super) fn validate(&self, field: &str, tiers: &[Tier]) -> Result<()> {
        crate::chain::non_empty(&format!("{field}.key"), &self.key)?;
        crate::chain::non_empty(&format!("{field}.name"), &self.name)?;
        if self.cost <= 0 {
            return Err(Error::invalid(format!("{field}.cost"), "must be positive"));
        }
        units(&format!("{field}.cost"), self.cost)?;
        for (i, tier) in self.tiers.iter().enumerate() {
            if !tiers.iter().any(|t| t.name == *tier) {
                return Err(Error::invalid(format!("{field}.tiers[{i}]"), format!("no tier is named `{tier}`")));
            }
        }
        if let Some(value) = self.value_minor {
            units(&format!("{field}.value_minor"), value)?;
        }
        if self.valid_days == Some(0) {
            return Err(Error::invalid(format!("{field}.valid_days"), "must be positive"));
        }
        Ok(())
    }

    /// Whether a guest in `tier` may have it at `cafe` (`None`: no particular cafe, so only
    /// rewards valid everywhere).
    #[must_use]
    pub fn available(&self, tier: Option<&str>, cafe: Option<CafeId>) -> bool {
        (self.tiers.is_empty() || tier.is_some_and(|t| self.tiers.iter().any(|x| x == t)))
            && (self.cafes.is_empty() || cafe.is_some_and(|c| self.cafes.contains(&c)))
    }
}

/// One line of "what can I redeem": a reward the guest may have, and how far it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardOption {
    /// The reward.
    pub reward: Reward,
    /// Whether the balance covers it now.
    pub affordable: bool,
    /// Points or stamps still missing (0 when affordable).
    pub missing: i64,
}

/// The rewards a guest in `tier` may have at `cafe`, in catalogue order, with what is still
/// missing for each, given `balance` in the program's unit.
#[must_use]
pub fn catalogue(
    rules: &super::ProgramRules,
    balance: i64,
    tier: Option<&str>,
    cafe: Option<CafeId>,
) -> Vec<RewardOption> {
    rules
        .rewards
        .iter()
        .filter(|r| r.available(tier, cafe))
        .map(|r| RewardOption { reward: r.clone(), affordable: balance >= r.cost, missing: (r.cost - balance).max(0) })
        .collect()
}

/// What the guest can redeem right now: the affordable part of [`catalogue`].
#[must_use]
pub fn redeemable_now(
    rules: &super::ProgramRules,
    balance: i64,
    tier: Option<&str>,
    cafe: Option<CafeId>,
) -> Vec<Reward> {
    catalogue(rules, balance, tier, cafe).into_iter().filter(|o| o.affordable).map(|o| o.reward).collect()
}

/// Plans redeeming `reward_key` from a wallet with `history`, for a guest in `tier` at `cafe`.
///
/// `request_key` identifies the guest's or staff's request (a button press, a POS call) so a
/// retried request redeems once; the entry's key is `redeem:p<program>:<request_key>`.
///
/// # Errors
/// - [`Error::NotFound`] for an unknown reward.
/// - [`Error::Conflict`] when the reward is not available for the tier or the cafe.
/// - [`Error::InsufficientBalance`] when the wallet does not cover the cost.
pub fn plan_redeem(
    program: &Program,
    history: &[LedgerEntry],
    tier: Option<&str>,
    cafe: Option<CafeId>,
    reward_key: &str,
    request_key: &str,
) -> Result<(PlannedEntry, Reward)> {
    let reward = program
        .rules
        .rewards
        .iter()
        .find(|r| r.key == reward_key)
        .ok_or_else(|| Error::not_found("reward", reward_key))?;
    if !reward.available(tier, cafe) {
        return Err(Error::Conflict(format!("reward `{reward_key}` is not available for this tier or cafe")));
    }
    let balances = history::balances(history);
    let balance = unit_balance(program.kind, balances);
    if balance < reward.cost {
        return Err(Error::InsufficientBalance { available: balance, requested: reward.cost });
    }
    let (points, stamps) = match program.kind {
        ProgramKind::Points => (-reward.cost, 0),
        ProgramKind::Stamps { .. } => (0, -reward.cost),
    };
    let entry = PlannedEntry {
        kind: EntryKind::Redeem,
        points,
        stamps,
        idempotency_key: derived_redeem_key(program.id, request_key)?,
        reason: reward.name.clone(),
        snapshot: RuleSnapshot::Redeem(RewardSnapshot {
            reward: reward.key.clone(),
            name: reward.name.clone(),
            cost: reward.cost,
            purchase_key: None,
        }),
        overdraft: Overdraft::Forbid,
    };
    entry.apply_to(balances)?;
    Ok((entry, reward.clone()))
}
