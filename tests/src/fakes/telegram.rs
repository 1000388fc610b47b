//! A loopback fake of the Telegram Bot API.
//!
//! [`FakeTelegram::start`] serves `POST /bot{token}/{Method}` on `127.0.0.1:0` with the real
//! wire format: JSON bodies, or `multipart/form-data` for uploads; answers
//! `{"ok":true,"result":…}` with real-shaped results (a `Message` with `message_id`, `date`,
//! `chat{id,type:"private"}`, `from` the bot) and failures as
//! `{"ok":false,"error_code":N,"description":"…","parameters":{"retry_after":S}}`. Method names
//! are case-insensitive, as on the real API. An unknown token is 401 `Unauthorized`, an
//! unknown method 404 `Not Found`.
//!
//! Methods: `getMe`, `sendMessage`, `sendPhoto`, `sendLocation`, `sendVenue`,
//! `answerCallbackQuery`, `setWebhook` (records `secret_token`), `deleteWebhook`,
//! `getWebhookInfo` and `getUpdates` (long polling over updates injected with
//! [`FakeTelegram::push_update`]; 409 while a webhook is set, like the real API). Sends are
//! checked like the real API checks them: empty or over-long text and captions, callback data
//! over 64 bytes.
//!
//! Faults: [`block`](FakeTelegram::block), [`deactivate`](FakeTelegram::deactivate),
//! [`missing_chat`](FakeTelegram::missing_chat), [`rate_limit_next`](FakeTelegram::rate_limit_next),
//! [`slow`](FakeTelegram::slow), [`fail_next_with_5xx`](FakeTelegram::fail_next_with_5xx),
//! [`fail_next_with`](FakeTelegram::fail_next_with), and
//! [`enforce_limits`](FakeTelegram::enforce_limits), which answers 429 like Telegram's flood
//! control when sends come faster than allowed and counts how often it did
//! ([`FakeTelegram::limit_hits`]).
//!
//! The free functions build real-shaped inbound `Update` JSON ([`text_update`],
//! [`start_update`], [`callback_query_update`], [`contact_update`], [`location_update`],
//! [`my_chat_member_update`], [`edited_message_update`]) and webhook requests carrying
//! `X-Telegram-Bot-Api-Secret-Token` ([`webhook_request`]).
//!
//! ```no_run
//! # async fn demo() {
//! use regulars_testkit::fakes::telegram::{FakeTelegram, TgUser, text_update};
//! let fake = FakeTelegram::start().await;
//! // Point the client at `fake.api_url()` with the token `fake.token()`.
//! fake.block(42);
//! fake.push_update(text_update(0, &TgUser::new(42), "hello"));
//! assert!(fake.calls_to("sendMessage").is_empty());
//! # }
//! ```

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest as _, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use chrono::Utc;
use regulars_core::channel::{ButtonAction, ChannelRequest};
use regulars_core::http::Headers;
use serde_json::{Map, Value, json};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::channel::{SentButton, SentMessage};

/// The header Telegram puts the webhook's `secret_token` in.
pub const SECRET_TOKEN_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// The token [`FakeTelegram::start`] accepts (a real-shaped one: bot id, colon, 35 characters).
pub const TEST_TOKEN: &str = "123456789:AAHk3Vq-Tfake_token_for_regulars_tests";

/// Longest text, in UTF-16 code units as Telegram counts them.
const MAX_TEXT: usize = 4096;
/// Longest caption, in UTF-16 code units.
const MAX_CAPTION: usize = 1024;
/// Longest callback data, in bytes.
const MAX_CALLBACK_DATA: usize = 64;

/// One call the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    /// The method, spelled as the Bot API documents it (`sendMessage`), whatever case the
    /// client used.
    pub method: String,
    /// The parameters as JSON: the JSON body, or the multipart fields (JSON-valued fields such
    /// as `reply_markup` parsed, others as strings).
    pub params: Value,
    /// The `chat_id` parameter, when it is a numeric chat.
    pub chat_id: Option<i64>,
    /// The bytes of an uploaded file (`sendPhoto` multipart), if one was uploaded.
    pub upload: Option<Vec<u8>>,
    /// The HTTP status the fake answered with (0 while the answer is pending).
    pub status: u16,
}

