//! Refunds: reversing what a purchase earned, tier progress included.
//!
//! A refund of `refunded_minor` out of a purchase's net amount reverses the same share of what
//! the purchase earned. Shares are computed on the running total refunded so far, so several
//! partial refunds that add up to the whole purchase reverse exactly what it earned, never a
//! point more or less (rounding down on the way, exact at the end).
//!
//! When the points (or stamps) to reverse were already spent, [`RefundPolicy`] decides: take
//! them anyway and let the balance go negative, or take what is there and record the rest as a
//! debt that the next earns pay back first.
//!
//! Tier progress follows the points: the refund entry's snapshot names the purchase and what it
//! reverses, and [`history::qualifying_events`] takes that progress back at the purchase's own
//! time, so a fully refunded purchase counts for nothing toward a tier.

use serde::{Deserialize, Serialize};

use super::history;
use super::preview::{PlannedEntry, derived_key, key_part, purchase_key};
use super::snapshot::{RefundSnapshot, RuleSnapshot};
use super::tiers::{TierStatus, tier_status};
use crate::ledger::{EntryKind, LedgerEntry, Overdraft};
use crate::program::Program;
use crate::purchase::NewPurchase;
use crate::wallet::Balances;
use crate::{Error, Result};

/// What a refund does when the points it reverses were already spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundPolicy {
    /// Take what the wallet holds and record the rest as a debt, paid from future earns
    /// before the guest can spend them. The balance never goes negative.
    #[default]
    Debt,
    /// Take everything, letting the balance go negative.
    AllowNegative,
}

impl RefundPolicy {
    pub(super) fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// One refund reported by a POS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// The POS's id of the refund, unique per purchase: the same refund reported twice
    /// reverses once.
    pub refund_id: String,
    /// Net amount refunded, in minor units; the purchase's whole net amount for a full refund.
    pub amount_minor: i64,
}

/// The plan for a refund.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundPlan {
    /// The entry to post; `None` when the purchase earned nothing left to reverse.
    pub entry: Option<PlannedEntry>,
    /// Points reversed (taken plus recorded as debt).
    pub reversed_points: i64,
    /// Stamps reversed.
    pub reversed_stamps: i64,
    /// Part of the reversal recorded as debt: `(points, stamps)`.
    pub debt: (i64, i64),
    /// Balances after the entry.
    pub balances_after: Balances,
    /// Tier after the refund.
    pub tier_after: TierStatus,
    /// True when this refund id was already applied; the entry is the one written then.
    pub replayed: bool,
}

