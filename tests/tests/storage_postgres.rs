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
