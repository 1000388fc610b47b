//! A chain's programs and cafes as the POS path last read them, so a sale does not read and
//! decode them again (two statements and the programs' JSON rules per sale).
//!
//! Programs and cafes change rarely, and only by creation so far (no update or delete). An
//! entry is used while both hold:
//! - no program or cafe was created through this store since it was read (every such write
//!   calls [`CatalogCache::changed`] once it is committed; the generation is taken *before*
//!   the read, so a write racing with the read makes the entry stale at once);
//! - it is younger than [`FRESH_FOR`], for writes by other processes sharing the database.
//!
//! A sale may therefore run on programs up to [`FRESH_FOR`] old when another process has just
//! created one: it is concurrent with that change either way. A failed SQLite group commit
//! clears the cache, since the writer may have read its own group's lost writes.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use regulars_core::chain::Cafe;
use regulars_core::ids::{CafeId, ChainId};
use regulars_core::program::Program;

/// How long an entry may be used without a change through this store.
pub(crate) const FRESH_FOR: Duration = Duration::from_secs(5);

/// Programs by chain, cafes by chain and id.
#[derive(Debug, Default)]
pub(crate) struct CatalogCache {
    generation: AtomicU64,
    programs: Snapshots<ChainId, Arc<[Program]>>,
    cafes: Snapshots<(ChainId, CafeId), Arc<Cafe>>,
}

#[derive(Debug)]
struct Snapshots<K, V>(Mutex<HashMap<K, Snapshot<V>>>);

impl<K, V> Default for Snapshots<K, V> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

#[derive(Debug)]
struct Snapshot<V> {
    value: V,
    generation: u64,
    read_at: Instant,
}

impl<K: Hash + Eq, V: Clone> Snapshots<K, V> {
    fn get(&self, key: &K, generation: u64) -> Option<V> {
        // A plain map updated in single steps: a poisoned lock still holds good data.
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(key).filter(|s| s.generation == generation && s.read_at.elapsed() < FRESH_FOR).map(|s| s.value.clone())
    }

    fn keep(&self, key: K, generation: u64, value: V) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.insert(key, Snapshot { value, generation, read_at: Instant::now() });
    }

    fn clear(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

impl CatalogCache {
    /// The current generation: take it before reading, and hand it to `keep_*` after.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Marks every entry stale: a program or cafe was written through this store.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The chain's programs in id order, when a fresh read is cached.
    pub(crate) fn programs(&self, chain: ChainId) -> Option<Arc<[Program]>> {
        self.programs.get(&chain, self.generation())
    }

    /// Keeps the chain's programs, read at `generation`.
    pub(crate) fn keep_programs(&self, chain: ChainId, generation: u64, programs: Arc<[Program]>) {
        self.programs.keep(chain, generation, programs);
    }

    /// The chain's cafe `id`, when a fresh read is cached.
    pub(crate) fn cafe(&self, chain: ChainId, id: CafeId) -> Option<Arc<Cafe>> {
        self.cafes.get(&(chain, id), self.generation())
    }

    /// Keeps the chain's cafe, read at `generation`.
    pub(crate) fn keep_cafe(&self, chain: ChainId, generation: u64, cafe: Arc<Cafe>) {
        self.cafes.keep((chain, cafe.id), generation, cafe);
    }

    /// Forgets everything.
    pub(crate) fn clear(&self) {
        self.programs.clear();
        self.cafes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_through_this_store_makes_entries_stale() {
        let cache = CatalogCache::default();
        let read_at = cache.generation();
        cache.keep_programs(ChainId(1), read_at, Arc::from(Vec::new()));
        assert!(cache.programs(ChainId(1)).is_some());
        assert!(cache.programs(ChainId(2)).is_none(), "by chain");
        cache.changed();
        assert!(cache.programs(ChainId(1)).is_none());
    }

    #[test]
    fn a_read_racing_with_a_change_is_stale_at_once() {
        let cache = CatalogCache::default();
        let read_at = cache.generation();
        cache.changed(); // committed while the read was under way
        cache.keep_programs(ChainId(1), read_at, Arc::from(Vec::new()));
        assert!(cache.programs(ChainId(1)).is_none());
    }

    #[test]
    fn clearing_forgets_everything() {
        let cache = CatalogCache::default();
        cache.keep_programs(ChainId(1), cache.generation(), Arc::from(Vec::new()));
        cache.clear();
        assert!(cache.programs(ChainId(1)).is_none());
    }
}
