//! [`Caller`]: who is asking, from a Bearer token or the session cookie, checked on every
//! admin request; and the cross-site check for cookie requests that change state.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use chrono::{DateTime, Duration, Utc};
use regulars_core::auth::token::{TokenKind, digest, looks_like};
use regulars_core::auth::{Principal, Secret, Session, Via};
use regulars_core::ids::AccountId;
use regulars_core::{Error, ErrorKind};

use super::AuthSettings;
use crate::app::AppState;
use crate::error::AppError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "regulars_session";

/// Uses of a session or token closer together than this are not written down again, so a
/// busy page is not a write per request.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A caller who proved who they are. Every admin handler takes one and asks
/// [`Principal::require`] before acting.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who they are and how they proved it.
    pub principal: Principal,
    /// The account behind a password session (for "log out everywhere").
    pub account: Option<AccountId>,
    /// The client's address, for the audit log.
    pub address: String,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (principal, account) = identify(parts, state, Utc::now()).await?;
        Ok(Self { principal, account, address: client_address(&parts.extensions) })
    }
}

/// Who a request's credential names, and the account behind a password session.
type Identified = (Principal, Option<AccountId>);

async fn identify(parts: &Parts, state: &AppState, now: DateTime<Utc>) -> Result<Identified, AppError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| Error::Unauthenticated("send `Authorization: Bearer <API token>`".into()))?;
        return Ok(by_token(state, token.trim(), now).await?);
    }
    if let Some(cookie) = cookie(&parts.headers, SESSION_COOKIE) {
        if !is_safe(&parts.method) {
            same_origin(&parts.headers, &state.auth.settings)?;
        }
        return Ok(by_session(state, &cookie, now).await?);
    }
    Err(Error::Unauthenticated("sign in (POST /api/v1/session) or send `Authorization: Bearer <API token>`".into())
        .into())
}

async fn by_token(state: &AppState, token: &str, now: DateTime<Utc>) -> Result<Identified, Error> {
    let invalid = || Error::Unauthenticated("this API token is not valid".into());
    if !looks_like(TokenKind::Api, token) {
        return Err(invalid());
    }
    let stored = state.store.api_token_by_hash(&digest(&Secret::new(token))).await.map_err(|e| unknown(e, invalid))?;
    if stored.revoked_at.is_some() {
        return Err(Error::Unauthenticated("this API token was revoked".into()));
    }
    let staff = state.store.staff(stored.chain_id, stored.staff_id).await.map_err(|e| unknown(e, invalid))?;
    if !staff.active {
        return Err(Error::Unauthenticated("this API token's staff member was deactivated".into()));
    }
    if stored.last_used_at.is_none_or(|at| now - at > TOUCH_EVERY) {
        state.store.touch_api_token(stored.id, now).await?;
    }
    let via = Via::Token { token: stored.id, permissions: stored.permissions };
    Ok((Principal::new(&staff, via), None))
}

async fn by_session(state: &AppState, cookie: &str, now: DateTime<Utc>) -> Result<Identified, Error> {
    let session = session_of_cookie(state, cookie, now).await?;
    let staff = state
        .store
        .staff(session.chain_id, session.staff_id)
        .await
        .map_err(|e| unknown(e, || Error::Unauthenticated("sign in again".into())))?;
    if !staff.active {
        return Err(Error::Unauthenticated("this staff member was deactivated; ask an owner".into()));
    }
    let via = match session.terminal_id {
        None => Via::Session(session.id),
        Some(terminal_id) => {
            let terminal = state.store.terminal(session.chain_id, terminal_id).await?;
            if terminal.revoked_at.is_some() {
                return Err(Error::Unauthenticated("this terminal was unpaired; ask a manager".into()));
            }
            Via::Terminal { session: session.id, terminal: terminal.id, cafe: terminal.cafe_id }
        }
    };
    if now - session.last_seen_at > TOUCH_EVERY {
        state.store.touch_session(session.id, now).await?;
    }
    Ok((Principal::new(&staff, via), session.account_id))
}