impl RecordedCall {
    /// Whether a photo was uploaded with this call.
    #[must_use]
    pub fn uploaded_photo(&self) -> bool {
        self.method == "sendPhoto" && self.upload.is_some()
    }

    /// Whether the fake accepted the call.
    #[must_use]
    pub fn succeeded(&self) -> bool {
        self.status == 200
    }

    /// A string parameter (multipart fields are all strings; JSON numbers are shown as text).
    #[must_use]
    pub fn param(&self, name: &str) -> Option<String> {
        match self.params.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// The call as a neutral [`SentMessage`], for the sending methods (`None` for others).
    #[must_use]
    pub fn to_sent(&self) -> Option<SentMessage> {
        let number = |name: &str| self.param(name).and_then(|v| v.parse::<f64>().ok());
        let mut sent = SentMessage::default();
        match self.method.as_str() {
            "sendMessage" => sent.text = self.param("text"),
            "sendPhoto" => {
                sent.text = self.param("caption");
                sent.photo = self.upload.is_some() || self.param("photo").is_some();
            }
            "sendLocation" | "sendVenue" => {
                sent.location = Some((number("latitude")?, number("longitude")?));
                sent.title = self.param("title");
                sent.text = self.param("address");
            }
            _ => return None,
        }
        sent.buttons = self.params.get("reply_markup").map(markup_buttons).unwrap_or_default();
        Some(sent)
    }
}

/// The buttons of a `reply_markup` (inline or reply keyboard), neutrally.
fn markup_buttons(markup: &Value) -> Vec<Vec<SentButton>> {
    let markup = match markup {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    let rows = markup.get("inline_keyboard").or_else(|| markup.get("keyboard"));
    let Some(Value::Array(rows)) = rows else { return Vec::new() };
    rows.iter()
        .map(|row| {
            row.as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|b| {
                    let text = |k: &str| b.get(k).and_then(Value::as_str).map(str::to_owned);
                    let action = if let Some(data) = text("callback_data") {
                        ButtonAction::Payload(data)
                    } else if let Some(url) = text("url") {
                        ButtonAction::Url(url)
                    } else if let Some(url) = b.get("web_app").and_then(|w| w.get("url")).and_then(Value::as_str) {
                        ButtonAction::MiniApp(url.to_owned())
                    } else if b.get("request_contact").and_then(Value::as_bool) == Some(true) {
                        ButtonAction::ShareContact
                    } else {
                        // A plain reply-keyboard button sends its label as text.
                        ButtonAction::Payload(text("text").unwrap_or_default())
                    };
                    SentButton { label: text("text").unwrap_or_default(), action }
                })
                .collect()
        })
        .collect()
}

/// The webhook the bot set, as the fake recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookInfo {
    /// The URL.
    pub url: String,
    /// The `secret_token` Telegram would send back on every update.
    pub secret_token: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    per_second: u32,
    per_chat_interval: Duration,
}

#[derive(Debug, Default)]
struct FakeState {
    calls: Vec<RecordedCall>,
    blocked: HashSet<i64>,
    deactivated: HashSet<i64>,
    missing: HashSet<i64>,
    rate_limited: u32,
    retry_after: u32,
    server_errors: u32,
    refusals: VecDeque<(u16, String)>,
    slow: Duration,
    limits: Option<Limits>,
    recent_sends: VecDeque<Instant>,
    last_send_to: HashMap<i64, Instant>,
    limit_hits: u64,
    updates: VecDeque<Value>,
    next_update_id: i64,
    webhook: Option<WebhookInfo>,
    next_message_id: i64,
}

#[derive(Debug)]
struct Shared {
    token: String,
    bot_id: i64,
    state: Mutex<FakeState>,
    new_update: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        // A panicking test thread must not hide the calls recorded so far.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running fake Bot API; stops when dropped.
#[derive(Debug)]
pub struct FakeTelegram {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTelegram {
    /// Starts a fake that accepts [`TEST_TOKEN`].
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start() -> Self {
        Self::start_with_token(TEST_TOKEN).await
    }

