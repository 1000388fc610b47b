//! [`DbStore`]: one store, either backend.

use std::sync::Arc;

use async_trait::async_trait;
use regulars_core::Result;
use regulars_core::store::Store;

use crate::catalog_cache::CatalogCache;
use crate::config::{StoreConfig, Target};
use crate::error::{DbError, OpenError};
use crate::history_cache::{self, HistoryCache};
use crate::pos_batch::Sales;
use crate::postgres::PgDb;
use crate::sqlite::SqliteDb;

/// The backend, its batched writes being the POS sales.
pub(crate) enum Backend {
    Sqlite(SqliteDb<Sales>),
    Postgres(PgDb<Sales>),
}

/// The store behind every repository trait, on SQLite or PostgreSQL.
///
/// Cheap to share: wrap it in an `Arc` (usually as `Arc<dyn Store>`).
pub struct DbStore {
    pub(crate) backend: Backend,
    /// What the POS path keeps between transactions.
    pub(crate) caches: Arc<Caches>,
    /// Whether POS sales go through the backend's batches (see [`DbStore::with_pos_batches`]).
    pub(crate) pos_batches: bool,
}

/// What the store keeps in memory between transactions; each cache's docs say why its
/// entries stay true.
#[derive(Debug)]
pub(crate) struct Caches {
    /// Decoded wallet histories (see [`HistoryCache`]).
    pub(crate) histories: HistoryCache,
    /// Programs and cafes (see [`CatalogCache`]).
    pub(crate) catalog: CatalogCache,
}

impl Caches {
    /// Empty caches with the default budgets.
    pub(crate) fn new() -> Self {
        Self { histories: HistoryCache::new(history_cache::DEFAULT_BUDGET), catalog: CatalogCache::default() }
    }

    /// Forgets everything: after a failed SQLite group commit, whose writes the writer may have
    /// read into a cache before they were lost.
    pub(crate) fn clear(&self) {
        self.histories.clear();
        self.catalog.clear();
    }
}

/// The answer a queued write sends back: a reply dropped unanswered means the write panicked
/// (and was rolled back) or its writer stopped.
pub(crate) async fn answered<T>(answer: tokio::sync::oneshot::Receiver<Result<T, DbError>>) -> Result<T, DbError> {
    answer.await.map_err(|_| DbError::Domain(regulars_core::Error::internal("the write failed unexpectedly")))?
}

impl std::fmt::Debug for DbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbStore").field("backend", &self.backend_name()).finish_non_exhaustive()
    }
}

impl DbStore {
    /// Opens (creating an SQLite file and its folder if needed) and migrates the database.
    ///
    /// # Errors
    /// [`OpenError`] saying whether the URL, the connection or a migration failed.
    pub async fn open(config: &StoreConfig) -> Result<Self, OpenError> {
        let caches = Arc::new(Caches::new());
        let backend = match config.url.target()? {
            Target::Sqlite(path) => {
                Backend::Sqlite(SqliteDb::open(&path, config.pool_size.min(8), caches.clone()).await?)
            }
            Target::Postgres(url) => Backend::Postgres(PgDb::open(&url, config.pool_size, caches.clone()).await?),
        };
        let store = Self { backend, caches, pos_batches: true };
        tracing::info!(backend = store.backend_name(), url = %config.url, "store open");
        Ok(store)
    }
}

impl DbStore {
    /// Whether POS sales are applied in batches with the other sales waiting (the default:
    /// multi-row statements, see DECISIONS.md "POS batches") or each in a transaction of its
    /// own. The results are the same, and a test holds the two to that; one by one is the
    /// reference, and what `regulars-bench webhook --pos-batches false` measures.
    #[must_use]
    pub fn with_pos_batches(mut self, batches: bool) -> Self {
        self.pos_batches = batches;
        self
    }
}

