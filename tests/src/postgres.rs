//! Throwaway PostgreSQL databases for tests.
//!
//! Reads `REGULARS_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`),
//! an account allowed to create databases. Each test gets its own database, dropped when the
//! guard goes away, so tests run in parallel without seeing each other.
//!
//! When the server cannot be reached: with `CI=true` the test fails (a CI run must never pass
//! by skipping); elsewhere it prints why and is skipped.

use std::sync::atomic::{AtomicU32, Ordering};

use regulars_storage::{DatabaseUrl, DbStore, StoreConfig};

/// The admin URL tests create databases with.
#[must_use]
pub fn admin_url() -> String {
    std::env::var("REGULARS_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A database that exists for one test. Dropping it drops the database.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
}

impl TestDatabase {
    /// The connection URL of this database.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Opens (and migrates) a store on this database.
    ///
    /// # Panics
    /// When the store cannot be opened.
    pub async fn store(&self, pool_size: u32) -> DbStore {
        DbStore::open(&StoreConfig { url: DatabaseUrl::new(self.url.clone()), pool_size })
            .await
            .expect("open PostgreSQL store")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which must not be blocked: use a thread with
        // its own small runtime.
        let handle = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                if let Ok(client) = connect_admin().await {
                    let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                }
            });
        });
        let _ = handle.join();
    }
}

async fn connect_admin() -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(&admin_url(), tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// A fresh, empty database, or `None` (after printing why) when PostgreSQL is unavailable on
/// a developer machine.
///
/// # Panics
/// Under `CI=true` when PostgreSQL cannot be reached, and when creating the database fails.
pub async fn fresh_database() -> Option<TestDatabase> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let client = match connect_admin().await {
        Ok(client) => client,
        Err(e) if in_ci() => panic!("PostgreSQL is required in CI but unreachable at {}: {e}", admin_url()),
        Err(e) => {
            eprintln!("skipping: PostgreSQL unreachable at {} ({e}); set REGULARS_TEST_POSTGRES_URL", admin_url());
            return None;
        }
    };
    let name = format!(
        "regulars_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    client.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
    let url = match admin_url().rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("REGULARS_TEST_POSTGRES_URL must end with /<database>"),
    };
    Some(TestDatabase { name, url })
}
