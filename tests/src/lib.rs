//! # regulars-testkit
//!
//! What every implementation of a regulars plugin point must pass, written once:
//!
//! - [`storage`]: the storage conformance suite. Each check is a public async function taking
//!   a fresh `Arc<dyn Store>`; `tests/storage_sqlite.rs` and `tests/storage_postgres.rs` run
//!   all of them against a temporary SQLite file and a fresh PostgreSQL database per test.
//! - [`postgres`]: throwaway PostgreSQL databases for tests, and the CI policy for when the
//!   server is missing (fail under `CI=true`, skip with a printed reason elsewhere).
//! - [`fixtures`]: a chain with a cafe and programs in one line, so tests read as scenarios.
//! - [`channel`]: the channel conformance suite. A channel's test implements
//!   [`channel::ChannelHarness`] over a loopback fake of its platform and runs every check with
//!   [`channel_conformance!`].
//! - [`fakes`]: loopback fakes of the messenger APIs (Telegram Bot API) that speak the real wire
//!   format, record calls and inject the platform's failures.
//!
//! ```no_run
//! # async fn demo() {
//! use regulars_testkit::{fixtures::TestChain, sqlite_store};
//! let (store, _dir) = sqlite_store().await;
//! let chain = TestChain::create(&*store, "demo").await;
//! regulars_testkit::storage::idempotent_earn(store.clone()).await;
//! # let _ = chain; }
//! ```

pub mod channel;
pub mod fakes;
pub mod fixtures;
pub mod pos_batch;
pub mod postgres;
pub mod storage;
pub mod storage_accounts;
pub mod storage_catalog;
pub mod storage_guests;
pub mod storage_orders;
pub mod storage_rollups;

use std::sync::Arc;

use regulars_core::store::Store;
use regulars_storage::{DatabaseUrl, DbStore, StoreConfig};

/// A store on a fresh SQLite file in a temporary directory (kept alive by the returned guard).
///
/// # Panics
/// When the store cannot be opened: a test cannot go on without it.
pub async fn sqlite_store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("regulars.db").display());
    let store =
        DbStore::open(&StoreConfig { url: DatabaseUrl::new(url), pool_size: 4 }).await.expect("open SQLite store");
    (Arc::new(store), dir)
}
