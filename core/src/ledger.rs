//! The append-only ledger: every change to a wallet is an entry with an idempotency key.

use std::fmt;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CafeId, ChainId, LedgerEntryId, PurchaseId, ShiftId, StaffId, WalletId};
use crate::rules::snapshot::RuleSnapshot;
use crate::wallet::Balances;
use crate::{Error, Result};

/// Why a wallet changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Points or stamps for a purchase or visit.
    Earn,
    /// Points or stamps spent on a reward.
    Redeem,
    /// Points that lapsed.
    Expire,
    /// A manual correction by staff.
    Adjust,
    /// Reversal of what a refunded purchase earned.
    Refund,
    /// Referral, birthday or promotion bonus.
    Bonus,
}

impl EntryKind {
    /// Every kind, for parsing and exhaustive tests.
    pub const ALL: [Self; 6] = [Self::Earn, Self::Redeem, Self::Expire, Self::Adjust, Self::Refund, Self::Bonus];

    /// The stable name stored in the database.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Earn => "earn",
            Self::Redeem => "redeem",
            Self::Expire => "expire",
            Self::Adjust => "adjust",
            Self::Refund => "refund",
            Self::Bonus => "bonus",
        }
    }

    /// Parses [`EntryKind::as_str`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `kind`.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::invalid("kind", format!("unknown ledger entry kind `{s}`")))
    }

    /// Whether the entry counts toward lifetime points (and so toward tiers).
    /// Redeeming or expiring points does not undo having earned them; a refund does.
    #[must_use]
    pub fn counts_toward_lifetime(self) -> bool {
        matches!(self, Self::Earn | Self::Bonus | Self::Refund)
    }

    /// The sign this kind's deltas must have: `Some(true)` non-negative, `Some(false)`
    /// non-positive, `None` either (adjustments).
    fn required_sign(self) -> Option<bool> {
        match self {
            Self::Earn | Self::Bonus => Some(true),
            Self::Redeem | Self::Expire | Self::Refund => Some(false),
            Self::Adjust => None,
        }
    }
}

/// Who caused a ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "ref", rename_all = "snake_case")]
pub enum Actor {
    /// A staff member, at the till or in the portal.
    Staff(StaffId),
    /// A POS source, by its configured name.
    Pos(String),
    /// A background job (expiry, campaigns) or the system itself.
    System(String),
}

impl Actor {
    /// `(kind, reference)` as stored.
    #[must_use]
    pub fn to_parts(&self) -> (&'static str, String) {
        match self {
            Self::Staff(id) => ("staff", id.to_string()),
            Self::Pos(source) => ("pos", source.clone()),
            Self::System(job) => ("system", job.clone()),
        }
    }

    /// Inverse of [`Actor::to_parts`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `actor` for an unknown kind or a bad staff id.
    pub fn from_parts(kind: &str, reference: String) -> Result<Self> {
        match kind {
            "staff" => Ok(Self::Staff(reference.parse()?)),
            "pos" => Ok(Self::Pos(reference)),
            "system" => Ok(Self::System(reference)),
            other => Err(Error::invalid("actor", format!("unknown actor kind `{other}`"))),
        }
    }
}

/// A caller-chosen key that makes a ledger write happen at most once, e.g.
/// `pos:octopos:receipt-1234` or `staff:7:redeem:2c9f...`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Longest accepted key.
    pub const MAX_LEN: usize = 200;

    /// Validates a key: 1-200 printable ASCII characters.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `idempotency_key`.
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        if key.is_empty() || key.len() > Self::MAX_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid("idempotency_key", "use 1-200 printable ASCII characters without spaces"));
        }
        Ok(Self(key))
    }

    /// The key as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<IdempotencyKey> for String {
    fn from(k: IdempotencyKey) -> Self {
        k.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a debit may take the balance below zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overdraft {
    /// Refuse with [`Error::InsufficientBalance`] (rewards, expiry).
    #[default]
    Forbid,
    /// Allow a negative balance (refunds of points already spent, where the program says so).
    Allow,
}

/// A ledger write to perform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewLedgerEntry {
    /// The wallet to change.
    pub wallet_id: WalletId,
    /// Why.
    pub kind: EntryKind,
    /// Points delta (negative for debits).
    pub points: i64,
    /// Stamps delta (negative for debits).
    pub stamps: i64,
    /// Makes the write happen at most once per chain.
    pub idempotency_key: IdempotencyKey,
    /// Who caused it.
    pub actor: Actor,
    /// Where it happened, if at a cafe.
    pub cafe_id: Option<CafeId>,
    /// The staff shift it happened in, if any.
    pub shift_id: Option<ShiftId>,
    /// The purchase that produced it, if any.
    pub purchase_id: Option<PurchaseId>,
    /// Free-text reason shown in history and the event log.
    pub reason: Option<String>,
    /// The rule(s) that produced the numbers, so history stays explainable after rules change.
    pub rule_snapshot: serde_json::Value,
    /// Whether debits may overdraw.
    pub overdraft: Overdraft,
}

