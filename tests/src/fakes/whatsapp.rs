//! A loopback fake of the WhatsApp Cloud API (the Graph API's messaging endpoints).
//!
//! [`FakeWhatsApp::start`] serves, on `127.0.0.1:0`, with the real wire format:
//!
//! - `POST /{version}/{phone_number_id}/messages`: a JSON message object
//!   (`{"messaging_product":"whatsapp","to","type",…}`) of type `text`, `image`, `location`,
//!   `interactive` (`button` or `list`) or `template`, answered
//!   `{"messaging_product":"whatsapp","contacts":[{"input","wa_id"}],"messages":[{"id":"wamid…"}]}`;
//! - `POST /{version}/{phone_number_id}/media`: a `multipart/form-data` upload
//!   (`messaging_product=whatsapp`, `type`, `file`), answered `{"id":"<media id>"}`; images
//!   sent later must reference an uploaded id (or a `link`).
//!
//! Every call needs `Authorization: Bearer <token>`: without it, or with another token, the
//! answer is 401 with the Graph API's error object (code 190). Failures are
//! `{"error":{"message":"(#<code>) …","type":"OAuthException","code","error_data":{"messaging_product":"whatsapp","details"},"fbtrace_id"}}`.
//! Messages are checked as the platform checks them: text 1-4096 characters, captions and
//! interactive bodies up to 1024, 1-3 reply buttons with unique ids and titles of 1-20
//! characters, lists of 1-10 rows in all with titles of 1-24 (descriptions up to 72), a list
//! button label of 1-20, template parameters without new lines, tabs or more than four spaces
//! in a row (132018). Refusals of the message's content are 400 with code 131009 (or 100).
//!
//! Faults: [`block`](FakeWhatsApp::block) (131026, undeliverable),
//! [`close_window`](FakeWhatsApp::close_window) (131047 for every free-form message to one
//! person), [`enforce_service_window`](FakeWhatsApp::enforce_service_window) (131047 for a
//! free-form message to anyone who has not written in the last 24 hours, as recorded with
//! [`record_inbound`](FakeWhatsApp::record_inbound)), [`rate_limit_next`](FakeWhatsApp::rate_limit_next)
//! (130429), [`pair_limit_next`](FakeWhatsApp::pair_limit_next) (131056),
//! [`fail_next_with_5xx`](FakeWhatsApp::fail_next_with_5xx), [`fail_next_with`](FakeWhatsApp::fail_next_with)
//! and [`slow`](FakeWhatsApp::slow). Templates are accepted outside the window, as on the
//! platform.
//!
//! The free functions build real-shaped webhook notifications ([`text_notification`],
//! [`start_notification`], [`button_reply_notification`], [`list_reply_notification`],
//! [`quick_reply_notification`], [`location_notification`], [`contacts_notification`],
//! [`status_notification`], [`reaction_notification`], [`unsupported_notification`]), sign
//! them ([`signature`], [`signed_webhook`], [`webhook_request`]) and build Meta's `GET`
//! subscription check ([`verification_request`]).
//!
//! ```no_run
//! # async fn demo() {
//! use regulars_testkit::fakes::whatsapp::{FakeWhatsApp, TEST_APP_SECRET, WaUser, signed_webhook, text_notification};
//! let fake = FakeWhatsApp::start().await;
//! // Point the client at `fake.api_url()` with `fake.token()` and `fake.phone_number_id()`.
//! fake.block("381601234567");
//! let request = signed_webhook(TEST_APP_SECRET, &text_notification(&WaUser::new("381601234567"), "hello"));
//! assert!(fake.messages().is_empty());
//! # let _ = request; }
//! ```

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest as _, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit as _, Mac as _};
use regulars_core::channel::{ButtonAction, ChannelRequest};
use regulars_core::http::Headers;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use tokio::task::JoinHandle;

use crate::channel::{SentButton, SentMessage};

/// The header Meta signs webhook notifications in.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

/// The access token [`FakeWhatsApp::start`] accepts.
pub const TEST_TOKEN: &str = "EAAGm0PX4ZCpsBAfake_access_token_for_regulars_tests";

/// The business number's id [`FakeWhatsApp::start`] serves.
pub const TEST_PHONE_NUMBER_ID: &str = "106540352242922";

/// The business number, as the notifications' `metadata.display_phone_number` shows it.
pub const TEST_DISPLAY_PHONE_NUMBER: &str = "15550783881";

/// An app secret for signing test notifications.
pub const TEST_APP_SECRET: &str = "regulars_test_app_secret";

/// A verify token for test subscription checks.
pub const TEST_VERIFY_TOKEN: &str = "regulars-test-verify";

