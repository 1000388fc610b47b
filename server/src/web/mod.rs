//! The owner portal at `/portal/`: server-rendered pages (askama templates, checked at
//! compile time and escaped by default) over the same store and the same authorization as
//! the admin API. The base of the staff till and the guest Mini App too: the frame, the
//! assets, the language and the error pages live here.
//!
//! Every page works without script; `portal.js` only adds conveniences (submitting a
//! filter when it changes). The content security policy allows no inline script or style,
//! and nothing from another origin.

pub mod analytics;
pub mod assets;
pub mod charts;
pub mod dashboard;
pub mod events;
pub mod export;
pub mod filters;
pub mod format;
pub mod guest;
pub mod guests;
pub mod login;
pub mod loyalty;
pub mod orders;
pub mod viewer;

use askama::Template;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use regulars_core::Error;

use crate::app::AppState;

/// The portal's routes.
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/portal", get(|| async { Redirect::permanent("/portal/") }))
        .route("/portal/", get(dashboard::page))
        .route("/portal/dashboard.csv", get(dashboard::csv))
        .route("/portal/analytics", get(analytics::page))
        .route("/portal/analytics.csv", get(analytics::csv))
        .route("/portal/guests", get(guests::page))
        .route("/portal/guests.csv", get(guests::csv))
        .route("/portal/guests/{public_id}", get(guest::page))
        .route("/portal/guests/{public_id}/adjust", post(guest::adjust))
        .route("/portal/guests/{public_id}/merge", post(guest::merge))
        .route("/portal/orders", get(orders::page))
        .route("/portal/orders.csv", get(orders::csv))
        .route("/portal/loyalty", get(loyalty::page))
        .route("/portal/loyalty.csv", get(loyalty::csv))
        .route("/portal/events", get(events::page))
        .route("/portal/events.csv", get(events::csv))
        .route("/portal/login", get(login::form).post(login::submit))
        .route("/portal/logout", post(login::logout))
        .route("/portal/chain", post(login::switch_chain))
        .route("/portal/language", get(login::language))
        .route("/portal/assets/{name}", get(assets::serve))
        .layer(axum::middleware::from_fn_with_state(state, render_failures))
}

/// What went wrong on a page.
#[derive(Debug)]
pub enum PortalError {
    /// Not signed in: to the sign-in page, then back to `next`.
    SignIn {
        /// The page asked for.
        next: String,
    },
    /// Anything else: an error page in the viewer's language.
    Failed(Error),
}

impl From<Error> for PortalError {
    fn from(e: Error) -> Self {
        Self::Failed(e)
    }
}

/// The failure a handler answered, rendered into a page by [`render_failures`], which knows
/// the request's language.
#[derive(Debug, Clone)]
struct Failure {
    message: String,
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn { next } => {
                let next = url::form_urlencoded::byte_serialize(local_path(&next).as_bytes()).collect::<String>();
                Redirect::to(&format!("/portal/login?next={next}")).into_response()
            }
            Self::Failed(e) => {
                let (status, _) = crate::error::status_of(e.kind());
                let message = crate::error::public_message(&e, status);
                let mut response = status.into_response();
                response.extensions_mut().insert(Failure { message });
                response
            }
        }
    }
}

/// `next` when it is a path of this portal, else the dashboard: a sign-in link cannot send
/// someone to another site.
#[must_use]
pub fn local_path(next: &str) -> &str {
    let local = next.starts_with("/portal") && !next.starts_with("//") && !next.contains('\\');
    if local { next } else { "/portal/" }
}

#[derive(Template)]
#[template(path = "portal/error.html")]
struct ErrorPage {
    lang: String,
    dir: &'static str,
    css: String,
    icon: String,
    title: String,
    message: String,
    back: String,
}

/// Renders handler failures as pages in the request's language, and sets the security
/// headers of every portal answer.
async fn render_failures(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let lang = viewer::request_language(&state.i18n, request.headers());
    let mut response = next.run(request).await;
    if let Some(failure) = response.extensions_mut().remove::<Failure>() {
        let status = response.status();
        let title_id = match status {
            StatusCode::NOT_FOUND => "portal-error-not-found",
            StatusCode::FORBIDDEN => "portal-error-forbidden",
            StatusCode::UNPROCESSABLE_ENTITY => "portal-error-bad-request",
            StatusCode::TOO_MANY_REQUESTS => "portal-error-too-many",
            _ => "portal-error-server",
        };
        let page = ErrorPage {
            lang: lang.to_string(),
            dir: regulars_i18n::text_direction(&lang).as_html_dir(),
            css: assets::stylesheet_url(),
            icon: assets::icon_url(),
            title: state.i18n.format(&lang, title_id, None),
            message: failure.message,
            back: state.i18n.format(&lang, "portal-back", None),
        };
        let body = page.render().unwrap_or_else(|_| "error".to_owned());
        let retry = response.headers().get(header::RETRY_AFTER).cloned();
        response = (status, Html(body)).into_response();
        if let Some(retry) = retry {
            response.headers_mut().insert(header::RETRY_AFTER, retry);
        }
    }
    secure(&mut response);
    response
}

/// No inline script or style, nothing from elsewhere, no framing, no sniffing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn secure(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Pages show private figures: never kept by a shared cache, re-fetched on back.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Renders a template into a page.
///
/// # Errors
/// [`Error::Internal`] if the template fails (a bug: templates are checked at compile time).
pub fn render(template: &impl Template) -> Result<Html<String>, PortalError> {
    template.render().map(Html).map_err(|e| Error::internal_from("rendering a page", e).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_only_to_portal_pages() {
        assert_eq!(local_path("/portal/guests?q=ana"), "/portal/guests?q=ana");
        assert_eq!(local_path("https://evil.example/"), "/portal/");
        assert_eq!(local_path("//evil.example/portal"), "/portal/");
        assert_eq!(local_path("/api/v1/session"), "/portal/");
    }
}