    /// Starts a fake that accepts `token` (`<bot id>:<secret>`).
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start_with_token(token: &str) -> Self {
        let bot_id = token.split(':').next().and_then(|id| id.parse().ok()).unwrap_or(1);
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            bot_id,
            state: Mutex::new(FakeState { next_update_id: 100_000, next_message_id: 1, ..FakeState::default() }),
            new_update: Notify::new(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let router = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { addr, shared, server }
    }

    /// The API root to point a client at (`http://127.0.0.1:<port>/`); methods live under
    /// `bot{token}/`.
    #[must_use]
    pub fn api_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The token the fake accepts.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The bot's user id (the number before the token's colon).
    #[must_use]
    pub fn bot_id(&self) -> i64 {
        self.shared.bot_id
    }

    /// Every call so far, oldest first.
    #[must_use]
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.shared.lock().calls.clone()
    }

    /// The calls of one method (`sendMessage`), oldest first.
    #[must_use]
    pub fn calls_to(&self, method: &str) -> Vec<RecordedCall> {
        self.shared.lock().calls.iter().filter(|c| c.method.eq_ignore_ascii_case(method)).cloned().collect()
    }

    /// The messages the fake accepted for `chat_id`, neutrally, oldest first.
    #[must_use]
    pub fn sent_to(&self, chat_id: i64) -> Vec<SentMessage> {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|c| c.chat_id == Some(chat_id) && c.succeeded())
            .filter_map(RecordedCall::to_sent)
            .collect()
    }

    /// Forgets the recorded calls.
    pub fn clear_calls(&self) {
        self.shared.lock().calls.clear();
    }

    /// Sends to `chat_id` get 403 "Forbidden: bot was blocked by the user" from now on.
    pub fn block(&self, chat_id: i64) {
        self.shared.lock().blocked.insert(chat_id);
    }

    /// Undoes [`FakeTelegram::block`].
    pub fn unblock(&self, chat_id: i64) {
        self.shared.lock().blocked.remove(&chat_id);
    }

    /// Sends to `chat_id` get 403 "Forbidden: user is deactivated" from now on.
    pub fn deactivate(&self, chat_id: i64) {
        self.shared.lock().deactivated.insert(chat_id);
    }

    /// Sends to `chat_id` get 400 "Bad Request: chat not found" from now on.
    pub fn missing_chat(&self, chat_id: i64) {
        self.shared.lock().missing.insert(chat_id);
    }

    /// The next `n` calls get 429 "Too Many Requests" with `parameters.retry_after`
    /// (whole seconds, at least 1).
    pub fn rate_limit_next(&self, n: u32, retry_after: Duration) {
        let mut state = self.shared.lock();
        state.rate_limited = n;
        state.retry_after = u32::try_from(retry_after.as_secs()).unwrap_or(u32::MAX).max(1);
    }

    /// Every answer from now on comes `delay` late (`Duration::ZERO` to stop).
    pub fn slow(&self, delay: Duration) {
        self.shared.lock().slow = delay;
    }

    /// The next `n` calls get 500 "Internal Server Error".
    pub fn fail_next_with_5xx(&self, n: u32) {
        self.shared.lock().server_errors = n;
    }

    /// The next call gets `error_code` with `description` (e.g. 400, "Bad Request: …").
    pub fn fail_next_with(&self, error_code: u16, description: &str) {
        self.shared.lock().refusals.push_back((error_code, description.to_owned()));
    }

    /// From now on, sends beyond `per_second` in any second, or closer than
    /// `per_chat_interval` to the previous send to the same chat, get 429 with a
    /// `retry_after`, as Telegram's flood control answers.
    pub fn enforce_limits(&self, per_second: u32, per_chat_interval: Duration) {
        self.shared.lock().limits = Some(Limits { per_second, per_chat_interval });
    }

    /// How many 429s [`FakeTelegram::enforce_limits`] answered with.
    #[must_use]
    pub fn limit_hits(&self) -> u64 {
        self.shared.lock().limit_hits
    }

