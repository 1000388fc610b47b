//! A loopback fake of the Viber REST bot API.
//!
//! [`FakeViber::start`] serves `POST /pa/{method}` on `127.0.0.1:0` with the real wire format:
//! a JSON body, the token in `X-Viber-Auth-Token`, and, like Viber, HTTP 200 with a `status`
//! for every answer, errors included (`{"status":N,"status_message":"…"}`; 0 is `ok`). A
//! missing or wrong token is status 2 (`invalidAuthToken`), a body over 30 KB or not JSON is
//! status 3 (`badData`), an unknown method HTTP 404.
//!
//! Methods:
//! - `send_message`: `{receiver, sender{name≤28, avatar?}, type, text|media|location, keyboard?,
//!   tracking_data?, min_api_version?}`, answered `{"status":0,"status_message":"ok",
//!   "message_token":<u64>,"chat_hostname":…}`;
//! - `broadcast_message`: the same with `broadcast_list` (1-300 receivers) instead of
//!   `receiver`, answered with one `message_token` and a `failed_list` of
//!   `{receiver,status,status_message}` for the receivers it could not reach;
//! - `set_webhook` (`url`, `event_types`; an empty URL removes it, a URL other than https is
//!   status 1 `invalidUrl`) and `get_account_info`.
//!
//! Messages are checked as Viber checks them (status 3 or 4 with a message saying what): a
//! sender name of 1-28 characters, text of 1-7000 characters, a `media` URL for pictures,
//! coordinates for locations, `tracking_data` up to 4096 characters, and keyboards: `Type`
//! `keyboard`, 1-24 buttons of 1-6 `Columns` and 1-2 `Rows`, an `ActionType` of `reply`,
//! `open-url`, `location-picker`, `share-phone` or `none` (the last three only with
//! `min_api_version` 3 or more), a non-empty `ActionBody` and `Text` up to 250 characters.
//!
//! Faults, per receiver from now on: [`not_registered`](FakeViber::not_registered) (status 5),
//! [`not_subscribed`](FakeViber::not_subscribed) (6), [`no_suitable_device`](FakeViber::no_suitable_device)
//! (11), and [`require_subscription`](FakeViber::require_subscription) (6 for everyone not
//! [`subscribe`](FakeViber::subscribe)d, as for a person who opened the chat but never wrote);
//! for the next calls: [`rate_limit_next`](FakeViber::rate_limit_next) (12, too many requests),
//! [`fail_next_with_5xx`](FakeViber::fail_next_with_5xx), [`fail_next_with`](FakeViber::fail_next_with)
//! (any status); and [`slow`](FakeViber::slow) answers. A broadcast lists per-receiver faults in
//! its `failed_list`; the others fail the whole call.
//!
//! The free functions build real-shaped callbacks ([`text_callback`], [`contact_callback`],
//! [`location_callback`], [`sticker_callback`], [`conversation_started_callback`],
//! [`subscribed_callback`], [`unsubscribed_callback`], [`delivered_callback`],
//! [`seen_callback`], [`failed_callback`], [`webhook_callback`]) and sign them as Viber does
//! ([`signature`], [`signed_callback`], [`callback_request`]). The fake does not post the
//! `webhook` check to a URL given to `set_webhook`.
//!
//! ```no_run
//! # async fn demo() {
//! use regulars_testkit::fakes::viber::{FakeViber, TEST_TOKEN, ViberUser, signed_callback, text_callback};
//! let fake = FakeViber::start().await;
//! // Point the client at `fake.api_url()` with the token `fake.token()`.
//! fake.not_subscribed("01234567890A=");
//! let request = signed_callback(TEST_TOKEN, &text_callback(&ViberUser::new("01234567890A="), "hello"));
//! assert!(fake.calls_to("send_message").is_empty());
//! # let _ = request; }
//! ```

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::post;
use chrono::DateTime;
use hmac::{Hmac, KeyInit as _, Mac as _};
use regulars_core::channel::{ButtonAction, ChannelRequest};
use regulars_core::http::Headers;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::task::JoinHandle;

use crate::channel::{SentButton, SentMessage};

/// The header every call carries the bot's token in.
pub const AUTH_TOKEN_HEADER: &str = "X-Viber-Auth-Token";

