//! Wallet histories the POS path has read, kept so the next sale of that wallet reads only the
//! entries written since.
//!
//! The rules engine plans every sale over the wallet's whole ledger. Reading and decoding it
//! again for every sale cost more than everything else a POS delivery does (measured: a third
//! of the SQLite writer's time, growing with each guest's history). With this cache a sale
//! reads `WHERE wallet_id = ? AND id > <last entry seen>`, usually one or two rows.
//!
//! # Why the entries after the last one seen are exactly what is new
//! - The ledger is append-only: no entry is ever updated or deleted.
//! - Every entry of a wallet is inserted by a transaction that already holds the wallet's row
//!   lock (`post_in_tx` applies the deltas, an `UPDATE` of the wallet row, before it inserts),
//!   so a wallet's entry ids grow in the order its writers commit, on PostgreSQL (a sequence)
//!   as on SQLite (one writer). No entry with a smaller id can appear after a larger one was
//!   seen.
//! - A cached history is only ever a complete prefix: the first read loads everything, later
//!   reads extend what they took out of the cache, and entries a transaction writes itself are
//!   never added (the next read picks them up once they are there for everyone).
//! - The one way a seen entry can vanish is SQLite's writer reading its own group's uncommitted
//!   writes and the group's commit failing; the writer then [clears](HistoryCache::clear) the
//!   cache.
//!
//! Two sales of one wallet at once (PostgreSQL) cannot both hold its row lock; a reader that
//! finds the history taken out by another simply reads it whole. Memory is bounded by
//! [`HistoryCache::new`]'s budget of entries; beyond it whole wallets are dropped.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use regulars_core::ids::WalletId;
use regulars_core::ledger::LedgerEntry;

/// The default budget: at roughly 1 KB per decoded entry, about 100 MB.
pub(crate) const DEFAULT_BUDGET: usize = 100_000;

/// Decoded wallet histories, oldest entry first, by wallet.
#[derive(Debug)]
pub(crate) struct HistoryCache {
    budget: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    wallets: HashMap<WalletId, Vec<LedgerEntry>>,
    entries: usize,
}

impl HistoryCache {
    /// A cache holding at most `budget` entries over all wallets (0 disables it).
    pub(crate) fn new(budget: usize) -> Self {
        Self { budget, state: Mutex::new(State::default()) }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a plain map updated in single steps: a panic elsewhere cannot leave it
        // half-changed, so a poisoned lock is still good.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `wallet`'s cached history out (empty when there is none), for the caller to extend
    /// with the entries after its last one and [`put`](Self::put) back.
    pub(crate) fn take(&self, wallet: WalletId) -> Vec<LedgerEntry> {
        let mut state = self.state();
        let taken = state.wallets.remove(&wallet).unwrap_or_default();
        state.entries -= taken.len();
        taken
    }

    /// Keeps `history`, a complete prefix of `wallet`'s ledger, making room by dropping other
    /// wallets when the budget is exceeded. A history larger than the whole budget is not kept.
    pub(crate) fn put(&self, wallet: WalletId, history: Vec<LedgerEntry>) {
        if history.is_empty() || history.len() > self.budget {
            return;
        }
        let mut state = self.state();
        while state.entries + history.len() > self.budget {
            // Which wallets go does not matter for correctness; hash order spreads the misses.
            let Some(victim) = state.wallets.keys().next().copied() else { break };
            let dropped = state.wallets.remove(&victim).map_or(0, |h| h.len());
            state.entries -= dropped;
        }
        state.entries += history.len();
        if let Some(replaced) = state.wallets.insert(wallet, history) {
            state.entries -= replaced.len();
        }
    }

    /// Forgets everything (after a failed SQLite group commit).
    pub(crate) fn clear(&self) {
        let mut state = self.state();
        state.wallets.clear();
        state.entries = 0;
    }

    /// Entries held, for tests.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.state().entries
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use regulars_core::ids::{ChainId, LedgerEntryId};
    use regulars_core::ledger::{Actor, EntryKind, IdempotencyKey};
    use regulars_core::wallet::Balances;

    use super::*;

    fn entry(wallet: i64, id: i64) -> LedgerEntry {
        LedgerEntry {
            id: LedgerEntryId(id),
            chain_id: ChainId(1),
            wallet_id: WalletId(wallet),
            kind: EntryKind::Earn,
            points: 1,
            stamps: 0,
            balances_after: Balances::default(),
            idempotency_key: IdempotencyKey::new(format!("k{id}")).unwrap(),
            actor: Actor::System("test".into()),
            cafe_id: None,
            shift_id: None,
            purchase_id: None,
            reason: None,
            rule_snapshot: serde_json::Value::Null,
            created_at: Utc::now(),
            decoded: Default::default(),
        }
    }

    #[test]
    fn a_history_taken_out_is_gone_until_put_back() {
        let cache = HistoryCache::new(10);
        cache.put(WalletId(1), vec![entry(1, 1), entry(1, 2)]);
        let taken = cache.take(WalletId(1));
        assert_eq!(taken.len(), 2);
        assert!(cache.take(WalletId(1)).is_empty(), "a second reader finds nothing and reads it whole");
        assert_eq!(cache.len(), 0);
        cache.put(WalletId(1), taken);
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn the_budget_is_kept_by_dropping_whole_wallets() {
        let cache = HistoryCache::new(5);
        cache.put(WalletId(1), vec![entry(1, 1), entry(1, 2), entry(1, 3)]);
        cache.put(WalletId(2), vec![entry(2, 4), entry(2, 5), entry(2, 6)]);
        assert!(cache.len() <= 5);
        assert_eq!(cache.take(WalletId(2)).len(), 3, "the newest history is kept");
        assert!(cache.take(WalletId(1)).is_empty(), "the other was dropped whole");
        cache.put(WalletId(3), (0..6).map(|i| entry(3, i)).collect());
        assert_eq!(cache.len(), 0, "a history over the whole budget is not kept");
    }

    #[test]
    fn replacing_and_clearing_keep_the_count_right() {
        let cache = HistoryCache::new(10);
        cache.put(WalletId(1), vec![entry(1, 1)]);
        cache.put(WalletId(1), vec![entry(1, 1), entry(1, 2)]);
        assert_eq!(cache.len(), 2);
        cache.clear();
        assert_eq!(cache.len(), 0);
        assert!(cache.take(WalletId(1)).is_empty());
    }
}
