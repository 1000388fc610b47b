//! # regulars-telegram
//!
//! The Telegram channel of regulars: a [`TelegramChannel`] implements
//! [`Channel`](regulars_core::channel::Channel) with teloxide's Bot API client.
//!
//! - Sending: text, photos (the card QR, uploaded as PNG), places and buttons rendered natively
//!   (inline keyboards with callback data, links and Mini Apps; a one-time reply keyboard to
//!   ask for the person's own phone number), cut and degraded within
//!   [`Channel::capabilities`](regulars_core::channel::Channel::capabilities): text over 4096
//!   and captions over 1024 UTF-16 units end in `…`, rows wrap at 3 buttons, labels are cut at
//!   64 characters, and buttons beyond 24 (or beside a contact request, which needs the other
//!   kind of keyboard) become numbered lines of text. Telegram's answers become
//!   [`DeliveryResult`](regulars_core::channel::DeliveryResult)s: flood control →
//!   `RateLimited` with its `retry_after`, blocked / deactivated / unknown chat → `Blocked`,
//!   network errors, timeouts and 5xx → `TemporaryFailure`, other refusals →
//!   `PermanentFailure`. The token never appears in reasons or `Debug` output.
//! - Receiving, by webhook: [`Channel::parse_webhook`](regulars_core::channel::Channel::parse_webhook)
//!   checks `X-Telegram-Bot-Api-Secret-Token` in constant time, then maps the `Update`:
//!   `/start <payload>` → `Start`, text → `Text`, callback queries → `Button` (acknowledged
//!   with `answerCallbackQuery` by [`Channel::acknowledge`](regulars_core::channel::Channel::acknowledge)),
//!   a shared contact → `Contact` in E.164 (verified when it is the sender's own), locations
//!   → `Location`, the bot blocked or unblocked in a private chat → `Blocked` / `Unblocked`;
//!   everything else gives no events. [`TelegramChannel::set_webhook`] registers the URL with
//!   the secret.
//! - Receiving, by long polling: [`TelegramChannel::poll`] and [`TelegramChannel::updates`],
//!   for a laptop without a public URL.
//!
//! Settings are in [`config`](TelegramConfig); the loopback fake of the Bot API that the tests
//! run against is `regulars_testkit::fakes::telegram`.
//!
//! ```
//! use std::sync::Arc;
//! use regulars_core::channel::{Channel, ChannelRequest, InboundEvent};
//! use regulars_core::http::Headers;
//! use regulars_telegram::{SECRET_TOKEN_HEADER, TelegramChannel, TelegramConfig};
//!
//! let config: TelegramConfig = toml::from_str(r#"
//!     token = "123456789:AAHk3Vq-Tsecret_part_of_the_token"
//!     webhook_secret = "s3cr3t_Webhook-token"
//!     bot_username = "regulars_demo_bot"
//! "#)?;
//! let channel: Arc<dyn Channel> = Arc::new(TelegramChannel::new(&config)?);
//!
//! let body = br#"{"update_id":1,"message":{"message_id":1,"date":1795166943,
//!   "chat":{"id":42,"type":"private","first_name":"Ana"},
//!   "from":{"id":42,"is_bot":false,"first_name":"Ana","language_code":"sr"},
//!   "text":"/start ref_AB12","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}"#;
//! let request = ChannelRequest {
//!     method: "POST".into(),
//!     query: String::new(),
//!     headers: [(SECRET_TOKEN_HEADER, "s3cr3t_Webhook-token")].into_iter().collect::<Headers>(),
//!     body: body.to_vec(),
//!     received_at: chrono::Utc::now(),
//! };
//! let outcome = channel.parse_webhook(&request).unwrap();
//! let [InboundEvent::Start { from, payload }] = &outcome.events[..] else { unreachable!() };
//! assert_eq!((from.external_id.as_str(), payload.as_deref()), ("42", Some("ref_AB12")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod config;
mod mapping;
mod polling;
mod webhook;

pub use client::{TelegramChannel, TelegramError};
pub use config::{BotToken, DEFAULT_API_URL, TelegramConfig, WebhookSecret};
pub use polling::Polled;
pub use webhook::SECRET_TOKEN_HEADER;
