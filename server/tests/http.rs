//! The HTTP surface through the real router (no socket): health, readiness, the status page.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use regulars_core::store::Store;
use regulars_server::app::{AppState, router};
use regulars_server::demo;
use tower::ServiceExt;

async fn get(store: Arc<dyn Store>, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    get_in(store, path, "en").await
}

async fn get_in(store: Arc<dyn Store>, path: &str, language: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let request = Request::get(path).header(header::ACCEPT_LANGUAGE, language).body(Body::empty()).unwrap();
    let response = router(AppState::new(store).unwrap()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_on_sqlite() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    let (status, _, body) = get(store.clone(), "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r#"{"status":"ok"}"#);
    let (status, _, body) = get(store, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#""database":"sqlite""#), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_the_database_goes_away() {
    let Some(db) = regulars_testkit::postgres::fresh_database().await else { return };
    let store: Arc<dyn Store> = Arc::new(db.store(2).await);
    assert_eq!(get(store.clone(), "/readyz").await.0, StatusCode::OK);
    // Dropping the test database terminates its connections: a real outage, not a mock.
    drop(db);
    let (status, headers, body) = get(store.clone(), "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(headers.contains_key(header::RETRY_AFTER));
    assert!(body.contains(r#""kind":"unavailable""#), "{body}");
    assert_eq!(get(store, "/healthz").await.0, StatusCode::OK, "the process itself is still up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_page_shows_the_demo_chain() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    let (_, _, empty) = get(store.clone(), "/").await;
    assert!(empty.contains("regulars demo"), "an empty server says how to get data");
    demo::seed(store.clone()).await.unwrap();
    let (status, headers, page) = get(store, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(page.contains("Demo Coffee Dorćol") && page.contains("Demo Coffee Vračar"), "{page}");
    assert!(page.contains("<td>50</td>"), "50 guests: {page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_page_speaks_the_browser_language() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    let (_, _, russian) = get_in(store.clone(), "/", "ru-RU,ru;q=0.9,en;q=0.5").await;
    assert!(russian.contains("<html lang=ru dir=ltr>") && russian.contains("Regulars работает"), "{russian}");
    let (_, _, hebrew) = get_in(store.clone(), "/", "he").await;
    assert!(hebrew.contains("dir=rtl") && hebrew.contains("Regulars פועל"), "{hebrew}");
    let (_, _, fallback) = get_in(store, "/", "xx").await;
    assert!(fallback.contains("Regulars is running"), "an unknown language falls back to English");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_are_404() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    assert_eq!(get(store, "/nope").await.0, StatusCode::NOT_FOUND);
}