    /// Queues an update for `getUpdates`, with the next `update_id` (replacing any it has);
    /// returns that id.
    pub fn push_update(&self, mut update: Value) -> i64 {
        let id = {
            let mut state = self.shared.lock();
            let id = state.next_update_id;
            state.next_update_id += 1;
            update["update_id"] = json!(id);
            state.updates.push_back(update);
            id
        };
        self.shared.new_update.notify_waiters();
        id
    }

    /// The webhook set with `setWebhook`, if any.
    #[must_use]
    pub fn webhook(&self) -> Option<WebhookInfo> {
        self.shared.lock().webhook.clone()
    }

    /// The callback query ids answered with `answerCallbackQuery`, oldest first.
    #[must_use]
    pub fn answered_callbacks(&self) -> Vec<String> {
        self.calls_to("answerCallbackQuery").iter().filter_map(|c| c.param("callback_query_id")).collect()
    }
}

/// The methods the fake serves, spelled as documented.
const METHODS: &[&str] = &[
    "getMe",
    "sendMessage",
    "sendPhoto",
    "sendLocation",
    "sendVenue",
    "answerCallbackQuery",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "getUpdates",
];

fn is_send(method: &str) -> bool {
    matches!(method, "sendMessage" | "sendPhoto" | "sendLocation" | "sendVenue")
}

/// A Bot API answer.
struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    fn ok(result: Value) -> Self {
        let mut body = Map::new();
        body.insert("ok".into(), Value::Bool(true));
        body.insert("result".into(), result);
        Self { status: 200, body: Value::Object(body) }
    }

    fn error(status: u16, description: &str) -> Self {
        Self { status, body: json!({"ok": false, "error_code": status, "description": description}) }
    }

    fn retry_after(seconds: u32) -> Self {
        Self {
            status: 429,
            body: json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {seconds}"),
                "parameters": {"retry_after": seconds},
            }),
        }
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, [(header::CONTENT_TYPE, "application/json")], self.body.to_string()).into_response()
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let Some((token, method)) = path.strip_prefix("/bot").and_then(|rest| rest.split_once('/')) else {
        return Answer::error(404, "Not Found").into_response();
    };
    if token != shared.token {
        return Answer::error(401, "Unauthorized").into_response();
    }
    let Some(method) = METHODS.iter().find(|m| m.eq_ignore_ascii_case(method)).copied() else {
        return Answer::error(404, "Not Found").into_response();
    };
    let (params, upload) = match read_params(request, &query).await {
        Ok(read) => read,
        Err(e) => return Answer::error(400, &format!("Bad Request: {e}")).into_response(),
    };
    let chat_id = params.get("chat_id").and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
    let (index, slow) = {
        let mut state = shared.lock();
        state.calls.push(RecordedCall {
            method: method.to_owned(),
            params: Value::Object(params.clone()),
            chat_id,
            upload: upload.clone(),
            status: 0,
        });
        (state.calls.len() - 1, state.slow)
    };
    if !slow.is_zero() {
        tokio::time::sleep(slow).await;
    }
    let answer = match injected_fault(&shared, method, chat_id) {
        Some(answer) => answer,
        None => answer(&shared, method, &params, chat_id, upload.is_some()).await,
    };
    if let Some(call) = shared.lock().calls.get_mut(index) {
        call.status = answer.status;
    }
    answer.into_response()
}

/// The parameters of a call: JSON body, multipart fields (and the uploaded file), or the query
/// string.
async fn read_params(request: Request, query: &str) -> Result<(Map<String, Value>, Option<Vec<u8>>), String> {
    let mut params = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(k.to_owned(), Value::String(v.to_owned()));
    }
    let content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &()).await.map_err(|e| e.body_text())?;
        let mut upload = None;
        while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
            let name = field.name().unwrap_or_default().to_owned();
            let is_file = field.file_name().is_some();
            let bytes = field.bytes().await.map_err(|e| e.body_text())?;
            if is_file {
                upload = Some(bytes.to_vec());
                params.entry(name).or_insert_with(|| Value::String("<upload>".into()));
            } else {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let value = match text.trim_start().as_bytes().first() {
                    Some(b'{' | b'[') => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                    _ => Value::String(text),
                };
                params.insert(name, value);
            }
        }
        return Ok((params, upload));
    }
    let body = Bytes::from_request(request, &()).await.map_err(|e| e.body_text())?;
    if !body.is_empty() {
        match serde_json::from_slice(&body) {
            Ok(Value::Object(map)) => params.extend(map),
            Ok(_) => return Err("parameters must be a JSON object".into()),
            Err(e) => return Err(format!("can't parse JSON: {e}")),
        }
    }
    Ok((params, None))
}