/// The header Viber signs callbacks in.
pub const SIGNATURE_HEADER: &str = "X-Viber-Content-Signature";

/// The token [`FakeViber::start`] accepts (real-shaped: three groups of 16 hex digits).
pub const TEST_TOKEN: &str = "4b1d0a3e5c7f9a2b-8e6d4c2a0f1e3b5d-7a9c1e3f5b7d9e1a";

/// The bot's URI `get_account_info` answers with.
pub const TEST_URI: &str = "regularstest";

/// When the callbacks the free functions build were sent (unix milliseconds).
pub const CALLBACK_TIME_MS: i64 = 1_795_166_943_000;

/// The `message_token` of callbacks the free functions build (receipts take theirs as an
/// argument).
pub const CALLBACK_MESSAGE_TOKEN: u64 = 5_741_311_803_571_721_087;

const MAX_BODY_BYTES: usize = 30 * 1024;
const MAX_TEXT: usize = 7000;
const MAX_SENDER_NAME: usize = 28;
const MAX_BROADCAST: usize = 300;
const MAX_TRACKING_DATA: usize = 4096;
const MAX_BUTTONS: usize = 24;
const MAX_BUTTON_TEXT: usize = 250;
const GRID_COLUMNS: u64 = 6;

/// Viber's status codes the fake answers with.
mod status {
    pub(super) const OK: i64 = 0;
    pub(super) const INVALID_URL: i64 = 1;
    pub(super) const INVALID_AUTH_TOKEN: i64 = 2;
    pub(super) const BAD_DATA: i64 = 3;
    pub(super) const MISSING_DATA: i64 = 4;
    pub(super) const RECEIVER_NOT_REGISTERED: i64 = 5;
    pub(super) const RECEIVER_NOT_SUBSCRIBED: i64 = 6;
    pub(super) const RECEIVER_NO_SUITABLE_DEVICE: i64 = 11;
    pub(super) const TOO_MANY_REQUESTS: i64 = 12;
}

/// One call the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    /// The method (`send_message`).
    pub method: String,
    /// The JSON body (`Null` when it was not JSON).
    pub body: Value,
    /// Who it was addressed to: `receiver`, or every entry of `broadcast_list`.
    pub receivers: Vec<String>,
    /// The HTTP status (200 but for injected 5xx; 0 while the answer is pending).
    pub http_status: u16,
    /// The JSON the fake answered with (`Null` while pending or for a 5xx).
    pub answer: Value,
}

impl RecordedCall {
    /// The answer's `status` (`None` while pending or for a 5xx).
    #[must_use]
    pub fn status(&self) -> Option<i64> {
        self.answer.get("status")?.as_i64()
    }

    /// Whether the fake accepted the call (HTTP 200, status 0).
    #[must_use]
    pub fn succeeded(&self) -> bool {
        self.http_status == 200 && self.status() == Some(status::OK)
    }

    /// Whether the message reached `receiver`: the call succeeded and, for a broadcast, the
    /// receiver is not in its `failed_list`.
    #[must_use]
    pub fn reached(&self, receiver: &str) -> bool {
        let failed = self
            .answer
            .get("failed_list")
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(|f| f.get("receiver").and_then(Value::as_str) == Some(receiver)));
        self.succeeded() && self.receivers.iter().any(|r| r == receiver) && !failed
    }

    /// A message as a neutral [`SentMessage`] (`None` for calls that send nothing). Button
    /// labels are shown as Viber shows them (tags removed, entities decoded); a `reply`
    /// button's action is [`ButtonAction::Payload`] with its `ActionBody`, the text Viber sends
    /// back when it is pressed.
    #[must_use]
    pub fn to_sent(&self) -> Option<SentMessage> {
        if !matches!(self.method.as_str(), "send_message" | "broadcast_message") {
            return None;
        }
        let text = |key: &str| self.body.get(key).and_then(Value::as_str).map(str::to_owned);
        let mut sent = SentMessage { buttons: keyboard_rows(self.body.get("keyboard")), ..SentMessage::default() };
        match self.body.get("type").and_then(Value::as_str)? {
            "text" => sent.text = text("text"),
            "picture" => {
                sent.text = text("text");
                sent.photo = true;
            }
            "location" => {
                let place = self.body.get("location")?;
                sent.location = Some((place.get("lat")?.as_f64()?, place.get("lon")?.as_f64()?));
            }
            _ => sent.text = text("text"),
        }
        Some(sent)
    }
}

