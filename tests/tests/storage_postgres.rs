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