/// The fault configured for this call, if any, in the order Telegram would hit them.
fn injected_fault(shared: &Shared, method: &str, chat_id: Option<i64>) -> Option<Answer> {
    let mut state = shared.lock();
    if state.server_errors > 0 {
        state.server_errors -= 1;
        return Some(Answer::error(500, "Internal Server Error"));
    }
    if let Some((code, description)) = state.refusals.pop_front() {
        return Some(Answer::error(code, &description));
    }
    if state.rate_limited > 0 {
        state.rate_limited -= 1;
        return Some(Answer::retry_after(state.retry_after));
    }
    let chat = chat_id?;
    if state.blocked.contains(&chat) {
        return Some(Answer::error(403, "Forbidden: bot was blocked by the user"));
    }
    if state.deactivated.contains(&chat) {
        return Some(Answer::error(403, "Forbidden: user is deactivated"));
    }
    if state.missing.contains(&chat) {
        return Some(Answer::error(400, "Bad Request: chat not found"));
    }
    if !is_send(method) {
        return None;
    }
    let limits = state.limits?;
    let now = Instant::now();
    while state.recent_sends.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
        state.recent_sends.pop_front();
    }
    let chat_wait = state
        .last_send_to
        .get(&chat)
        .map(|last| limits.per_chat_interval.saturating_sub(now.duration_since(*last)))
        .filter(|wait| !wait.is_zero());
    let bot_busy = state.recent_sends.len() >= usize::try_from(limits.per_second).unwrap_or(usize::MAX);
    if chat_wait.is_some() || bot_busy {
        state.limit_hits += 1;
        let wait = chat_wait.unwrap_or(Duration::from_secs(1));
        let seconds = u32::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(u32::MAX).max(1);
        return Some(Answer::retry_after(seconds));
    }
    state.recent_sends.push_back(now);
    state.last_send_to.insert(chat, now);
    None
}

fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

fn bot_user(shared: &Shared) -> Value {
    json!({"id": shared.bot_id, "is_bot": true, "first_name": "Regulars Test", "username": "regulars_test_bot"})
}

/// Checks an inline keyboard the way the real API does.
fn check_markup(params: &Map<String, Value>) -> Result<(), Answer> {
    let Some(markup) = params.get("reply_markup") else { return Ok(()) };
    let markup = match markup {
        Value::String(s) => serde_json::from_str(s)
            .map_err(|_| Answer::error(400, "Bad Request: can't parse reply keyboard markup JSON object"))?,
        other => other.clone(),
    };
    let buttons = markup
        .get("inline_keyboard")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten();
    for button in buttons {
        if let Some(data) = button.get("callback_data").and_then(Value::as_str)
            && (data.is_empty() || data.len() > MAX_CALLBACK_DATA)
        {
            return Err(Answer::error(400, "Bad Request: BUTTON_DATA_INVALID"));
        }
        if button.get("text").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(Answer::error(400, "Bad Request: text buttons are unallowed in the inline keyboard"));
        }
    }
    Ok(())
}