/// When the notifications the free functions build were sent (unix seconds).
pub const NOTIFICATION_TIME: i64 = 1_795_166_943;

const MAX_TEXT: usize = 4096;
const MAX_BODY: usize = 1024;
const MAX_REPLY_BUTTONS: usize = 3;
const MAX_BUTTON_TITLE: usize = 20;
const MAX_ROWS: usize = 10;
const MAX_ROW_TITLE: usize = 24;
const MAX_ROW_DESCRIPTION: usize = 72;
const MAX_LIST_BUTTON: usize = 20;
const SERVICE_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Which endpoint a call went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST …/messages`.
    Messages,
    /// `POST …/media`.
    Media,
}

/// One call the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The API version in the path (`v21.0`).
    pub version: String,
    /// The JSON body (messages), or the multipart text fields as strings (media).
    pub body: Value,
    /// The uploaded file's bytes and content type (media).
    pub upload: Option<(Vec<u8>, String)>,
    /// The HTTP status the fake answered with (0 while the answer is pending).
    pub status: u16,
    /// The JSON the fake answered with (`Null` while pending).
    pub answer: Value,
}

impl RecordedCall {
    /// Whether the fake accepted the call.
    #[must_use]
    pub fn succeeded(&self) -> bool {
        self.status == 200
    }

    /// The recipient (`to`) of a message, digits only.
    #[must_use]
    pub fn to(&self) -> Option<String> {
        let to = self.body.get("to")?.as_str()?;
        Some(to.chars().filter(char::is_ascii_digit).collect())
    }

    /// The message's `type`.
    #[must_use]
    pub fn message_type(&self) -> Option<&str> {
        self.body.get("type")?.as_str()
    }

    /// The error code of a refused call.
    #[must_use]
    pub fn error_code(&self) -> Option<i64> {
        self.answer.get("error")?.get("code")?.as_i64()
    }

    /// The `wamid` the fake gave an accepted message.
    #[must_use]
    pub fn message_id(&self) -> Option<String> {
        self.answer.get("messages")?.get(0)?.get("id")?.as_str().map(str::to_owned)
    }

    /// A message as a neutral [`SentMessage`] (`None` for uploads): reply buttons are one row
    /// of buttons, list rows are [`SentMessage::list`], a template is
    /// [`SentMessage::template`] with its body parameters as the text, one per line.
    #[must_use]
    pub fn to_sent(&self) -> Option<SentMessage> {
        if self.endpoint != Endpoint::Messages {
            return None;
        }
        let body = &self.body;
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let mut sent = SentMessage::default();
        match self.message_type()? {
            "text" => sent.text = text(&body["text"]["body"]),
            "image" => {
                sent.text = text(&body["image"]["caption"]);
                sent.photo = true;
            }
            "location" => {
                let location = &body["location"];
                sent.location = Some((location["latitude"].as_f64()?, location["longitude"].as_f64()?));
                sent.title = text(&location["name"]);
                sent.text = text(&location["address"]);
            }
            "template" => {
                let template = &body["template"];
                sent.template = text(&template["name"]);
                let params: Vec<String> = template["components"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|c| c["type"] == "body")
                    .flat_map(|c| c["parameters"].as_array().cloned().unwrap_or_default())
                    .filter_map(|p| text(&p["text"]))
                    .collect();
                sent.text = Some(params.join("\n"));
            }
            "interactive" => {
                let interactive = &body["interactive"];
                sent.text = text(&interactive["body"]["text"]);
                sent.photo = interactive["header"]["type"] == "image";
                let choice = |v: &Value, label: &Value| SentButton {
                    label: label.as_str().unwrap_or_default().to_owned(),
                    action: ButtonAction::Payload(v.as_str().unwrap_or_default().to_owned()),
                };
                match interactive["type"].as_str()? {
                    "button" => {
                        let row: Vec<SentButton> = interactive["action"]["buttons"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|b| choice(&b["reply"]["id"], &b["reply"]["title"]))
                            .collect();
                        if !row.is_empty() {
                            sent.buttons = vec![row];
                        }
                    }
                    "list" => {
                        sent.list = interactive["action"]["sections"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .flat_map(|s| s["rows"].as_array().cloned().unwrap_or_default())
                            .map(|r| choice(&r["id"], &r["title"]))
                            .collect();
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
        Some(sent)
    }
}

#[derive(Debug, Default)]
struct FakeState {
    calls: Vec<RecordedCall>,
    media: HashMap<String, Vec<u8>>,
    blocked: HashSet<String>,
    closed: HashSet<String>,
    enforce_window: bool,
    last_inbound: HashMap<String, DateTime<Utc>>,
    rate_limited: u32,
    rate_limit_retry_after: Option<u64>,
    pair_limited: u32,
    server_errors: u32,
    refusals: VecDeque<(u16, i64, String)>,
    slow: Duration,
    next_id: u64,
}

#[derive(Debug)]
struct Shared {
    token: String,
    phone_number_id: String,
    state: Mutex<FakeState>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        // A panicking test thread must not hide the calls recorded so far.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running fake Cloud API; stops when dropped.
#[derive(Debug)]
pub struct FakeWhatsApp {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeWhatsApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeWhatsApp {
    /// Starts a fake that accepts [`TEST_TOKEN`] for [`TEST_PHONE_NUMBER_ID`].
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start() -> Self {
        Self::start_with(TEST_TOKEN, TEST_PHONE_NUMBER_ID).await
    }

    /// Starts a fake that accepts `token` for the number `phone_number_id`.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start_with(token: &str, phone_number_id: &str) -> Self {
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            phone_number_id: phone_number_id.to_owned(),
            state: Mutex::new(FakeState { next_id: 1, ..FakeState::default() }),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let router = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { addr, shared, server }
    }

    /// The API root to point a client at (`http://127.0.0.1:<port>`).
    #[must_use]
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The access token the fake accepts.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The business number's id the fake serves.
    #[must_use]
    pub fn phone_number_id(&self) -> &str {
        &self.shared.phone_number_id
    }

    /// Every call so far, oldest first.
    #[must_use]
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.shared.lock().calls.clone()
    }

    /// The calls to `messages`, oldest first.
    #[must_use]
    pub fn messages(&self) -> Vec<RecordedCall> {
        self.shared.lock().calls.iter().filter(|c| c.endpoint == Endpoint::Messages).cloned().collect()
    }

    /// The message objects the fake accepted for `wa_id`, raw, oldest first.
    #[must_use]
    pub fn raw_sent_to(&self, wa_id: &str) -> Vec<Value> {
        self.accepted_to(wa_id).into_iter().map(|c| c.body).collect()
    }

    /// The messages the fake accepted for `wa_id`, neutrally, oldest first.
    #[must_use]
    pub fn sent_to(&self, wa_id: &str) -> Vec<SentMessage> {
        self.accepted_to(wa_id).iter().filter_map(RecordedCall::to_sent).collect()
    }

    fn accepted_to(&self, wa_id: &str) -> Vec<RecordedCall> {
        let wa_id: String = wa_id.chars().filter(char::is_ascii_digit).collect();
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|c| c.endpoint == Endpoint::Messages && c.succeeded() && c.to().as_deref() == Some(&wa_id))
            .cloned()
            .collect()
    }

    /// The bytes of every uploaded media file, by media id.
    #[must_use]
    pub fn media(&self) -> HashMap<String, Vec<u8>> {
        self.shared.lock().media.clone()
    }

    /// Forgets the recorded calls (uploaded media stay).
    pub fn clear_calls(&self) {
        self.shared.lock().calls.clear();
    }

    /// Messages to `wa_id` get 131026 "Message undeliverable" from now on (no WhatsApp
    /// account, or the person blocked the business).
    pub fn block(&self, wa_id: &str) {
        self.shared.lock().blocked.insert(wa_id.to_owned());
    }

    /// Undoes [`FakeWhatsApp::block`].
    pub fn unblock(&self, wa_id: &str) {
        self.shared.lock().blocked.remove(wa_id);
    }

    /// Free-form messages to `wa_id` get 131047 "Re-engagement message" until
    /// [`FakeWhatsApp::record_inbound`] records a message from them; templates pass.
    pub fn close_window(&self, wa_id: &str) {
        let mut state = self.shared.lock();
        state.closed.insert(wa_id.to_owned());
        state.last_inbound.remove(wa_id);
    }

    /// From now on (`true`), a free-form message to anyone whose last recorded message
    /// ([`FakeWhatsApp::record_inbound`]) is older than 24 hours, or who has none, gets 131047,
    /// as the platform enforces its customer service window.
    pub fn enforce_service_window(&self, enforce: bool) {
        self.shared.lock().enforce_window = enforce;
    }

    /// Records that `wa_id` wrote to the business at `at`, opening their service window for
    /// 24 hours from then.
    pub fn record_inbound(&self, wa_id: &str, at: DateTime<Utc>) {
        let mut state = self.shared.lock();
        state.closed.remove(wa_id);
        let last = state.last_inbound.entry(wa_id.to_owned()).or_insert(at);
        *last = (*last).max(at);
    }

    /// The next `n` messages get 130429 "Rate limit hit" (the number's throughput). The Graph
    /// API sends no retry time; with `Some`, the answer carries a `Retry-After` header (whole
    /// seconds, at least 1), as a proxy in front of it may.
    pub fn rate_limit_next(&self, n: u32, retry_after: Option<Duration>) {
        let mut state = self.shared.lock();
        state.rate_limited = n;
        state.rate_limit_retry_after = retry_after.map(|d| d.as_secs().max(1));
    }

    /// The next `n` messages get 131056 "(Business Account, Consumer Account) pair rate limit
    /// hit".
    pub fn pair_limit_next(&self, n: u32) {
        self.shared.lock().pair_limited = n;
    }

    /// The next `n` calls get 500 with code 131000 "Something went wrong".
    pub fn fail_next_with_5xx(&self, n: u32) {
        self.shared.lock().server_errors = n;
    }

    /// The next call gets HTTP `status` with the error `code` and `message` (e.g. 400, 131009,
    /// "Parameter value is not valid").
    pub fn fail_next_with(&self, status: u16, code: i64, message: &str) {
        self.shared.lock().refusals.push_back((status, code, message.to_owned()));
    }

    /// Every answer from now on comes `delay` late (`Duration::ZERO` to stop).
    pub fn slow(&self, delay: Duration) {
        self.shared.lock().slow = delay;
    }
}

