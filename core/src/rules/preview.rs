//! The earn plan: what a purchase earns, as the ledger entries to post.
//!
//! [`calculate`] is the one function behind both the till's (and the guest's) preview and the
//! real earn: the purchase workflow ([`apply_purchase`](crate::pos::workflow::apply_purchase))
//! posts exactly the [`Calculation::entries`] that
//! [`Loyalty::preview`](crate::loyalty::Loyalty::preview) shows, so a preview equals the earn
//! by construction.
//!
//! Idempotency keys are derived from the purchase, `purchase:<source>:<external id>:p<program>`
//! followed by `:earn`, `:settle`, `:reward:<key>:<n>` or `:refund:<refund id>`, so a webhook
//! delivered twice plans the same keys and the ledger applies them once.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::earning::{self, Promotion};
use super::history;
use super::rewards::Reward;
use super::snapshot::{DebtSettlement, EarnSnapshot, RewardSnapshot, RuleSnapshot};
use super::tiers::{QualificationBasis, QualifyingEvent, TierStatus, tier_status};
use crate::Result;
use crate::ids::{CafeId, ProgramId, PurchaseId, ShiftId, WalletId};
use crate::ledger::{Actor, EntryKind, IdempotencyKey, LedgerEntry, NewLedgerEntry, Overdraft};
use crate::program::{Program, ProgramKind};
use crate::purchase::NewPurchase;
use crate::wallet::Balances;

/// Who writes planned entries, to which wallet, where: what turns a [`PlannedEntry`] into a
/// [`NewLedgerEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryContext {
    /// The wallet.
    pub wallet_id: WalletId,
    /// Who caused it.
    pub actor: Actor,
    /// Where.
    pub cafe_id: Option<CafeId>,
    /// In which shift.
    pub shift_id: Option<ShiftId>,
    /// For which purchase.
    pub purchase_id: Option<PurchaseId>,
}

impl EntryContext {
    /// A context for arithmetic only (previews), never posted.
    #[must_use]
    pub fn detached() -> Self {
        Self {
            wallet_id: WalletId(0),
            actor: Actor::System("preview".to_owned()),
            cafe_id: None,
            shift_id: None,
            purchase_id: None,
        }
    }
}

/// A ledger write the engine plans, before it is tied to a wallet and an actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedEntry {
    /// Why.
    pub kind: EntryKind,
    /// Points delta.
    pub points: i64,
    /// Stamps delta.
    pub stamps: i64,
    /// Derived from the purchase or request, so replays are recognised.
    pub idempotency_key: IdempotencyKey,
    /// Shown in history.
    pub reason: String,
    /// The rules that produced it.
    pub snapshot: RuleSnapshot,
    /// Whether it may overdraw.
    pub overdraft: Overdraft,
}

impl PlannedEntry {
    /// The ledger write for `wallet`, by `ctx`.
    #[must_use]
    pub fn to_new_entry(&self, ctx: &EntryContext) -> NewLedgerEntry {
        NewLedgerEntry {
            wallet_id: ctx.wallet_id,
            kind: self.kind,
            points: self.points,
            stamps: self.stamps,
            idempotency_key: self.idempotency_key.clone(),
            actor: ctx.actor.clone(),
            cafe_id: ctx.cafe_id,
            shift_id: ctx.shift_id,
            purchase_id: ctx.purchase_id,
            reason: Some(self.reason.clone()),
            rule_snapshot: self.snapshot.to_json(),
            overdraft: self.overdraft,
        }
    }

    /// The balances after this entry, with the same overdraft check the ledger applies.
    ///
    /// # Errors
    /// [`Error::InsufficientBalance`](crate::Error::InsufficientBalance) like the ledger would.
    pub fn apply_to(&self, before: Balances) -> Result<Balances> {
        self.to_new_entry(&EntryContext::detached()).apply_to(before)
    }

