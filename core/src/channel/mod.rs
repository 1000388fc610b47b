//! The messenger plugin point: a [`Channel`] sends channel-neutral [`Message`]s to a guest or
//! staff member on one messenger, and turns that messenger's signed webhook requests into
//! normalized [`InboundEvent`]s.
//!
//! A channel does the platform part only. What to say is decided once, channel-neutrally, by
//! the conversation and the notifications, already in the person's language; the channel
//! renders each message natively and degrades it by its [`Capabilities`] (more buttons than
//! the platform allows become a list or numbered text, a photo becomes a link where photos are
//! not supported). Nothing outside a channel's crate asks which messenger it is: it reads the
//! capabilities.
//!
//! Cross-cutting concerns (per-chat and per-bot rate limits, retries, tracing) wrap the trait
//! in the outbox sender; implementations only report what the platform said, as a
//! [`DeliveryResult`].
//!
//! Implementations: `regulars-telegram` (teloxide), `regulars-whatsapp`, `regulars-viber`. Each
//! runs the channel conformance suite in `regulars-testkit` against a loopback fake of its
//! platform that speaks the real wire format.

pub mod text;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::http::Headers;

/// Where a message goes on a platform: the chat or user id the platform addresses
/// (Telegram chat id, WhatsApp `wa_id`, Viber user id), the same id an inbound event's
/// [`Sender::external_id`] carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address(pub String);

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a button does when pressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum ButtonAction {
    /// Sends `payload` back as an [`InboundEvent::Button`]: at most
    /// [`MAX_PAYLOAD_LEN`] bytes of `A-Za-z0-9_:.-` (fits every platform's callback data).
    Payload(String),
    /// Opens a web page.
    Url(String),
    /// Opens the Mini App at this URL, where the platform has Mini Apps
    /// ([`Capabilities::mini_app`]); elsewhere a plain link.
    MiniApp(String),
    /// Asks the person to share their own phone number, verified by the platform
    /// ([`Capabilities::contact_sharing`]); comes back as [`InboundEvent::Contact`].
    ShareContact,
}

/// Longest button payload, in bytes: Telegram's callback data limit.
pub const MAX_PAYLOAD_LEN: usize = 64;

/// A messenger's name as people write it (`whatsapp` → `WhatsApp`), for texts that name
/// another messenger; an unknown kind as it is.
#[must_use]
pub fn messenger_name(kind: &str) -> &str {
    match kind {
        "telegram" => "Telegram",
        "whatsapp" => "WhatsApp",
        "viber" => "Viber",
        other => other,
    }
}

/// A button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// The label, in the person's language.
    pub label: String,
    /// What it does.
    pub action: ButtonAction,
}

impl Button {
    /// A button that sends `payload` back.
    #[must_use]
    pub fn payload(label: impl Into<String>, payload: impl Into<String>) -> Self {
        Self { label: label.into(), action: ButtonAction::Payload(payload.into()) }
    }
}

/// A channel-neutral message. Text is final (localized, no markup): channels escape it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Message {
    /// Text with optional buttons, in rows.
    Text {
        /// The text.
        text: String,
        /// Buttons, row by row (empty: none).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Vec<Button>>,
    },
    /// A PNG image (the card QR) with a caption and optional buttons.
    Photo {
        /// The PNG bytes.
        #[serde(with = "png_base64")]
        png: Vec<u8>,
        /// The caption.
        caption: String,
        /// Buttons, row by row.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Vec<Button>>,
    },
    /// A place on the map (a cafe).
    Location {
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
        /// The place's name.
        title: String,
        /// Its address.
        address: String,
    },
    /// A pre-approved template message, the only kind a platform with a
    /// [`Capabilities::service_window`] accepts outside that window (WhatsApp's message
    /// templates). The outbox sends one in place of a notification when the window has closed
    /// and the channel's configuration names a template; channels without a service window
    /// answer [`DeliveryResult::PermanentFailure`].
    Template {
        /// The template's name, as approved on the platform.
        name: String,
        /// The template's language code on the platform (`en_US`, `ru`).
        language: String,
        /// The body's parameters, in order (`{{1}}`, `{{2}}`, …), already localized.
        params: Vec<String>,
    },
}