/// Runs a read on whichever backend; `$body` is written once and type-checked for both
/// connection types. Evaluates to `Result<_, DbError>`.
macro_rules! read {
    ($store:expr, |$c:ident| $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite(db) => match db.reader().await {
                Ok(mut conn) => {
                    let $c: &mut $crate::sqlite::SqliteConn = &mut conn;
                    let result: Result<_, $crate::error::DbError> = async { $body }.await;
                    result
                }
                Err(e) => Err(e),
            },
            $crate::store::Backend::Postgres(db) => match db.conn().await {
                Ok(mut conn) => {
                    let $c: &mut $crate::postgres::PgConn = &mut conn;
                    let result: Result<_, $crate::error::DbError> = async { $body }.await;
                    result
                }
                Err(e) => Err(e),
            },
        }
    };
}

/// Runs a write transaction on whichever backend (group-committed on SQLite); `$body` owns
/// what it captures. Evaluates to `Result<_, DbError>`, answered once the write is durable.
macro_rules! write_tx {
    ($store:expr, |$c:ident| $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite(db) => db.write(move |$c| Box::pin(async move { $body })).await,
            $crate::store::Backend::Postgres(db) => db.write(move |$c| Box::pin(async move { $body })).await,
        }
    };
}

pub(crate) use {read, write_tx};

#[async_trait]
impl Store for DbStore {
    async fn ping(&self) -> Result<()> {
        use diesel_async::RunQueryDsl;
        read!(self, |c| {
            diesel::sql_query("SELECT 1").execute(c).await?;
            Ok(())
        })?;
        Ok(())
    }

    fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

impl DbStore {
    /// PostgreSQL: analyzes each table changed past autovacuum's default threshold since its
    /// last analysis and returns their names, sorted. The store does this by itself every minute
    /// when the server's autovacuum is off (it warns at open); without statistics the
    /// planner chose the wrong indexes (DECISIONS.md, "Planner statistics"). SQLite: nothing to
    /// do, its queries here are written not to need statistics; returns none.
    ///
    /// # Errors
    /// [`regulars_core::Error::Unavailable`] when the database cannot be reached.
    pub async fn analyze_stale_tables(&self) -> Result<Vec<String>> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(Vec::new()),
            Backend::Postgres(db) => {
                let mut conn = db.conn().await?;
                Ok(crate::pg_statistics::analyze_stale(&mut conn).await?)
            }
        }
    }
}

#[derive(diesel::QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

impl DbStore {
    /// Runs one SQL statement in a write transaction and answers the rows it changed: for
    /// bulk loads by benchmarks and tools (`regulars-bench portal`), never for the server's
    /// own work, which goes through the repository traits.
    ///
    /// # Errors
    /// The database's error for a bad statement; [`regulars_core::Error::Unavailable`] when it
    /// cannot be reached.
    pub async fn execute_sql(&self, sql: String) -> Result<usize> {
        use diesel_async::RunQueryDsl;
        Ok(write_tx!(self, |c| Ok(diesel::sql_query(sql).execute(c).await?))?)
    }

    /// Every `(table, column)` of the migrated schema, sorted, excluding diesel's own
    /// bookkeeping table. The two migration trees must produce the same list; a test compares
    /// them, and operators can use it to inspect a database.
    ///
    /// # Errors
    /// [`regulars_core::Error::Unavailable`] when the database cannot be read.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        use diesel_async::RunQueryDsl;
        let sql = match self.backend {
            Backend::Sqlite(_) => {
                "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
                 JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
                 AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'"
            }
            Backend::Postgres(_) => {
                "SELECT table_name::text AS table_name, column_name::text AS column_name \
                 FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND table_name <> '__diesel_schema_migrations'"
            }
        };
        let rows: Vec<ColumnRow> = read!(self, |c| Ok(diesel::sql_query(sql).load(c).await?))?;
        let mut columns: Vec<(String, String)> = rows.into_iter().map(|r| (r.table_name, r.column_name)).collect();
        columns.sort();
        Ok(columns)
    }
}
