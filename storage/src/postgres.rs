//! The PostgreSQL backend: a deadpool of `AsyncPgConnection`s; each write is its own
//! transaction, and row locks taken by `UPDATE` serialise writes to the same wallet.
//!
//! POS sales go through [`BATCHERS`] batcher tasks instead (unless `DbStore::with_pos_batches`
//! turned batches off): each takes every sale waiting (up to [`MAX_BATCH`]) and applies them
//! in one transaction with multi-row statements (see [`crate::pos_batch`]). A statement costs
//! the server about the same whether it writes one row or a hundred, which is what batches are
//! meant to save. Several batchers run at once so one batch's commit overlaps the next one's
//! work; they lock receipts and then wallets in one order, so they never deadlock each other.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use diesel::Connection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection as _};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures::FutureExt as _;
use futures::future::BoxFuture;
use regulars_core::ids::ChainId;
use regulars_core::pos::ingest::{IngestOutcome, PurchaseIngest};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::error::{DbError, OpenError};
use crate::pg_statistics;
use crate::pos_batch::{MAX_BATCH, PurchaseJob, apply_batch, by_chain};
use crate::store::Caches;

/// Batcher tasks applying POS sales (see the module docs).
const BATCHERS: usize = 2;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

pub(crate) type PgConn = AsyncPgConnection;

pub(crate) struct PgDb {
    pool: Pool<PgConn>,
    /// To the batchers; dropped with the store, which stops them.
    sales: mpsc::Sender<PurchaseJob>,
    /// Dropped with the store, which stops the statistics task (see [`crate::pg_statistics`]).
    _statistics: oneshot::Sender<()>,
}

impl PgDb {
    /// Opens a pool of `pool_size` connections (the batchers use some of them) and starts the
    /// POS batchers, which keep wallet histories in `caches`.
    pub(crate) async fn open(url: &str, pool_size: u32, caches: Arc<Caches>) -> Result<Self, OpenError> {
        let connect = |reason: String| OpenError::Connect { backend: "postgres", reason };
        let migrate_url = url.to_owned();
        // Diesel's migration harness is synchronous; the wrapper drives the async connection
        // from a blocking thread.
        let migrated = tokio::task::spawn_blocking(move || {
            let mut conn = <AsyncConnectionWrapper<PgConn> as Connection>::establish(&migrate_url)
                .map_err(|e| connect(e.to_string()))?;
            conn.run_pending_migrations(MIGRATIONS)
                .map(|applied| applied.len())
                .map_err(|e| OpenError::Migrate { backend: "postgres", reason: e.to_string() })
        })
        .await
        .map_err(|e| connect(e.to_string()))??;
        if migrated > 0 {
            tracing::info!(migrations = migrated, "applied PostgreSQL migrations");
        }
        // `Fast` recycling: a liveness query on every checkout would add a round trip to every
        // write; a dead connection still surfaces as `Unavailable` on use, and the pool drops it.
        let mut manager_config = ManagerConfig::default();
        manager_config.recycling_method = RecyclingMethod::Fast;
        let manager = AsyncDieselConnectionManager::<PgConn>::new_with_config(url, manager_config);
        let pool =
            Pool::builder(manager).max_size(pool_size.max(1) as usize).build().map_err(|e| connect(e.to_string()))?;
        let (sales, queue) = mpsc::channel(4 * MAX_BATCH);
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..BATCHERS {
            tokio::spawn(run_batcher(pool.clone(), queue.clone(), caches.clone()));
        }
        let (statistics, stop_statistics) = oneshot::channel();
        pg_statistics::keep_if_autovacuum_off(pool.clone(), stop_statistics).await;
        Ok(Self { pool, sales, _statistics: statistics })
    }

    pub(crate) async fn conn(&self) -> Result<Object<PgConn>, DbError> {
        checkout(&self.pool).await
    }

    /// Runs `f` in its own transaction.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut PgConn) -> BoxFuture<'c, Result<T, DbError>> + Send + 'static,
    {
        let mut conn = self.conn().await?;
        conn.transaction(async move |c| f(c).await).await
    }
}

