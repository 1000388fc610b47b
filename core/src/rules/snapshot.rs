//! The rule snapshot stored on every ledger entry the engine writes.
//!
//! A snapshot copies the rules that produced an entry and the numbers they saw, so a guest's
//! history stays explainable after the owner changes the rules ("why did I get 7 points on
//! Tuesday?"). The engine also reads snapshots back: the purchase an entry belongs to, the
//! debt a refund left, the time a purchase happened. It is stored as JSON in
//! [`NewLedgerEntry::rule_snapshot`](crate::ledger::NewLedgerEntry::rule_snapshot), tagged by
//! `rule`.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::earning::{Caps, EarnRate, Promotion, TimeWindow};
use super::expiry::ExpiryPolicy;
use super::refunds::RefundPolicy;
use super::tiers::Tier;

/// Why the engine wrote an entry, with the rules it applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum RuleSnapshot {
    /// Points or stamps earned by a purchase.
    Earn(Box<EarnSnapshot>),
    /// A reward issued automatically when a threshold or a full stamp card was reached.
    AutoReward(RewardSnapshot),
    /// A reward redeemed by the guest.
    Redeem(RewardSnapshot),
    /// Part of a new earn that paid back a debt left by an earlier refund.
    DebtSettlement(DebtSettlement),
    /// A refund reversing what a purchase earned.
    Refund(RefundSnapshot),
    /// Points that lapsed.
    Expire(ExpireSnapshot),
    /// Points given back because a reward code was cancelled before use.
    CodeCancelled {
        /// The cancelled code.
        code: String,
        /// The reward it was for.
        reward: String,
    },
}

impl RuleSnapshot {
    /// The JSON stored on the entry.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Reads a stored snapshot back; `None` for entries the engine did not write (manual
    /// adjustments) or snapshots of an unknown shape.
    #[must_use]
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        // The engine reads every entry's snapshot on every pass over a history, so this is hot:
        // dispatch on the tag and deserialize the variant straight from the borrowed value,
        // instead of cloning it and letting serde buffer the internally tagged enum.
        fn variant<'a, T: Deserialize<'a>>(value: &'a serde_json::Value) -> Option<T> {
            T::deserialize(value).ok()
        }
        match value.get("rule")?.as_str()? {
            "earn" => variant(value).map(|s| Self::Earn(Box::new(s))),
            "auto_reward" => variant(value).map(Self::AutoReward),
            "redeem" => variant(value).map(Self::Redeem),
            "debt_settlement" => variant(value).map(Self::DebtSettlement),
            "refund" => variant(value).map(Self::Refund),
            "expire" => variant(value).map(Self::Expire),
            "code_cancelled" => Some(Self::CodeCancelled {
                code: value.get("code")?.as_str()?.to_owned(),
                reward: value.get("reward")?.as_str()?.to_owned(),
            }),
            _ => None,
        }
    }

    /// The purchase key (see [`super::preview::purchase_key`]) the entry belongs to, if any.
    #[must_use]
    pub fn purchase_key(&self) -> Option<&str> {
        match self {
            Self::Earn(s) => Some(&s.purchase_key),
            Self::AutoReward(s) => s.purchase_key.as_deref(),
            Self::DebtSettlement(s) => Some(&s.purchase_key),
            Self::Refund(s) => Some(&s.purchase_key),
            Self::Redeem(_) | Self::Expire(_) | Self::CodeCancelled { .. } => None,
        }
    }
}

/// How a purchase earned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnSnapshot {
    /// The purchase, as `purchase:<source>:<external id>:p<program>`.
    #[serde(default)]
    pub purchase_key: String,
    /// When the purchase happened.
    pub occurred_at: DateTime<Utc>,
    /// The same moment on the cafe's wall clock.
    pub local_time: NaiveDateTime,
    /// The cafe's timezone.
    pub timezone: Tz,
    /// Net total paid, after discounts and rewards.
    pub net_minor: i64,
    /// Net amount of the lines that were not excluded.
    pub eligible_minor: i64,
    /// Each line's share of the net amount and the item rule that matched it.
    pub lines: Vec<LineShare>,
    /// The amount rate in force.
    pub rate: Option<EarnRate>,
    /// Per-visit grant in force.
    pub per_visit: i64,
    /// Minimum spend in force.
    pub minimum_spend_minor: i64,
    /// True when the purchase was below the minimum spend and earned nothing.
    pub below_minimum: bool,
    /// The time windows the purchase fell in.
    pub windows: Vec<TimeWindow>,
    /// The guest's tier at the time, with its multiplier.
    pub tier: Option<Tier>,
    /// Active promotions.
    pub promotions: Vec<Promotion>,
    /// Points (or stamps) before caps.
    pub uncapped: i64,
    /// Caps in force.
    pub caps: Caps,
    /// The cap that cut the result, if one did.
    pub capped_by: Option<CapKind>,
    /// What the purchase earned, in the program's unit.
    pub earned: i64,
}

