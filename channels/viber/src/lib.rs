//! # regulars-viber
//!
//! The Viber channel of regulars: a [`ViberChannel`] implements
//! [`Channel`](regulars_core::channel::Channel) over Viber's REST bot API with reqwest.
//!
//! - Sending: `send_message` with `type: text`, and a keyboard for buttons: payload buttons are
//!   `reply` buttons whose `ActionBody` is [`PAYLOAD_PREFIX`] and the payload (Viber sends it
//!   back as a text message, which comes back as a `Button` event), links and Mini Apps are
//!   `open-url`, a contact request is `share-phone` (API level 3; see below). Buttons share Viber's
//!   six-column grid, at most 3 in a row (2 columns each); rows wrap, labels are cut at 40
//!   characters, and buttons beyond 24 become numbered lines of text. Text over 7000 UTF-16
//!   units ends in `…`, and bodies stay under Viber's 30 KB. Viber takes images only by public
//!   URL and has no upload API: with a [`MediaHost`](regulars_core::channel::MediaHost)
//!   ([`ViberChannel::with_media_host`], the server's `/media/…` route) a photo (the card QR)
//!   is a `picture` with its caption (768 characters); without one it is sent as its caption,
//!   which carries the card's code. A `location` message has no title or address, so a place is
//!   sent as its name, address and a map link (`capabilities().location` is false). Templates
//!   are WhatsApp's: `PermanentFailure`.
//!   [`Channel::send_to_many`](regulars_core::channel::Channel::send_to_many) uses
//!   `broadcast_message`, 300 receivers per call, mapping each entry of its `failed_list`.
//! - Viber answers HTTP 200 with a `status` even for errors: 5 (not registered), 6 (not
//!   subscribed) and 11 (no suitable device) → `Blocked`; 12 (too many requests) →
//!   `RateLimited` after 5 s (Viber gives no figure); other statuses → `PermanentFailure`;
//!   network errors, timeouts and HTTP 5xx → `TemporaryFailure`. The token never appears in
//!   reasons or `Debug` output.
//! - Receiving: [`Channel::parse_webhook`](regulars_core::channel::Channel::parse_webhook)
//!   checks `X-Viber-Content-Signature` (hex HMAC-SHA256 of the raw body, keyed with the token)
//!   in constant time before reading the body, then maps the callback: text → `Text` (or
//!   `Button` when it is a payload button's reply), contact → `Contact` in E.164, location →
//!   `Location`, `conversation_started` → `Start` with the deep link's `context`, `subscribed`
//!   / `unsubscribed` → `Unblocked` / `Blocked`, `delivered` / `seen` / `failed` → `Receipt`
//!   (`message_token` as the id); `webhook` and everything else gives no events.
//! - Shared contacts are never `verified`, and `capabilities().contact_sharing` is false. Viber
//!   can ask for the person's own number (a `share-phone` button, which this crate still
//!   renders when a message has one), but its callback is the same `contact` message as a
//!   contact card the person attaches from their address book: nothing in it says whose number
//!   it is. Taking it as verified would let anyone who knows a guest's number claim their card
//!   (verified phones merge guests). Viber's desktop app cannot share the number at all and
//!   sends the button's label as text.
//! - The welcome message: Viber lets a bot send nothing to a person who opened the chat but has
//!   not subscribed, except the answer to `conversation_started`.
//!   [`Channel::reply_in_response`](regulars_core::channel::Channel::reply_in_response) renders
//!   the reply to a `Start` as that answer's body.
//!
//! Settings are in [`config`](ViberConfig); [`ViberChannel::set_webhook`] registers the
//! callback URL, [`ViberChannel::start_link`] builds deep links. The loopback fake of the API
//! that the tests run against is `regulars_testkit::fakes::viber`.
//!
//! ```
//! use std::sync::Arc;
//! use regulars_core::channel::{Channel, ChannelRequest, InboundEvent, Message};
//! use regulars_core::http::Headers;
//! use regulars_viber::{SIGNATURE_HEADER, ViberChannel, ViberConfig, sign};
//!
//! let config: ViberConfig = toml::from_str(r#"
//!     auth_token = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"
//!     sender_name = "Regulars"
//!     uri = "regularsdemo"
//! "#)?;
//! let channel: Arc<dyn Channel> = Arc::new(ViberChannel::new(&config)?);
//!
//! let body = br#"{"event":"conversation_started","timestamp":1457764197627,
//!   "message_token":4912661846655238145,"type":"open","context":"ref_AB12",
//!   "user":{"id":"01234567890A=","name":"Ana","language":"sr","country":"RS","api_version":8},
//!   "subscribed":false}"#;
//! let request = ChannelRequest {
//!     method: "POST".into(),
//!     query: String::new(),
//!     headers: [(SIGNATURE_HEADER, sign(&config.auth_token, body))].into_iter().collect::<Headers>(),
//!     body: body.to_vec(),
//!     received_at: chrono::Utc::now(),
//! };
//! let outcome = channel.parse_webhook(&request).unwrap();
//! let [start @ InboundEvent::Start { from, payload }] = &outcome.events[..] else { unreachable!() };
//! assert_eq!((from.external_id.as_str(), payload.as_deref()), ("01234567890A=", Some("ref_AB12")));
//!
//! // The welcome message goes back in the callback's answer.
//! let welcome = channel.reply_in_response(start, &Message::text("Welcome!")).unwrap();
//! assert!(String::from_utf8(welcome)?.contains(r#""text":"Welcome!""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod config;
mod mapping;
mod webhook;

pub use client::{AUTH_TOKEN_HEADER, EVENT_TYPES, ViberChannel, ViberError};
pub use config::{AuthToken, DEFAULT_API_URL, MAX_SENDER_NAME, ViberConfig};
pub use mapping::PAYLOAD_PREFIX;
pub use webhook::{SIGNATURE_HEADER, sign};
