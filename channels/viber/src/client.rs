//! The outbound side: [`ViberChannel`] posts JSON to the REST API with reqwest, every call
//! bounded by the configured timeout, and maps Viber's answers (HTTP 200 with a `status`, even
//! for errors) to [`DeliveryResult`]s.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use regulars_core::channel::{
    Address, Capabilities, Channel, ChannelRequest, DeliveryResult, InboundEvent, MediaHost, Message, WebhookError,
    WebhookOutcome,
};
use regulars_core::{Error, Result};
use serde_json::{Map, Value, json};

use crate::config::{AuthToken, ViberConfig};
use crate::mapping::{self, Answer, MAX_BROADCAST};
use crate::webhook;

/// The header every call carries the token in.
pub const AUTH_TOKEN_HEADER: &str = "X-Viber-Auth-Token";

/// The callbacks [`ViberChannel::set_webhook`] subscribes to (`message` always comes).
pub const EVENT_TYPES: &[&str] = &["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"];

/// One configured Viber bot, as a [`Channel`]; also webhook setup and deep links.
///
/// `Debug` shows the bot's URI, sender name and API root, never the token.
#[derive(Clone)]
pub struct ViberChannel {
    http: reqwest::Client,
    token: AuthToken,
    /// `{"name", "avatar"?}`, the same on every message.
    sender: Value,
    uri: String,
    api_url: url::Url,
    capabilities: Capabilities,
    request_timeout: Duration,
    /// Where photos are published, when the server hosts them.
    media: Option<Arc<dyn MediaHost>>,
}

impl fmt::Debug for ViberChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViberChannel")
            .field("uri", &self.uri)
            .field("sender", &self.sender)
            .field("api_url", &self.api_url.as_str())
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

/// Why an API call other than a send failed (webhook setup, the token check).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ViberError {
    /// Too many requests (status 12): try again after `retry_after`.
    #[error("rate limited: retry after {retry_after:?}")]
    RateLimited {
        /// How long to wait (Viber gives no figure: a default of a few seconds).
        retry_after: Duration,
    },
    /// Network trouble, a timeout or an HTTP 5xx: worth retrying.
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// Viber refused the call (bad token, an invalid webhook URL): retrying will not help.
    #[error("refused by the Viber API: {0}")]
    Refused(String),
}

impl ViberError {
    /// How long to wait before trying again, when trying again can help.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            Self::Temporary(_) => Some(Duration::from_secs(1)),
            Self::Refused(_) => None,
        }
    }

    fn from_result(result: DeliveryResult) -> Self {
        match result {
            DeliveryResult::RateLimited { retry_after } => Self::RateLimited { retry_after },
            DeliveryResult::TemporaryFailure { reason } => Self::Temporary(reason),
            DeliveryResult::Blocked { reason }
            | DeliveryResult::PermanentFailure { reason }
            | DeliveryResult::OutsideServiceWindow { reason } => Self::Refused(reason),
            other => Self::Refused(format!("{other:?}")),
        }
    }
}

impl ViberChannel {
    /// A channel for the bot `config` describes. Makes no network call.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad key; [`Error::Internal`] when the HTTP
    /// client cannot be built.
    pub fn new(config: &ViberConfig) -> Result<Self> {
        config.validate()?;
        let request_timeout = config.request_timeout();
        let http = reqwest::Client::builder()
            .timeout(request_timeout)
            .connect_timeout(request_timeout)
            .build()
            .map_err(|e| Error::internal_from("building the Viber HTTP client", e))?;
        let mut sender = json!({"name": config.sender_name});
        if let Some(avatar) = &config.sender_avatar {
            sender["avatar"] = json!(avatar);
        }
        Ok(Self {
            http,
            token: config.auth_token.clone(),
            sender,
            uri: config.uri.clone(),
            api_url: config.api_url()?,
            capabilities: mapping::capabilities(false),
            request_timeout,
            media: None,
        })
    }