/// A Graph API answer.
struct Answer {
    status: u16,
    body: Value,
    retry_after: Option<u64>,
}

impl Answer {
    fn ok(body: Value) -> Self {
        Self { status: 200, body, retry_after: None }
    }

    fn error(status: u16, code: i64, message: &str, details: &str) -> Self {
        let mut error = json!({
            "message": format!("(#{code}) {message}"),
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "AbCdEfGhIjKlMnOpQrStUvW",
        });
        if !details.is_empty() {
            error["error_data"] = json!({"messaging_product": "whatsapp", "details": details});
        }
        Self { status, body: json!({"error": error}), retry_after: None }
    }

    fn invalid(details: &str) -> Self {
        Self::error(400, 131_009, "Parameter value is not valid", details)
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response =
            (status, [(header::CONTENT_TYPE, "application/json")], self.body.to_string()).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let [version, number, endpoint] = segments[..] else {
        return Answer::error(404, 100, "Unknown path components", &path).into_response();
    };
    let valid_version = version
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit()));
    let endpoint = match endpoint {
        "messages" => Endpoint::Messages,
        "media" => Endpoint::Media,
        _ => return Answer::error(400, 100, "Unsupported post request", endpoint).into_response(),
    };
    if request.method() != axum::http::Method::POST {
        return Answer::error(400, 100, "Unsupported get request", "").into_response();
    }
    let bearer = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if bearer.strip_prefix("Bearer ") != Some(shared.token.as_str()) {
        let mut answer = Answer::error(401, 190, "Invalid OAuth access token - Cannot parse access token", "");
        answer.body["error"]["message"] = json!("Invalid OAuth access token - Cannot parse access token");
        return answer.into_response();
    }
    if !valid_version {
        return Answer::error(400, 2635, "Unknown API version", version).into_response();
    }
    if number != shared.phone_number_id {
        let details = format!("Object with ID '{number}' does not exist, cannot be loaded due to missing permissions");
        return Answer::error(400, 100, "Unsupported post request", &details).into_response();
    }
    let (body, upload) = match read_body(request, endpoint).await {
        Ok(read) => read,
        Err(e) => return Answer::error(400, 100, "Invalid parameter", &e).into_response(),
    };
    let (index, slow) = {
        let mut state = shared.lock();
        state.calls.push(RecordedCall {
            endpoint,
            version: version.to_owned(),
            body: body.clone(),
            upload: upload.clone(),
            status: 0,
            answer: Value::Null,
        });
        (state.calls.len() - 1, state.slow)
    };
    if !slow.is_zero() {
        tokio::time::sleep(slow).await;
    }
    let answer = match endpoint {
        Endpoint::Media => upload_media(&shared, &body, upload),
        Endpoint::Messages => match injected_fault(&shared, &body) {
            Some(answer) => answer,
            None => accept_message(&shared, &body),
        },
    };
    if let Some(call) = shared.lock().calls.get_mut(index) {
        call.status = answer.status;
        call.answer = answer.body.clone();
    }
    answer.into_response()
}