/// A keyboard's buttons in the rows Viber lays them out in: each row holds six columns, and a
/// button that does not fit in what is left of one starts the next.
fn keyboard_rows(keyboard: Option<&Value>) -> Vec<Vec<SentButton>> {
    let buttons =
        keyboard.and_then(|k| k.get("Buttons")).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut rows: Vec<Vec<SentButton>> = Vec::new();
    let mut used = GRID_COLUMNS;
    for button in buttons {
        let columns = button.get("Columns").and_then(Value::as_u64).unwrap_or(GRID_COLUMNS);
        if used + columns > GRID_COLUMNS {
            rows.push(Vec::new());
            used = 0;
        }
        used += columns;
        let field = |k: &str| button.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let body = field("ActionBody");
        let action = match field("ActionType").as_str() {
            "open-url" => ButtonAction::Url(body),
            "share-phone" => ButtonAction::ShareContact,
            _ => ButtonAction::Payload(body),
        };
        if let Some(row) = rows.last_mut() {
            row.push(SentButton { label: displayed(&field("Text")), action });
        }
    }
    rows
}

/// Button text as Viber shows it: its few HTML tags removed, entities decoded.
fn displayed(text: &str) -> String {
    let mut shown = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            other if !in_tag => shown.push(other),
            _ => {}
        }
    }
    shown.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// The webhook the bot set, as the fake recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookInfo {
    /// The URL.
    pub url: String,
    /// The callbacks asked for (`message` always comes).
    pub event_types: Vec<String>,
}

#[derive(Debug, Default)]
struct FakeState {
    calls: Vec<RecordedCall>,
    not_registered: HashSet<String>,
    not_subscribed: HashSet<String>,
    no_device: HashSet<String>,
    require_subscription: bool,
    subscribed: HashSet<String>,
    rate_limited: u32,
    server_errors: u32,
    refusals: VecDeque<(i64, String)>,
    slow: Duration,
    webhook: Option<WebhookInfo>,
    next_token: u64,
}

#[derive(Debug)]
struct Shared {
    token: String,
    state: Mutex<FakeState>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        // A panicking test thread must not hide the calls recorded so far.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running fake Viber REST API; stops when dropped.
#[derive(Debug)]
pub struct FakeViber {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeViber {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeViber {
    /// Starts a fake that accepts [`TEST_TOKEN`].
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start() -> Self {
        Self::start_with_token(TEST_TOKEN).await
    }

    /// Starts a fake that accepts `token`.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start_with_token(token: &str) -> Self {
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            state: Mutex::new(FakeState { next_token: 5_741_311_803_571_700_000, ..FakeState::default() }),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let router = Router::new().route("/pa/{method}", post(handle)).with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { addr, shared, server }
    }

    /// The API root to point a client at (`http://127.0.0.1:<port>/pa`).
    #[must_use]
    pub fn api_url(&self) -> String {
        format!("http://{}/pa", self.addr)
    }

    /// The token the fake accepts.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// Every call so far, oldest first.
    #[must_use]
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.shared.lock().calls.clone()
    }

    /// The calls of one method (`broadcast_message`), oldest first.
    #[must_use]
    pub fn calls_to(&self, method: &str) -> Vec<RecordedCall> {
        self.shared.lock().calls.iter().filter(|c| c.method == method).cloned().collect()
    }

    /// The messages that reached `receiver` (sent to them alone or in a broadcast), neutrally,
    /// oldest first.
    #[must_use]
    pub fn sent_to(&self, receiver: &str) -> Vec<SentMessage> {
        self.shared.lock().calls.iter().filter(|c| c.reached(receiver)).filter_map(RecordedCall::to_sent).collect()
    }

    /// Forgets the recorded calls.
    pub fn clear_calls(&self) {
        self.shared.lock().calls.clear();
    }

    /// Sends to `receiver` get status 5 (`receiverNotRegistered`) from now on.
    pub fn not_registered(&self, receiver: &str) {
        self.shared.lock().not_registered.insert(receiver.to_owned());
    }

