//! The storage conformance suite on a temporary SQLite file per test.

regulars_testkit::storage_conformance!(async { Some(regulars_testkit::sqlite_store().await) });