/// The JSON body (messages), or the multipart text fields and the file (media).
async fn read_body(request: Request, endpoint: Endpoint) -> Result<(Value, Option<(Vec<u8>, String)>), String> {
    if endpoint == Endpoint::Media {
        let mut multipart = Multipart::from_request(request, &()).await.map_err(|e| e.body_text())?;
        let mut fields = Map::new();
        let mut upload = None;
        while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
            let name = field.name().unwrap_or_default().to_owned();
            let is_file = field.file_name().is_some();
            let content_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
            let bytes = field.bytes().await.map_err(|e| e.body_text())?;
            if is_file && name == "file" {
                upload = Some((bytes.to_vec(), content_type));
            } else {
                fields.insert(name, Value::String(String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        return Ok((Value::Object(fields), upload));
    }
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .starts_with("application/json");
    let body = Bytes::from_request(request, &()).await.map_err(|e| e.body_text())?;
    if !json {
        return Err("the body must be JSON (Content-Type: application/json)".into());
    }
    match serde_json::from_slice(&body) {
        Ok(Value::Object(map)) => Ok((Value::Object(map), None)),
        Ok(_) => Err("the body must be a JSON object".into()),
        Err(e) => Err(format!("can't parse JSON: {e}")),
    }
}

fn upload_media(shared: &Shared, fields: &Value, upload: Option<(Vec<u8>, String)>) -> Answer {
    if fields["messaging_product"] != "whatsapp" {
        return Answer::error(400, 100, "The parameter messaging_product is required.", "");
    }
    let Some((bytes, content_type)) = upload else {
        return Answer::error(400, 100, "The parameter file is required.", "");
    };
    let declared = fields["type"].as_str().unwrap_or(&content_type).to_owned();
    if !matches!(declared.as_str(), "image/png" | "image/jpeg") || bytes.is_empty() {
        return Answer::error(400, 131_053, "Media upload error", &format!("unsupported media type {declared}"));
    }
    if bytes.len() > 5 * 1024 * 1024 {
        return Answer::error(400, 131_053, "Media upload error", "images may be at most 5 MB");
    }
    let mut state = shared.lock();
    let id = format!("{}", 1_013_859_600_285_441_u64 + state.next_id);
    state.next_id += 1;
    state.media.insert(id.clone(), bytes);
    Answer::ok(json!({"id": id}))
}

/// The fault configured for this message, if any, in the order the platform would hit them.
fn injected_fault(shared: &Shared, body: &Value) -> Option<Answer> {
    let mut state = shared.lock();
    if state.server_errors > 0 {
        state.server_errors -= 1;
        return Some(Answer::error(
            500,
            131_000,
            "Something went wrong",
            "Message failed to send because of an unknown error.",
        ));
    }
    if let Some((status, code, message)) = state.refusals.pop_front() {
        return Some(Answer::error(status, code, &message, ""));
    }
    if state.rate_limited > 0 {
        state.rate_limited -= 1;
        let mut answer =
            Answer::error(400, 130_429, "Rate limit hit", "Cloud API message throughput has been reached.");
        answer.retry_after = state.rate_limit_retry_after;
        return Some(answer);
    }
    if state.pair_limited > 0 {
        state.pair_limited -= 1;
        return Some(Answer::error(
            400,
            131_056,
            "(Business Account, Consumer Account) pair rate limit hit",
            "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.",
        ));
    }
    let to: String = body["to"].as_str()?.chars().filter(char::is_ascii_digit).collect();
    if state.blocked.contains(&to) {
        return Some(Answer::error(
            400,
            131_026,
            "Message undeliverable",
            "Message failed to send because the recipient is not a WhatsApp user or has blocked the business.",
        ));
    }
    let free_form = body["type"] != "template";
    let window_open = state.last_inbound.get(&to).is_some_and(|last| Utc::now() - *last < SERVICE_WINDOW);
    if free_form && (state.closed.contains(&to) || (state.enforce_window && !window_open)) {
        return Some(Answer::error(
            400,
            131_047,
            "Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        ));
    }
    None
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// A non-empty string of at most `max` characters at `value`, or the refusal naming `what`.
fn bounded<'a>(value: &'a Value, what: &str, max: usize) -> Result<&'a str, Answer> {
    match value.as_str() {
        Some(s) if !s.trim().is_empty() && chars(s) <= max => Ok(s),
        Some(s) if !s.trim().is_empty() => Err(Answer::error(
            400,
            100,
            "Invalid parameter",
            &format!("Param {what} must be at most {max} characters long."),
        )),
        _ => Err(Answer::error(
            400,
            100,
            "Invalid parameter",
            &format!("Param {what} is required and must be non-empty."),
        )),
    }
}

fn accept_message(shared: &Shared, body: &Value) -> Answer {
    match check_message(shared, body) {
        Ok(()) => {
            let to = body["to"].as_str().unwrap_or_default();
            let wa_id: String = to.chars().filter(char::is_ascii_digit).collect();
            let id = {
                let mut state = shared.lock();
                state.next_id += 1;
                state.next_id
            };
            let mut message = json!({"id": format!("wamid.HBgL{wa_id}FQIAERgS{id:016X}A==")});
            if body["type"] == "template" {
                message["message_status"] = json!("accepted");
            }
            Answer::ok(json!({
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": wa_id}],
                "messages": [message],
            }))
        }
        Err(answer) => answer,
    }
}

/// Checks a message object the way the Cloud API does.
fn check_message(shared: &Shared, body: &Value) -> Result<(), Answer> {
    if body["messaging_product"] != "whatsapp" {
        return Err(Answer::error(400, 100, "The parameter messaging_product is required.", ""));
    }
    let to = body["to"].as_str().unwrap_or_default();
    let digits = to.strip_prefix('+').unwrap_or(to);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Answer::error(400, 100, "Invalid parameter", "Param to must be a phone number or WhatsApp id."));
    }
    match body["type"].as_str().unwrap_or("text") {
        "text" => {
            bounded(&body["text"]["body"], "text['body']", MAX_TEXT)?;
        }
        "image" => check_image(shared, &body["image"], true)?,
        "location" => {
            let location = &body["location"];
            let (Some(lat), Some(lon)) = (location["latitude"].as_f64(), location["longitude"].as_f64()) else {
                return Err(Answer::invalid("location latitude and longitude are required numbers"));
            };
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(Answer::invalid("location out of range"));
            }
        }
        "template" => check_template(&body["template"])?,
        "interactive" => check_interactive(shared, &body["interactive"])?,
        other => {
            return Err(Answer::error(400, 100, "Invalid parameter", &format!("Unsupported message type {other}")));
        }
    }
    Ok(())
}

fn check_image(shared: &Shared, image: &Value, with_caption: bool) -> Result<(), Answer> {
    match (image["id"].as_str(), image["link"].as_str()) {
        (Some(id), None) if shared.lock().media.contains_key(id) => {}
        (Some(_), None) => return Err(Answer::invalid("image id is not a media id uploaded by this number")),
        (None, Some(link)) if link.starts_with("https://") || link.starts_with("http://") => {}
        _ => return Err(Answer::invalid("image needs exactly one of id and link")),
    }
    if !with_caption && !image["caption"].is_null() {
        return Err(Answer::invalid("an interactive header image takes no caption"));
    }
    if let Some(caption) = image["caption"].as_str()
        && chars(caption) > MAX_BODY
    {
        return Err(Answer::error(
            400,
            100,
            "Invalid parameter",
            "Param image['caption'] must be at most 1024 characters long.",
        ));
    }
    Ok(())
}

fn check_template(template: &Value) -> Result<(), Answer> {
    bounded(&template["name"], "template['name']", 512)?;
    bounded(&template["language"]["code"], "template['language']['code']", 16)?;
    for component in template["components"].as_array().into_iter().flatten() {
        for parameter in component["parameters"].as_array().into_iter().flatten() {
            if parameter["type"] != "text" {
                continue;
            }
            let text = bounded(&parameter["text"], "parameter text", 32_768)?;
            if text.contains(['\n', '\t']) || text.contains("     ") {
                return Err(Answer::error(
                    400,
                    132_018,
                    "There was an issue with the parameters in your template.",
                    "Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
                ));
            }
        }
    }
    Ok(())
}

fn check_interactive(shared: &Shared, interactive: &Value) -> Result<(), Answer> {
    bounded(&interactive["body"]["text"], "interactive['body']['text']", MAX_BODY)?;
    let header = &interactive["header"];
    match header["type"].as_str() {
        None => {}
        Some("text") => {
            bounded(&header["text"], "interactive['header']['text']", 60)?;
        }
        Some("image") if interactive["type"] == "button" => check_image(shared, &header["image"], false)?,
        Some(other) => return Err(Answer::invalid(&format!("header type {other} is not allowed here"))),
    }
    let action = &interactive["action"];
    match interactive["type"].as_str() {
        Some("button") => {
            let buttons = action["buttons"].as_array().map(Vec::as_slice).unwrap_or_default();
            if buttons.is_empty() || buttons.len() > MAX_REPLY_BUTTONS {
                return Err(Answer::invalid("interactive buttons: 1-3 reply buttons"));
            }
            let (mut ids, mut titles) = (HashSet::new(), HashSet::new());
            for button in buttons {
                if button["type"] != "reply" {
                    return Err(Answer::invalid("interactive buttons must be of type reply"));
                }
                let id = bounded(&button["reply"]["id"], "reply['id']", 256)?;
                let title = bounded(&button["reply"]["title"], "reply['title']", MAX_BUTTON_TITLE)?;
                if !ids.insert(id) || !titles.insert(title) {
                    return Err(Answer::invalid("Button title and id must be unique"));
                }
            }
        }
        Some("list") => {
            bounded(&action["button"], "action['button']", MAX_LIST_BUTTON)?;
            let sections = action["sections"].as_array().map(Vec::as_slice).unwrap_or_default();
            if sections.is_empty() || sections.len() > MAX_ROWS {
                return Err(Answer::invalid("list: 1-10 sections"));
            }
            let mut ids = HashSet::new();
            for section in sections {
                if sections.len() > 1 {
                    bounded(&section["title"], "section['title']", 24)?;
                }
                let rows = section["rows"].as_array().map(Vec::as_slice).unwrap_or_default();
                if rows.is_empty() {
                    return Err(Answer::invalid("list: every section needs rows"));
                }
                for row in rows {
                    let id = bounded(&row["id"], "row['id']", 200)?;
                    bounded(&row["title"], "row['title']", MAX_ROW_TITLE)?;
                    if !row["description"].is_null() {
                        bounded(&row["description"], "row['description']", MAX_ROW_DESCRIPTION)?;
                    }
                    if !ids.insert(id) {
                        return Err(Answer::invalid("Row ids must be unique"));
                    }
                }
            }
            if ids.len() > MAX_ROWS {
                return Err(Answer::invalid("list: at most 10 rows in all sections"));
            }
        }
        _ => return Err(Answer::invalid("interactive type must be button or list (or another type this fake lacks)")),
    }
    Ok(())
}

/// A person on WhatsApp, for building notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaUser {
    /// Their WhatsApp id: the phone number's digits.
    pub wa_id: String,
    /// Their profile name.
    pub name: String,
}