/// The refunds of the purchase keyed `base` already in `history`.
fn earlier_refunds(history: &[LedgerEntry], base: &str) -> Vec<RefundSnapshot> {
    history
        .iter()
        .filter_map(|e| match e.snapshot() {
            Some(RuleSnapshot::Refund(r)) if r.purchase_key == base => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// Minor units of `purchase` already refunded in `program`, per the wallet's `history`: what
/// "refund the rest of the receipt" subtracts from the purchase's total.
#[must_use]
pub fn refunded_minor(program: &Program, purchase: &NewPurchase, history: &[LedgerEntry]) -> i64 {
    let base = purchase_key(program.id, &purchase.source, &purchase.external_id);
    earlier_refunds(history, &base).iter().map(|r| r.refunded_minor).sum()
}

/// Plans reversing `refund` of `purchase` (the original purchase as recorded) in a wallet with
/// `history` (oldest first), as of `now`.
///
/// # Errors
/// [`Error::InvalidInput`] naming `amount_minor` when the refund is negative or more than is
/// left of the purchase, or `refund_id` when it is empty.
pub fn plan_refund(
    program: &Program,
    purchase: &NewPurchase,
    refund: &RefundRequest,
    history: &[LedgerEntry],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<RefundPlan> {
    if refund.refund_id.is_empty() {
        return Err(Error::invalid("refund_id", "must not be empty"));
    }
    if refund.amount_minor < 0 {
        return Err(Error::invalid("amount_minor", "must not be negative"));
    }
    let rules = &program.rules;
    let base = purchase_key(program.id, &purchase.source, &purchase.external_id);
    let key = derived_key(&base, &format!("refund:{}", key_part(&refund.refund_id)))?;
    let balances = history::balances(history);
    let tier_now =
        |h: &[LedgerEntry]| tier_status(rules, &history::qualifying_events(h, rules.qualification.basis), now);

    if let Some(written) = history::find_key(history, key.as_str()) {
        let (debt_points, debt_stamps) = match written.snapshot() {
            Some(RuleSnapshot::Refund(r)) => (r.debt_points, r.debt_stamps),
            _ => (0, 0),
        };
        return Ok(RefundPlan {
            entry: PlannedEntry::from_written(written),
            reversed_points: -written.points + debt_points,
            reversed_stamps: -written.stamps + debt_stamps,
            debt: (debt_points, debt_stamps),
            balances_after: balances,
            tier_after: tier_now(history),
            replayed: true,
        });
    }

    let earned = history::find_key(history, derived_key(&base, "earn")?.as_str());
    let (earned_points, earned_stamps, net) = match earned {
        Some(e) => {
            let net = match e.snapshot() {
                Some(RuleSnapshot::Earn(s)) => s.net_minor,
                _ => purchase.total.minor,
            };
            (e.points, e.stamps, net)
        }
        None => (0, 0, purchase.total.minor),
    };
    let earlier = earlier_refunds(history, &base);
    let refunded_before: i64 = earlier.iter().map(|r| r.refunded_minor).sum();
    let reversed_before = (
        earlier.iter().map(|r| r.reversed_points).sum::<i64>(),
        earlier.iter().map(|r| r.reversed_stamps).sum::<i64>(),
    );
    let refunded_total = refunded_before + refund.amount_minor;
    if refunded_total > net {
        return Err(Error::invalid(
            "amount_minor",
            format!("refunds would total {refunded_total}, more than the purchase's {net}"),
        ));
    }
    // Share of what was earned that the refunds so far reverse: exact when everything is
    // refunded, rounded down before, so partial refunds never take more than was earned.
    let share = |earned: i64| -> i64 {
        if refunded_total >= net {
            earned
        } else {
            i64::try_from(i128::from(earned) * i128::from(refunded_total) / i128::from(net.max(1))).unwrap_or(earned)
        }
    };
    let reverse_points = (share(earned_points) - reversed_before.0).max(0);
    let reverse_stamps = (share(earned_stamps) - reversed_before.1).max(0);

    let (take_points, take_stamps, overdraft) = match rules.refunds {
        RefundPolicy::AllowNegative => (reverse_points, reverse_stamps, Overdraft::Allow),
        RefundPolicy::Debt => {
            (reverse_points.min(balances.points.max(0)), reverse_stamps.min(balances.stamps.max(0)), Overdraft::Forbid)
        }
    };
    let debt = (reverse_points - take_points, reverse_stamps - take_stamps);
    // Nothing to record only when there is nothing to reverse at all; a refund whose share
    // rounds to zero is still written (as an empty entry) so the amount refunded so far is
    // known to the next refund of the purchase.
    if (earned_points == 0 && earned_stamps == 0) || refund.amount_minor == 0 {
        return Ok(RefundPlan {
            entry: None,
            reversed_points: 0,
            reversed_stamps: 0,
            debt: (0, 0),
            balances_after: balances,
            tier_after: tier_now(history),
            replayed: false,
        });
    }
    let entry = PlannedEntry {
        kind: EntryKind::Refund,
        points: -take_points,
        stamps: -take_stamps,
        idempotency_key: key,
        reason: format!("refund {} of purchase {}", refund.refund_id, purchase.external_id),
        snapshot: RuleSnapshot::Refund(RefundSnapshot {
            purchase_key: base,
            refund_id: refund.refund_id.clone(),
            refunded_minor: refund.amount_minor,
            refunded_total_minor: refunded_total,
            purchase_net_minor: net,
            reversed_points: reverse_points,
            reversed_stamps: reverse_stamps,
            debt_points: debt.0,
            debt_stamps: debt.1,
            policy: rules.refunds,
        }),
        overdraft,
    };
    let balances_after = entry.apply_to(balances)?;
    // Tier after: the history as it will be, with this refund's snapshot in it.
    let mut after: Vec<LedgerEntry> = history.to_vec();
    after.push(LedgerEntry {
        id: crate::ids::LedgerEntryId(0),
        chain_id: crate::ids::ChainId(0),
        wallet_id: crate::ids::WalletId(0),
        kind: entry.kind,
        points: entry.points,
        stamps: entry.stamps,
        balances_after,
        idempotency_key: entry.idempotency_key.clone(),
        actor: crate::ledger::Actor::System("preview".to_owned()),
        cafe_id: None,
        shift_id: None,
        purchase_id: None,
        reason: None,
        rule_snapshot: entry.snapshot.to_json(),
        created_at: now,
        decoded: Default::default(),
    });
    Ok(RefundPlan {
        entry: Some(entry),
        reversed_points: reverse_points,
        reversed_stamps: reverse_stamps,
        debt,
        balances_after,
        tier_after: tier_now(&after),
        replayed: false,
    })
}