    /// Sends to `receiver` get status 6 (`receiverNotSubscribed`) from now on, as after they
    /// unsubscribed.
    pub fn not_subscribed(&self, receiver: &str) {
        self.shared.lock().not_subscribed.insert(receiver.to_owned());
    }

    /// Sends to `receiver` get status 11 (`receiverNoSuitableDevice`) from now on.
    pub fn no_suitable_device(&self, receiver: &str) {
        self.shared.lock().no_device.insert(receiver.to_owned());
    }

    /// With `true`, sends to anyone not [`subscribe`](FakeViber::subscribe)d get status 6, as
    /// Viber answers for a person who opened the chat (`conversation_started`) but never wrote:
    /// only the welcome message in the callback's answer reaches them.
    pub fn require_subscription(&self, required: bool) {
        self.shared.lock().require_subscription = required;
    }

    /// Marks `receiver` subscribed (they wrote to the bot), for
    /// [`require_subscription`](FakeViber::require_subscription), and undoes
    /// [`not_subscribed`](FakeViber::not_subscribed).
    pub fn subscribe(&self, receiver: &str) {
        let mut state = self.shared.lock();
        state.subscribed.insert(receiver.to_owned());
        state.not_subscribed.remove(receiver);
    }

    /// The next `n` calls get status 12 (`Too many requests`), which carries no retry-after.
    pub fn rate_limit_next(&self, n: u32) {
        self.shared.lock().rate_limited = n;
    }

    /// Every answer from now on comes `delay` late (`Duration::ZERO` to stop).
    pub fn slow(&self, delay: Duration) {
        self.shared.lock().slow = delay;
    }

    /// The next `n` calls get HTTP 500.
    pub fn fail_next_with_5xx(&self, n: u32) {
        self.shared.lock().server_errors = n;
    }

    /// The next call gets `status` with `status_message` (e.g. 3, "badData"), HTTP 200.
    pub fn fail_next_with(&self, status: i64, status_message: &str) {
        self.shared.lock().refusals.push_back((status, status_message.to_owned()));
    }

