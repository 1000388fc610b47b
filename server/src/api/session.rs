//! Signing in and out: a password session, a PIN session on a paired terminal, who am I,
//! sign out, and sign out everywhere.

use axum::Json;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use regulars_core::auth::account::normalize_login;
use regulars_core::auth::password::{Verified, hash_secret, verify_nothing, verify_secret};
use regulars_core::auth::token::{TokenKind, digest, issue, looks_like};
use regulars_core::auth::{NewSession, Secret, SecretHash, Via};
use regulars_core::ids::{ChainId, StaffId};
use regulars_core::staff::Staff;
use regulars_core::{Error, ErrorKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::{Caller, SESSION_COOKIE, client_address, cookie, same_origin, session_of_cookie};
use super::views::{ChainView, ErrorBody, StaffView};
use crate::app::AppState;
use crate::error::AppError;

/// Sign in with a password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordLogin {
    /// The login name (case does not matter).
    pub login: String,
    /// The password.
    #[schema(value_type = String)]
    pub password: Secret,
    /// The chain to act in, for a person in several; their first when left out.
    pub chain_id: Option<i64>,
}

/// Sign in with a PIN on a paired terminal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinLogin {
    /// The terminal's token (`rgp_…`), kept by the tablet since it was paired.
    #[schema(value_type = String)]
    pub terminal_token: Secret,
    /// Who is signing in.
    pub staff_id: i64,
    /// Their PIN.
    #[schema(value_type = String)]
    pub pin: Secret,
}

/// A chain the signed-in person may switch to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainChoice {
    /// The chain.
    pub chain_id: i64,
    /// Its name.
    pub name: String,
    /// Their role there.
    pub role: String,
}

/// Who is signed in, where, and how.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// The staff member.
    pub staff: StaffView,
    /// The chain they act in.
    pub chain: ChainView,
    /// `session`, `terminal` or `token`.
    pub via: String,
    /// The terminal's cafe, for a PIN session.
    pub terminal_cafe_id: Option<i64>,
    /// Every chain they may act in (sign in again with `chain_id` to switch).
    pub chains: Vec<ChainChoice>,
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ended {
    /// Sessions that were open and are now ended.
    pub sessions: u64,
}

/// Sign in with a login name and password; sets the session cookie.
#[utoipa::path(
    post, path = "/api/v1/session", tag = "session", request_body = PasswordLogin,
    responses(
        (status = 200, description = "Signed in; the cookie is set", body = SessionView),
        (status = 401, description = "Wrong login or password", body = ErrorBody),
        (status = 422, description = "Malformed request", body = ErrorBody),
        (status = 429, description = "Too many attempts; see Retry-After", body = ErrorBody),
    )
)]
pub async fn login(State(state): State<AppState>, parts: Parts, body: axum::body::Bytes) -> Result<Response, AppError> {
    same_origin(&parts.headers, &state.auth.settings)?;
    let body: PasswordLogin = super::json(&body)?;
    let address = client_address(&parts.extensions);
    let signed_in = sign_in_with_password(&state, &body.login, &body.password, body.chain_id, &address).await?;
    let view = session_view(&state, &signed_in.member, &signed_in.via, &signed_in.all).await?;
    Ok(signed_in.set_cookie(Json(view), &state))
}

/// A session just opened, whose cookie is still to be set.
pub(crate) struct SignedIn {
    /// Who signed in, in the chain they act in.
    pub(crate) member: Staff,
    /// Their staff records in every chain (one for a PIN session).
    pub(crate) all: Vec<Staff>,
    /// How.
    pub(crate) via: Via,
    token: Secret,
    lasts: Duration,
}

impl SignedIn {
    /// `answer` with the new session's cookie.
    pub(crate) fn set_cookie(&self, answer: impl IntoResponse, state: &AppState) -> Response {
        setting_cookie(answer, self.token.expose(), self.lasts, state)
    }
}