impl Message {
    /// Plain text without buttons.
    #[must_use]
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text { text: text.into(), buttons: Vec::new() }
    }

    /// Every button, row by row flattened.
    pub fn buttons(&self) -> impl Iterator<Item = &Button> {
        let rows: &[Vec<Button>] = match self {
            Self::Text { buttons, .. } | Self::Photo { buttons, .. } => buttons,
            Self::Location { .. } | Self::Template { .. } => &[],
        };
        rows.iter().flatten()
    }
}

mod png_base64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// How a platform limits sending; the outbox sender paces by these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimits {
    /// Messages per second to everyone together (per bot or phone number).
    pub per_second: u32,
    /// Least time between two messages to the same chat.
    pub per_chat_interval: Duration,
}

/// What a channel can do: plain fields, read instead of asking which messenger it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Longest text message, in characters.
    pub max_text_len: usize,
    /// Buttons under a message: at most this many in all (0: no buttons; the channel turns
    /// them into numbered lines the person answers with the number).
    pub max_buttons: usize,
    /// At most this many buttons in one row.
    pub max_buttons_per_row: usize,
    /// Longest button label, in characters (longer ones are shortened).
    pub max_button_label: usize,
    /// Longer choices can be shown as a list of this many rows (0: no lists).
    pub max_list_rows: usize,
    /// Sends images.
    pub photos: bool,
    /// Longest photo caption, in characters.
    pub max_caption_len: usize,
    /// Can ask for the person's own, platform-verified phone number.
    pub contact_sharing: bool,
    /// Phone numbers come verified with every message (WhatsApp: the number is the address).
    pub verified_phone_inherent: bool,
    /// Sends map locations.
    pub location: bool,
    /// Opens Mini Apps from buttons.
    pub mini_app: bool,
    /// Sending limits.
    pub rate: RateLimits,
    /// Free-form messages only within this long after the person's last message (WhatsApp's
    /// 24 hours); `None`: any time.
    pub service_window: Option<Duration>,
}

/// What the platform said about one send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeliveryResult {
    /// Accepted by the platform.
    Delivered {
        /// The platform's id of the message, when it gives one.
        message_id: Option<String>,
    },
    /// The person blocked the bot, left, or the account is gone: stop sending to them.
    Blocked {
        /// What the platform said.
        reason: String,
    },
    /// Too many messages: try again after `retry_after`.
    RateLimited {
        /// How long the platform asks to wait.
        retry_after: Duration,
    },
    /// A failure worth retrying later (network, platform 5xx, timeout).
    TemporaryFailure {
        /// What went wrong.
        reason: String,
    },
    /// A failure retrying cannot fix (a malformed message, a bad token): record it and move
    /// on.
    PermanentFailure {
        /// What went wrong.
        reason: String,
    },
    /// The platform accepts only template messages now: the person's last message is older
    /// than the channel's [`Capabilities::service_window`] (WhatsApp's error 131047). The
    /// outbox sends the configured template instead, or records that the message was not
    /// sent.
    OutsideServiceWindow {
        /// What the platform said.
        reason: String,
    },
}

impl DeliveryResult {
    /// Whether the message reached the platform.
    #[must_use]
    pub fn is_delivered(&self) -> bool {
        matches!(self, Self::Delivered { .. })
    }
}

/// One inbound webhook request, as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The raw query string, without `?` (WhatsApp's subscription check is a `GET` with
    /// `hub.*` parameters).
    pub query: String,
    /// The headers.
    pub headers: Headers,
    /// The raw body, exactly as received: signatures cover these bytes.
    pub body: Vec<u8>,
    /// When the server received it.
    pub received_at: DateTime<Utc>,
}

/// Who sent an inbound event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    /// The platform's id of the person (also their [`Address`] for replies).
    pub external_id: String,
    /// Their name on the platform, if it says.
    pub display_name: Option<String>,
    /// Their app's language (`ru`, `en-US`), if the platform says.
    pub language: Option<String>,
}

impl Sender {
    /// Where replies to this person go.
    #[must_use]
    pub fn address(&self) -> Address {
        Address(self.external_id.clone())
    }

    /// The sender without NUL in any field ([`text::without_nul`]); a name that was nothing
    /// else is no name.
    #[must_use]
    pub fn without_nul(self) -> Self {
        Self {
            external_id: text::without_nul(self.external_id),
            display_name: self.display_name.map(text::without_nul).filter(|n| !n.trim().is_empty()),
            language: self.language.map(text::without_nul).filter(|l| !l.is_empty()),
        }
    }
}

/// What happened to a sent message, per the platform's receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// Reached the device.
    Delivered,
    /// Read.
    Read,
    /// The platform gave up.
    Failed,
}