    /// The webhook set with `set_webhook`, if any.
    #[must_use]
    pub fn webhook(&self) -> Option<WebhookInfo> {
        self.shared.lock().webhook.clone()
    }
}

/// An answer: HTTP 200 with a JSON body, or an injected 5xx.
enum Answer {
    Json(Value),
    ServerError,
    NotFound,
}

fn refusal(code: i64, message: &str) -> Value {
    json!({"status": code, "status_message": message, "chat_hostname": "SN-CHAT-05_"})
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let receivers = parsed.as_ref().map(receivers_of).unwrap_or_default();
    let (index, slow) = {
        let mut state = shared.lock();
        state.calls.push(RecordedCall {
            method: method.clone(),
            body: parsed.clone().unwrap_or(Value::Null),
            receivers,
            http_status: 0,
            answer: Value::Null,
        });
        (state.calls.len() - 1, state.slow)
    };
    if !slow.is_zero() {
        tokio::time::sleep(slow).await;
    }
    let token = headers.get(AUTH_TOKEN_HEADER).and_then(|v| v.to_str().ok());
    let answer =
        if !matches!(method.as_str(), "send_message" | "broadcast_message" | "set_webhook" | "get_account_info") {
            Answer::NotFound
        } else if token != Some(shared.token.as_str()) {
            Answer::Json(refusal(status::INVALID_AUTH_TOKEN, "invalidAuthToken"))
        } else if body.len() > MAX_BODY_BYTES {
            Answer::Json(refusal(status::BAD_DATA, "badData: the request is over 30 KB"))
        } else {
            match parsed {
                Some(Value::Object(_)) => injected_fault(&shared)
                    .unwrap_or_else(|| Answer::Json(answer(&shared, &method, parsed.as_ref().unwrap_or(&Value::Null)))),
                _ => Answer::Json(refusal(status::BAD_DATA, "badData: the body is not a JSON object")),
            }
        };
    let (http_status, json) = match answer {
        Answer::Json(json) => (200, json),
        Answer::ServerError => (500, Value::Null),
        Answer::NotFound => (404, Value::Null),
    };
    if let Some(call) = shared.lock().calls.get_mut(index) {
        call.http_status = http_status;
        call.answer = json.clone();
    }
    match http_status {
        200 => ([(header::CONTENT_TYPE, "application/json")], json.to_string()).into_response(),
        500 => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn receivers_of(body: &Value) -> Vec<String> {
    if let Some(receiver) = body.get("receiver").and_then(Value::as_str) {
        return vec![receiver.to_owned()];
    }
    let list = body.get("broadcast_list").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    list.iter().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// The fault configured for the next call, if any.
fn injected_fault(shared: &Shared) -> Option<Answer> {
    let mut state = shared.lock();
    if state.server_errors > 0 {
        state.server_errors -= 1;
        return Some(Answer::ServerError);
    }
    if let Some((code, message)) = state.refusals.pop_front() {
        return Some(Answer::Json(refusal(code, &message)));
    }
    if state.rate_limited > 0 {
        state.rate_limited -= 1;
        return Some(Answer::Json(refusal(status::TOO_MANY_REQUESTS, "Too many requests")));
    }
    None
}

/// The status of a send to `receiver` under the per-receiver faults.
fn receiver_fault(state: &FakeState, receiver: &str) -> Option<(i64, &'static str)> {
    if state.not_registered.contains(receiver) {
        Some((status::RECEIVER_NOT_REGISTERED, "receiverNotRegistered"))
    } else if state.not_subscribed.contains(receiver)
        || (state.require_subscription && !state.subscribed.contains(receiver))
    {
        Some((status::RECEIVER_NOT_SUBSCRIBED, "receiverNotSubscribed"))
    } else if state.no_device.contains(receiver) {
        Some((status::RECEIVER_NO_SUITABLE_DEVICE, "receiverNoSuitableDevice"))
    } else {
        None
    }
}

fn answer(shared: &Shared, method: &str, body: &Value) -> Value {
    match method {
        "send_message" => {
            let Some(receiver) = body.get("receiver").and_then(Value::as_str).filter(|r| !r.is_empty()) else {
                return refusal(status::MISSING_DATA, "missingData: receiver");
            };
            if let Err(answer) = check_message(body) {
                return answer;
            }
            let mut state = shared.lock();
            if let Some((code, message)) = receiver_fault(&state, receiver) {
                return refusal(code, message);
            }
            state.next_token += 1;
            json!({"status": 0, "status_message": "ok", "message_token": state.next_token,
                   "chat_hostname": "SN-CHAT-05_", "billing_status": 1})
        }
        "broadcast_message" => {
            let Some(list) = body.get("broadcast_list").and_then(Value::as_array).filter(|l| !l.is_empty()) else {
                return refusal(status::MISSING_DATA, "missingData: broadcast_list");
            };
            if list.len() > MAX_BROADCAST {
                return refusal(status::BAD_DATA, "badData: broadcast_list holds more than 300 receivers");
            }
            if !list.iter().all(|r| r.as_str().is_some_and(|r| !r.is_empty())) {
                return refusal(status::BAD_DATA, "badData: broadcast_list must hold user ids");
            }
            if let Err(answer) = check_message(body) {
                return answer;
            }
            let mut state = shared.lock();
            let failed: Vec<Value> = list
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|r| {
                    let (code, message) = receiver_fault(&state, r)?;
                    Some(json!({"receiver": r, "status": code, "status_message": message}))
                })
                .collect();
            state.next_token += 1;
            json!({"status": 0, "status_message": "ok", "message_token": state.next_token, "failed_list": failed})
        }
        "set_webhook" => {
            let url = body.get("url").and_then(Value::as_str).unwrap_or_default();
            let event_types: Vec<String> = body
                .get("event_types")
                .and_then(Value::as_array)
                .map(|types| types.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            if !url.is_empty() && !url.starts_with("https://") {
                return refusal(status::INVALID_URL, "invalidUrl");
            }
            let answered = event_types.clone();
            shared.lock().webhook = (!url.is_empty()).then(|| WebhookInfo { url: url.to_owned(), event_types });
            json!({"status": 0, "status_message": "ok", "chat_hostname": "SN-platform-02", "event_types": answered})
        }
        _ => {
            let state = shared.lock();
            let webhook = state.webhook.as_ref().map(|w| w.url.clone()).unwrap_or_default();
            json!({
                "status": 0, "status_message": "ok", "id": "pa:5746474939658478233", "chat_hostname": "SN-450",
                "name": "Regulars Test", "uri": TEST_URI, "icon": "https://media-direct.cdn.viber.com/pg_download?id=1",
                "background": "https://media-direct.cdn.viber.com/pg_download?id=2", "category": "Food",
                "subcategory": "Cafe", "location": {"lon": 20.4569, "lat": 44.8176}, "country": "RS",
                "webhook": webhook, "event_types": ["delivered", "seen", "failed", "subscribed", "unsubscribed",
                "conversation_started"], "subscribers_count": state.subscribed.len(),
                "members": [{"id": "01234567890A=", "name": "Regulars Admin", "role": "admin"}],
            })
        }
    }
}

/// Checks a message body as Viber does; `Err` holds the refusal.
fn check_message(body: &Value) -> Result<(), Value> {
    let bad = |what: &str| refusal(status::BAD_DATA, &format!("badData: {what}"));
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let sender = body.get("sender").ok_or_else(|| refusal(status::MISSING_DATA, "missingData: sender"))?;
    let name = sender.get("name").ok_or_else(|| refusal(status::MISSING_DATA, "missingData: sender.name"))?;
    if !name.is_string() || !(1..=MAX_SENDER_NAME).contains(&chars(name)) {
        return Err(bad("sender.name must be 1-28 characters"));
    }
    if body.get("tracking_data").is_some_and(|t| !t.is_string() || chars(t) > MAX_TRACKING_DATA) {
        return Err(bad("tracking_data must be a string of up to 4096 characters"));
    }
    let api_level = body.get("min_api_version").map_or(Some(1), Value::as_u64).ok_or_else(|| bad("min_api_version"))?;
    let text = body.get("text");
    match body.get("type").and_then(Value::as_str) {
        None => return Err(refusal(status::MISSING_DATA, "missingData: type")),
        Some("text") => {
            let text = text.ok_or_else(|| refusal(status::MISSING_DATA, "missingData: text"))?;
            if !text.is_string() || text.as_str().is_some_and(|t| t.trim().is_empty()) {
                return Err(bad("text must not be empty"));
            }
            if chars(text) > MAX_TEXT {
                return Err(bad("text is over 7000 characters"));
            }
        }
        Some("picture") => {
            if !body.get("media").and_then(Value::as_str).is_some_and(|m| m.starts_with("http")) {
                return Err(bad("media must be the picture's URL"));
            }
            if text.is_some_and(|t| chars(t) > 768) {
                return Err(bad("a picture's text is over 768 characters"));
            }
        }
        Some("location") => {
            let place = body.get("location").ok_or_else(|| refusal(status::MISSING_DATA, "missingData: location"))?;
            let coordinate =
                |k: &str, limit: f64| place.get(k).and_then(Value::as_f64).is_some_and(|v| v.abs() <= limit);
            if !coordinate("lat", 90.0) || !coordinate("lon", 180.0) {
                return Err(bad("location needs lat and lon"));
            }
        }
        Some("url" | "contact" | "sticker" | "video" | "file" | "rich_media") => {}
        Some(_) => return Err(bad("unknown message type")),
    }
    if let Some(keyboard) = body.get("keyboard") {
        check_keyboard(keyboard, api_level).map_err(|what| bad(&format!("keyboard is not valid: {what}")))?;
    }
    Ok(())
}

fn check_keyboard(keyboard: &Value, api_level: u64) -> Result<(), String> {
    if keyboard.get("Type").and_then(Value::as_str) != Some("keyboard") {
        return Err("Type must be `keyboard`".into());
    }
    let buttons = keyboard.get("Buttons").and_then(Value::as_array).ok_or("Buttons is required")?;
    if buttons.is_empty() || buttons.len() > MAX_BUTTONS {
        return Err(format!("1-{MAX_BUTTONS} buttons"));
    }
    for button in buttons {
        let number = |k: &str, max: u64| button.get(k).map_or(Some(1), Value::as_u64).filter(|n| (1..=max).contains(n));
        if number("Columns", GRID_COLUMNS).is_none() || number("Rows", 2).is_none() {
            return Err("Columns must be 1-6 and Rows 1-2".into());
        }
        let action = button.get("ActionType").and_then(Value::as_str).unwrap_or("reply");
        let level3 = matches!(action, "location-picker" | "share-phone" | "none");
        if !(matches!(action, "reply" | "open-url") || (level3 && api_level >= 3)) {
            return Err(format!(
                "instance value (\"{action}\") not found in enum (possible values: [\"reply\",\"open-url\",\"\"])"
            ));
        }
        if button.get("ActionBody").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err("ActionBody is required".into());
        }
        let text = button.get("Text").and_then(Value::as_str).unwrap_or_default();
        if text.chars().count() > MAX_BUTTON_TEXT {
            return Err("Text is over 250 characters".into());
        }
    }
    Ok(())
}

/// A Viber user, for building callbacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViberUser {
    /// The user id (base64, as Viber gives it), also their address.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their app's language.
    pub language: String,
    /// Their country.
    pub country: String,
}

impl ViberUser {
    /// A user with this id, named Ana Petrović, Serbian app.
    #[must_use]
    pub fn new(id: &str) -> Self {
        Self { id: id.to_owned(), name: "Ana Petrović".into(), language: "sr".into(), country: "RS".into() }
    }

    /// The `user` / `sender` object.
    #[must_use]
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "avatar": "https://media-direct.cdn.viber.com/download_photo?dlid=fake",
            "language": self.language,
            "country": self.country,
            "api_version": 10,
        })
    }
}