async fn answer(
    shared: &Shared,
    method: &str,
    params: &Map<String, Value>,
    chat_id: Option<i64>,
    uploaded: bool,
) -> Answer {
    let text = |name: &str| params.get(name).and_then(Value::as_str).map(str::to_owned);
    let number = |name: &str| params.get(name).and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()));
    let integer = |name: &str| params.get(name).and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
    if is_send(method) {
        if chat_id.is_none() {
            return Answer::error(400, "Bad Request: chat_id is empty");
        }
        if let Err(answer) = check_markup(params) {
            return answer;
        }
    }
    let chat = chat_id.unwrap_or_default();
    match method {
        "getMe" => Answer::ok(json!({
            "id": shared.bot_id, "is_bot": true, "first_name": "Regulars Test", "username": "regulars_test_bot",
            "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
            "can_connect_to_business": false, "has_main_web_app": false,
        })),
        "sendMessage" => match text("text") {
            None => Answer::error(400, "Bad Request: message text is empty"),
            Some(t) if t.trim().is_empty() => Answer::error(400, "Bad Request: message text is empty"),
            Some(t) if utf16_len(&t) > MAX_TEXT => Answer::error(400, "Bad Request: message is too long"),
            Some(t) => Answer::ok(message(shared, chat, json!({"text": t}))),
        },
        "sendPhoto" => {
            let caption = text("caption").unwrap_or_default();
            if !uploaded && text("photo").is_none_or(|p| p.is_empty()) {
                return Answer::error(400, "Bad Request: there is no photo in the request");
            }
            if utf16_len(&caption) > MAX_CAPTION {
                return Answer::error(400, "Bad Request: message caption is too long");
            }
            let mut extra = json!({"photo": [
                {"file_id": "AgACAgIAAxkDAAIBSmZfake_s", "file_unique_id": "AQADfake_s", "width": 90, "height": 90, "file_size": 1234},
                {"file_id": "AgACAgIAAxkDAAIBSmZfake_m", "file_unique_id": "AQADfake_m", "width": 320, "height": 320, "file_size": 12345},
            ]});
            if !caption.is_empty() {
                extra["caption"] = json!(caption);
            }
            Answer::ok(message(shared, chat, extra))
        }
        "sendLocation" | "sendVenue" => {
            let (Some(latitude), Some(longitude)) = (number("latitude"), number("longitude")) else {
                return Answer::error(400, "Bad Request: wrong latitude or longitude");
            };
            let location = json!({"latitude": latitude, "longitude": longitude});
            if method == "sendLocation" {
                return Answer::ok(message(shared, chat, json!({"location": location})));
            }
            let (Some(title), Some(address)) = (text("title"), text("address")) else {
                return Answer::error(400, "Bad Request: venue title and address must be non-empty");
            };
            let venue = json!({"location": location, "title": title, "address": address});
            Answer::ok(message(shared, chat, json!({"location": location, "venue": venue})))
        }
        "answerCallbackQuery" => match text("callback_query_id") {
            Some(id) if !id.is_empty() => Answer::ok(json!(true)),
            _ => {
                Answer::error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
            }
        },
        "setWebhook" => set_webhook(shared, text("url"), text("secret_token")),
        "deleteWebhook" => {
            shared.lock().webhook = None;
            Answer::ok(json!(true))
        }
        "getWebhookInfo" => {
            let state = shared.lock();
            let url = state.webhook.as_ref().map(|w| w.url.clone()).unwrap_or_default();
            Answer::ok(
                json!({"url": url, "has_custom_certificate": false, "pending_update_count": state.updates.len()}),
            )
        }
        "getUpdates" => get_updates(shared, integer("offset"), number("timeout"), integer("limit")).await,
        _ => Answer::error(404, "Not Found"),
    }
}