/// Checks a login name and password (throttled per login and address) and opens a session
/// in `chain_id` (their first chain when `None`).
///
/// # Errors
/// [`Error::Unauthenticated`] for a wrong login or password (the same answer for both, in
/// the same time), [`Error::RateLimited`], [`Error::NotFound`] for a chain they do not
/// work in.
pub(crate) async fn sign_in_with_password(
    state: &AppState,
    login: &str,
    password: &Secret,
    chain_id: Option<i64>,
    address: &str,
) -> Result<SignedIn, Error> {
    let wrong = || Error::Unauthenticated("wrong login or password".into());
    let login = normalize_login(login).map_err(|_| wrong())?;
    state.auth.throttle.password_attempt(&login, address)?;
    let account = match state.store.account_by_login(&login).await {
        Ok(account) => account,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let password = password.clone();
            blocking(move || verify_nothing(&password)).await?;
            return Err(wrong());
        }
        Err(e) => return Err(e),
    };
    let (entered, stored) = (password.clone(), account.password.clone());
    let verified = blocking(move || verify_secret(&entered, &stored)).await?;
    let Verified::Valid { needs_rehash } = verified else {
        tracing::info!(account = %account.id, "sign-in refused: wrong password");
        return Err(wrong());
    };
    if needs_rehash {
        let entered = password.clone();
        let fresh = blocking(move || hash_secret(&entered)).await??;
        state.store.set_password(account.id, fresh).await?;
        tracing::info!(account = %account.id, "password rehashed with today's parameters");
    }
    let staff = state.store.staff_of_account(&login).await?;
    open_account_session(state, account.id, staff, chain_id).await
}

/// Opens a password session of `account` in `chain_id` (their first chain when `None`);
/// `staff` are the account's staff records.
///
/// # Errors
/// [`Error::NotFound`] for a chain they do not work in, [`Error::Unauthenticated`] for an
/// account that works nowhere.
pub(crate) async fn open_account_session(
    state: &AppState,
    account: regulars_core::ids::AccountId,
    staff: Vec<Staff>,
    chain_id: Option<i64>,
) -> Result<SignedIn, Error> {
    let member = match chain_id {
        Some(chain) => staff.iter().find(|s| s.chain_id.get() == chain),
        None => staff.first(),
    }
    .cloned()
    .ok_or_else(|| match chain_id {
        Some(chain) => Error::not_found(ChainId::ENTITY, chain),
        None => Error::Unauthenticated("this account works at no chain yet; ask the chain's owner".into()),
    })?;
    let lasts = Duration::hours(i64::from(state.auth.settings.session_max_hours));
    let (via, token) = open_session(state, &member, Some(account), None, lasts).await?;
    Ok(SignedIn { member, all: staff, via, token, lasts })
}