/// A `message` callback from `from` carrying `message` (`{"type",…}`).
#[must_use]
pub fn message_callback(from: &ViberUser, message: &Value) -> Value {
    json!({
        "event": "message",
        "timestamp": CALLBACK_TIME_MS,
        "chat_hostname": "SN-CHAT-05_",
        "message_token": CALLBACK_MESSAGE_TOKEN,
        "sender": from.json(),
        "message": message,
        "silent": false,
    })
}

/// A text message (what a `reply` keyboard button sends too, with its `ActionBody` as text).
#[must_use]
pub fn text_callback(from: &ViberUser, text: &str) -> Value {
    message_callback(from, &json!({"type": "text", "text": text}))
}

/// A text message answering a bot message that carried `tracking_data`.
#[must_use]
pub fn tracked_text_callback(from: &ViberUser, text: &str, tracking_data: &str) -> Value {
    message_callback(from, &json!({"type": "text", "text": text, "tracking_data": tracking_data}))
}

/// A contact: the sender's own (a `share-phone` button) or a card from their address book;
/// Viber sends both alike.
#[must_use]
pub fn contact_callback(from: &ViberUser, name: &str, phone: &str) -> Value {
    message_callback(from, &json!({"type": "contact", "contact": {"name": name, "phone_number": phone}}))
}

