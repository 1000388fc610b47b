//! Signing in and out of the portal, switching chains and languages. The sessions are the
//! admin API's (the same cookie, throttles and cross-site checks).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use regulars_core::auth::Secret;
use regulars_core::{Error, ErrorKind};
use serde::Deserialize;

use super::viewer::{Choice, LANG_COOKIE, Viewer, languages, request_language};
use super::{PortalError, assets, local_path, render};
use crate::api::caller::{client_address, same_origin};
use crate::api::session::{clearing_cookie, end_cookie_session, open_account_session, sign_in_with_password};
use crate::app::AppState;

#[derive(Template)]
#[template(path = "portal/login.html")]
struct LoginPage {
    lang: String,
    dir: &'static str,
    css: String,
    js: String,
    icon: String,
    title: String,
    login_label: String,
    password_label: String,
    submit: String,
    error: Option<String>,
    login: String,
    next: String,
    languages: Vec<Choice>,
    language_label: String,
}

fn login_page(state: &AppState, parts: &Parts, login: String, next: &str, error: Option<String>) -> LoginPage {
    let lang = request_language(&state.i18n, &parts.headers);
    let t = |id: &str| state.i18n.format(&lang, id, None);
    LoginPage {
        dir: regulars_i18n::text_direction(&lang).as_html_dir(),
        css: assets::stylesheet_url(),
        icon: assets::icon_url(),
        js: assets::script_url(),
        title: t("portal-sign-in"),
        login_label: t("portal-login"),
        password_label: t("portal-password"),
        submit: t("portal-sign-in"),
        error,
        login,
        next: local_path(next).to_owned(),
        languages: languages(&state.i18n, &lang),
        language_label: t("portal-language"),
        lang: lang.to_string(),
    }
}

/// `?next=` of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /portal/login`: the sign-in form.
pub async fn form(State(state): State<AppState>, parts: Parts) -> Result<Response, PortalError> {
    let next: Query<NextQuery> = Query::try_from_uri(&parts.uri).unwrap_or(Query(NextQuery { next: None }));
    let page = login_page(&state, &parts, String::new(), next.next.as_deref().unwrap_or("/portal/"), None);
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /portal/login`: signs in and goes on to the page asked for; a wrong login or
/// password shows the form again with the login kept.
pub async fn submit(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<Response, PortalError> {
    same_origin(&parts.headers, &state.auth.settings)?;
    let form: LoginForm =
        serde_urlencoded::from_bytes(&body).map_err(|e| Error::invalid("form", format!("not a sign-in form: {e}")))?;
    let password = Secret::new(form.password);
    let lang = request_language(&state.i18n, &parts.headers);
    match sign_in_with_password(&state, &form.login, &password, None, &client_address(&parts.extensions)).await {
        Ok(signed_in) => Ok(signed_in.set_cookie(Redirect::to(local_path(&form.next)), &state)),
        Err(e) if matches!(e.kind(), ErrorKind::Unauthenticated | ErrorKind::RateLimited) => {
            let message = if e.kind() == ErrorKind::RateLimited {
                state.i18n.format(&lang, "portal-error-too-many", None)
            } else {
                state.i18n.format(&lang, "portal-error-sign-in", None)
            };
            let status = if e.kind() == ErrorKind::RateLimited {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            let page = login_page(&state, &parts, form.login, &form.next, Some(message));
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /portal/logout`: ends this session and goes to the sign-in page.
pub async fn logout(State(state): State<AppState>, parts: Parts) -> Result<Response, PortalError> {
    end_cookie_session(&state, &parts.headers).await?;
    Ok(clearing_cookie(Redirect::to("/portal/login"), &state))
}

#[derive(Debug, Deserialize)]
struct ChainForm {
    chain_id: i64,
}

/// `POST /portal/chain`: an owner of several chains moves to another; their password
/// session there replaces this one.
pub async fn switch_chain(
    State(state): State<AppState>,
    viewer: Viewer,
    body: axum::body::Bytes,
) -> Result<Response, PortalError> {
    let form: ChainForm =
        serde_urlencoded::from_bytes(&body).map_err(|_| Error::invalid("chain_id", "a chain's id"))?;
    let (Some(account), Some(login)) = (viewer.caller.account, viewer.staff.login.clone()) else {
        return Err(Error::Forbidden("only a password session can switch chains".into()).into());
    };
    let staff = state.store.staff_of_account(&login).await?;
    let signed_in = open_account_session(&state, account, staff, Some(form.chain_id)).await?;
    if let regulars_core::auth::Via::Session(old) = viewer.caller.principal.via {
        state.store.end_session(old, chrono::Utc::now()).await?;
    }
    Ok(signed_in.set_cookie(Redirect::to("/portal/"), &state))
}

/// `?to=he&back=/portal/guests` of the language switch.
#[derive(Debug, Deserialize)]
pub struct LanguageQuery {
    #[serde(default)]
    to: String,
    back: Option<String>,
}

/// `GET /portal/language`: remembers a language (a year, this browser) and goes back.
pub async fn language(State(state): State<AppState>, Query(query): Query<LanguageQuery>) -> Response {
    let lang = state.i18n.negotiate(Some(&query.to), None, "en");
    let back = local_path(query.back.as_deref().unwrap_or("/portal/")).to_owned();
    let mut response = Redirect::to(&back).into_response();
    let secure = if state.auth.settings.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{LANG_COOKIE}={lang}; Path=/; SameSite=Lax; Max-Age=31536000{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
