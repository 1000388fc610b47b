//! The PostgreSQL backend: a deadpool of `AsyncPgConnection`s; each write is its own
//! transaction, and row locks taken by `UPDATE` serialise writes to the same wallet.

use diesel::Connection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures::future::BoxFuture;

use crate::error::{DbError, OpenError};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

pub(crate) type PgConn = AsyncPgConnection;

pub(crate) struct PgDb {
    pool: Pool<PgConn>,
}

impl PgDb {
    pub(crate) async fn open(url: &str, pool_size: u32) -> Result<Self, OpenError> {
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
        Ok(Self { pool })
    }

    pub(crate) async fn conn(&self) -> Result<Object<PgConn>, DbError> {
        self.pool.get().await.map_err(|e| DbError::unavailable(format!("postgres pool: {e}")))
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