/// Sign in with a PIN on a paired terminal; sets the session cookie.
#[utoipa::path(
    post, path = "/api/v1/terminal/session", tag = "session", request_body = PinLogin,
    responses(
        (status = 200, description = "Signed in at the terminal's cafe", body = SessionView),
        (status = 401, description = "Unknown terminal, staff member or PIN", body = ErrorBody),
        (status = 422, description = "Malformed request", body = ErrorBody),
        (status = 429, description = "Too many attempts; see Retry-After", body = ErrorBody),
    )
)]
pub async fn pin_login(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    same_origin(&parts.headers, &state.auth.settings)?;
    let body: PinLogin = super::json(&body)?;
    let wrong = || Error::Unauthenticated("wrong terminal, staff member or PIN".into());
    if !looks_like(TokenKind::Terminal, body.terminal_token.expose()) {
        return Err(wrong().into());
    }
    let terminal = match state.store.terminal_by_token(&digest(&body.terminal_token)).await {
        Ok(t) if t.revoked_at.is_none() => t,
        Ok(_) => return Err(Error::Unauthenticated("this terminal was unpaired; ask a manager".into()).into()),
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(wrong().into()),
        Err(e) => return Err(e.into()),
    };
    state.auth.throttle.pin_attempt(&format!("terminal:{}", terminal.id), &client_address(&parts.extensions))?;
    let staff_id = StaffId(body.staff_id);
    let (member, pin) = match state.store.staff(terminal.chain_id, staff_id).await {
        Ok(member) if member.active => {
            let pin = state.store.staff_pin(terminal.chain_id, staff_id).await?;
            (Some(member), pin)
        }
        // A deactivated member is answered like a wrong PIN: nothing tells them apart.
        Ok(_) => (None, None),
        Err(e) if e.kind() == ErrorKind::NotFound => (None, None),
        Err(e) => return Err(e.into()),
    };
    let verified = match pin {
        Some(stored) => {
            let entered = body.pin.clone();
            blocking(move || verify_secret(&entered, &stored)).await?
        }
        None => {
            let entered = body.pin.clone();
            blocking(move || verify_nothing(&entered)).await?;
            Verified::Invalid
        }
    };
    let Some(member) = member.filter(|m| verified.is_valid() && m.works_at(terminal.cafe_id)) else {
        tracing::info!(terminal = %terminal.id, staff = %staff_id, "PIN sign-in refused");
        return Err(wrong().into());
    };
    if let Verified::Valid { needs_rehash: true } = verified {
        let entered = body.pin.clone();
        let fresh = blocking(move || hash_secret(&entered)).await??;
        state.store.set_staff_pin(terminal.chain_id, member.id, Some(fresh)).await?;
    }
    let now = Utc::now();
    state.store.touch_terminal(terminal.chain_id, terminal.id, now).await?;
    let lasts = Duration::hours(i64::from(state.auth.settings.terminal_session_max_hours));
    let (via, token) = open_session(&state, &member, None, Some(terminal), lasts).await?;
    let view = session_view(&state, &member, &via, std::slice::from_ref(&member)).await?;
    Ok(setting_cookie(Json(view), token.expose(), lasts, &state))
}

/// Opens a session of `member` lasting `lasts`: how it was proved, and the cookie's value.
async fn open_session(
    state: &AppState,
    member: &Staff,
    account: Option<regulars_core::ids::AccountId>,
    terminal: Option<regulars_core::auth::Terminal>,
    lasts: Duration,
) -> Result<(Via, Secret), Error> {
    let now = Utc::now();
    let token = issue(TokenKind::Session);
    let session = state
        .store
        .create_session(NewSession {
            chain_id: member.chain_id,
            staff_id: member.id,
            account_id: account,
            terminal_id: terminal.as_ref().map(|t| t.id),
            token: token.hash.clone(),
            created_at: now,
            expires_at: now + lasts,
        })
        .await?;
    tracing::info!(staff = %member.id, chain = %member.chain_id, session = %session.id, "signed in");
    let via = match &terminal {
        Some(t) => Via::Terminal { session: session.id, terminal: t.id, cafe: t.cafe_id },
        None => Via::Session(session.id),
    };
    Ok((via, token.plain))
}

/// Who is signed in (session cookie or token).
#[utoipa::path(
    get, path = "/api/v1/session", tag = "session",
    responses(
        (status = 200, description = "The caller", body = SessionView),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn whoami(State(state): State<AppState>, caller: Caller) -> Result<Json<SessionView>, AppError> {
    let member = state.store.staff(caller.principal.chain_id, caller.principal.staff_id).await?;
    let all = match &member.login {
        Some(login) if caller.account.is_some() => state.store.staff_of_account(login).await?,
        _ => vec![member.clone()],
    };
    Ok(Json(session_view(&state, &member, &caller.principal.via, &all).await?))
}

async fn session_view(state: &AppState, member: &Staff, via: &Via, all: &[Staff]) -> Result<SessionView, Error> {
    let chain = state.store.chain(member.chain_id).await?;
    let mut chains = Vec::with_capacity(all.len());
    for s in all {
        let name = if s.chain_id == chain.id { chain.name.clone() } else { state.store.chain(s.chain_id).await?.name };
        chains.push(ChainChoice { chain_id: s.chain_id.get(), name, role: s.role.as_str().to_owned() });
    }
    let (via, terminal_cafe_id) = match via {
        Via::Session(_) => ("session", None),
        Via::Terminal { cafe, .. } => ("terminal", Some(cafe.get())),
        Via::Token { .. } => ("token", None),
    };
    Ok(SessionView {
        staff: StaffView::from(member),
        chain: ChainView::from(&chain),
        via: via.to_owned(),
        terminal_cafe_id,
        chains,
    })
}

/// Sign out: ends this session and clears the cookie. Signing out twice is fine.
#[utoipa::path(
    delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Signed out")),
)]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    end_cookie_session(&state, &headers).await?;
    Ok(clearing_cookie(StatusCode::NO_CONTENT, &state))
}