impl WaUser {
    /// A person with this `wa_id`, named Ana Petrović.
    #[must_use]
    pub fn new(wa_id: impl Into<String>) -> Self {
        Self { wa_id: wa_id.into(), name: "Ana Petrović".into() }
    }
}

/// A `messages` notification carrying `value`'s fields beside the metadata.
fn notification(value: Value) -> Value {
    let mut full = json!({
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": TEST_DISPLAY_PHONE_NUMBER, "phone_number_id": TEST_PHONE_NUMBER_ID},
    });
    if let (Some(full), Value::Object(value)) = (full.as_object_mut(), value) {
        full.extend(value);
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": full, "field": "messages"}]}],
    })
}

/// A notification of one message from `from` with `extra` (`type` and its object).
fn message_notification(from: &WaUser, extra: Value) -> Value {
    let mut message = json!({
        "from": from.wa_id,
        "id": format!("wamid.HBgL{}FQIAEhgUM0EwRkE1NDM3QjA5NTJGRkE0MTMA", from.wa_id),
        "timestamp": NOTIFICATION_TIME.to_string(),
    });
    if let (Some(message), Value::Object(extra)) = (message.as_object_mut(), extra) {
        message.extend(extra);
    }
    notification(json!({
        "contacts": [{"profile": {"name": from.name}, "wa_id": from.wa_id}],
        "messages": [message],
    }))
}