fn set_webhook(shared: &Shared, url: Option<String>, secret_token: Option<String>) -> Answer {
    let url = url.unwrap_or_default();
    if let Some(secret) = &secret_token
        && (secret.is_empty()
            || secret.len() > 256
            || !secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    {
        return Answer::error(400, "Bad Request: secret token contains unallowed characters");
    }
    let mut state = shared.lock();
    state.webhook = if url.is_empty() { None } else { Some(WebhookInfo { url, secret_token }) };
    Answer::ok(json!(true))
}

/// Long polling: confirms updates before `offset`, answers at once when some are waiting,
/// else waits up to `timeout` seconds for one.
async fn get_updates(shared: &Shared, offset: Option<i64>, timeout: Option<f64>, limit: Option<i64>) -> Answer {
    let limit = usize::try_from(limit.unwrap_or(100).clamp(1, 100)).unwrap_or(100);
    let deadline = Instant::now() + Duration::from_secs_f64(timeout.unwrap_or(0.0).clamp(0.0, 50.0));
    loop {
        let notified = shared.new_update.notified();
        {
            let mut state = shared.lock();
            if state.webhook.is_some() {
                return Answer::error(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                );
            }
            if let Some(offset) = offset {
                state.updates.retain(|u| u["update_id"].as_i64().unwrap_or_default() >= offset);
            }
            if !state.updates.is_empty() {
                return Answer::ok(Value::Array(state.updates.iter().take(limit).cloned().collect()));
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return Answer::ok(json!([]));
        }
        let _ = tokio::time::timeout(deadline - now, notified).await;
    }
}

fn message(shared: &Shared, chat_id: i64, extra: Value) -> Value {
    let id = {
        let mut state = shared.lock();
        let id = state.next_message_id;
        state.next_message_id += 1;
        id
    };
    let mut message = json!({
        "message_id": id,
        "from": bot_user(shared),
        "chat": {"id": chat_id, "type": "private", "first_name": "Guest"},
        "date": Utc::now().timestamp(),
    });
    if let (Some(message), Value::Object(extra)) = (message.as_object_mut(), extra) {
        message.extend(extra);
    }
    message
}

/// A Telegram user, for building inbound updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TgUser {
    /// The user id (also their private chat's id).
    pub id: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: Option<String>,
    /// `@username`, without `@`.
    pub username: Option<String>,
    /// The app's language (`sr`, `en-US`).
    pub language_code: Option<String>,
}

impl TgUser {
    /// A user with this id, named Ana Petrović, Serbian app.
    #[must_use]
    pub fn new(id: i64) -> Self {
        Self {
            id,
            first_name: "Ana".into(),
            last_name: Some("Petrović".into()),
            username: Some(format!("ana{id}")),
            language_code: Some("sr".into()),
        }
    }

    /// The `User` object.
    #[must_use]
    pub fn json(&self) -> Value {
        let mut user = json!({"id": self.id, "is_bot": false, "first_name": self.first_name});
        for (key, value) in
            [("last_name", &self.last_name), ("username", &self.username), ("language_code", &self.language_code)]
        {
            if let Some(value) = value {
                user[key] = json!(value);
            }
        }
        user
    }

    /// Their private chat with the bot.
    #[must_use]
    pub fn private_chat(&self) -> Value {
        let mut chat = json!({"id": self.id, "type": "private", "first_name": self.first_name});
        if let Some(username) = &self.username {
            chat["username"] = json!(username);
        }
        chat
    }
}

const UPDATE_DATE: i64 = 1_795_166_943;

fn message_from(update_id: i64, from: &TgUser, extra: Value) -> Value {
    let mut message = json!({
        "message_id": update_id % 100_000 + 1,
        "from": from.json(),
        "chat": from.private_chat(),
        "date": UPDATE_DATE,
    });
    if let (Some(message), Value::Object(extra)) = (message.as_object_mut(), extra) {
        message.extend(extra);
    }
    json!({"update_id": update_id, "message": message})
}

/// A private text message; a leading `/command` gets its `bot_command` entity, as Telegram
/// sends it.
#[must_use]
pub fn text_update(update_id: i64, from: &TgUser, text: &str) -> Value {
    let mut extra = json!({"text": text});
    if text.starts_with('/') {
        let command = text.split_whitespace().next().unwrap_or(text);
        extra["entities"] = json!([{"offset": 0, "length": command.encode_utf16().count(), "type": "bot_command"}]);
    }
    message_from(update_id, from, extra)
}

/// `/start` with a deep-link payload (`https://t.me/<bot>?start=<payload>`), or without.
#[must_use]
pub fn start_update(update_id: i64, from: &TgUser, payload: Option<&str>) -> Value {
    let text = payload.map_or_else(|| "/start".to_owned(), |p| format!("/start {p}"));
    text_update(update_id, from, &text)
}

/// A press of an inline button carrying `data`, under a message the bot sent; its callback
/// query id is `"cbq-<update_id>"`.
#[must_use]
pub fn callback_query_update(update_id: i64, from: &TgUser, data: &str) -> Value {
    json!({
        "update_id": update_id,
        "callback_query": {
            "id": callback_query_id(update_id),
            "from": from.json(),
            "message": {
                "message_id": 7,
                "from": {"id": 123_456_789, "is_bot": true, "first_name": "Regulars Test", "username": "regulars_test_bot"},
                "chat": from.private_chat(),
                "date": UPDATE_DATE - 60,
                "text": "Menu",
                "reply_markup": {"inline_keyboard": [[{"text": "Button", "callback_data": data}]]},
            },
            "chat_instance": "-4718207139158813386",
            "data": data,
        }
    })
}

/// The callback query id [`callback_query_update`] gives its update.
#[must_use]
pub fn callback_query_id(update_id: i64) -> String {
    format!("cbq-{update_id}")
}

/// A shared contact: `phone` as Telegram sends it (often digits without `+`); `owner` is the
/// contact's Telegram user id (the sender's own id when they pressed a `request_contact`
/// button, another id or `None` for someone else's card).
#[must_use]
pub fn contact_update(update_id: i64, from: &TgUser, phone: &str, owner: Option<i64>) -> Value {
    let mut contact = json!({"phone_number": phone, "first_name": from.first_name});
    if let Some(owner) = owner {
        contact["user_id"] = json!(owner);
    }
    message_from(update_id, from, json!({"contact": contact}))
}

/// A shared location.
#[must_use]
pub fn location_update(update_id: i64, from: &TgUser, lat: f64, lon: f64) -> Value {
    message_from(update_id, from, json!({"location": {"latitude": lat, "longitude": lon}}))
}

/// An edit of an earlier message: an update the conversation does not use.
#[must_use]
pub fn edited_message_update(update_id: i64, from: &TgUser, text: &str) -> Value {
    let mut update = text_update(update_id, from, text);
    let message = update["message"].take();
    let mut edited = message;
    edited["edit_date"] = json!(UPDATE_DATE + 5);
    json!({"update_id": update_id, "edited_message": edited})
}

/// What happened to the bot in a person's private chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    /// The person blocked the bot (`kicked`).
    Kicked,
    /// The person unblocked or restarted it (`member`).
    Member,
}