    /// Rebuilds the plan of an entry already written (for replays).
    #[must_use]
    pub fn from_written(entry: &LedgerEntry) -> Option<Self> {
        Some(Self {
            kind: entry.kind,
            points: entry.points,
            stamps: entry.stamps,
            idempotency_key: entry.idempotency_key.clone(),
            reason: entry.reason.clone().unwrap_or_default(),
            snapshot: entry.snapshot()?.clone(),
            overdraft: Overdraft::Forbid,
        })
    }
}

/// Everything [`calculate`] looks at.
#[derive(Debug, Clone, Copy)]
pub struct EarnInput<'a> {
    /// The program (its id, kind and rules).
    pub program: &'a Program,
    /// The purchase, with its line items and time.
    pub purchase: &'a NewPurchase,
    /// The purchase cafe's timezone.
    pub cafe_timezone: Tz,
    /// The wallet's ledger entries, oldest first; empty for a wallet not opened yet.
    pub history: &'a [LedgerEntry],
    /// Promotions the guest takes part in at the time of the purchase.
    pub promotions: &'a [Promotion],
}

/// What a purchase earns: the preview, and the plan the earn posts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calculation {
    /// Points the purchase earned (before any debt was paid from them).
    pub points: i64,
    /// Stamps the purchase earned.
    pub stamps: i64,
    /// How it was computed.
    pub earn: EarnSnapshot,
    /// The ledger entries to post, in order.
    pub entries: Vec<PlannedEntry>,
    /// Balances before the purchase.
    pub balances_before: Balances,
    /// Balances after every planned entry.
    pub balances_after: Balances,
    /// Tier before the purchase (at its time).
    pub tier_before: TierStatus,
    /// Tier after it.
    pub tier_after: TierStatus,
    /// Rewards the guest could not afford before and can now.
    pub rewards_unlocked: Vec<Reward>,
    /// Rewards issued automatically (a full stamp card, a threshold reward), one per planned
    /// `redeem` entry, in the same order; each needs a reward code.
    pub rewards_issued: Vec<IssuedReward>,
    /// Debt paid back from this earn: `(points, stamps)`.
    pub debt_settled: (i64, i64),
    /// True when the history already holds this purchase's earn: the entries are the ones
    /// written then, and posting them again changes nothing.
    pub replayed: bool,
}

impl Calculation {
    /// Whether the tier went up with this purchase.
    #[must_use]
    pub fn tier_changed(&self) -> bool {
        self.tier_before.name() != self.tier_after.name()
    }
}

/// A reward issued automatically, with the entry that paid for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedReward {
    /// The reward.
    pub reward: Reward,
    /// The key of the `redeem` entry that paid for it; the reward code is issued under it.
    pub entry_key: IdempotencyKey,
}

/// The base of every key derived from a purchase:
/// `purchase:<source>:<external id>:p<program>`, with unusual characters percent-encoded.
#[must_use]
pub fn purchase_key(program: ProgramId, source: &str, external_id: &str) -> String {
    format!("purchase:{}:{}:p{program}", key_part(source), key_part(external_id))
}

/// `base:suffix` as an idempotency key; over-long keys are replaced by a hash of the whole, so
/// the same input always gives the same valid key.
pub(crate) fn derived_key(base: &str, suffix: &str) -> Result<IdempotencyKey> {
    let full = format!("{base}:{suffix}");
    let key = if full.len() <= IdempotencyKey::MAX_LEN { full } else { format!("h:{:016x}", fnv1a(full.as_bytes())) };
    IdempotencyKey::new(key)
}

/// The key of a redemption requested under `request_key` in `program`:
/// `redeem:p<program>:<request key>`.
pub(crate) fn derived_redeem_key(program: ProgramId, request_key: &str) -> Result<IdempotencyKey> {
    derived_key(&format!("redeem:p{program}"), &key_part(request_key))
}