/// A text message.
#[must_use]
pub fn text_notification(from: &WaUser, text: &str) -> Value {
    message_notification(from, json!({"type": "text", "text": {"body": text}}))
}

/// What a `wa.me/<number>?text=start%20<payload>` deep link pre-fills, sent: `start
/// <payload>`, or `start` alone.
#[must_use]
pub fn start_notification(from: &WaUser, payload: Option<&str>) -> Value {
    let text = payload.map_or_else(|| "start".to_owned(), |p| format!("start {p}"));
    text_notification(from, &text)
}

/// A press of a reply button with this `id` (the payload) and `title`.
#[must_use]
pub fn button_reply_notification(from: &WaUser, id: &str, title: &str) -> Value {
    interactive_reply(from, "button_reply", &json!({"id": id, "title": title}))
}

/// A choice of a list row with this `id` (the payload) and `title`.
#[must_use]
pub fn list_reply_notification(from: &WaUser, id: &str, title: &str) -> Value {
    interactive_reply(from, "list_reply", &json!({"id": id, "title": title, "description": ""}))
}

fn interactive_reply(from: &WaUser, kind: &str, reply: &Value) -> Value {
    let mut message =
        message_notification(from, json!({"type": "interactive", "interactive": {"type": kind, kind: reply}}));
    message["entry"][0]["changes"][0]["value"]["messages"][0]["context"] =
        json!({"from": TEST_DISPLAY_PHONE_NUMBER, "id": "wamid.HBgLMzgxNjAxMjM0NTY3FQIAERgSQkE3"});
    message
}

