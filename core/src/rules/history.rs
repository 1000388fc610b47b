//! What a wallet's ledger says, read the way the rules need it.
//!
//! Every function here takes the wallet's entries **oldest first** (the order they were
//! written) and derives one fact from them: balances, debt, qualifying activity for tiers,
//! what was earned on a given day. Nothing is cached, so the facts can never drift from the
//! ledger, which is the truth.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::snapshot::RuleSnapshot;
use super::tiers::{QualificationBasis, QualifyingEvent};
use crate::ledger::{EntryKind, LedgerEntry};
use crate::wallet::Balances;

/// The balances the entries add up to.
#[must_use]
pub fn balances(entries: &[LedgerEntry]) -> Balances {
    entries.iter().fold(Balances::default(), |b, e| Balances {
        points: b.points + e.points,
        stamps: b.stamps + e.stamps,
        lifetime_points: b.lifetime_points + if e.kind.counts_toward_lifetime() { e.points } else { 0 },
    })
}

/// When what an entry records happened: the purchase time for earns (a POS may report late),
/// the write time for everything else.
#[must_use]
pub fn entry_time(entry: &LedgerEntry) -> DateTime<Utc> {
    match entry.snapshot() {
        Some(RuleSnapshot::Earn(s)) => s.occurred_at,
        _ => entry.created_at,
    }
}

/// The entry written under `key`, if any.
#[must_use]
pub fn find_key<'a>(entries: &'a [LedgerEntry], key: &str) -> Option<&'a LedgerEntry> {
    entries.iter().find(|e| e.idempotency_key.as_str() == key)
}

/// Debt left by refunds of points (and stamps) that had already been spent, not yet paid back:
/// `(points, stamps)`.
#[must_use]
pub fn debt(entries: &[LedgerEntry]) -> (i64, i64) {
    entries.iter().fold((0, 0), |(p, s), e| match e.snapshot() {
        Some(RuleSnapshot::Refund(r)) => (p + r.debt_points, s + r.debt_stamps),
        Some(RuleSnapshot::DebtSettlement(d)) => (p - d.points, s - d.stamps),
        _ => (p, s),
    })
}

/// Qualifying activity for tiers, refunds netted into the purchase they reverse.
///
/// A refund takes back the progress its purchase gave at the purchase's own time, so a full
/// refund leaves the tier exactly as if the purchase had never happened. Debt settlements are
/// not counted again: the refund that created the debt already took the progress back.
#[must_use]
pub fn qualifying_events(entries: &[LedgerEntry], basis: QualificationBasis) -> Vec<QualifyingEvent> {
    let mut events: Vec<QualifyingEvent> = Vec::with_capacity(entries.len());
    // The purchase each event came from, if any. Refunds are rare, so one is matched to its
    // purchase by searching back instead of hashing every purchase's key (which was a third of
    // this function on the POS path).
    let mut purchases: Vec<Option<&str>> = Vec::with_capacity(entries.len());
    for entry in entries {
        match (entry.kind, entry.snapshot()) {
            (EntryKind::Earn, Some(RuleSnapshot::Earn(s))) => {
                let amount = match basis {
                    QualificationBasis::Points => entry.points,
                    QualificationBasis::Spend => s.net_minor,
                };
                purchases.push(Some(&s.purchase_key));
                events.push(QualifyingEvent { at: s.occurred_at, amount });
            }
            (EntryKind::Earn | EntryKind::Bonus, _) if basis == QualificationBasis::Points => {
                purchases.push(None);
                events.push(QualifyingEvent { at: entry.created_at, amount: entry.points });
            }
            (EntryKind::Refund, Some(RuleSnapshot::Refund(r))) => {
                let amount = match basis {
                    QualificationBasis::Points => r.reversed_points,
                    QualificationBasis::Spend => r.refunded_minor,
                };
                // The latest earn of that purchase, as a map keyed by purchase would keep.
                match purchases.iter().rposition(|p| *p == Some(r.purchase_key.as_str())) {
                    Some(i) => events[i].amount = (events[i].amount - amount).max(0),
                    None => {
                        purchases.push(None);
                        events.push(QualifyingEvent { at: entry.created_at, amount: -amount });
                    }
                }
            }
            (EntryKind::Refund, None) if basis == QualificationBasis::Points => {
                purchases.push(None);
                events.push(QualifyingEvent { at: entry.created_at, amount: entry.points });
            }
            _ => {}
        }
    }
    events
}

/// Points (or stamps, with `stamps`) earned by purchases on the local calendar day `day` in
/// `tz`; what a daily cap counts against.
#[must_use]
pub fn earned_on_day(entries: &[LedgerEntry], day: NaiveDate, tz: Tz, stamps: bool) -> i64 {
    entries
        .iter()
        .filter(|e| e.kind == EntryKind::Earn && entry_time(e).with_timezone(&tz).date_naive() == day)
        .map(|e| if stamps { e.stamps } else { e.points })
        .sum()
}

/// The last moment the guest did something with the wallet themselves (earned or redeemed),
/// which inactivity expiry counts from.
#[must_use]
pub fn last_activity(entries: &[LedgerEntry]) -> Option<(DateTime<Utc>, &LedgerEntry)> {
    entries
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Earn | EntryKind::Redeem | EntryKind::Bonus))
        .map(|e| (entry_time(e), e))
        .max_by_key(|(at, _)| *at)
}