/// Percent-encodes everything but `A-Z a-z 0-9 - . _ ~`, so `:` and spaces in a POS's ids can
/// neither break the key format nor collide.
pub(crate) fn key_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// FNV-1a, 64 bits: a tiny stable hash for over-long keys (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// The unit a program counts in, as `(points, stamps)` for an amount.
fn in_unit(kind: ProgramKind, amount: i64) -> (i64, i64) {
    match kind {
        ProgramKind::Points => (amount, 0),
        ProgramKind::Stamps { .. } => (0, amount),
    }
}

/// The balance in the program's unit.
pub(crate) fn unit_balance(kind: ProgramKind, b: Balances) -> i64 {
    match kind {
        ProgramKind::Points => b.points,
        ProgramKind::Stamps { .. } => b.stamps,
    }
}

/// What `input.purchase` earns and the entries that record it. Pure: writes nothing.
///
/// # Errors
/// [`Error::Internal`](crate::Error::Internal) only if the plan would break a ledger rule,
/// which would be a bug in the engine.
pub fn calculate(input: &EarnInput<'_>) -> Result<Calculation> {
    let EarnInput { program, purchase, cafe_timezone: tz, history, promotions } = *input;
    let rules = &program.rules;
    let base = purchase_key(program.id, &purchase.source, &purchase.external_id);
    let earn_key = derived_key(&base, "earn")?;
    let basis = rules.qualification.basis;
    let events = history::qualifying_events(history, basis);
    let tier_before = tier_status(rules, &events, purchase.occurred_at);

    if let Some(written) = history::find_key(history, earn_key.as_str()) {
        return Ok(replay(input, &base, written, tier_before));
    }

    let balances_before = history::balances(history);
    let is_stamps = matches!(program.kind, ProgramKind::Stamps { .. });
    let day = purchase.occurred_at.with_timezone(&tz).date_naive();
    let earned_today = history::earned_on_day(history, day, tz, is_stamps);
    let mut earn = earning::compute(rules, purchase, tz, tier_before.tier.as_ref(), promotions, earned_today);
    earn.purchase_key.clone_from(&base);
    if !rules.earns_at(purchase.cafe_id) {
        earn.earned = 0;
    }
    let (points, stamps) = in_unit(program.kind, earn.earned);

    let mut entries = Vec::new();
    let mut balances = balances_before;
    let mut new_events = events;
    if earn.earned > 0 {
        let entry = PlannedEntry {
            kind: EntryKind::Earn,
            points,
            stamps,
            idempotency_key: earn_key,
            reason: format!("purchase {}", purchase.external_id),
            snapshot: RuleSnapshot::Earn(Box::new(earn.clone())),
            overdraft: Overdraft::Forbid,
        };
        balances = entry.apply_to(balances)?;
        entries.push(entry);
        new_events.push(QualifyingEvent {
            at: purchase.occurred_at,
            amount: match basis {
                QualificationBasis::Points => points,
                QualificationBasis::Spend => earn.net_minor,
            },
        });
    }

    // Pay back debt from refunds of spent points before the guest can spend the new ones.
    let (debt_points, debt_stamps) = history::debt(history);
    let settled = (debt_points.clamp(0, points), debt_stamps.clamp(0, stamps));
    if settled != (0, 0) {
        let entry = PlannedEntry {
            kind: EntryKind::Refund,
            points: -settled.0,
            stamps: -settled.1,
            idempotency_key: derived_key(&base, "settle")?,
            reason: "debt from an earlier refund".to_owned(),
            snapshot: RuleSnapshot::DebtSettlement(DebtSettlement {
                purchase_key: base.clone(),
                points: settled.0,
                stamps: settled.1,
            }),
            overdraft: Overdraft::Forbid,
        };
        balances = entry.apply_to(balances)?;
        entries.push(entry);
    }

    let tier_after = tier_status(rules, &new_events, purchase.occurred_at);
    let tier_name = tier_after.name();
    let cafe = Some(purchase.cafe_id);

    // Automatic rewards: a full stamp card, or a points threshold. Each full card (or each
    // multiple of the threshold) is one reward; what is left over carries into the next card.
    let mut rewards_issued = Vec::new();
    for reward in rules.rewards.iter().filter(|r| r.auto_issue && r.available(tier_name, cafe)) {
        let mut n = 0;
        while unit_balance(program.kind, balances) >= reward.cost {
            n += 1;
            let (p, s) = in_unit(program.kind, reward.cost);
            let entry = PlannedEntry {
                kind: EntryKind::Redeem,
                points: -p,
                stamps: -s,
                idempotency_key: derived_key(&base, &format!("reward:{}:{n}", key_part(&reward.key)))?,
                reason: reward.name.clone(),
                snapshot: RuleSnapshot::AutoReward(RewardSnapshot {
                    reward: reward.key.clone(),
                    name: reward.name.clone(),
                    cost: reward.cost,
                    purchase_key: Some(base.clone()),
                }),
                overdraft: Overdraft::Forbid,
            };
            balances = entry.apply_to(balances)?;
            rewards_issued.push(IssuedReward { reward: reward.clone(), entry_key: entry.idempotency_key.clone() });
            entries.push(entry);
        }
    }

    let before_unit = unit_balance(program.kind, balances_before);
    let after_unit = unit_balance(program.kind, balances);
    let rewards_unlocked = rules
        .rewards
        .iter()
        .filter(|r| !r.auto_issue && r.available(tier_name, cafe) && r.cost > before_unit && r.cost <= after_unit)
        .cloned()
        .collect();

    Ok(Calculation {
        points,
        stamps,
        earn,
        entries,
        balances_before,
        balances_after: balances,
        tier_before,
        tier_after,
        rewards_unlocked,
        rewards_issued,
        debt_settled: settled,
        replayed: false,
    })
}