    /// The channel sending photos (the card's QR) as `picture` messages, the image published
    /// by `host` at a public URL (Viber takes images only by URL). Without one, photos go as
    /// their caption.
    #[must_use]
    pub fn with_media_host(mut self, host: Arc<dyn MediaHost>) -> Self {
        self.media = Some(host);
        self.capabilities = mapping::capabilities(true);
        self
    }

    /// The bot's public account URI.
    #[must_use]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The deep link that opens the bot and sends `conversation_started` with `payload` as its
    /// `context` (`viber://pa?chatURI=<uri>&context=<payload>`; `payload`: 1-64 of
    /// `A-Za-z0-9_-` to come back as the [`InboundEvent::Start`] payload).
    #[must_use]
    pub fn start_link(&self, payload: &str) -> String {
        let context: String = url::form_urlencoded::byte_serialize(payload.as_bytes()).collect();
        format!("viber://pa?chatURI={}&context={context}", self.uri)
    }

    /// Asks Viber about the bot (`get_account_info`): a start-up check that the token works and
    /// belongs to the configured `uri`.
    ///
    /// # Errors
    /// [`ViberError::Refused`] for a bad token or another bot's token; the others as for any
    /// call.
    pub async fn check_token(&self) -> std::result::Result<(), ViberError> {
        let answer = self.call_ok("get_account_info", &json!({})).await?;
        match answer.uri.as_deref() {
            Some(uri) if uri.eq_ignore_ascii_case(&self.uri) => Ok(()),
            other => Err(ViberError::Refused(format!(
                "the token belongs to the bot `{}`, not to the configured `{}`",
                other.unwrap_or("?"),
                self.uri
            ))),
        }
    }

    /// Points Viber at `url` for callbacks ([`EVENT_TYPES`] and messages), with the sender's
    /// name. Viber checks the URL at once by posting a signed `webhook` callback to it, which
    /// [`Channel::parse_webhook`] answers with no events: the server must already be serving
    /// `url`.
    ///
    /// # Errors
    /// [`ViberError::Refused`] for a URL Viber does not accept (it must be https with a valid
    /// certificate) or a bad token; the others as for any call.
    pub async fn set_webhook(&self, url: &str) -> std::result::Result<(), ViberError> {
        let body = json!({"url": url, "event_types": EVENT_TYPES, "send_name": true, "send_photo": false});
        self.call_ok("set_webhook", &body).await.map(drop)
    }

    /// Removes the webhook (`set_webhook` with an empty URL): Viber stops sending callbacks.
    ///
    /// # Errors
    /// As for any call.
    pub async fn delete_webhook(&self) -> std::result::Result<(), ViberError> {
        self.call_ok("set_webhook", &json!({"url": ""})).await.map(drop)
    }

    /// One call whose answer must have status 0.
    async fn call_ok(&self, method: &str, body: &Value) -> std::result::Result<Answer, ViberError> {
        let answer = self.call(method, body).await.map_err(ViberError::from_result)?;
        match mapping::delivery_result(answer.status, &answer.status_message, None, self.token.expose()) {
            DeliveryResult::Delivered { .. } => Ok(answer),
            failure => Err(ViberError::from_result(failure)),
        }
    }