impl NewLedgerEntry {
    /// Checks signs and sizes.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `points` or `stamps`.
    pub fn validate(&self) -> Result<()> {
        const LIMIT: i64 = 1_000_000_000;
        for (field, value) in [("points", self.points), ("stamps", self.stamps)] {
            if value.abs() > LIMIT {
                return Err(Error::invalid(field, "is out of range"));
            }
            match self.kind.required_sign() {
                Some(true) if value < 0 => {
                    return Err(Error::invalid(field, format!("must not be negative for {}", self.kind.as_str())));
                }
                Some(false) if value > 0 => {
                    return Err(Error::invalid(field, format!("must not be positive for {}", self.kind.as_str())));
                }
                _ => {}
            }
        }
        // A refund may change nothing when everything it reverses was already spent: it then
        // records the debt in its rule snapshot, which later earns pay back.
        if self.points == 0 && self.stamps == 0 && self.kind != EntryKind::Refund {
            return Err(Error::invalid("points", "an entry must change points or stamps"));
        }
        Ok(())
    }

    /// The balances after applying this entry to `before`, enforcing [`Overdraft`].
    ///
    /// # Errors
    /// [`Error::InsufficientBalance`] when a forbidden overdraft would happen.
    pub fn apply_to(&self, before: Balances) -> Result<Balances> {
        let after = Balances {
            points: before.points + self.points,
            stamps: before.stamps + self.stamps,
            lifetime_points: before.lifetime_points + if self.kind.counts_toward_lifetime() { self.points } else { 0 },
        };
        if self.overdraft == Overdraft::Forbid {
            if self.points < 0 && after.points < 0 {
                return Err(Error::InsufficientBalance { available: before.points, requested: -self.points });
            }
            if self.stamps < 0 && after.stamps < 0 {
                return Err(Error::InsufficientBalance { available: before.stamps, requested: -self.stamps });
            }
        }
        Ok(after)
    }

    /// The entry as stored once written under `id` in `chain`, leaving `balances_after` (what
    /// [`apply_to`](Self::apply_to) gave), at `created_at`: what a store that writes many entries
    /// at once keeps without reading them back.
    #[must_use]
    pub fn into_entry(
        self,
        id: LedgerEntryId,
        chain: ChainId,
        balances_after: Balances,
        created_at: DateTime<Utc>,
    ) -> LedgerEntry {
        LedgerEntry {
            id,
            chain_id: chain,
            wallet_id: self.wallet_id,
            kind: self.kind,
            points: self.points,
            stamps: self.stamps,
            balances_after,
            idempotency_key: self.idempotency_key,
            actor: self.actor,
            cafe_id: self.cafe_id,
            shift_id: self.shift_id,
            purchase_id: self.purchase_id,
            reason: self.reason,
            rule_snapshot: self.rule_snapshot,
            created_at,
            decoded: DecodedSnapshot::default(),
        }
    }

    /// Whether `entry` was written by this same request (used when a key comes back: the same
    /// request is a replay, a different one is a conflict).
    #[must_use]
    pub fn matches(&self, entry: &LedgerEntry) -> bool {
        entry.wallet_id == self.wallet_id
            && entry.kind == self.kind
            && entry.points == self.points
            && entry.stamps == self.stamps
    }
}