/// A press of a template's quick-reply button carrying `payload`.
#[must_use]
pub fn quick_reply_notification(from: &WaUser, payload: &str, text: &str) -> Value {
    message_notification(from, json!({"type": "button", "button": {"payload": payload, "text": text}}))
}

/// A shared location.
#[must_use]
pub fn location_notification(from: &WaUser, lat: f64, lon: f64) -> Value {
    message_notification(from, json!({"type": "location", "location": {"latitude": lat, "longitude": lon}}))
}

/// A shared contact card with one phone: `phone` as WhatsApp shows it (`+381 60 1234567`),
/// `wa_id` the card's WhatsApp id when the number has WhatsApp (the sender's own for their own
/// card).
#[must_use]
pub fn contacts_notification(from: &WaUser, phone: &str, wa_id: Option<&str>) -> Value {
    let mut entry = json!({"phone": phone, "type": "CELL"});
    if let Some(wa_id) = wa_id {
        entry["wa_id"] = json!(wa_id);
    }
    let card = json!({
        "name": {"formatted_name": "Marko Jovanović", "first_name": "Marko", "last_name": "Jovanović"},
        "phones": [entry],
    });
    message_notification(from, json!({"type": "contacts", "contacts": [card]}))
}

/// A reaction to an earlier message: a message the conversation does not use.
#[must_use]
pub fn reaction_notification(from: &WaUser, message_id: &str, emoji: &str) -> Value {
    message_notification(from, json!({"type": "reaction", "reaction": {"message_id": message_id, "emoji": emoji}}))
}

