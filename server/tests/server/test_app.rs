//! [`TestApp`]: the server under test in one line (a store, the demo chain with its POS
//! source, bots pointed at messenger fakes, the real router, on a socket when asked), so a
//! test reads as the scenario it checks.
//!
//! ```ignore
//! let app = TestApp::demo().build().await; // fresh SQLite, the demo chain, its POS source
//! let app = TestApp::empty().build().await; // fresh SQLite, nothing in it
//! let app = TestApp::demo().on(store).build().await; // the same on a given store (PostgreSQL)
//! let app = TestApp::demo().with_bots(|chain, _media| vec![telegram::bot(&fake, chain)]).serve().await;
//! let (status, _, body) = app.get("/readyz").await;
//! let answer = app.deliver("msg_1", &payload).await; // a signed POS delivery
//! ```

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::Utc;
use http_body_util::BodyExt as _;
use regulars_core::identity::config::IdentitySettings;
use regulars_core::ids::ChainId;
use regulars_core::pos::PosPayload;
use regulars_core::pos::signature::{HeaderNames, WebhookSecret, signed_headers};
use regulars_core::store::Store;
use regulars_server::app::{AppState, router};
use regulars_server::bots::{Bot, Bots};
use regulars_server::demo;
use regulars_server::media::PublicMedia;
use regulars_server::pos::sources::{DEMO_POS_SECRET, PosRoutes, demo_route};
use serde_json::Value;
use tower::ServiceExt as _;

/// Makes the bots of a [`TestApp`] for the demo chain's id, with the media host of its socket.
type MakeBots<'a> = Box<dyn FnOnce(ChainId, &Arc<PublicMedia>) -> Vec<Bot> + 'a>;

/// The server under test.
pub(crate) struct TestApp {
    /// The store it runs on.
    pub(crate) store: Arc<dyn Store>,
    /// Its state (the till, the bots, the POS sources, the localizer).
    pub(crate) state: AppState,
    /// The real router over that state.
    pub(crate) router: Router,
    chain: Option<ChainId>,
    /// `http://127.0.0.1:<port>` when served on a socket.
    base: Option<String>,
    /// Keeps a temporary SQLite file alive.
    _dir: Option<tempfile::TempDir>,
}

/// How a [`TestApp`] is set up; [`TestAppBuilder::build`] or [`TestAppBuilder::serve`] makes it.
#[must_use]
pub(crate) struct TestAppBuilder<'a> {
    store: Option<Arc<dyn Store>>,
    demo: bool,
    bots: Option<MakeBots<'a>>,
}

/// What a request through the router was answered.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    /// The body as JSON, or `Null` when it is not JSON.
    pub(crate) body: Value,
    /// The body as text.
    pub(crate) text: String,
}

impl TestApp {
    /// The demo chain (seeded as `regulars demo` does) served with its POS source `demo`.
    pub(crate) fn demo<'a>() -> TestAppBuilder<'a> {
        TestAppBuilder { store: None, demo: true, bots: None }
    }

    /// A server on an empty database.
    pub(crate) fn empty<'a>() -> TestAppBuilder<'a> {
        TestAppBuilder { store: None, demo: false, bots: None }
    }

    /// The demo chain's id.
    ///
    /// # Panics
    /// On an app built with [`TestApp::empty`].
    pub(crate) fn chain(&self) -> ChainId {
        self.chain.expect("built with TestApp::demo()")
    }

    /// `http://127.0.0.1:<port>`.
    ///
    /// # Panics
    /// On an app built without [`TestAppBuilder::serve`].
    pub(crate) fn base(&self) -> &str {
        self.base.as_deref().expect("served with TestAppBuilder::serve()")
    }

    /// Sends `request` through the router (no socket).
    pub(crate) async fn call(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, headers, body, text: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// `GET path`, in English.
    pub(crate) async fn get(&self, path: &str) -> Answer {
        self.get_in(path, "en").await
    }

    /// `GET path` with `Accept-Language: language`.
    pub(crate) async fn get_in(&self, path: &str, language: &str) -> Answer {
        let request = Request::get(path).header(header::ACCEPT_LANGUAGE, language).body(Body::empty()).unwrap();
        self.call(request).await
    }

    /// `POST path` with a JSON `body` and `headers`.
    pub(crate) async fn post(&self, path: &str, headers: &[(String, String)], body: Vec<u8>) -> Answer {
        let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        self.call(request.body(Body::from(body)).unwrap()).await
    }

    /// `method path` with `headers` and, when given, a JSON `body`. The request is built at
    /// once, so the answer borrows nothing but the app.
    pub(crate) fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> impl std::future::Future<Output = Answer> + use<'_> {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.call(request.body(body).unwrap())
    }