/// Ends the session a request's cookie names, if it is open. Cross-site requests are refused.
///
/// # Errors
/// [`Error::Forbidden`] for a cross-site request; a store failure.
pub(crate) async fn end_cookie_session(state: &AppState, headers: &HeaderMap) -> Result<(), Error> {
    if let Some(value) = cookie(headers, SESSION_COOKIE) {
        same_origin(headers, &state.auth.settings)?;
        let now = Utc::now();
        match session_of_cookie(state, &value, now).await {
            Ok(session) => {
                state.store.end_session(session.id, now).await?;
                tracing::info!(session = %session.id, "signed out");
            }
            Err(e) if e.kind() == ErrorKind::Unauthenticated => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `answer` clearing the session cookie.
pub(crate) fn clearing_cookie(answer: impl IntoResponse, state: &AppState) -> Response {
    setting_cookie(answer, "", Duration::zero(), state)
}

/// Sign out everywhere: ends every session of the signed-in account, in every chain and
/// browser (this one too).
#[utoipa::path(
    post, path = "/api/v1/session/end-all", tag = "session",
    responses(
        (status = 200, description = "The sessions ended", body = Ended),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "Not a password session", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn logout_everywhere(State(state): State<AppState>, caller: Caller) -> Result<Response, AppError> {
    let account = caller
        .account
        .ok_or_else(|| Error::invalid("session", "only a password session can sign its account out everywhere"))?;
    let sessions = state.store.end_sessions_of_account(account, Utc::now()).await?;
    tracing::info!(account = %account, sessions, "signed out everywhere");
    Ok(setting_cookie(Json(Ended { sessions }), "", Duration::zero(), &state))
}

/// `answer` with the session cookie set to `value` for `max_age` (zero clears it):
/// `HttpOnly` (no script reads it), `SameSite=Lax` (no cross-site POST carries it), `Secure`
/// behind https.
fn setting_cookie(answer: impl IntoResponse, value: &str, max_age: Duration, state: &AppState) -> Response {
    let mut text =
        format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}", max_age.num_seconds().max(0));
    if state.auth.settings.secure_cookies {
        text.push_str("; Secure");
    }
    let cookie =
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("regulars_session=; Max-Age=0"));
    let mut response = answer.into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

/// Runs CPU-heavy hashing off the async workers.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(work).await.map_err(|e| Error::internal_from("password hashing stopped", e))
}

/// For `regulars staff passwd` and the API: hashes a new password off the async workers.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` for a password the policy refuses.
pub async fn hash_new_password(field: &str, password: Secret) -> Result<SecretHash, Error> {
    regulars_core::auth::password::check_password(field, &password)?;
    blocking(move || hash_secret(&password)).await?
}

/// For the API: hashes a new PIN off the async workers.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` for a PIN the policy refuses.
pub async fn hash_new_pin(field: &str, pin: Secret) -> Result<SecretHash, Error> {
    regulars_core::auth::password::check_pin(field, &pin)?;
    blocking(move || hash_secret(&pin)).await?
}
