//! The PostgreSQL backend: a deadpool of `AsyncPgConnection`s; each write is its own
//! transaction, and row locks taken by `UPDATE` serialise writes to the same wallet.
//!
//! Batched writes (the POS sales, unless the store turned batches off) go
//! through [`BATCHERS`] batcher tasks instead: each takes every job waiting (up to
//! [`Batched::MAX_JOBS`]) and hands them to their [`Batched`] implementation at once, which
//! applies them in one transaction with multi-row statements. A statement costs the server
//! about the same whether it writes one row or a hundred, which is what batches are meant to
//! save. Several batchers run at once so one batch's commit overlaps the next one's work.

use std::sync::Arc;

use diesel::Connection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures::future::BoxFuture;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::error::{DbError, OpenError};
use crate::pg_statistics;
use crate::store::Caches;

/// Batcher tasks applying batched writes (see the module docs).
const BATCHERS: usize = 2;

/// Writes applied in batches by the batcher tasks instead of a transaction each.
pub(crate) trait Batched: 'static {
    /// One queued write, with whoever waits for its answer.
    type Job: Send + 'static;

    /// Most jobs a batcher takes at once.
    const MAX_JOBS: usize;

    /// Applies `jobs` (in arrival order) with connections from `pool` and answers each.
    fn run(pool: &Pool<PgConn>, jobs: Vec<Self::Job>, caches: &Caches) -> impl Future<Output = ()> + Send;
}

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

pub(crate) type PgConn = AsyncPgConnection;

pub(crate) struct PgDb<B: Batched> {
    pool: Pool<PgConn>,
    /// To the batchers; dropped with the store, which stops them.
    batched: mpsc::Sender<B::Job>,
    /// Dropped with the store, which stops the statistics task (see [`crate::pg_statistics`]).
    _statistics: oneshot::Sender<()>,
}

impl<B: Batched> PgDb<B> {
    /// Opens a pool of `pool_size` connections (the batchers use some of them) and starts the
    /// batchers, which keep what they cache in `caches`.
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
        let (batched, queue) = mpsc::channel(4 * B::MAX_JOBS);
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..BATCHERS {
            tokio::spawn(run_batcher::<B>(pool.clone(), queue.clone(), caches.clone()));
        }
        let (statistics, stop_statistics) = oneshot::channel();
        pg_statistics::keep_if_autovacuum_off(pool.clone(), stop_statistics).await;
        Ok(Self { pool, batched, _statistics: statistics })
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

    /// Queues a batched write (see [`Batched`]); the job answers its caller itself.
    pub(crate) async fn write_batched(&self, job: B::Job) -> Result<(), DbError> {
        self.batched.send(job).await.map_err(|_| DbError::unavailable("the PostgreSQL batchers have stopped"))
    }
}

/// A connection from `pool`; a pool that cannot give one makes the store unavailable.
pub(crate) async fn checkout(pool: &Pool<PgConn>) -> Result<Object<PgConn>, DbError> {
    pool.get().await.map_err(|e| DbError::unavailable(format!("postgres pool: {e}")))
}

/// Takes every job waiting (at most [`Batched::MAX_JOBS`]) and applies them, until the store
/// is dropped.
async fn run_batcher<B: Batched>(pool: Pool<PgConn>, queue: Arc<Mutex<mpsc::Receiver<B::Job>>>, caches: Arc<Caches>) {
    loop {
        let jobs = {
            let mut queue = queue.lock().await;
            let Some(first) = queue.recv().await else { break };
            let mut jobs = vec![first];
            while jobs.len() < B::MAX_JOBS {
                match queue.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            jobs
        };
        B::run(&pool, jobs, &caches).await;
    }
    tracing::debug!("PostgreSQL batcher stopped: the store was dropped");
}