/// A written ledger entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Storage identifier.
    pub id: LedgerEntryId,
    /// Owning chain.
    pub chain_id: ChainId,
    /// The wallet it changed.
    pub wallet_id: WalletId,
    /// Why.
    pub kind: EntryKind,
    /// Points delta.
    pub points: i64,
    /// Stamps delta.
    pub stamps: i64,
    /// The wallet's balances right after this entry.
    pub balances_after: Balances,
    /// The key that made it unique.
    pub idempotency_key: IdempotencyKey,
    /// Who caused it.
    pub actor: Actor,
    /// Where.
    pub cafe_id: Option<CafeId>,
    /// In which shift.
    pub shift_id: Option<ShiftId>,
    /// For which purchase.
    pub purchase_id: Option<PurchaseId>,
    /// Free-text reason.
    pub reason: Option<String>,
    /// The rule(s) that produced it.
    pub rule_snapshot: serde_json::Value,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// `rule_snapshot` decoded, on first use (see [`LedgerEntry::snapshot`]); build entries
    /// with `Default::default()` here.
    #[serde(skip)]
    pub decoded: DecodedSnapshot,
}

impl LedgerEntry {
    /// The engine's snapshot of why this entry was written; `None` for entries the engine did
    /// not write (manual adjustments) or snapshots of an unknown shape.
    ///
    /// Decoded once per entry and kept: the rules engine passes over a wallet's whole history
    /// several times for every sale, and decoding the JSON on each pass was most of a sale's
    /// cost. Entries are records of the past; `rule_snapshot` is not meant to change after the
    /// entry is read (a changed one is not decoded again).
    #[must_use]
    pub fn snapshot(&self) -> Option<&RuleSnapshot> {
        self.decoded.0.get_or_init(|| RuleSnapshot::from_json(&self.rule_snapshot)).as_ref()
    }
}

/// The memo behind [`LedgerEntry::snapshot`]. It is derived from
/// [`LedgerEntry::rule_snapshot`], so two memos always compare equal (the snapshots they come
/// from are compared instead), and it is never serialized.
#[derive(Clone, Default)]
pub struct DecodedSnapshot(OnceLock<Option<RuleSnapshot>>);

impl PartialEq for DecodedSnapshot {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for DecodedSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.get().is_some() { "DecodedSnapshot(decoded)" } else { "DecodedSnapshot(not yet)" })
    }
}

/// The answer to a ledger write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerOutcome {
    /// The entry: the new one, or the one first written under the same key.
    pub entry: LedgerEntry,
    /// True when the key had been used before and nothing changed this time.
    pub replayed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(kind: EntryKind, points: i64) -> NewLedgerEntry {
        NewLedgerEntry {
            wallet_id: WalletId(1),
            kind,
            points,
            stamps: 0,
            idempotency_key: IdempotencyKey::new("k").unwrap(),
            actor: Actor::System("test".into()),
            cafe_id: None,
            shift_id: None,
            purchase_id: None,
            reason: None,
            rule_snapshot: serde_json::Value::Null,
            overdraft: Overdraft::Forbid,
        }
    }

    #[test]
    fn signs_follow_the_kind() {
        assert!(entry(EntryKind::Earn, 10).validate().is_ok());
        assert!(entry(EntryKind::Earn, -10).validate().is_err());
        assert!(entry(EntryKind::Redeem, 10).validate().is_err());
        assert!(entry(EntryKind::Adjust, -10).validate().is_ok());
        assert!(entry(EntryKind::Earn, 0).validate().is_err());
        assert!(entry(EntryKind::Refund, 0).validate().is_ok(), "a refund may only record a debt");
    }

    #[test]
    fn actor_round_trips() {
        for actor in [Actor::Staff(StaffId(7)), Actor::Pos("octopos".into()), Actor::System("expiry".into())] {
            let (kind, reference) = actor.to_parts();
            assert_eq!(Actor::from_parts(kind, reference).unwrap(), actor);
        }
    }

    #[test]
    fn kind_round_trips() {
        for kind in EntryKind::ALL {
            assert_eq!(EntryKind::parse(kind.as_str()).unwrap(), kind);
        }
    }

    proptest! {
        /// With overdraft forbidden, no sequence of writes leaves a negative balance, and the
        /// balance always equals the sum of the accepted deltas.
        #[test]
        fn forbidden_overdraft_never_goes_negative(deltas in prop::collection::vec(-50i64..50, 0..100)) {
            let mut balances = Balances::default();
            let mut accepted = 0;
            for d in deltas.into_iter().filter(|d| *d != 0) {
                let kind = if d > 0 { EntryKind::Earn } else { EntryKind::Redeem };
                if let Ok(after) = entry(kind, d).apply_to(balances) {
                    balances = after;
                    accepted += d;
                }
                prop_assert!(balances.points >= 0);
            }
            prop_assert_eq!(balances.points, accepted);
        }
    }
}
