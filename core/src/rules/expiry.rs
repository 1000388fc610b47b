//! Points expiry: lots expire oldest first, or everything after a quiet spell.
//!
//! Every credit (earn, bonus, positive adjustment) is a *lot* with the time it was earned.
//! Debits consume lots oldest first (FIFO), except that a refund first takes back the lot of
//! the purchase it reverses, and an expiry entry takes the lot it names, so a full refund
//! leaves the remaining lots exactly as they were before the purchase. A debit larger than all
//! lots (a negative balance the program allows) is a deficit the next credits fill first.
//!
//! [`plan_expiry`] gives the entries an expiry job posts for a given moment, and
//! [`schedule`] tells a guest what expires when.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

use super::history;
use super::preview::{PlannedEntry, derived_key};
use super::snapshot::{ExpireSnapshot, RuleSnapshot};
use crate::ledger::{EntryKind, LedgerEntry, Overdraft};
use crate::{Error, Result};

/// When points lapse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryPolicy {
    /// Each lot expires this many months after it was earned.
    LotsAfterMonths(u32),
    /// Every point expires when the guest has neither earned nor redeemed for this many months.
    InactivityMonths(u32),
}

impl ExpiryPolicy {
    pub(super) fn validate(&self, field: &str) -> Result<()> {
        let (name, months) = match *self {
            Self::LotsAfterMonths(m) => ("lots_after_months", m),
            Self::InactivityMonths(m) => ("inactivity_months", m),
        };
        if (1..=120).contains(&months) {
            Ok(())
        } else {
            Err(Error::invalid(format!("{field}.{name}"), "must be between 1 and 120"))
        }
    }
}

/// Points earned together, partly or wholly unspent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    /// When they were earned.
    pub earned_at: DateTime<Utc>,
    /// The key of the entry that earned them.
    pub key: String,
    /// The purchase they came from, if any.
    pub purchase_key: Option<String>,
    /// Points still unspent.
    pub remaining: i64,
}

/// The unspent lots of a wallet, oldest first, and any deficit (points owed below zero).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lots {
    /// Lots with points left, oldest first.
    pub lots: Vec<Lot>,
    /// Points spent beyond every lot (a negative balance), filled by the next credits.
    pub deficit: i64,
}

impl Lots {
    /// What the lots add up to: always the points balance.
    #[must_use]
    pub fn balance(&self) -> i64 {
        self.lots.iter().map(|l| l.remaining).sum::<i64>() - self.deficit
    }
}

/// The wallet's lots after every entry of `entries` (oldest first).
#[must_use]
pub fn lots(entries: &[LedgerEntry]) -> Lots {
    let mut lots: VecDeque<Lot> = VecDeque::new();
    let mut deficit = 0;
    for entry in entries {
        let snapshot = entry.snapshot();
        if entry.points > 0 {
            let paid = deficit.min(entry.points);
            deficit -= paid;
            let left = entry.points - paid;
            if left > 0 {
                lots.push_back(Lot {
                    earned_at: history::entry_time(entry),
                    key: entry.idempotency_key.as_str().to_owned(),
                    purchase_key: snapshot.as_ref().and_then(|s| s.purchase_key().map(str::to_owned)),
                    remaining: left,
                });
            }
        } else if entry.points < 0 {
            let mut need = -entry.points;
            // Refunds take back their own purchase's lot, expiry its named lot, before FIFO.
            let preferred: Option<String> = match &snapshot {
                Some(RuleSnapshot::Refund(r)) => Some(r.purchase_key.clone()),
                _ => None,
            };
            let named_lot: Option<String> = match &snapshot {
                Some(RuleSnapshot::Expire(e)) => e.lot.clone(),
                _ => None,
            };
            for lot in &mut lots {
                let wanted = preferred.as_ref().is_some_and(|p| lot.purchase_key.as_ref() == Some(p))
                    || named_lot.as_ref().is_some_and(|k| *k == lot.key);
                if wanted {
                    let take = need.min(lot.remaining);
                    lot.remaining -= take;
                    need -= take;
                }
            }
            for lot in &mut lots {
                let take = need.min(lot.remaining);
                lot.remaining -= take;
                need -= take;
            }
            deficit += need;
            lots.retain(|l| l.remaining > 0);
        }
    }
    Lots { lots: lots.into(), deficit }
}