    /// Posts `body` to `method`; `Err` holds what a failure before Viber's `status` means for a
    /// send (network, timeout, HTTP errors, an unreadable answer).
    async fn call(&self, method: &str, body: &Value) -> std::result::Result<Answer, DeliveryResult> {
        let url = self
            .api_url
            .join(method)
            .map_err(|e| DeliveryResult::PermanentFailure { reason: format!("API method `{method}`: {e}") })?;
        let sent = self
            .http
            .post(url)
            .header(AUTH_TOKEN_HEADER, self.token.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) => return Err(network_failure(&e)),
        };
        let status = response.status();
        if status.is_server_error() {
            return Err(DeliveryResult::TemporaryFailure { reason: format!("the Viber API answered HTTP {status}") });
        }
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(DeliveryResult::RateLimited { retry_after: mapping::DEFAULT_RETRY_AFTER });
        }
        if !status.is_success() {
            return Err(DeliveryResult::PermanentFailure { reason: format!("the Viber API answered HTTP {status}") });
        }
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return Err(network_failure(&e)),
        };
        // A proxy's error page or a cut-off answer: Viber's side, worth retrying.
        serde_json::from_slice(&bytes)
            .map_err(|_| DeliveryResult::TemporaryFailure { reason: "unreadable answer from the Viber API".into() })
    }

    /// The body of a message addressed with `reserve` more bytes; `Err` when it cannot be sent.
    fn render(&self, message: &Message, reserve: usize) -> std::result::Result<Map<String, Value>, DeliveryResult> {
        mapping::render(message, &self.capabilities, &self.sender, reserve, self.media.as_deref())
            .map_err(|reason| DeliveryResult::PermanentFailure { reason })
    }

    /// One `broadcast_message` to at most [`MAX_BROADCAST`] receivers.
    async fn broadcast(&self, to: &[Address], message: &Message) -> Vec<DeliveryResult> {
        let reserve = to.iter().map(|a| a.0.len() + 3).sum::<usize>() + 64;
        let mut body = match self.render(message, reserve) {
            Ok(body) => body,
            Err(failure) => return vec![failure; to.len()],
        };
        body.insert("broadcast_list".into(), to.iter().map(|a| Value::String(a.0.clone())).collect());
        // The broadcast API serves clients of API level 2 and above.
        let level = body.get("min_api_version").and_then(Value::as_u64).unwrap_or(1).max(2);
        body.insert("min_api_version".into(), json!(level));
        let answer = match self.call("broadcast_message", &Value::Object(body)).await {
            Ok(answer) => answer,
            Err(failure) => return vec![failure; to.len()],
        };
        let token = self.token.expose();
        if answer.status != 0 {
            let failure = mapping::delivery_result(answer.status, &answer.status_message, None, token);
            return vec![failure; to.len()];
        }
        to.iter()
            .map(|address| match answer.failed_list.iter().find(|f| f.receiver == address.0) {
                // A failed entry with status 0 would be a contradiction: count it as delivered.
                Some(failed) => {
                    mapping::delivery_result(failed.status, &failed.status_message, answer.message_token.clone(), token)
                }
                None => DeliveryResult::Delivered { message_id: answer.message_token.clone() },
            })
            .collect()
    }
}

fn network_failure(error: &reqwest::Error) -> DeliveryResult {
    // reqwest's own messages name the URL; these name only the kind of failure.
    let what = if error.is_timeout() {
        "the Viber API did not answer in time"
    } else if error.is_connect() {
        "could not connect to the Viber API"
    } else {
        "network error talking to the Viber API"
    };
    DeliveryResult::TemporaryFailure { reason: what.to_owned() }
}

#[async_trait]
impl Channel for ViberChannel {
    fn kind(&self) -> &'static str {
        "viber"
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    /// `send_message` with `type: text`: photos are sent as their caption (Viber takes images
    /// only by public URL) and places as their name, address and a map link; buttons are a
    /// keyboard (`reply` with [`PAYLOAD_PREFIX`](crate::PAYLOAD_PREFIX) and the payload,
    /// `open-url`, `share-phone`). See the crate docs for how extra buttons degrade.
    async fn send(&self, to: &Address, message: &Message) -> DeliveryResult {
        if to.0.is_empty() {
            return DeliveryResult::PermanentFailure { reason: "empty Viber user id".into() };
        }
        let mut body = match self.render(message, to.0.len() + 16) {
            Ok(body) => body,
            Err(failure) => return failure,
        };
        body.insert("receiver".into(), json!(to.0));
        // A send that times out may still have reached Viber; the outbox sender decides
        // whether to retry (and risk a duplicate).
        match self.call("send_message", &Value::Object(body)).await {
            Ok(answer) => mapping::delivery_result(
                answer.status,
                &answer.status_message,
                answer.message_token,
                self.token.expose(),
            ),
            Err(failure) => failure,
        }
    }