/// The open session a cookie names, or why there is none.
///
/// # Errors
/// [`Error::Unauthenticated`] saying whether it ended, expired or never existed.
pub(crate) async fn session_of_cookie(state: &AppState, cookie: &str, now: DateTime<Utc>) -> Result<Session, Error> {
    let invalid = || Error::Unauthenticated("your session is not valid; sign in again".into());
    if !looks_like(TokenKind::Session, cookie) {
        return Err(invalid());
    }
    let session = state.store.session_by_token(&digest(&Secret::new(cookie))).await.map_err(|e| unknown(e, invalid))?;
    let idle = Duration::minutes(i64::from(state.auth.settings.session_idle_minutes));
    if session.ended_at.is_some() {
        return Err(Error::Unauthenticated("you signed out; sign in again".into()));
    }
    if now >= session.expires_at {
        return Err(Error::Unauthenticated("your session expired; sign in again".into()));
    }
    if now - session.last_seen_at > idle {
        return Err(Error::Unauthenticated("your session ended after inactivity; sign in again".into()));
    }
    Ok(session)
}

/// A missing record becomes "not authenticated"; anything else (the database down) stays
/// what it is, so an outage is a 503, not a flood of sign-outs.
fn unknown(e: Error, as_unauthenticated: impl FnOnce() -> Error) -> Error {
    if e.kind() == ErrorKind::NotFound { as_unauthenticated() } else { e }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Cross-site request protection for cookie requests that change state: browsers say where
/// a request comes from (`Sec-Fetch-Site`, or at least `Origin`), and only the server's own
/// pages may use its cookie to change things. A request with neither header is not from a
/// browser page (curl, a script), which a cookie-stealing site cannot make on someone's
/// behalf. See DECISIONS.md, "Cross-site requests".
///
/// # Errors
/// [`Error::Forbidden`] for a cross-site request.
pub(crate) fn same_origin(headers: &HeaderMap, settings: &AuthSettings) -> Result<(), Error> {
    let refused = || Error::Forbidden("cross-site request refused; use the portal's own pages".into());
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.to_str().unwrap_or("") {
            "same-origin" | "none" => Ok(()),
            _ => Err(refused()),
        };
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return Ok(()) };
    let origin = origin.to_str().map_err(|_| refused())?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let matches_host = host
        .is_some_and(|host| origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host));
    let matches_public = settings.public_origin.as_deref() == Some(origin);
    if matches_host || matches_public { Ok(()) } else { Err(refused()) }
}

/// The value of cookie `name` in a request's `Cookie` headers.
#[must_use]
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
}

/// The client's address, for throttling (the TCP peer; `unknown` where none is known, as in
/// tests that call the router directly).
#[must_use]
pub fn client_address(parts_extensions: &axum::http::Extensions) -> String {
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(addr)| addr.ip().to_string())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn cross_site_requests_are_refused_and_own_pages_pass() {
        let settings =
            AuthSettings { public_origin: Some("https://loyalty.example.com".into()), ..AuthSettings::default() };
        let ok = |h: &[(&'static str, &'static str)]| same_origin(&headers(h), &settings).is_ok();
        assert!(ok(&[("sec-fetch-site", "same-origin")]));
        assert!(ok(&[("sec-fetch-site", "none")]));
        assert!(!ok(&[("sec-fetch-site", "cross-site")]));
        assert!(!ok(&[("sec-fetch-site", "same-site")]));
        assert!(ok(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")]));
        assert!(ok(&[("origin", "https://loyalty.example.com"), ("host", "10.0.0.5:8080")]));
        assert!(!ok(&[("origin", "https://evil.example"), ("host", "127.0.0.1:8080")]));
        assert!(ok(&[]), "not a browser");
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "a=1; regulars_session=rgs_x ; b=2")]);
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("rgs_x"));
        assert_eq!(cookie(&headers(&[("cookie", "regulars_sessionx=1")]), SESSION_COOKIE), None);
    }
}