/// A shared location.
#[must_use]
pub fn location_callback(from: &ViberUser, lat: f64, lon: f64) -> Value {
    message_callback(from, &json!({"type": "location", "location": {"lat": lat, "lon": lon}}))
}

/// A sticker: a message the conversation does not use.
#[must_use]
pub fn sticker_callback(from: &ViberUser) -> Value {
    message_callback(
        from,
        &json!({"type": "sticker", "sticker_id": 46_105,
                "media": "https://viber-fakebucket.s3.amazonaws.com/stickers/46105.png"}),
    )
}

/// The person opened the chat, from a deep link `viber://pa?chatURI=…&context=<context>` or
/// from the bot's page (no context); `subscribed` says whether they had subscribed before.
#[must_use]
pub fn conversation_started_callback(from: &ViberUser, context: Option<&str>, subscribed: bool) -> Value {
    let mut callback = json!({
        "event": "conversation_started",
        "timestamp": CALLBACK_TIME_MS,
        "chat_hostname": "SN-CHAT-05_",
        "message_token": CALLBACK_MESSAGE_TOKEN,
        "type": "open",
        "user": from.json(),
        "subscribed": subscribed,
    });
    if let Some(context) = context {
        callback["context"] = json!(context);
    }
    callback
}

/// The person subscribed (or subscribed again).
#[must_use]
pub fn subscribed_callback(from: &ViberUser) -> Value {
    json!({"event": "subscribed", "timestamp": CALLBACK_TIME_MS, "chat_hostname": "SN-CHAT-05_",
           "user": from.json(), "message_token": CALLBACK_MESSAGE_TOKEN})
}