/// A message of a type the Cloud API does not support (`type:"unsupported"`, error 131051).
#[must_use]
pub fn unsupported_notification(from: &WaUser) -> Value {
    message_notification(
        from,
        json!({"type": "unsupported", "errors": [{
            "code": 131_051, "title": "Message type unknown", "message": "Message type unknown",
            "error_data": {"details": "Message type is currently not supported."},
        }]}),
    )
}

/// A status (receipt) of the message `message_id` sent to `recipient`: `sent`, `delivered`,
/// `read` or `failed` (with error 131047 for a failure).
#[must_use]
pub fn status_notification(recipient: &str, message_id: &str, status: &str) -> Value {
    let mut entry = json!({
        "id": message_id,
        "status": status,
        "timestamp": NOTIFICATION_TIME.to_string(),
        "recipient_id": recipient,
    });
    if status == "failed" {
        entry["errors"] = json!([{
            "code": 131_047, "title": "Re-engagement message", "message": "Re-engagement message",
            "error_data": {"details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
        }]);
    } else {
        entry["conversation"] = json!({"id": "f5a1b6c0e4d2a3b9c8d7e6f5a4b3c2d1", "origin": {"type": "service"}});
        entry["pricing"] = json!({"billable": true, "pricing_model": "PMP", "category": "service"});
    }
    notification(json!({"statuses": [entry]}))
}

/// `sha256=<hex HMAC-SHA256(app_secret, body)>`, as Meta signs a notification.
///
/// # Panics
/// Never: HMAC takes keys of any length.
#[must_use]
pub fn signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// A notification request as Meta posts it, carrying `signature` in [`SIGNATURE_HEADER`]
/// (none when `None`), received at [`NOTIFICATION_TIME`].
#[must_use]
pub fn webhook_request(signature: Option<&str>, body: Vec<u8>) -> ChannelRequest {
    let mut headers = Headers::new();
    headers.append("content-type", "application/json");
    headers.append("user-agent", "facebookexternalua");
    if let Some(signature) = signature {
        headers.append(SIGNATURE_HEADER, signature);
    }
    ChannelRequest {
        method: "POST".into(),
        query: String::new(),
        headers,
        body,
        received_at: DateTime::from_timestamp(NOTIFICATION_TIME, 0).unwrap_or_default(),
    }
}

/// `notification` serialized and signed with `app_secret`, as Meta posts it.
#[must_use]
pub fn signed_webhook(app_secret: &str, notification: &Value) -> ChannelRequest {
    let body = notification.to_string().into_bytes();
    webhook_request(Some(&signature(app_secret, &body)), body)
}

/// Meta's subscription check: `GET ?hub.mode=<mode>&hub.challenge=<challenge>&hub.verify_token=<token>`
/// (percent-encoded).
#[must_use]
pub fn verification_request(mode: &str, challenge: &str, verify_token: &str) -> ChannelRequest {
    let query = url_query(&[("hub.mode", mode), ("hub.challenge", challenge), ("hub.verify_token", verify_token)]);
    ChannelRequest {
        method: "GET".into(),
        query,
        headers: Headers::new(),
        body: Vec::new(),
        received_at: DateTime::from_timestamp(NOTIFICATION_TIME, 0).unwrap_or_default(),
    }
}

fn url_query(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}