    /// `broadcast_message` with up to 300 receivers per call (longer lists take several calls,
    /// one after another); receivers in the answer's `failed_list` get their status mapped as
    /// for [`Channel::send`], the others `Delivered` with the broadcast's `message_token`. A
    /// single address is a plain send.
    async fn send_to_many(&self, to: &[Address], message: &Message) -> Vec<DeliveryResult> {
        if let [one] = to {
            return vec![self.send(one, message).await];
        }
        let mut results = Vec::with_capacity(to.len());
        for chunk in to.chunks(MAX_BROADCAST) {
            results.extend(self.broadcast(chunk, message).await);
        }
        results
    }

    fn parse_webhook(&self, request: &ChannelRequest) -> std::result::Result<WebhookOutcome, WebhookError> {
        webhook::parse(&self.token, request)
    }

    /// For a `Start` (Viber's `conversation_started`, the only way one comes), the welcome
    /// message: `message` rendered as for [`Channel::send`], without a receiver, for the server
    /// to answer the callback with. Viber lets a bot send nothing else to a person who has not
    /// subscribed yet. `None` for other events, and for messages that cannot be sent.
    fn reply_in_response(&self, event: &InboundEvent, message: &Message) -> Option<Vec<u8>> {
        if !matches!(event, InboundEvent::Start { .. }) {
            return None;
        }
        let body = mapping::render(message, &self.capabilities, &self.sender, 0, self.media.as_deref()).ok()?;
        Some(Value::Object(body).to_string().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use regulars_core::channel::{Button, Sender};

    use super::*;

    const TOKEN: &str = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";

    fn channel() -> ViberChannel {
        let mut config = ViberConfig::new(AuthToken::new(TOKEN).unwrap(), "Regulars", "regularsdemo");
        config.sender_avatar = Some("https://regulars.example/avatar.png".into());
        ViberChannel::new(&config).unwrap()
    }

    #[test]
    fn debug_hides_the_token() {
        let shown = format!("{:?}", channel());
        assert!(shown.contains("regularsdemo") && shown.contains("chatapi.viber.com"), "{shown}");
        assert!(!shown.contains("e02c5f12"), "{shown}");
    }

    #[test]
    fn deep_links_carry_the_context() {
        assert_eq!(channel().start_link("ref_AB12"), "viber://pa?chatURI=regularsdemo&context=ref_AB12");
        assert_eq!(channel().start_link("a b&c"), "viber://pa?chatURI=regularsdemo&context=a+b%26c");
    }

    #[test]
    fn the_welcome_message_answers_conversation_started_only() {
        let from = Sender { external_id: "01234567890A=".into(), display_name: None, language: None };
        let start = InboundEvent::Start { from: from.clone(), payload: None };
        let message = Message::Text { text: "Welcome!".into(), buttons: vec![vec![Button::payload("Start", "v1:go")]] };
        let reply = channel().reply_in_response(&start, &message).unwrap();
        let reply: Value = serde_json::from_slice(&reply).unwrap();
        assert_eq!(
            reply,
            json!({
                "sender": {"name": "Regulars", "avatar": "https://regulars.example/avatar.png"},
                "type": "text",
                "text": "Welcome!",
                "keyboard": {"Type": "keyboard", "DefaultHeight": false, "Buttons": [
                    {"Columns": 6, "Rows": 1, "ActionType": "reply", "ActionBody": "rg:v1:go", "Text": "Start", "Silent": true},
                ]},
            })
        );
        let text = InboundEvent::Text { from, text: "hi".into() };
        assert_eq!(channel().reply_in_response(&text, &message), None);
        let template = Message::Template { name: "t".into(), language: "en".into(), params: Vec::new() };
        assert_eq!(channel().reply_in_response(&start, &template), None);
    }
}