/// The person unsubscribed.
#[must_use]
pub fn unsubscribed_callback(user_id: &str) -> Value {
    json!({"event": "unsubscribed", "timestamp": CALLBACK_TIME_MS, "chat_hostname": "SN-CHAT-05_",
           "user_id": user_id, "message_token": CALLBACK_MESSAGE_TOKEN})
}

fn receipt(event: &str, user_id: &str, message_token: u64) -> Value {
    json!({"event": event, "timestamp": CALLBACK_TIME_MS, "chat_hostname": "SN-CHAT-05_",
           "message_token": message_token, "user_id": user_id})
}

/// The message `message_token` reached `user_id`'s device.
#[must_use]
pub fn delivered_callback(user_id: &str, message_token: u64) -> Value {
    receipt("delivered", user_id, message_token)
}

/// `user_id` read the message `message_token`.
#[must_use]
pub fn seen_callback(user_id: &str, message_token: u64) -> Value {
    receipt("seen", user_id, message_token)
}

/// The message `message_token` could not be delivered to `user_id`.
#[must_use]
pub fn failed_callback(user_id: &str, message_token: u64, desc: &str) -> Value {
    let mut callback = receipt("failed", user_id, message_token);
    callback["desc"] = json!(desc);
    callback
}

/// The check Viber posts right after `set_webhook`.
#[must_use]
pub fn webhook_callback() -> Value {
    json!({"event": "webhook", "timestamp": CALLBACK_TIME_MS, "chat_hostname": "SN-platform-02",
           "message_token": 241_256_543_215_u64})
}

/// Hex HMAC-SHA256 of `body` keyed with the bot's `token`, as Viber signs a callback.
///
/// # Panics
/// Never: HMAC takes keys of any length.
#[must_use]
pub fn signature(token: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A callback request as Viber posts it, carrying `signature` in [`SIGNATURE_HEADER`] (none
/// when `None`), received at [`CALLBACK_TIME_MS`].
#[must_use]
pub fn callback_request(signature: Option<&str>, body: Vec<u8>) -> ChannelRequest {
    let mut headers = Headers::new();
    headers.append("content-type", "application/json");
    if let Some(signature) = signature {
        headers.append(SIGNATURE_HEADER, signature);
    }
    ChannelRequest {
        method: "POST".into(),
        query: String::new(),
        headers,
        body,
        received_at: DateTime::from_timestamp_millis(CALLBACK_TIME_MS).unwrap_or_default(),
    }
}

/// `callback` serialized and signed with `token`, as Viber posts it.
#[must_use]
pub fn signed_callback(token: &str, callback: &Value) -> ChannelRequest {
    let body = callback.to_string().into_bytes();
    callback_request(Some(&signature(token, &body)), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_an_independent_vector() {
        // `hmac.new(b"key", b"The quick brown fox jumps over the lazy dog", hashlib.sha256)`.
        assert_eq!(
            signature("key", b"The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn keyboards_are_laid_out_in_six_columns_and_labels_shown_as_viber_shows_them() {
        let keyboard = json!({"Type": "keyboard", "Buttons": [
            {"Columns": 3, "ActionType": "reply", "ActionBody": "a", "Text": "<b>A</b> &amp; B"},
            {"Columns": 2, "ActionType": "open-url", "ActionBody": "https://x.example", "Text": "1 &lt; 2"},
            {"Columns": 6, "ActionType": "share-phone", "ActionBody": "s", "Text": "Share"},
        ]});
        let rows = keyboard_rows(Some(&keyboard));
        assert_eq!(rows.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(rows[0][0], SentButton { label: "A & B".into(), action: ButtonAction::Payload("a".into()) });
        assert_eq!(rows[0][1].label, "1 < 2");
        assert_eq!(rows[1][0].action, ButtonAction::ShareContact);
        assert!(check_keyboard(&keyboard, 3).is_ok());
        assert!(check_keyboard(&keyboard, 1).unwrap_err().contains("share-phone"));
    }
}
