//! The admin JSON API under `/api/v1/`, and its OpenAPI 3.1 document at
//! `/api/openapi.json`, generated from the handlers themselves (`utoipa`), so the document
//! cannot drift from the routes: [`router`] and [`openapi`] come from the one list in
//! [`api_router`].
//!
//! Every handler takes a [`Caller`] (a session cookie or an API token) and asks the one
//! policy ([`regulars_core::auth::policy`]) before it acts. Things outside the caller's chain
//! or cafes answer 404 like things that do not exist; a role that may see a thing but not do
//! this to it answers 403. Errors have one body everywhere ([`views::ErrorBody`]).

pub mod caller;
pub mod chain;
pub mod guests;
pub mod privacy;
pub mod programs;
pub mod purchases;
pub mod session;
pub mod staff;
pub mod throttle;
pub mod till;
pub mod tokens;
pub mod views;

use axum::Router;
use axum::routing::get;
pub use caller::Caller;
use regulars_core::Error;
use regulars_core::pos::PosError;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::config::AuthConfig;

/// How sign-ins behave, from `[auth]` and `server.public_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// See [`AuthConfig::session_idle_minutes`].
    pub session_idle_minutes: u32,
    /// See [`AuthConfig::session_max_hours`].
    pub session_max_hours: u32,
    /// See [`AuthConfig::terminal_session_max_hours`].
    pub terminal_session_max_hours: u32,
    /// Whether cookies carry `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// The public URL's origin (`https://loyalty.example.com`), accepted as a same-site
    /// `Origin` behind a proxy that changes `Host`.
    pub public_origin: Option<String>,
}

impl AuthSettings {
    /// The settings of `auth` for a server at `public_url`.
    #[must_use]
    pub fn new(auth: &AuthConfig, public_url: Option<&str>) -> Self {
        let public_origin = public_url.and_then(url_origin);
        Self {
            session_idle_minutes: auth.session_idle_minutes,
            session_max_hours: auth.session_max_hours,
            terminal_session_max_hours: auth.terminal_session_max_hours,
            secure_cookies: public_url.is_some_and(|u| u.starts_with("https://")),
            public_origin,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self::new(&AuthConfig::default(), None)
    }
}

fn url_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    Some(format!("{scheme}://{host}"))
}

/// What sign-ins share in one process: settings and throttles.
#[derive(Debug, Default)]
pub struct AuthState {
    /// The settings.
    pub settings: AuthSettings,
    /// Login throttling.
    pub throttle: throttle::Throttle,
}

impl AuthState {
    /// State with `settings` and fresh throttles.
    #[must_use]
    pub fn new(settings: AuthSettings) -> Self {
        Self { settings, throttle: throttle::Throttle::default() }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "regulars admin API",
        description = "Chains, cafes, programs, guests, staff, terminals, API tokens and the event log of \
                       regulars, messenger-first loyalty for cafes. Authenticate with the session cookie \
                       (POST /api/v1/session) or `Authorization: Bearer <API token>`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    modifiers(&Security),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "chain", description = "The chain, its cafes and programs"),
        (name = "guests", description = "Guests, wallets, ledger and adjustments"),
        (name = "staff", description = "Staff, PINs, shifts and terminals"),
        (name = "tokens", description = "API tokens for integrators"),
        (name = "events", description = "The event log"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("rgt_…").build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(caller::SESSION_COOKIE))),
        );
    }
}

/// Every API route, with its OpenAPI description: the one list.
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::login, session::whoami, session::logout))
        .routes(routes!(session::logout_everywhere))
        .routes(routes!(session::pin_login))
        .routes(routes!(chain::get_chain))
        .routes(routes!(chain::list_cafes, chain::create_cafe))
        .routes(routes!(chain::get_cafe, chain::update_cafe))
        .routes(routes!(programs::list_programs, programs::create_program))
        .routes(routes!(programs::get_program, programs::update_program))
        .routes(routes!(guests::list_guests))
        .routes(routes!(guests::lookup_guest))
        .routes(routes!(guests::get_guest))
        .routes(routes!(guests::guest_ledger))
        .routes(routes!(guests::adjust_balance))
        .routes(routes!(guests::merge_guests))
        .routes(routes!(purchases::guest_purchases))
        .routes(routes!(privacy::export_guest))
        .routes(routes!(privacy::erase_guest))
        .routes(routes!(till::till_lookup))
        .routes(routes!(staff::list_staff, staff::create_staff))
        .routes(routes!(staff::update_staff))
        .routes(routes!(staff::set_pin))
        .routes(routes!(staff::list_shifts))
        .routes(routes!(staff::list_terminals, staff::pair_terminal))
        .routes(routes!(staff::revoke_terminal))
        .routes(routes!(tokens::list_tokens, tokens::create_token))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(chain::list_events))
}