    /// Signs in to the admin API with a password and answers the session cookie
    /// (`regulars_session=…`).
    ///
    /// # Panics
    /// When the sign-in is refused.
    pub(crate) async fn sign_in(&self, login: &str, password: &str) -> String {
        let answer = self
            .send("POST", "/api/v1/session", &[], Some(serde_json::json!({ "login": login, "password": password })))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        session_cookie(&answer)
    }

    /// Posts `payload` to `/pos/demo/{route}` (`webhook` or `preview`) as delivery `id`, signed
    /// with the demo source's secret.
    pub(crate) async fn deliver_to(&self, route: &str, id: &str, payload: &PosPayload) -> Answer {
        let body = regulars_pos_webhook::to_body(payload);
        self.post(&format!("/pos/demo/{route}"), &signed(id, Utc::now(), &body), body).await
    }

    /// Posts `payload` to the demo source's webhook as delivery `id`, signed.
    pub(crate) async fn deliver(&self, id: &str, payload: &PosPayload) -> Answer {
        self.deliver_to("webhook", id, payload).await
    }
}

/// A `cookie` header carrying `cookie`, for [`refs`] and [`TestApp::send`].
pub(crate) fn with_cookie(cookie: &str) -> Vec<(&'static str, String)> {
    vec![("cookie", cookie.to_owned())]
}

/// Owned headers borrowed the way [`TestApp::send`] takes them.
pub(crate) fn refs<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The `name=value` of the session cookie an answer set.
///
/// # Panics
/// When it set none.
pub(crate) fn session_cookie(answer: &Answer) -> String {
    let set = answer.headers.get(header::SET_COOKIE).expect("a Set-Cookie header").to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

/// The Standard Webhooks headers of `body` sent as delivery `id` at `at`, signed with the demo
/// source's secret.
pub(crate) fn signed(id: &str, at: chrono::DateTime<Utc>, body: &[u8]) -> Vec<(String, String)> {
    let secret = WebhookSecret::parse(DEMO_POS_SECRET).unwrap();
    signed_headers(&[&secret], &HeaderNames::STANDARD, id, at, body)
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

impl<'a> TestAppBuilder<'a> {
    /// Runs on `store` instead of a fresh SQLite file (a PostgreSQL test database, a shared
    /// file).
    pub(crate) fn on(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Serves the bots `bots` makes for the demo chain (given its id and the socket's media
    /// host); needs [`TestAppBuilder::serve`], since the bots' fakes call back over HTTP.
    pub(crate) fn with_bots(mut self, bots: impl FnOnce(ChainId, &Arc<PublicMedia>) -> Vec<Bot> + 'a) -> Self {
        self.bots = Some(Box::new(bots));
        self
    }

    /// The app, reached through its router only.
    pub(crate) async fn build(self) -> TestApp {
        assert!(self.bots.is_none(), "bots need a socket: use serve()");
        self.assemble(None).await
    }

    /// The app, also served on a loopback socket ([`TestApp::base`]).
    pub(crate) async fn serve(self) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = self.assemble(Some(base)).await;
        let router = app.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await });
        app
    }

    async fn assemble(self, base: Option<String>) -> TestApp {
        let (store, dir) = match self.store {
            Some(store) => (store, None),
            None => {
                let (store, dir) = regulars_testkit::sqlite_store().await;
                (store, Some(dir))
            }
        };
        let mut routes = PosRoutes::default();
        let chain = if self.demo {
            demo::seed(store.clone()).await.unwrap();
            routes.insert(demo_route(&*store).await.unwrap().expect("demo chain seeded"));
            Some(store.chain_by_slug(demo::DEMO_SLUG).await.unwrap().id)
        } else {
            None
        };
        let identity = IdentitySettings::generate().build().unwrap();
        let mut state = AppState::with_parts(store.clone(), identity, routes).unwrap();
        if let Some(base) = &base {
            let media = Arc::new(PublicMedia::new(base));
            if let Some(bots) = self.bots {
                let mut registry = Bots::default();
                for bot in bots(chain.expect("bots serve the demo chain: use TestApp::demo()"), &media) {
                    registry.add(bot).unwrap();
                }
                state = state.with_bots(registry);
            }
            state = state.with_media(media);
        }
        let router = router(state.clone());
        TestApp { store, state, router, chain, base, _dir: dir }
    }
}
