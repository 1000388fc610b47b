//! The SQLite and PostgreSQL migration trees must stay in step: same migrations, same tables,
//! same columns. Query code is shared, so a column added to one tree only would break the
//! other backend at run time; this catches it at test time.

use std::collections::BTreeSet;
use std::path::Path;

use regulars_storage::{DatabaseUrl, DbStore, StoreConfig};

fn migration_names(tree: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../storage/migrations").join(tree);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_trees_have_the_same_migrations() {
    let sqlite = migration_names("sqlite");
    let postgres = migration_names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "every migration needs a twin in the other tree");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_have_the_same_tables_and_columns() {
    let Some(db) = regulars_testkit::postgres::fresh_database().await else { return };
    let postgres = db.store(2).await.schema_columns().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::new(format!("sqlite://{}", dir.path().join("parity.db").display()));
    let sqlite = DbStore::open(&StoreConfig { url, pool_size: 1 }).await.unwrap().schema_columns().await.unwrap();

    assert!(sqlite.len() > 50, "the schema was read: {sqlite:?}");
    // SQLite finds names by an FTS5 trigram table (with its shadow tables); PostgreSQL by a
    // pg_trgm index on the same column, which is no table.
    let private_to_sqlite = |table: &str| table == "guest_names" || table.starts_with("guest_names_");
    let only_sqlite: Vec<_> = sqlite.iter().filter(|c| !postgres.contains(c) && !private_to_sqlite(&c.0)).collect();
    // PostgreSQL keeps the portal's shared roll-ups as folded rows and appended deltas behind
    // views of the shared names (the roll-up migration says why); query code reads the views.
    let private_to_postgres = |table: &str| {
        ["_base", "_delta"]
            .iter()
            .any(|suffix| table.strip_suffix(suffix).is_some_and(|shared| sqlite.iter().any(|c| c.0 == shared)))
    };
    let only_postgres: Vec<_> = postgres.iter().filter(|c| !sqlite.contains(c) && !private_to_postgres(&c.0)).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_postgres:?}"
    );
}