/// A connection from `pool`; a pool that cannot give one makes the store unavailable.
pub(crate) async fn checkout(pool: &Pool<PgConn>) -> Result<Object<PgConn>, DbError> {
    pool.get().await.map_err(|e| DbError::unavailable(format!("postgres pool: {e}")))
}

impl PgDb {
    /// Applies a POS sale in a batch with the other sales waiting, and answers once committed.
    pub(crate) async fn ingest(&self, chain: ChainId, ingest: PurchaseIngest) -> Result<IngestOutcome, DbError> {
        let (reply, answer) = oneshot::channel();
        self.sales
            .send(PurchaseJob { chain, ingest, reply })
            .await
            .map_err(|_| DbError::unavailable("the PostgreSQL batchers have stopped"))?;
        answer.await.map_err(|_| DbError::Domain(regulars_core::Error::internal("the write failed unexpectedly")))?
    }
}

/// Takes every sale waiting (at most [`MAX_BATCH`]) and applies them, until the store is
/// dropped.
async fn run_batcher(pool: Pool<PgConn>, queue: Arc<Mutex<mpsc::Receiver<PurchaseJob>>>, caches: Arc<Caches>) {
    loop {
        let jobs = {
            let mut queue = queue.lock().await;
            let Some(first) = queue.recv().await else { break };
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            jobs
        };
        for (chain, sales, replies) in by_chain(jobs) {
            let applied = batch(&pool, chain, &sales, &caches).await;
            for ((ingest, reply), outcome) in sales.into_iter().zip(replies).zip(applied) {
                let answer = match outcome {
                    Some(outcome) => Ok(outcome),
                    None => alone(&pool, chain, ingest, &caches).await,
                };
                let _ = reply.send(answer);
            }
        }
    }
    tracing::debug!("PostgreSQL POS batcher stopped: the store was dropped");
}

/// Applies `sales` as one batch in one transaction: the committed outcome of each sale it
/// applied, `None` for each it left. A batch that fails (or does not commit) leaves them all.
async fn batch(
    pool: &Pool<PgConn>,
    chain: ChainId,
    sales: &[PurchaseIngest],
    caches: &Caches,
) -> Vec<Option<IngestOutcome>> {
    let none = || vec![None; sales.len()];
    let Ok(mut conn) = pool.get().await else { return none() };
    let started = std::time::Instant::now();
    let done = AssertUnwindSafe(conn.transaction(async |c| {
        // A batch joins its `VALUES` list to the ledger and the wallets, a few rows per value.
        // Before `ANALYZE` has run (a young database) PostgreSQL expects hundreds per value and
        // hashes a sequential scan of the whole table instead (measured: 93 ms against 8 ms for
        // 64 wallets, growing with the ledger). Looking each value up is always right here.
        c.batch_execute(
            "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL enable_hashjoin = off; \
             SET LOCAL enable_mergejoin = off",
        )
        .await?;
        apply_batch(&mut **c, chain, sales, caches).await
    }))
    .catch_unwind()
    .await;
    match done {
        Ok(Ok(applied)) => {
            let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            tracing::debug!(sales = sales.len(), elapsed_us, "POS batch committed");
            applied
        }
        Ok(Err(e)) => {
            tracing::debug!(error = ?e, sales = sales.len(), "a POS batch stepped back; its sales go one by one");
            none()
        }
        Err(_) => {
            tracing::error!(sales = sales.len(), "a POS batch panicked; it was rolled back, its sales go one by one");
            // Its transaction may still be open: the connection must not go back to the pool.
            let _ = Object::take(conn);
            none()
        }
    }
}

/// Applies one sale in its own transaction, as a write of its own would.
async fn alone(
    pool: &Pool<PgConn>,
    chain: ChainId,
    ingest: PurchaseIngest,
    caches: &Caches,
) -> Result<IngestOutcome, DbError> {
    let mut conn = checkout(pool).await?;
    conn.transaction(async |c| crate::pos::purchase_alone(&mut **c, caches, chain, &ingest).await).await
}
