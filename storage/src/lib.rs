//! # regulars-storage
//!
//! The repository traits of [`regulars_core::store`], implemented once with diesel +
//! diesel-async for two backends chosen by URL:
//!
//! - `sqlite://path/to/file.db`: embedded, zero setup, the default. Bundled SQLite in WAL
//!   mode with foreign keys on and a busy timeout; writes are group-committed by one writer
//!   task (see [`sqlite`](crate#sqlite-group-commit)).
//! - `postgres://…`: production. A deadpool of async connections (`pool_size`), one
//!   transaction per write, row locks for concurrent debits.
//!
//! Migrations for both live in `migrations/{sqlite,postgres}`, are embedded in the binary and
//! applied when the store opens.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use regulars_core::chain::NewChain;
//! use regulars_core::store::ChainRepo;
//! use regulars_storage::{DbStore, StoreConfig, DatabaseUrl};
//!
//! let store = DbStore::open(&StoreConfig { url: DatabaseUrl::new("sqlite://data/demo.db"), pool_size: 4 }).await?;
//! let chain = store
//!     .create_chain(NewChain { slug: "demo".into(), name: "Demo Coffee".into(), default_language: "en".into() })
//!     .await?;
//! # let _ = chain; Ok(()) }
//! ```
//!
//! ## SQLite group commit
//! SQLite has one writer at a time. Every write goes to a single writer task that takes all
//! writes waiting at that moment, runs each inside its own `SAVEPOINT`, and commits them
//! together with one `fsync` (`synchronous = FULL`). Callers are answered after that commit.
//!
//! ## POS batches
//! POS sales waiting together are applied in one transaction with one multi-row statement per
//! table (on SQLite inside the writer's group, on PostgreSQL by batcher tasks); anything unusual
//! goes through the one-by-one path, which gives the same results.
//! [`DbStore::with_pos_batches`] turns batching off.
//!
//! ## Build SQLite with `SQLITE_ENABLE_QPSG`
//! This workspace builds its bundled SQLite with `LIBSQLITE3_FLAGS` from `.cargo/config.toml`;
//! set at least `-DSQLITE_ENABLE_QPSG` in yours. Without it, SQLite re-prepares every cached
//! statement that has a `LIMIT ?` (diesel's `.first()`) each time it runs, which cost the POS
//! path about a third of its time. Results are the same either way. The other flags there
//! (`SQLITE_THREADSAFE=2`, no memory statistics) are safe because a connection is only ever
//! used by one thread at a time.

mod accounts;
mod analytics;
mod cached;
mod cafes;
mod catalog_cache;
mod chains;
mod columns;
mod config;
mod conversations;
mod error;
mod events;
mod guest_privacy;
mod guests;
mod history_cache;
mod identity;
mod ledger;
mod outbox;
mod pg_statistics;
mod pos;
mod pos_batch;
mod pos_batch_sql;
mod postgres;
mod programs;
mod purchases;
mod reward_codes;
mod schema;
mod sqlite;
mod staff;
mod store;

pub use config::{DatabaseUrl, StoreConfig, Target};
pub use error::OpenError;
pub use store::DbStore;