/// A normalized inbound event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InboundEvent {
    /// The person opened the chat or a deep link (Telegram `/start <payload>`, Viber
    /// `conversation_started` with `context`).
    Start {
        /// Who.
        from: Sender,
        /// The deep link's payload (a referral code, a staff token), if any.
        payload: Option<String>,
    },
    /// Free text.
    Text {
        /// Who.
        from: Sender,
        /// What they wrote.
        text: String,
    },
    /// A button press (or a list choice) carrying a payload the bot sent.
    Button {
        /// Who.
        from: Sender,
        /// The button's payload.
        payload: String,
        /// The platform's id to acknowledge the press with, if it needs one (Telegram's
        /// callback query id).
        ack_id: Option<String>,
    },
    /// The person shared a phone number.
    Contact {
        /// Who.
        from: Sender,
        /// The number, in E.164.
        phone: String,
        /// True when the platform vouches that it is the sender's own number.
        verified: bool,
    },
    /// The person shared a location.
    Location {
        /// Who.
        from: Sender,
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
    },
    /// The person blocked the bot or unsubscribed: stop sending.
    Blocked {
        /// Who.
        user: String,
    },
    /// The person unblocked the bot or subscribed again.
    Unblocked {
        /// Who.
        user: String,
    },
    /// A receipt for a sent message.
    Receipt {
        /// The platform's message id, as [`DeliveryResult::Delivered`] gave it.
        message_id: String,
        /// What happened.
        status: ReceiptStatus,
    },
}

impl InboundEvent {
    /// The event without NUL in any text it carries: what every channel hands on (see
    /// [`Channel::parse_webhook`] and [`text::without_nul`] for why).
    #[must_use]
    pub fn without_nul(self) -> Self {
        use text::without_nul as clean;
        match self {
            Self::Start { from, payload } => Self::Start { from: from.without_nul(), payload: payload.map(clean) },
            Self::Text { from, text } => Self::Text { from: from.without_nul(), text: clean(text) },
            Self::Button { from, payload, ack_id } => {
                Self::Button { from: from.without_nul(), payload: clean(payload), ack_id: ack_id.map(clean) }
            }
            Self::Contact { from, phone, verified } => {
                Self::Contact { from: from.without_nul(), phone: clean(phone), verified }
            }
            Self::Location { from, lat, lon } => Self::Location { from: from.without_nul(), lat, lon },
            Self::Blocked { user } => Self::Blocked { user: clean(user) },
            Self::Unblocked { user } => Self::Unblocked { user: clean(user) },
            Self::Receipt { message_id, status } => Self::Receipt { message_id: clean(message_id), status },
        }
    }
}

/// What a webhook request amounts to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WebhookOutcome {
    /// The events it carried, in order (empty for platform housekeeping).
    pub events: Vec<InboundEvent>,
    /// A body the platform expects back in the HTTP answer (WhatsApp's `hub.challenge`), with
    /// status 200; `None`: an empty 200.
    pub reply: Option<Vec<u8>>,
}

/// Why a webhook request was refused, in a form the server maps to an HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Missing or wrong signature or secret token: HTTP 401 (403 for WhatsApp's subscription
    /// check, per the platform). Nothing in the body was looked at.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// Signed, but not the platform's JSON: HTTP 400 (the platform will not fix it by
    /// retrying, but a 4xx makes the mistake visible in its dashboard).
    #[error("malformed request: {0}")]
    Malformed(String),
}

impl WebhookError {
    /// The HTTP status the server answers with.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Unauthenticated(_) => 401,
            Self::Malformed(_) => 400,
        }
    }
}

/// Where a channel whose platform takes images only by URL (Viber has no upload API) puts
/// them: the server keeps each image for a while and serves it at a public HTTPS address.
pub trait MediaHost: Send + Sync + fmt::Debug {
    /// Publishes a PNG and returns the public URL it is served at for at least a few minutes;
    /// `None` when it cannot (the channel then sends the caption as text).
    fn publish_png(&self, png: &[u8]) -> Option<String>;
}

/// A messenger, as one configured bot (`Arc<dyn Channel>` in server state).
#[async_trait]
pub trait Channel: Send + Sync + fmt::Debug {
    /// The channel kind, as stored in guest identities (`telegram`, `whatsapp`, `viber`).
    ///
    /// # Behaviour
    /// Non-empty lower-case ASCII, the same on every call and for every bot of the platform.
    fn kind(&self) -> &'static str;