/// `my_chat_member` in `from`'s private chat: the bot went from `member` to `kicked` or back.
#[must_use]
pub fn my_chat_member_update(update_id: i64, from: &TgUser, status: MemberStatus) -> Value {
    let bot =
        json!({"id": 123_456_789, "is_bot": true, "first_name": "Regulars Test", "username": "regulars_test_bot"});
    let kicked = json!({"status": "kicked", "user": bot, "until_date": 0});
    let member = json!({"status": "member", "user": bot});
    let (old, new) = match status {
        MemberStatus::Kicked => (member, kicked),
        MemberStatus::Member => (kicked, member),
    };
    json!({
        "update_id": update_id,
        "my_chat_member": {
            "chat": from.private_chat(),
            "from": from.json(),
            "date": UPDATE_DATE,
            "old_chat_member": old,
            "new_chat_member": new,
        }
    })
}

/// A webhook request as Telegram posts it, carrying `secret` in
/// [`SECRET_TOKEN_HEADER`] (none when `None`), received at a fixed instant.
#[must_use]
pub fn webhook_request(secret: Option<&str>, body: Vec<u8>) -> ChannelRequest {
    let mut headers = Headers::new();
    headers.append("content-type", "application/json");
    if let Some(secret) = secret {
        headers.append(SECRET_TOKEN_HEADER, secret);
    }
    ChannelRequest {
        method: "POST".into(),
        query: String::new(),
        headers,
        body,
        received_at: chrono::DateTime::from_timestamp(UPDATE_DATE, 0).unwrap_or_default(),
    }
}

/// `update` serialized and signed with `secret`, as Telegram posts it.
#[must_use]
pub fn signed_webhook(secret: &str, update: &Value) -> ChannelRequest {
    webhook_request(Some(secret), update.to_string().into_bytes())
}
