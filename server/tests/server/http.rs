//! The HTTP surface through the real router (no socket): health, readiness, the status page.

use std::sync::Arc;

use axum::http::{StatusCode, header};
use regulars_core::store::Store;
use regulars_server::demo;

use crate::test_app::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_on_sqlite() {
    let app = TestApp::empty().build().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.text, r#"{"status":"ok"}"#);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(ready.text.contains(r#""database":"sqlite""#), "{}", ready.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_the_database_goes_away() {
    let Some(db) = regulars_testkit::postgres::fresh_database().await else { return };
    let store: Arc<dyn Store> = Arc::new(db.store(2).await);
    let app = TestApp::empty().on(store).build().await;
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    // Dropping the test database terminates its connections: a real outage, not a mock.
    drop(db);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{}", ready.text);
    assert!(ready.headers.contains_key(header::RETRY_AFTER));
    assert!(ready.text.contains(r#""kind":"unavailable""#), "{}", ready.text);
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK, "the process itself is still up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_page_shows_the_demo_chain() {
    let app = TestApp::empty().build().await;
    let empty = app.get("/").await.text;
    assert!(empty.contains("regulars demo"), "an empty server says how to get data");
    demo::seed(app.store.clone()).await.unwrap();
    let answer = app.get("/").await;
    let page = answer.text;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(page.contains("Demo Coffee Dorćol") && page.contains("Demo Coffee Vračar"), "{page}");
    assert!(page.contains("<td>50</td>"), "50 guests: {page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_page_speaks_the_browser_language() {
    let app = TestApp::empty().build().await;
    let russian = app.get_in("/", "ru-RU,ru;q=0.9,en;q=0.5").await.text;
    assert!(russian.contains("<html lang=ru dir=ltr>") && russian.contains("Regulars работает"), "{russian}");
    let hebrew = app.get_in("/", "he").await.text;
    assert!(hebrew.contains("dir=rtl") && hebrew.contains("Regulars פועל"), "{hebrew}");
    let fallback = app.get_in("/", "xx").await.text;
    assert!(fallback.contains("Regulars is running"), "an unknown language falls back to English");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_are_404() {
    let app = TestApp::empty().build().await;
    assert_eq!(app.get("/nope").await.status, StatusCode::NOT_FOUND);
}