/// The calculation of a purchase already earned: the entries written then, unchanged.
fn replay(input: &EarnInput<'_>, base: &str, written: &LedgerEntry, tier_now: TierStatus) -> Calculation {
    let history = input.history;
    let prefix = format!("{base}:");
    let mine: Vec<&LedgerEntry> = history
        .iter()
        .filter(|e| {
            e.idempotency_key.as_str().starts_with(&prefix)
                && !e.idempotency_key.as_str()[prefix.len()..].starts_with("refund:")
        })
        .collect();
    let entries: Vec<PlannedEntry> = mine.iter().filter_map(|e| PlannedEntry::from_written(e)).collect();
    let earn = match written.snapshot() {
        Some(RuleSnapshot::Earn(s)) => (**s).clone(),
        _ => earning::compute(&input.program.rules, input.purchase, input.cafe_timezone, None, &[], 0),
    };
    let rewards_issued = entries
        .iter()
        .filter_map(|e| match &e.snapshot {
            RuleSnapshot::AutoReward(r) => input
                .program
                .rules
                .rewards
                .iter()
                .find(|x| x.key == r.reward)
                .map(|reward| IssuedReward { reward: reward.clone(), entry_key: e.idempotency_key.clone() }),
            _ => None,
        })
        .collect();
    let settled = entries
        .iter()
        .find_map(|e| match &e.snapshot {
            RuleSnapshot::DebtSettlement(d) => Some((d.points, d.stamps)),
            _ => None,
        })
        .unwrap_or((0, 0));
    // Balances around the original write: before its first entry, after its last one.
    let first = history.iter().position(|e| e.id == written.id).unwrap_or(0);
    let balances_before = history::balances(&history[..first]);
    let balances_after = mine.last().map_or(balances_before, |e| e.balances_after);
    Calculation {
        points: written.points,
        stamps: written.stamps,
        earn,
        entries,
        balances_before,
        balances_after,
        tier_before: tier_now.clone(),
        tier_after: tier_now,
        rewards_unlocked: Vec::new(),
        rewards_issued,
        debt_settled: settled,
        replayed: true,
    }
}