/// Points that will expire at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expiring {
    /// When.
    pub at: DateTime<Utc>,
    /// How many.
    pub points: i64,
}

fn add_months(at: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    at.checked_add_months(Months::new(months)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// What expires when, soonest first, if nothing else happens to the wallet: "120 points
/// expire on 1 March".
#[must_use]
pub fn schedule(policy: Option<ExpiryPolicy>, entries: &[LedgerEntry]) -> Vec<Expiring> {
    let state = lots(entries);
    let balance = state.balance();
    match policy {
        None => Vec::new(),
        Some(ExpiryPolicy::LotsAfterMonths(months)) => {
            let mut by_time: BTreeMap<DateTime<Utc>, i64> = BTreeMap::new();
            // With a deficit, the oldest lots are not really there: the balance is lower.
            let mut skip = state.deficit;
            for lot in &state.lots {
                let covered = skip.min(lot.remaining);
                skip -= covered;
                if lot.remaining > covered {
                    *by_time.entry(add_months(lot.earned_at, months)).or_default() += lot.remaining - covered;
                }
            }
            by_time.into_iter().map(|(at, points)| Expiring { at, points }).collect()
        }
        Some(ExpiryPolicy::InactivityMonths(months)) => match history::last_activity(entries) {
            Some((last, _)) if balance > 0 => vec![Expiring { at: add_months(last, months), points: balance }],
            _ => Vec::new(),
        },
    }
}

/// The expiry entries due at `now` for a wallet with `entries` (oldest first).
///
/// Keys are derived from the lot (`expire:<lot key>`) or from the last activity
/// (`expire:inactive:<entry key>`), so running the job twice, or concurrently, expires once.
/// Never more than the balance expires, so expiry cannot make a balance negative.
///
/// # Errors
/// [`Error::InvalidInput`] only for keys the ledger would refuse (a bug).
pub fn plan_expiry(
    policy: Option<ExpiryPolicy>,
    entries: &[LedgerEntry],
    now: DateTime<Utc>,
) -> Result<Vec<PlannedEntry>> {
    let Some(policy) = policy else { return Ok(Vec::new()) };
    let state = lots(entries);
    let mut balance = state.balance();
    let mut planned = Vec::new();
    match policy {
        ExpiryPolicy::LotsAfterMonths(months) => {
            let mut skip = state.deficit;
            for lot in &state.lots {
                let covered = skip.min(lot.remaining);
                skip -= covered;
                let due = (lot.remaining - covered).min(balance);
                if due <= 0 || add_months(lot.earned_at, months) > now {
                    continue;
                }
                balance -= due;
                planned.push(PlannedEntry {
                    kind: EntryKind::Expire,
                    points: -due,
                    stamps: 0,
                    idempotency_key: derived_key("expire", &lot.key)?,
                    reason: format!("points earned {} expired", lot.earned_at.date_naive()),
                    snapshot: RuleSnapshot::Expire(ExpireSnapshot {
                        policy,
                        lot: Some(lot.key.clone()),
                        since: lot.earned_at,
                    }),
                    overdraft: Overdraft::Forbid,
                });
            }
        }
        ExpiryPolicy::InactivityMonths(months) => {
            if let Some((last, entry)) = history::last_activity(entries)
                && balance > 0
                && add_months(last, months) <= now
            {
                planned.push(PlannedEntry {
                    kind: EntryKind::Expire,
                    points: -balance,
                    stamps: 0,
                    idempotency_key: derived_key("expire:inactive", entry.idempotency_key.as_str())?,
                    reason: format!("no visits since {}", last.date_naive()),
                    snapshot: RuleSnapshot::Expire(ExpireSnapshot { policy, lot: None, since: last }),
                    overdraft: Overdraft::Forbid,
                });
            }
        }
    }
    Ok(planned)
}
