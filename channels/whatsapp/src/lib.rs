//! # regulars-whatsapp
//!
//! The WhatsApp channel of regulars: a [`WhatsAppChannel`] implements
//! [`Channel`](regulars_core::channel::Channel) for one business number on the WhatsApp Cloud
//! API (the Graph API's `/{version}/{phone_number_id}/messages`), with reqwest.
//!
//! - Sending: text (cut at 4096 with `…`); payload buttons as up to 3 reply buttons (titles
//!   cut at 20), 4-10 as a list (row titles cut at 24, the whole label then as the row's
//!   description), beyond 10 as numbered lines under the text; links and Mini Apps, which
//!   WhatsApp cannot put on a button, as numbered `label: url` lines; share-contact buttons are
//!   left out, because the address is the person's phone number already
//!   ([`Capabilities::verified_phone_inherent`](regulars_core::channel::Capabilities::verified_phone_inherent)).
//!   Interactive bodies hold at most 1024 characters: longer text with buttons goes out as
//!   plain text with every button as a numbered line. Photos (the card QR) are uploaded to
//!   `media` and sent as an image with its caption (cut at 1024), or, with up to 3 payload
//!   buttons, as one interactive message with the image as its header. Locations, and
//!   [`Message::Template`](regulars_core::channel::Message::Template)s outside the 24-hour
//!   window ([`WhatsAppChannel::template`] builds one from the configuration).
//! - Answers: success → `Delivered` with the `wamid`; errors by the Graph API's code:
//!   130429, 80007, 4 → `RateLimited` (5 s, or a `Retry-After`), the pair limit 131056 →
//!   `RateLimited` (6 s), 131026 (undeliverable) → `Blocked`, 131047 (re-engagement) →
//!   `OutsideServiceWindow`, 131000/131016/133004, 5xx, network errors and timeouts →
//!   `TemporaryFailure`, other refusals (a bad token, 190; bad parameters) →
//!   `PermanentFailure`. The access token never appears in reasons or `Debug` output.
//! - Receiving: [`Channel::parse_webhook`](regulars_core::channel::Channel::parse_webhook)
//!   answers Meta's subscription check (`GET` with `hub.mode=subscribe`, `hub.challenge`,
//!   `hub.verify_token`: the challenge as the reply when the token matches, compared in
//!   constant time; otherwise `Unauthenticated`, which the server answers with 403), and for
//!   `POST`s checks [`SIGNATURE_HEADER`] (HMAC-SHA256 of the raw body with the app secret,
//!   constant time) before reading the body. Text → `Text`, except `start [<payload>]` (what
//!   [`WhatsAppChannel::start_link`] pre-fills) → `Start`; reply button, list row and template
//!   quick-reply presses → `Button`; location → `Location`; a shared contact card →
//!   `Contact` (verified only when its `wa_id` is the sender's); statuses `delivered`, `read`,
//!   `failed` → `Receipt`; everything else gives no events. The sender's id is their `wa_id`
//!   (the phone number's digits), their name the profile name.
//!
//! Settings are in [`config`](WhatsAppConfig); the loopback fake of the Cloud API that the
//! tests run against is `regulars_testkit::fakes::whatsapp`.
//!
//! ```
//! use std::sync::Arc;
//! use regulars_core::channel::{Channel, ChannelRequest, InboundEvent};
//! use regulars_core::http::Headers;
//! use regulars_whatsapp::{SIGNATURE_HEADER, WhatsAppChannel, WhatsAppConfig};
//!
//! let config: WhatsAppConfig = toml::from_str(r#"
//!     phone_number_id = "106540352242922"
//!     access_token = "EAAGm0PX4ZCpsBAsecret_access_token"
//!     app_secret = "test_app_secret"
//!     verify_token = "regulars-verify-1"
//!     display_phone_number = "15550783881"
//! "#)?;
//! let whatsapp = WhatsAppChannel::new(&config)?;
//! assert_eq!(whatsapp.start_link("ref_AB12").as_deref(), Some("https://wa.me/15550783881?text=start%20ref_AB12"));
//! let channel: Arc<dyn Channel> = Arc::new(whatsapp);
//!
//! // Meta's subscription check.
//! let check = ChannelRequest {
//!     method: "GET".into(),
//!     query: "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=regulars-verify-1".into(),
//!     headers: Headers::new(),
//!     body: Vec::new(),
//!     received_at: chrono::Utc::now(),
//! };
//! assert_eq!(channel.parse_webhook(&check).unwrap().reply.as_deref(), Some(&b"1158201444"[..]));
//!
//! // A notification signed with the app secret (`X-Hub-Signature-256`): what the deep link
//! // pre-filled, sent.
//! let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Ana"},"wa_id":"381601234567"}],"messages":[{"from":"381601234567","id":"wamid.X","timestamp":"1795166943","type":"text","text":{"body":"start ref_AB12"}}]}}]}]}"#;
//! let signature = "sha256=5e952dcce1935126ee1741407b474b22ff453dd5a600c87aeba4e5bb67da0423";
//! let request = ChannelRequest {
//!     method: "POST".into(),
//!     query: String::new(),
//!     headers: [(SIGNATURE_HEADER, signature)].into_iter().collect::<Headers>(),
//!     body: body.to_vec(),
//!     received_at: chrono::Utc::now(),
//! };
//! let outcome = channel.parse_webhook(&request).unwrap();
//! let [InboundEvent::Start { from, payload }] = &outcome.events[..] else { unreachable!() };
//! assert_eq!((from.external_id.as_str(), payload.as_deref()), ("381601234567", Some("ref_AB12")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod config;
mod mapping;
mod webhook;

pub use client::WhatsAppChannel;
pub use config::{
    AccessToken, AppSecret, DEFAULT_API_URL, DEFAULT_API_VERSION, TemplateConfig, VerifyToken, WhatsAppConfig,
};
pub use webhook::SIGNATURE_HEADER;
