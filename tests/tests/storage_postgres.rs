//! The storage conformance suite on a fresh PostgreSQL database per test.

use std::sync::Arc;

use regulars_core::store::Store;
use regulars_testkit::postgres::{TestDatabase, fresh_database};

async fn postgres_store() -> Option<(Arc<dyn Store>, TestDatabase)> {
    let db = fresh_database().await?;
    let store: Arc<dyn Store> = Arc::new(db.store(16).await);
    Some((store, db))
}

regulars_testkit::storage_conformance!(postgres_store());

/// Sales applied in batches end as they do one by one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pos_batches_match_one_by_one() {
    let (Some(batched), Some(alone)) = (fresh_database().await, fresh_database().await) else { return };
    let (batched_store, alone_store) = (batched.store(16).await, alone.store(16).await.with_pos_batches(false));
    regulars_testkit::pos_batch::batches_match_one_by_one(Arc::new(batched_store), Arc::new(alone_store), false).await;
}

/// Tables changed past autovacuum's threshold are analyzed (by `analyze_stale_tables`, or by
/// the store's own task when this server's autovacuum is off), and are not stale afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_changed_past_the_threshold_are_analyzed() {
    let Some(db) = fresh_database().await else { return };
    let store = db.store(4).await;
    let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(
            "INSERT INTO chains (slug, name, default_language, created_at) \
             SELECT 'chain-' || n, 'Chain', 'en', 0 FROM generate_series(1, 500) AS n",
        )
        .await
        .unwrap();
    let last_analyze = async || {
        let row = client
            .query_one("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'chains'", &[])
            .await
            .unwrap();
        row.get::<_, bool>(0)
    };
    // The insert's counts reach the statistics within about a second (PostgreSQL flushes them
    // when the session goes idle); the store's task may analyze the table first.
    let mut analyzed = false;
    for _ in 0..300 {
        let tables = store.analyze_stale_tables().await.unwrap();
        if tables.iter().any(|t| t == "chains") || last_analyze().await {
            analyzed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(analyzed, "500 new chains never made the table stale");
    assert!(last_analyze().await, "ANALYZE ran on chains");
    let again = store.analyze_stale_tables().await.unwrap();
    assert!(!again.iter().any(|t| t == "chains"), "analyzed tables are fresh: {again:?}");
}
