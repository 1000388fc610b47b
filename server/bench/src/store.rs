//! The store a benchmark runs on: a fresh SQLite file in a temporary directory, or a
//! PostgreSQL database created for benchmarks (`regulars_bench` on localhost unless `--url`
//! names another).

use std::sync::Arc;

use anyhow::Context;
use regulars_core::store::Store;
use regulars_storage::{DatabaseUrl, DbStore, StoreConfig};

/// Which backend to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchStore {
    /// A fresh SQLite file in a temporary directory (or `--url`).
    Sqlite,
    /// PostgreSQL at `--url` (default: database `regulars_bench` on localhost, created if missing).
    Postgres,
}

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/regulars_bench";

/// The store a benchmark runs on: `url`, or a fresh SQLite file in a temporary directory (kept
/// while the returned guard lives), or the `regulars_bench` PostgreSQL database (created if
/// missing), with a pool sized for `concurrency`.
///
/// # Errors
/// When the database cannot be created or opened.
pub(crate) async fn open_bench_store(
    kind: BenchStore,
    url: Option<&str>,
    concurrency: usize,
) -> anyhow::Result<(Arc<dyn Store>, String, Option<tempfile::TempDir>)> {
    let (store, url, dir) = open_bench_db(kind, url, concurrency).await?;
    Ok((Arc::new(store), url, dir))
}

/// [`open_bench_store`], as the concrete store (for its own settings).
pub(crate) async fn open_bench_db(
    kind: BenchStore,
    url: Option<&str>,
    concurrency: usize,
) -> anyhow::Result<(DbStore, String, Option<tempfile::TempDir>)> {
    let mut dir = None;
    let url = match (kind, url) {
        (_, Some(url)) => url.to_owned(),
        (BenchStore::Sqlite, None) => {
            let temp = tempfile::tempdir()?;
            let url = format!("sqlite://{}", temp.path().join("bench.db").display());
            dir = Some(temp);
            url
        }
        (BenchStore::Postgres, None) => {
            ensure_postgres_database(DEFAULT_PG_URL).await?;
            DEFAULT_PG_URL.to_owned()
        }
    };
    let pool_size = u32::try_from(concurrency.clamp(1, 32)).unwrap_or(16);
    let store = DbStore::open(&StoreConfig { url: DatabaseUrl::new(url.clone()), pool_size }).await?;
    Ok((store, url, dir))
}

/// Creates the benchmark database when it does not exist yet.
async fn ensure_postgres_database(url: &str) -> anyhow::Result<()> {
    let (base, name) = url.rsplit_once('/').context("the PostgreSQL URL needs a database name")?;
    let (client, connection) = tokio_postgres::connect(&format!("{base}/postgres"), tokio_postgres::NoTls)
        .await
        .context("connecting to PostgreSQL to create the benchmark database")?;
    tokio::spawn(connection);
    let exists = client.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name]).await?.is_some();
    if !exists {
        client.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await?;
    }
    Ok(())
}