/// One receipt line as the engine saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineShare {
    /// Article code; `None` for a receipt without lines.
    pub sku: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Units sold.
    pub quantity: u32,
    /// This line's share of the net total.
    pub net_minor: i64,
    /// Index of the matching rule in `rules.items`.
    pub rule: Option<usize>,
    /// The line's multiplier in percent.
    pub multiplier_percent: u32,
    /// Whether the line was excluded.
    pub excluded: bool,
    /// Fixed points or stamps per unit.
    pub per_unit: i64,
}

impl LineShare {
    /// The whole net amount as one line, for receipts without items.
    #[must_use]
    pub fn unitemised(net_minor: i64) -> Self {
        Self {
            sku: None,
            category: None,
            quantity: 1,
            net_minor,
            rule: None,
            multiplier_percent: 100,
            excluded: false,
            per_unit: 0,
        }
    }
}

/// Which cap limited an earn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapKind {
    /// [`Caps::per_purchase`].
    PerPurchase,
    /// [`Caps::per_guest_per_day`].
    PerGuestPerDay,
}

/// A reward paid for from the wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardSnapshot {
    /// The reward's key.
    pub reward: String,
    /// Its name at the time.
    pub name: String,
    /// What it cost, in the program's unit.
    pub cost: i64,
    /// The purchase that unlocked it, for automatic rewards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_key: Option<String>,
}

/// Debt paid back from a new earn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebtSettlement {
    /// The purchase whose earn paid it.
    pub purchase_key: String,
    /// Points of debt settled.
    pub points: i64,
    /// Stamps of debt settled.
    pub stamps: i64,
}

/// A refund reversing (part of) what a purchase earned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundSnapshot {
    /// The refunded purchase.
    pub purchase_key: String,
    /// The POS's refund id.
    pub refund_id: String,
    /// Net amount refunded by this refund.
    pub refunded_minor: i64,
    /// Net amount refunded so far, this refund included.
    pub refunded_total_minor: i64,
    /// The purchase's net amount.
    pub purchase_net_minor: i64,
    /// Points this refund reverses (what the entry takes plus any debt).
    pub reversed_points: i64,
    /// Stamps this refund reverses.
    pub reversed_stamps: i64,
    /// Points that could not be taken because they were spent, recorded as debt.
    pub debt_points: i64,
    /// Stamps recorded as debt.
    pub debt_stamps: i64,
    /// The policy in force.
    pub policy: RefundPolicy,
}

/// Points that lapsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireSnapshot {
    /// The policy in force.
    pub policy: ExpiryPolicy,
    /// For lot expiry, the key of the entry that earned the lot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// When the lot was earned, or the guest's last activity for inactivity expiry.
    pub since: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_read_back_by_their_tag() {
        let cancelled = RuleSnapshot::CodeCancelled { code: "K7Q2-9XHM".into(), reward: "free-coffee".into() };
        assert_eq!(RuleSnapshot::from_json(&cancelled.to_json()), Some(cancelled));
        let settled = RuleSnapshot::DebtSettlement(DebtSettlement {
            purchase_key: "purchase:demo:R-1:p1".into(),
            points: 5,
            stamps: 0,
        });
        assert_eq!(RuleSnapshot::from_json(&settled.to_json()), Some(settled));
        assert_eq!(RuleSnapshot::from_json(&serde_json::json!({ "rule": "unheard_of" })), None);
        assert_eq!(RuleSnapshot::from_json(&serde_json::json!({ "note": "manual" })), None);
        assert_eq!(RuleSnapshot::from_json(&serde_json::Value::Null), None);
    }
}
