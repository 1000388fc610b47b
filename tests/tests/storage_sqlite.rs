//! The storage conformance suite on a temporary SQLite file per test.

regulars_testkit::storage_conformance!(async { Some(regulars_testkit::sqlite_store().await) });

/// Sales applied in batches end as they do one by one (waves with several sales of a guest
/// included: the single writer keeps the order they were sent in).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pos_batches_match_one_by_one() {
    use std::sync::Arc;

    use regulars_storage::{DatabaseUrl, DbStore, StoreConfig};
    let dir = tempfile::tempdir().expect("temporary directory");
    let open = |name: &str| {
        let url = format!("sqlite://{}", dir.path().join(name).display());
        async move { DbStore::open(&StoreConfig { url: DatabaseUrl::new(url), pool_size: 4 }).await.expect("open") }
    };
    let batched = Arc::new(open("batched.db").await);
    let alone = Arc::new(open("alone.db").await.with_pos_batches(false));
    regulars_testkit::pos_batch::batches_match_one_by_one(batched, alone, true).await;
}
