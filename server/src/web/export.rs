//! CSV exports: one field's quoting, a whole answer, and a long listing streamed a page at a
//! time with the same query as the page shows (so a big export never sits in memory).

use std::future::Future;

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use regulars_core::Result;

/// One CSV field: quoted when it holds a separator, a quote or a line break, and defused
/// when a spreadsheet would read it as a formula.
#[must_use]
pub fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

fn csv_headers(name: &str) -> [(header::HeaderName, String); 2] {
    [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
    ]
}

/// A CSV file answered whole (short tables: a dashboard's, an analytics table).
#[must_use]
pub fn csv_response(name: &str, body: String) -> Response {
    (csv_headers(name), body).into_response()
}

/// A CSV file streamed: `header`, then the rows `fetch` answers for `start`, then for the
/// query it says comes next, until it says none. A failure midway is logged and cuts the
/// download short (the browser shows it failed) rather than ending it as if complete.
pub fn csv_stream<Q, F, Fut>(name: &str, header: String, start: Q, fetch: F) -> Response
where
    Q: Send + 'static,
    F: Fn(Q) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(String, Option<Q>)>> + Send + 'static,
{
    let fetch = std::sync::Arc::new(fetch);
    let rows = futures::stream::unfold(Some(start), move |next| {
        let fetch = fetch.clone();
        async move {
            let query = next?;
            match fetch(query).await {
                Ok((chunk, following)) => Some((Ok(chunk), following)),
                Err(e) => {
                    tracing::error!(error = %e.report(), "export stopped");
                    Some((Err(std::io::Error::other("export stopped")), None))
                }
            }
        }
    });
    let body = futures::stream::once(async move { Ok::<_, std::io::Error>(header) }).chain(rows);
    (csv_headers(name), Body::from_stream(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Ana"), "Ana");
        assert_eq!(csv_field("Ana, Marko"), "\"Ana, Marko\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
