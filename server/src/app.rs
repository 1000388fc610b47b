//! The HTTP application: state, routes, and the status page.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use regulars_core::conversation::{Conversation, ConversationConfig};
use regulars_core::identity::config::{IdentityParts, IdentitySettings};
use regulars_core::identity::till::TillIdentity;
use regulars_core::store::Store;
use regulars_i18n::{FluentArgs, Localizer, text_direction};
use serde_json::json;
use tower_http::trace::TraceLayer;

use crate::bots::Bots;
use crate::error::AppError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The store, on whichever backend.
    pub store: Arc<dyn Store>,
    /// Every text people read, in their language.
    pub i18n: Arc<Localizer>,
    /// Identity at the till: card codes, presence, lookups.
    pub till: Arc<TillIdentity<dyn Store>>,
    /// The POS sources served at `/pos/{source}/...`.
    pub pos: Arc<crate::pos::sources::PosRoutes>,
    /// The bot conversation, shared by every messenger.
    pub conversation: Arc<Conversation>,
    /// The messenger bots served at `/channels/{kind}/{chain}/webhook`.
    pub bots: Arc<Bots>,
    /// Images published for messengers that fetch them by URL, served at `/media/{name}`
    /// (with `server.public_url`).
    pub media: Option<Arc<crate::media::PublicMedia>>,
    /// Sign-in settings and throttles of the admin API and the web.
    pub auth: Arc<crate::api::AuthState>,
}

impl AppState {
    /// State over `store` with the built-in locales, fresh identity keys (card codes issued
    /// under them die with the process: for tests and tools) and no POS sources.
    ///
    /// # Errors
    /// Only if an embedded locale file were broken, which the i18n tests rule out.
    pub fn new(store: Arc<dyn Store>) -> anyhow::Result<Self> {
        let identity = IdentitySettings::generate().build()?;
        Self::with_parts(store, identity, crate::pos::sources::PosRoutes::default())
    }

    /// State over `store` with the server's identity keys and POS sources.
    ///
    /// # Errors
    /// Only if an embedded locale file were broken.
    pub fn with_parts(
        store: Arc<dyn Store>,
        identity: IdentityParts,
        pos: crate::pos::sources::PosRoutes,
    ) -> anyhow::Result<Self> {
        let till = Arc::new(TillIdentity::new(store.clone(), identity.keyring, identity.links, identity.config));
        let conversation = Arc::new(Conversation::new(store.clone(), till.clone(), ConversationConfig::default()));
        Ok(Self {
            store,
            i18n: Arc::new(Localizer::embedded()?),
            till,
            pos: Arc::new(pos),
            conversation,
            bots: Arc::new(Bots::default()),
            media: None,
            auth: Arc::new(crate::api::AuthState::default()),
        })
    }

    /// The same state serving `media` at `/media/{name}`.
    #[must_use]
    pub fn with_media(mut self, media: Arc<crate::media::PublicMedia>) -> Self {
        self.media = Some(media);
        self
    }

    /// The same state signing in with `settings`.
    #[must_use]
    pub fn with_auth(mut self, settings: crate::api::AuthSettings) -> Self {
        self.auth = Arc::new(crate::api::AuthState::new(settings));
        self
    }

    /// The same state serving `bots`, with the conversation's invite links pointing at them.
    #[must_use]
    pub fn with_bots(mut self, bots: Bots) -> Self {
        let config = ConversationConfig { invite_links: bots.invite_links(), ..self.conversation.config().clone() };
        self.conversation = Arc::new(Conversation::new(self.store.clone(), self.till.clone(), config));
        self.bots = Arc::new(bots);
        self
    }
}

/// The server's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(status_page))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(crate::pos::routes())
        .merge(crate::bots::routes::routes())
        .merge(crate::media::routes())
        .merge(crate::api::router())
        .merge(crate::web::routes(state.clone()))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The process is up (says nothing about dependencies: a restart would not help them).
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(json!({ "status": "ready", "database": state.store.backend_name() })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e.report(), "not ready: database unreachable");
            let mut response = AppError(e).into_response();
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            response
        }
    }
}

/// The first language tag of an `Accept-Language` header (`sr-Latn-RS,sr;q=0.9,en;q=0.5`).
fn preferred_language(headers: &HeaderMap) -> Option<&str> {
    let header = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    header.split(',').map(|tag| tag.split(';').next().unwrap_or("").trim()).find(|tag| !tag.is_empty() && *tag != "*")
}

/// A plain page that shows a newcomer the server works and what it holds, in the language
/// their browser asks for.
async fn status_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Html<String>, AppError> {
    let lang = state.i18n.negotiate(None, preferred_language(&headers), "en");
    let text = |id: &str| escape(&state.i18n.format(&lang, id, None));
    let mut rows = String::new();
    for chain in state.store.list_chains().await? {
        let cafes = state.store.list_cafes(chain.id).await?;
        let guests = state.store.count_guests(chain.id).await?;
        let programs = state.store.list_programs(chain.id).await?;
        let _ = write!(
            rows,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{guests}</td></tr>",
            escape(&chain.name),
            escape(&chain.slug),
            cafes.iter().map(|c| escape(&c.name)).collect::<Vec<_>>().join("<br>"),
            programs.iter().map(|p| escape(&p.name)).collect::<Vec<_>>().join("<br>"),
        );
    }
    if rows.is_empty() {
        let mut args = FluentArgs::new();
        args.set("command", "regulars demo");
        rows = format!(
            "<tr><td colspan=5>{}</td></tr>",
            escape(&state.i18n.format(&lang, "portal-status-no-chains", Some(&args)))
        );
    }
    let mut args = FluentArgs::new();
    args.set("backend", state.store.backend_name());
    let storage = escape(&state.i18n.format(&lang, "portal-status-storage", Some(&args)));
    Ok(Html(format!(
        "<!doctype html><html lang={lang} dir={dir}><meta charset=utf-8><title>{title}</title>\
         <style>body{{font:16px system-ui;margin:2rem;max-width:60rem}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.4rem .8rem;text-align:start;vertical-align:top}}</style>\
         <h1>{title}</h1><p>{storage} <a href=/healthz>{health}</a> · <a href=/readyz>{ready}</a></p>\
         <table><tr><th>{chain}</th><th>{slug}</th><th>{cafes}</th><th>{programs}</th><th>{guests}</th></tr>{rows}</table></html>",
        dir = text_direction(&lang).as_html_dir(),
        title = text("portal-status-title"),
        health = text("portal-status-health"),
        ready = text("portal-status-readiness"),
        chain = text("portal-status-chain"),
        slug = text("portal-status-slug"),
        cafes = text("portal-cafes-title"),
        programs = text("portal-programs-title"),
        guests = text("portal-guests-title"),
    )))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
