//! Reward codes: what a redemption hands the guest, and the till applies exactly once.
//!
//! ```text
//!            apply (at the till, once)
//!   Issued ───────────────────────────▶ Used
//!     │  ╲
//!     │   ╲ cancel (points go back)
//!     │    ╲───────────────────────────▶ Cancelled
//!     │ expire (valid_days passed)
//!     ╰────────────────────────────────▶ Expired
//! ```
//!
//! Every transition is a pure function from one [`RewardCode`] to the next; storage makes it
//! stick with a compare-and-set on the status
//! ([`LedgerRepo::update_reward_code`](crate::store::LedgerRepo::update_reward_code)), so two
//! tills applying one code at the same moment get one success and one [`Error::Conflict`].

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::preview::{PlannedEntry, derived_key, key_part};
use super::rewards::Reward;
use super::snapshot::RuleSnapshot;
use crate::guest::random_base32;
use crate::ids::{CafeId, WalletId};
use crate::ledger::{Actor, EntryKind, IdempotencyKey, Overdraft};
use crate::{Error, Result};

/// Where a code is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardCodeStatus {
    /// Waiting to be applied at the till.
    Issued,
    /// Applied; final.
    Used,
    /// Cancelled before use, its cost given back; final.
    Cancelled,
    /// Not used in time; final.
    Expired,
}

impl RewardCodeStatus {
    /// Every status.
    pub const ALL: [Self; 4] = [Self::Issued, Self::Used, Self::Cancelled, Self::Expired];

    /// The stable name stored in the database.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::Used => "used",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    /// Parses [`RewardCodeStatus::as_str`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `status`.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::invalid("status", format!("unknown reward code status `{s}`")))
    }
}

impl fmt::Display for RewardCodeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reward code: one redeemed reward, applied at the till exactly once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardCode {
    /// What the guest shows or says: [`RewardCode::LEN`] Crockford base32 characters, unique
    /// within the chain.
    pub code: String,
    /// The wallet that paid for it.
    pub wallet_id: WalletId,
    /// The reward's key.
    pub reward_key: String,
    /// The reward's name when it was issued.
    pub reward_name: String,
    /// What it cost, in points.
    pub cost_points: i64,
    /// What it cost, in stamps.
    pub cost_stamps: i64,
    /// The `redeem` entry that paid for it; one code per entry, so a retried redemption finds
    /// the code it already issued.
    pub ledger_key: IdempotencyKey,
    /// The only cafe where it can be used, for per-cafe programs and rewards.
    pub cafe_id: Option<CafeId>,
    /// Where it is in its life.
    pub status: RewardCodeStatus,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops being usable, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it left [`RewardCodeStatus::Issued`].
    pub closed_at: Option<DateTime<Utc>>,
    /// Where it was used.
    pub used_at_cafe: Option<CafeId>,
    /// Who applied or cancelled it.
    pub closed_by: Option<Actor>,
}

impl RewardCode {
    /// Characters in a code: 8 base32 characters, 40 random bits, short enough to read aloud.
    pub const LEN: usize = 8;

    /// A fresh random code text.
    #[must_use]
    pub fn random_code() -> String {
        random_base32(Self::LEN)
    }

    /// Normalises a code typed at the till (case and the usual look-alikes).
    #[must_use]
    pub fn normalise(typed: &str) -> String {
        typed
            .trim()
            .chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            })
            .collect()
    }

    /// A new code for `reward`, paid by the entry `ledger_key` of `wallet`.
    #[must_use]
    pub fn issue(
        code: String,
        wallet: WalletId,
        reward: &Reward,
        cost: (i64, i64),
        ledger_key: IdempotencyKey,
        cafe: Option<CafeId>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            code,
            wallet_id: wallet,
            reward_key: reward.key.clone(),
            reward_name: reward.name.clone(),
            cost_points: cost.0,
            cost_stamps: cost.1,
            ledger_key,
            cafe_id: cafe,
            status: RewardCodeStatus::Issued,
            issued_at: now,
            expires_at: reward.valid_days.map(|d| now + Duration::days(i64::from(d))),
            closed_at: None,
            used_at_cafe: None,
            closed_by: None,
        }
    }

    /// Whether it is past its validity at `now`.
    #[must_use]
    pub fn is_past_validity(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| now >= e)
    }

    fn require_issued(&self) -> Result<()> {
        match self.status {
            RewardCodeStatus::Issued => Ok(()),
            other => Err(Error::Conflict(format!("reward code {} is already {other}", self.code))),
        }
    }

    /// The code applied at the till at `cafe` by `by`.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it is not [`RewardCodeStatus::Issued`], has expired, or is for
    /// another cafe.
    pub fn apply(&self, cafe: CafeId, by: Actor, now: DateTime<Utc>) -> Result<Self> {
        self.require_issued()?;
        if self.is_past_validity(now) {
            return Err(Error::Conflict(format!("reward code {} has expired", self.code)));
        }
        if self.cafe_id.is_some_and(|c| c != cafe) {
            return Err(Error::Conflict(format!("reward code {} is for another cafe", self.code)));
        }
        Ok(Self {
            status: RewardCodeStatus::Used,
            closed_at: Some(now),
            used_at_cafe: Some(cafe),
            closed_by: Some(by),
            ..self.clone()
        })
    }

    /// The code cancelled, and the entry that gives its cost back.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it is not [`RewardCodeStatus::Issued`].
    pub fn cancel(&self, by: Actor, now: DateTime<Utc>) -> Result<(Self, PlannedEntry)> {
        self.require_issued()?;
        let entry = PlannedEntry {
            kind: EntryKind::Adjust,
            points: self.cost_points,
            stamps: self.cost_stamps,
            idempotency_key: derived_key("code", &format!("{}:cancel", key_part(&self.code)))?,
            reason: format!("{} cancelled", self.reward_name),
            snapshot: RuleSnapshot::CodeCancelled { code: self.code.clone(), reward: self.reward_key.clone() },
            overdraft: Overdraft::Forbid,
        };
        let next =
            Self { status: RewardCodeStatus::Cancelled, closed_at: Some(now), closed_by: Some(by), ..self.clone() };
        Ok((next, entry))
    }

    /// The code expired (its cost is not given back: the guest had `valid_days` to use it).
    ///
    /// # Errors
    /// [`Error::Conflict`] when it is not [`RewardCodeStatus::Issued`] or still valid.
    pub fn expire(&self, now: DateTime<Utc>) -> Result<Self> {
        self.require_issued()?;
        if !self.is_past_validity(now) {
            return Err(Error::Conflict(format!("reward code {} is still valid", self.code)));
        }
        Ok(Self {
            status: RewardCodeStatus::Expired,
            closed_at: Some(now),
            closed_by: Some(Actor::System("expiry".to_owned())),
            ..self.clone()
        })
    }
}