    /// What the channel can do.
    ///
    /// # Behaviour
    /// The same on every call; `max_text_len` and `rate.per_second` are positive.
    fn capabilities(&self) -> Capabilities;

    /// Sends one message to `to`.
    ///
    /// # Behaviour
    /// - Renders `message` natively, within [`Channel::capabilities`]: text longer than
    ///   `max_text_len` is cut (with `…`), more buttons than allowed become a list or numbered
    ///   lines, nothing is silently dropped except by those rules.
    /// - Maps the platform's answer: accepted → [`DeliveryResult::Delivered`]; the person
    ///   blocked the bot or cannot be reached → `Blocked`; the platform's "too many requests"
    ///   → `RateLimited` with its retry-after (a default of a few seconds when it gives none);
    ///   network errors, timeouts and platform 5xx → `TemporaryFailure`; other refusals →
    ///   `PermanentFailure`.
    /// - Never panics and never retries by itself: retries are the outbox sender's.
    /// - Secrets (tokens) never appear in the reasons.
    /// - A channel with a [`Capabilities::service_window`] answers `OutsideServiceWindow` when
    ///   the platform refuses a free-form message because the window has closed, and sends
    ///   [`Message::Template`]s; a channel without one answers `PermanentFailure` to a template.
    async fn send(&self, to: &Address, message: &Message) -> DeliveryResult;

    /// Sends the same message to several people, in one platform call where the platform has
    /// one (Viber's `broadcast_message`, up to 300 recipients); one result per address, in
    /// order.
    ///
    /// # Behaviour
    /// The same rendering and result mapping as [`Channel::send`] for each address. The
    /// default sends one by one.
    async fn send_to_many(&self, to: &[Address], message: &Message) -> Vec<DeliveryResult> {
        let mut results = Vec::with_capacity(to.len());
        for address in to {
            results.push(self.send(address, message).await);
        }
        results
    }

    /// Verifies and parses one webhook request.
    ///
    /// # Behaviour
    /// - The platform's authentication (secret token header, body signature) is checked
    ///   before the body is parsed, in constant time: a request that fails it is
    ///   [`WebhookError::Unauthenticated`] whatever it holds.
    /// - A verified body that is not the platform's JSON is [`WebhookError::Malformed`].
    /// - A verified update the conversation does not use (typing notices, edits, group
    ///   events) gives an outcome with no events, so the platform stops retrying.
    /// - No text of an event holds NUL (U+0000): a message or name with one is handed on
    ///   without it ([`InboundEvent::without_nul`]), never dropped, since storage cannot
    ///   hold NUL and the update would otherwise be lost.
    /// - Pure: no network, no storage, no clock but `request.received_at`.
    ///
    /// # Errors
    /// As above.
    fn parse_webhook(&self, request: &ChannelRequest) -> Result<WebhookOutcome, WebhookError>;

    /// The webhook's HTTP answer body that delivers `message` as the reply to `event`, for
    /// platforms that take (or only allow) the first reply in the answer itself: Viber may
    /// send nothing to a person who opened the chat but has not subscribed, except the welcome
    /// message in its answer to `conversation_started`.
    ///
    /// # Behaviour
    /// `None` (the default) when the platform takes no reply in the answer, or not for this
    /// event or message: the server then sends `message` with [`Channel::send`]. Pure.
    fn reply_in_response(&self, event: &InboundEvent, message: &Message) -> Option<Vec<u8>> {
        let _ = (event, message);
        None
    }

    /// The approved template message that carries a notification of kind `key` (`earned`,
    /// `refunded`) outside the channel's [`Capabilities::service_window`], in the template
    /// language for `language` (the person's), with the notification's text as `params`.
    ///
    /// # Behaviour
    /// `None` (the default) when the channel has no service window or no template is
    /// configured for `key`: the outbox then records that the notification was not sent.
    /// Pure.
    fn template(&self, key: &str, language: Option<&str>, params: Vec<String>) -> Option<Message> {
        let _ = (key, language, params);
        None
    }

    /// Acknowledges a button press the platform waits for (Telegram's
    /// `answerCallbackQuery`), so the person's app stops its spinner.
    ///
    /// # Behaviour
    /// Does nothing for events that need no acknowledgement; failures are not reported (the
    /// press was already handled).
    async fn acknowledge(&self, event: &InboundEvent) {
        let _ = event;
    }
}