/// The API's routes, and `/api/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, document) = api_router().split_for_parts();
    let json = document.to_pretty_json().unwrap_or_default();
    router.route(
        "/api/openapi.json",
        get(move || {
            let json = json.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], json) }
        }),
    )
}

/// The OpenAPI document, as served (and committed as `server/openapi.json`).
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

/// Records an admin write in the event log: who (staff member), how (session, terminal or
/// token), from which address, what.
///
/// # Errors
/// As [`regulars_core::store::EventRepo::record_event`].
pub async fn audit(
    state: &AppState,
    caller: &Caller,
    kind: &'static str,
    subject: String,
    details: serde_json::Value,
) -> Result<(), Error> {
    use regulars_core::auth::Via;
    let via = match &caller.principal.via {
        Via::Session(id) => format!("session:{id}"),
        Via::Terminal { terminal, .. } => format!("terminal:{terminal}"),
        Via::Token { token, .. } => format!("api_token:{token}"),
    };
    let payload = serde_json::json!({
        "by": caller.principal.staff_id, "via": via, "address": caller.address, "details": details,
    });
    state.store.record_event(caller.principal.chain_id, kind, subject, payload).await
}

/// A path parameter that does not parse (`/guests/abc`) names nothing that exists: 404 in
/// the API's error body, not axum's plain-text 400.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = crate::error::AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(e) => Err(Error::not_found("path", e.body_text()).into()),
        }
    }
}

/// Query parameters; a bad one answers 422 naming it, in the API's error body.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = crate::error::AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        if let Some((key, _)) =
            url::form_urlencoded::parse(query.as_bytes()).find(|(_, v)| v.chars().any(char::is_control))
        {
            return Err(Error::invalid(key.into_owned(), "must not contain control characters").into());
        }
        let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Self).map_err(|e| {
            let field = e.path().to_string();
            let field = if field == "." { "query".to_owned() } else { field };
            Error::invalid(field, e.into_inner().to_string()).into()
        })
    }
}

/// Reads a JSON request body: a repeated key, a control character in any text, a missing
/// or malformed field each answer 422 naming the field.
///
/// # Errors
/// [`Error::InvalidInput`] naming the field (`.` for a body that is not JSON).
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let named = |e: PosError| match e {
        PosError::InvalidPayload { field, reason } => Error::invalid(field, reason),
        other => Error::invalid(".", other.to_string()),
    };
    let value: serde_json::Value = regulars_core::pos::payload::from_json(body).map_err(named)?;
    if let Some(field) = control_character_at(&value, String::new()) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    regulars_core::pos::payload::from_value(value, "").map_err(named)
}

/// The path of the first text holding a control character (a NUL byte, an escape), if any.
fn control_character_at(value: &serde_json::Value, path: String) -> Option<String> {
    match value {
        serde_json::Value::String(s) => s.chars().any(char::is_control).then_some(path),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, v)| control_character_at(v, format!("{path}[{i}]")))
        }
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            let at = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            if k.chars().any(char::is_control) { Some(at) } else { control_character_at(v, at) }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only parsed")]
    struct Body {
        name: String,
        count: u32,
    }

    #[test]
    fn bodies_name_the_bad_field() {
        let field = |body: &str| match json::<Body>(body.as_bytes()) {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(r#"{"name": "a"}"#), "count");
        assert_eq!(field(r#"{"name": "a", "count": -1}"#), "count");
        assert_eq!(field(r#"{"name": "a\u0000", "count": 1}"#), "name");
        assert_eq!(field(r#"{"name": "a", "name": "b", "count": 1}"#), "name");
        assert_eq!(field(r#"{"name": "a", "count": 1, "extra": 1}"#), "extra", "an unknown key is named");
        assert_eq!(field("not json"), ".");
        assert!(json::<Body>(br#"{"name": "a", "count": 1}"#).is_ok());
    }

    #[test]
    fn the_public_origin_is_scheme_and_host() {
        assert_eq!(url_origin("https://loyalty.example.com/base/").as_deref(), Some("https://loyalty.example.com"));
        let settings = AuthSettings::new(&AuthConfig::default(), Some("https://x.example"));
        assert!(settings.secure_cookies);
        assert!(!AuthSettings::default().secure_cookies);
    }
}
