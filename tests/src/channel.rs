//! The [`Channel`] conformance suite: the `# Behaviour` sentences of
//! [`regulars_core::channel::Channel`], checked against a loopback fake of the platform with
//! the channel's real client.
//!
//! A channel's test implements [`ChannelHarness`] (start its fake, build the channel pointed at
//! it, read back what the fake recorded in a neutral form, inject faults, build signed and
//! forged inbound requests from neutral descriptions) and runs every check with
//! [`channel_conformance!`](crate::channel_conformance), which expands to one
//! `#[tokio::test]` per check, so a new check reaches every channel without anyone listing it:
//!
//! ```text
//! regulars_testkit::channel_conformance!(TelegramHarness::start().await);
//! ```
//!
//! Every check panics with a message naming the behaviour it found broken. A check whose
//! subject the platform lacks (no photos, no contact sharing, no such inbound event) passes
//! without asserting, by the capabilities or by the harness answering `None`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use regulars_core::channel::{
    Address, Button, ButtonAction, Channel, ChannelRequest, DeliveryResult, InboundEvent, Message, WebhookError,
    WebhookOutcome,
};

/// Expands to one `#[tokio::test]` per conformance check, each on a fresh harness made by
/// `$make`, an expression (it may `.await`) evaluating to a [`ChannelHarness`].
#[macro_export]
macro_rules! channel_conformance {
    ($make:expr) => {
        $crate::channel_conformance!(@tests $make;
            kind_is_stable, capabilities_are_stable_and_positive, delivers_text, delivers_payload_buttons,
            delivers_link_and_mini_app_buttons, delivers_share_contact_button, delivers_photo, delivers_location,
            cuts_long_text, cuts_long_caption, degrades_extra_buttons, blocked_is_blocked,
            deactivated_is_blocked, unreachable_chat_is_blocked, rate_limited_carries_retry_after,
            server_error_is_temporary, timeout_is_temporary, other_refusal_is_permanent,
            reasons_hold_no_secrets, unsigned_requests_are_unauthenticated,
            forged_requests_are_unauthenticated_whatever_the_body, malformed_body_is_malformed, text_event,
            nul_is_dropped_from_text, start_with_payload_event, start_without_payload_event, button_press_event,
            own_contact_is_verified,
            someone_elses_contact_is_unverified, location_event, blocked_and_unblocked_events,
            housekeeping_gives_no_events, parse_is_pure, acknowledge_answers_button_press,
            outside_window_is_outside_window, a_template_is_refused_without_a_service_window,
            delivers_a_list_of_choices);
    };
    (@tests $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let harness = $make;
                $crate::channel::$check(&harness).await;
            }
        )*
    };
}

/// A button as the fake recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentButton {
    /// The label shown.
    pub label: String,
    /// What it does, in core terms (a platform's link button is [`ButtonAction::Url`]).
    pub action: ButtonAction,
}

/// One message as the fake recorded it, in a neutral form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SentMessage {
    /// The text, or the photo's caption.
    pub text: Option<String>,
    /// Buttons, row by row, as the platform will show them.
    pub buttons: Vec<Vec<SentButton>>,
    /// An image was uploaded or referenced.
    pub photo: bool,
    /// A map location `(lat, lon)`, with the place's title when the platform shows one.
    pub location: Option<(f64, f64)>,
    /// The place's title, for locations.
    pub title: Option<String>,
    /// The rows of a list the person opens from one button (WhatsApp's interactive list), as
    /// buttons; empty for other messages and on platforms without lists
    /// ([`Capabilities::max_list_rows`](regulars_core::channel::Capabilities::max_list_rows)).
    pub list: Vec<SentButton>,
    /// The template's name, for a template message (its body parameters are
    /// [`SentMessage::text`], one per line).
    pub template: Option<String>,
}

impl SentMessage {
    /// Every button, rows flattened.
    pub fn all_buttons(&self) -> impl Iterator<Item = &SentButton> {
        self.buttons.iter().flatten()
    }
}

/// A fault the harness makes its fake answer the next sends to one address with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The person blocked the bot.
    Blocked,
    /// The person's account is deactivated or deleted.
    Deactivated,
    /// The address does not exist or cannot be reached.
    Unreachable,
    /// The platform's "too many requests", asking to wait `retry_after`.
    RateLimited {
        /// What the platform asks.
        retry_after: Duration,
    },
    /// A platform 5xx.
    ServerError,
    /// The platform answers later than the client's timeout.
    SlowerThanTimeout,
    /// Another refusal (a 4xx that retrying cannot fix).
    Refused,
    /// The person's service window has closed: the platform refuses free-form messages to
    /// them and accepts templates (WhatsApp's 131047), from now on.
    OutsideServiceWindow,
}

/// Who sent an inbound event, neutrally: the harness maps the number to a platform id.
pub type User = u32;

/// A neutral description of an inbound webhook request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Inbound {
    /// Free text.
    Text {
        /// Who.
        user: User,
        /// What.
        text: String,
    },
    /// The person opened the chat, with a deep-link payload or none.
    Start {
        /// Who.
        user: User,
        /// The payload.
        payload: Option<String>,
    },
    /// A press of a button the bot sent with this payload.
    ButtonPress {
        /// Who.
        user: User,
        /// The payload.
        payload: String,
    },
    /// The person shared their own phone number (`phone` in E.164; the harness may render it
    /// the way the platform does, e.g. without `+`).
    OwnContact {
        /// Who.
        user: User,
        /// The number.
        phone: String,
    },
    /// The person shared someone else's contact card.
    OthersContact {
        /// Who.
        user: User,
        /// The number.
        phone: String,
    },
    /// The person shared a location.
    Location {
        /// Who.
        user: User,
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
    },
    /// The person blocked the bot or unsubscribed.
    Blocked {
        /// Who.
        user: User,
    },
    /// The person unblocked the bot or subscribed again.
    Unblocked {
        /// Who.
        user: User,
    },
    /// A platform update the conversation does not use (an edit, a typing notice, a receipt
    /// the platform sends without being asked).
    Housekeeping {
        /// Who.
        user: User,
    },
}

/// How an inbound request is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// As the platform does, with the channel's secret.
    Valid,
    /// Without the header or signature at all.
    Missing,
    /// With a wrong secret or signature.
    Wrong,
}

/// What a channel's test supplies to run the suite: the channel under test pointed at a
/// loopback fake of its platform, and access to that fake.
#[async_trait]
pub trait ChannelHarness: Send + Sync {
    /// The channel under test, configured with a client timeout well under a second.
    fn channel(&self) -> Arc<dyn Channel>;

    /// The address of reachable person `user` on the fake.
    fn address(&self, user: User) -> Address;

    /// What the fake accepted for `to` so far, oldest first (refused sends are not listed).
    fn sent(&self, to: &Address) -> Vec<SentMessage>;

    /// Makes the fake answer sends to `to` with `fault`: from now on for blocked, deactivated,
    /// unreachable and slow; the next send only for rate limits, server errors and refusals.
    /// `false` when the platform has no such fault.
    fn inject(&self, to: &Address, fault: Fault) -> bool;

    /// The platform's raw request body for `inbound`; `None` when the platform cannot express
    /// it.
    fn body(&self, inbound: &Inbound) -> Option<Vec<u8>>;

    /// `body` as a webhook request authenticated per `auth`.
    fn request(&self, body: Vec<u8>, auth: Auth) -> ChannelRequest;

    /// The acknowledgements (callback answers) the fake received, by the ids
    /// [`InboundEvent::Button::ack_id`] carried.
    fn acknowledgements(&self) -> Vec<String>;

    /// Every secret the channel holds (tokens, webhook secrets), which must never appear in
    /// delivery reasons.
    fn secrets(&self) -> Vec<String>;

    /// Whether the platform puts links on buttons under a message. `false` (WhatsApp, whose
    /// reply buttons only send payloads back): link and Mini App buttons must arrive as their
    /// label and URL in the text instead. A stand-in until [`Capabilities`] says it.
    ///
    /// [`Capabilities`]: regulars_core::channel::Capabilities
    fn link_buttons(&self) -> bool {
        true
    }
}

/// How long a send may take in the suite: the harness's client timeout is well under this.
const SEND_DEADLINE: Duration = Duration::from_secs(2);

async fn send(harness: &dyn ChannelHarness, to: &Address, message: &Message) -> DeliveryResult {
    let started = Instant::now();
    let result = harness.channel().send(to, message).await;
    let took = started.elapsed();
    assert!(took < SEND_DEADLINE, "send: took {took:?} (the client timeout must bound every send)");
    result
}

async fn deliver(harness: &dyn ChannelHarness, to: &Address, message: &Message) -> SentMessage {
    let result = send(harness, to, message).await;
    assert!(result.is_delivered(), "send {message:?}: expected Delivered, got {result:?}");
    let sent = harness.sent(to);
    assert_eq!(sent.len(), 1, "send: expected the fake to record one message, it recorded {sent:?}");
    sent.into_iter().next().unwrap_or_default()
}

fn text_of(sent: &SentMessage) -> &str {
    sent.text.as_deref().unwrap_or_default()
}

/// `kind()` is non-empty lower-case ASCII, the same on every call.
pub async fn kind_is_stable(harness: &dyn ChannelHarness) {
    let channel = harness.channel();
    let kind = channel.kind();
    assert!(!kind.is_empty(), "kind(): empty");
    assert!(kind.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "kind(): `{kind}` is not lower-case");
    assert_eq!(channel.kind(), kind, "kind(): differs between calls");
    assert_eq!(harness.channel().kind(), kind, "kind(): differs between instances");
}

/// `capabilities()` is the same on every call; `max_text_len` and `rate.per_second` are
/// positive, and so is every limit of a feature the channel claims.
pub async fn capabilities_are_stable_and_positive(harness: &dyn ChannelHarness) {
    let channel = harness.channel();
    let caps = channel.capabilities();
    assert_eq!(channel.capabilities(), caps, "capabilities(): differ between calls");
    assert!(caps.max_text_len > 0, "capabilities(): max_text_len is 0");
    assert!(caps.rate.per_second > 0, "capabilities(): rate.per_second is 0");
    if caps.max_buttons > 0 {
        assert!(caps.max_buttons_per_row > 0, "capabilities(): buttons but max_buttons_per_row is 0");
        assert!(caps.max_button_label > 0, "capabilities(): buttons but max_button_label is 0");
    }
    if caps.photos {
        assert!(caps.max_caption_len > 0, "capabilities(): photos but max_caption_len is 0");
    }
}

/// Plain text is delivered as it is.
pub async fn delivers_text(harness: &dyn ChannelHarness) {
    let to = harness.address(1);
    let text = "Your balance: 120 points.\nStanje: 120 poena. Баланс: 120 баллов. יתרה: 120 נקודות ☕";
    let sent = deliver(harness, &to, &Message::text(text)).await;
    assert_eq!(text_of(&sent), text, "send: the text arrived changed");
    assert!(sent.buttons.is_empty() && !sent.photo && sent.location.is_none(), "send: plain text gained {sent:?}");
}

/// Payload buttons arrive as buttons with their labels and payloads, row by row.
pub async fn delivers_payload_buttons(harness: &dyn ChannelHarness) {
    let channel = harness.channel();
    let caps = channel.capabilities();
    let to = harness.address(2);
    let buttons = vec![vec![Button::payload("Card", "card"), Button::payload("Balance", "balance")]];
    let message = Message::Text { text: "Menu".into(), buttons: buttons.clone() };
    let sent = deliver(harness, &to, &message).await;
    if caps.max_buttons < 2 {
        for button in buttons.iter().flatten() {
            assert!(text_of(&sent).contains(&button.label), "send: button `{}` lost (no buttons)", button.label);
        }
        return;
    }
    let got: Vec<SentButton> = sent.all_buttons().cloned().collect();
    let want: Vec<SentButton> =
        buttons.iter().flatten().map(|b| SentButton { label: b.label.clone(), action: b.action.clone() }).collect();
    assert_eq!(got, want, "send: buttons arrived changed");
    assert!(text_of(&sent).starts_with("Menu"), "send: the text arrived changed: {sent:?}");
}

/// Url buttons open the link; Mini App buttons open the Mini App where the channel says it
/// can, a link elsewhere.
pub async fn delivers_link_and_mini_app_buttons(harness: &dyn ChannelHarness) {
    let caps = harness.channel().capabilities();
    if caps.max_buttons < 2 {
        return;
    }
    let to = harness.address(3);
    let (site, app) = ("https://regulars.example/menu", "https://regulars.example/app");
    let message = Message::Text {
        text: "Links".into(),
        buttons: vec![vec![
            Button { label: "Menu".into(), action: ButtonAction::Url(site.into()) },
            Button { label: "Open".into(), action: ButtonAction::MiniApp(app.into()) },
        ]],
    };
    let sent = deliver(harness, &to, &message).await;
    if !harness.link_buttons() {
        let text = text_of(&sent);
        for (label, url) in [("Menu", site), ("Open", app)] {
            assert!(
                text.contains(label) && text.contains(url),
                "send: link `{label}` lost (no link buttons): {sent:?}"
            );
        }
        return;
    }
    let got: Vec<&SentButton> = sent.all_buttons().collect();
    assert_eq!(got.len(), 2, "send: expected two buttons, got {sent:?}");
    assert_eq!(got[0].action, ButtonAction::Url(site.into()), "send: url button");
    let app_action = if caps.mini_app { ButtonAction::MiniApp(app.into()) } else { ButtonAction::Url(app.into()) };
    assert_eq!(got[1].action, app_action, "send: mini app button (capabilities().mini_app = {})", caps.mini_app);
}

/// A share-contact button arrives as the platform's own contact request where the channel
/// claims contact sharing.
pub async fn delivers_share_contact_button(harness: &dyn ChannelHarness) {
    let caps = harness.channel().capabilities();
    if !caps.contact_sharing || caps.max_buttons == 0 {
        return;
    }
    let to = harness.address(4);
    let message = Message::Text {
        text: "Share your number to link your card".into(),
        buttons: vec![vec![Button { label: "Share my number".into(), action: ButtonAction::ShareContact }]],
    };
    let sent = deliver(harness, &to, &message).await;
    assert!(
        sent.all_buttons().any(|b| b.action == ButtonAction::ShareContact && b.label == "Share my number"),
        "send: no contact request button in {sent:?}"
    );
}

/// A photo is delivered as an image with its caption and buttons (as a link or text where the
/// channel has no photos).
pub async fn delivers_photo(harness: &dyn ChannelHarness) {
    let caps = harness.channel().capabilities();
    let to = harness.address(5);
    let message = Message::Photo {
        png: tiny_png(),
        caption: "Your card".into(),
        buttons: vec![vec![Button::payload("Refresh", "card:refresh")]],
    };
    let sent = deliver(harness, &to, &message).await;
    assert!(text_of(&sent).contains("Your card"), "send: caption lost: {sent:?}");
    if caps.photos {
        assert!(sent.photo, "send: no image uploaded for a photo");
    }
    if caps.max_buttons > 0 {
        assert!(
            sent.all_buttons().any(|b| b.action == ButtonAction::Payload("card:refresh".into())),
            "send: the photo's button is lost: {sent:?}"
        );
    }
}

/// A location arrives as a map location with its title.
pub async fn delivers_location(harness: &dyn ChannelHarness) {
    let caps = harness.channel().capabilities();
    let to = harness.address(6);
    let message = Message::Location {
        lat: 44.8176,
        lon: 20.4569,
        title: "Regulars Dorćol".into(),
        address: "Cara Dušana 10, Beograd".into(),
    };
    let sent = deliver(harness, &to, &message).await;
    if caps.location {
        let (lat, lon) = sent.location.unwrap_or_else(|| panic!("send: no location in {sent:?}"));
        assert!((lat - 44.8176).abs() < 1e-6 && (lon - 20.4569).abs() < 1e-6, "send: moved to {lat},{lon}");
        let shown = format!("{} {}", sent.title.as_deref().unwrap_or_default(), text_of(&sent));
        assert!(shown.contains("Regulars Dorćol"), "send: the location's title is lost: {sent:?}");
    } else {
        assert!(text_of(&sent).contains("Cara Dušana 10"), "send: the address is lost: {sent:?}");
    }
}

/// Text longer than `max_text_len` is cut, ending with `…`.
pub async fn cuts_long_text(harness: &dyn ChannelHarness) {
    let max = harness.channel().capabilities().max_text_len;
    let to = harness.address(7);
    let text: String = "Hello, regulars! ".chars().cycle().take(max * 2 + 7).collect();
    let sent = deliver(harness, &to, &Message::text(text.clone())).await;
    let got = text_of(&sent);
    assert!(got.chars().count() <= max, "send: {} characters over the limit of {max}", got.chars().count());
    assert!(got.ends_with('…'), "send: a cut text must end with `…`");
    let kept = got.trim_end_matches('…');
    assert!(text.starts_with(kept) && kept.chars().count() >= max / 2, "send: the cut text is not the text's start");
}

/// A caption longer than `max_caption_len` is cut, ending with `…`.
pub async fn cuts_long_caption(harness: &dyn ChannelHarness) {
    let caps = harness.channel().capabilities();
    if !caps.photos {
        return;
    }
    let to = harness.address(8);
    let caption: String = "Ваша карта ".chars().cycle().take(caps.max_caption_len + 50).collect();
    let message = Message::Photo { png: tiny_png(), caption: caption.clone(), buttons: Vec::new() };
    let sent = deliver(harness, &to, &message).await;
    let got = text_of(&sent);
    assert!(got.chars().count() <= caps.max_caption_len, "send: caption over the limit");
    assert!(got.ends_with('…'), "send: a cut caption must end with `…`");
    assert!(caption.starts_with(got.trim_end_matches('…')), "send: the cut caption is not the caption's start");
}

/// More buttons than allowed (in all, per row, longer labels) are degraded within the
/// capabilities, and none is lost: each arrives as a button or as a line of text.
pub async fn degrades_extra_buttons(harness: &dyn ChannelHarness) {
    let caps = harness.channel().capabilities();
    let to = harness.address(9);
    let count = caps.max_buttons + 3;
    let long_label: String = "Cappuccino ".chars().cycle().take(caps.max_button_label.max(1) + 10).collect();
    let mut buttons: Vec<Button> =
        (0..count).map(|i| Button::payload(format!("Choice {i}"), format!("c{i}"))).collect();
    buttons[0].label.clone_from(&long_label);
    // One wide row, wider than any platform's row.
    let message = Message::Text { text: "Pick one".into(), buttons: vec![buttons.clone()] };
    let sent = deliver(harness, &to, &message).await;
    let shown: Vec<&SentButton> = sent.all_buttons().collect();
    assert!(shown.len() <= caps.max_buttons, "send: {} buttons, at most {} allowed", shown.len(), caps.max_buttons);
    for row in &sent.buttons {
        assert!(row.len() <= caps.max_buttons_per_row, "send: a row of {} buttons", row.len());
    }
    for button in &shown {
        assert!(button.label.chars().count() <= caps.max_button_label, "send: label `{}` too long", button.label);
    }
    assert!(
        sent.list.len() <= caps.max_list_rows,
        "send: a list of {} rows, at most {}",
        sent.list.len(),
        caps.max_list_rows
    );
    // A list row is as good as a button: the person picks it and its payload comes back.
    let shown: Vec<&SentButton> = shown.into_iter().chain(&sent.list).collect();
    let text = text_of(&sent);
    for button in &buttons[1..] {
        let ButtonAction::Payload(payload) = &button.action else { continue };
        let as_button = shown.iter().any(|b| b.action == ButtonAction::Payload(payload.clone()));
        assert!(as_button || text.contains(&button.label), "send: button `{}` was lost", button.label);
    }
    let first_kept = shown.iter().any(|b| b.action == ButtonAction::Payload("c0".into()))
        || text.contains(&long_label[..caps.max_button_label.min(long_label.len()) / 2]);
    assert!(first_kept, "send: the long-labelled button was lost");
}

async fn failing_send(harness: &dyn ChannelHarness, user: User, fault: Fault) -> Option<DeliveryResult> {
    let to = harness.address(user);
    if !harness.inject(&to, fault) {
        return None;
    }
    Some(send(harness, &to, &Message::text("Your card is ready")).await)
}

/// A person who blocked the bot is `Blocked`.
pub async fn blocked_is_blocked(harness: &dyn ChannelHarness) {
    if let Some(result) = failing_send(harness, 10, Fault::Blocked).await {
        assert!(matches!(result, DeliveryResult::Blocked { .. }), "send to a blocker: {result:?}");
    }
}

/// A deactivated account is `Blocked`.
pub async fn deactivated_is_blocked(harness: &dyn ChannelHarness) {
    if let Some(result) = failing_send(harness, 11, Fault::Deactivated).await {
        assert!(matches!(result, DeliveryResult::Blocked { .. }), "send to a deactivated account: {result:?}");
    }
}

/// An address the platform cannot reach is `Blocked`.
pub async fn unreachable_chat_is_blocked(harness: &dyn ChannelHarness) {
    if let Some(result) = failing_send(harness, 12, Fault::Unreachable).await {
        assert!(matches!(result, DeliveryResult::Blocked { .. }), "send to an unknown chat: {result:?}");
    }
}

/// The platform's "too many requests" is `RateLimited` with the platform's retry-after.
pub async fn rate_limited_carries_retry_after(harness: &dyn ChannelHarness) {
    let retry_after = Duration::from_secs(7);
    if let Some(result) = failing_send(harness, 13, Fault::RateLimited { retry_after }).await {
        assert_eq!(result, DeliveryResult::RateLimited { retry_after }, "send when rate limited");
    }
    // The fault was for one send only.
    let to = harness.address(13);
    let again = send(harness, &to, &Message::text("again")).await;
    assert!(again.is_delivered(), "send after the rate limit passed: {again:?}");
}

/// A platform 5xx is `TemporaryFailure`.
pub async fn server_error_is_temporary(harness: &dyn ChannelHarness) {
    if let Some(result) = failing_send(harness, 14, Fault::ServerError).await {
        assert!(matches!(result, DeliveryResult::TemporaryFailure { .. }), "send on a 5xx: {result:?}");
    }
}

/// An answer later than the client's timeout is `TemporaryFailure`, within the timeout.
pub async fn timeout_is_temporary(harness: &dyn ChannelHarness) {
    if let Some(result) = failing_send(harness, 15, Fault::SlowerThanTimeout).await {
        assert!(matches!(result, DeliveryResult::TemporaryFailure { .. }), "send past the timeout: {result:?}");
    }
}

/// Another refusal is `PermanentFailure`.
pub async fn other_refusal_is_permanent(harness: &dyn ChannelHarness) {
    if let Some(result) = failing_send(harness, 16, Fault::Refused).await {
        assert!(matches!(result, DeliveryResult::PermanentFailure { .. }), "send refused: {result:?}");
    }
}

/// No delivery reason holds a secret, whatever the fault.
pub async fn reasons_hold_no_secrets(harness: &dyn ChannelHarness) {
    let secrets = harness.secrets();
    let faults = [
        Fault::Blocked,
        Fault::Deactivated,
        Fault::Unreachable,
        Fault::ServerError,
        Fault::Refused,
        // Last: the fake may stay slow for every later send.
        Fault::SlowerThanTimeout,
    ];
    for (user, fault) in (20..).zip(faults) {
        let Some(result) = failing_send(harness, user, fault).await else { continue };
        let reason = match &result {
            DeliveryResult::Blocked { reason }
            | DeliveryResult::TemporaryFailure { reason }
            | DeliveryResult::PermanentFailure { reason } => reason.clone(),
            other => panic!("send with {fault:?}: expected a failure, got {other:?}"),
        };
        assert!(!reason.is_empty(), "send with {fault:?}: empty reason");
        for secret in &secrets {
            assert!(!reason.contains(secret.as_str()), "send with {fault:?}: the reason holds a secret: {reason}");
        }
    }
}

fn every_inbound() -> Vec<Inbound> {
    vec![
        Inbound::Text { user: 1, text: "hello".into() },
        Inbound::Start { user: 1, payload: Some("ref_AB12cd".into()) },
        Inbound::Start { user: 1, payload: None },
        Inbound::ButtonPress { user: 1, payload: "card".into() },
        Inbound::OwnContact { user: 1, phone: "+381601234567".into() },
        Inbound::OthersContact { user: 1, phone: "+381601234568".into() },
        Inbound::Location { user: 1, lat: 44.8176, lon: 20.4569 },
        Inbound::Blocked { user: 1 },
        Inbound::Unblocked { user: 1 },
        Inbound::Housekeeping { user: 1 },
    ]
}

fn expect_unauthenticated(what: &str, got: &Result<WebhookOutcome, WebhookError>) {
    assert!(matches!(got, Err(WebhookError::Unauthenticated(_))), "{what}: expected Unauthenticated, got {got:?}");
}

/// A request without the platform's authentication is `Unauthenticated`, for every kind of
/// update.
pub async fn unsigned_requests_are_unauthenticated(harness: &dyn ChannelHarness) {
    let channel = harness.channel();
    for inbound in every_inbound() {
        let Some(body) = harness.body(&inbound) else { continue };
        expect_unauthenticated(
            &format!("{inbound:?} without authentication"),
            &channel.parse_webhook(&harness.request(body, Auth::Missing)),
        );
    }
}

/// A request with wrong authentication is `Unauthenticated` whatever its body holds, even a
/// body that is not JSON.
pub async fn forged_requests_are_unauthenticated_whatever_the_body(harness: &dyn ChannelHarness) {
    let channel = harness.channel();
    let mut bodies: Vec<Vec<u8>> = every_inbound().iter().filter_map(|i| harness.body(i)).collect();
    bodies.extend([b"not json".to_vec(), Vec::new(), b"{}".to_vec()]);
    for body in bodies {
        let shown = String::from_utf8_lossy(&body).into_owned();
        for auth in [Auth::Wrong, Auth::Missing] {
            let got = channel.parse_webhook(&harness.request(body.clone(), auth));
            expect_unauthenticated(&format!("{auth:?} over {shown}"), &got);
        }
    }
}

/// A verified body that is not the platform's JSON is `Malformed`.
pub async fn malformed_body_is_malformed(harness: &dyn ChannelHarness) {
    let channel = harness.channel();
    for body in [&b"not json"[..], b"", b"[1,2", b"\xff\xfe"] {
        let got = channel.parse_webhook(&harness.request(body.to_vec(), Auth::Valid));
        assert!(
            matches!(got, Err(WebhookError::Malformed(_))),
            "signed body {:?}: expected Malformed, got {got:?}",
            String::from_utf8_lossy(body)
        );
    }
}

/// The events of a correctly signed `inbound`; `None` when the platform cannot express it.
fn parse(harness: &dyn ChannelHarness, inbound: &Inbound) -> Option<Vec<InboundEvent>> {
    let body = harness.body(inbound)?;
    match harness.channel().parse_webhook(&harness.request(body, Auth::Valid)) {
        Ok(outcome) => Some(outcome.events),
        Err(e) => panic!("{inbound:?}: expected events, got {e:?}"),
    }
}

fn single(inbound: &Inbound, events: Vec<InboundEvent>) -> InboundEvent {
    assert_eq!(events.len(), 1, "{inbound:?}: expected one event, got {events:?}");
    events.into_iter().next().unwrap_or_else(|| unreachable!())
}

/// A text message is `Text` from its sender, whose id is their address.
pub async fn text_event(harness: &dyn ChannelHarness) {
    let inbound = Inbound::Text { user: 31, text: "Hvala! 👍".into() };
    let Some(events) = parse(harness, &inbound) else { return };
    match single(&inbound, events) {
        InboundEvent::Text { from, text } => {
            assert_eq!(from.address(), harness.address(31), "Text: sender");
            assert_eq!(text, "Hvala! 👍", "Text: text");
        }
        other => panic!("{inbound:?}: expected Text, got {other:?}"),
    }
}

/// A NUL in what a person wrote is dropped and the rest handed on: storage cannot hold it,
/// and losing the whole message to it would be worse.
pub async fn nul_is_dropped_from_text(harness: &dyn ChannelHarness) {
    let inbound = Inbound::Text { user: 39, text: "Hva\0la\0".into() };
    let Some(events) = parse(harness, &inbound) else { return };
    match single(&inbound, events) {
        InboundEvent::Text { from, text } => {
            assert_eq!(from.address(), harness.address(39), "Text: sender");
            assert_eq!(text, "Hvala", "Text: a NUL must be dropped, the rest kept");
        }
        other => panic!("{inbound:?}: expected Text, got {other:?}"),
    }
}

/// A deep link with a payload is `Start` with that payload.
pub async fn start_with_payload_event(harness: &dyn ChannelHarness) {
    let inbound = Inbound::Start { user: 32, payload: Some("ref_AB12cd-9".into()) };
    let Some(events) = parse(harness, &inbound) else { return };
    match single(&inbound, events) {
        InboundEvent::Start { from, payload } => {
            assert_eq!(from.address(), harness.address(32), "Start: sender");
            assert_eq!(payload.as_deref(), Some("ref_AB12cd-9"), "Start: payload");
        }
        other => panic!("{inbound:?}: expected Start, got {other:?}"),
    }
}

/// Opening the chat without a payload is `Start` without one.
pub async fn start_without_payload_event(harness: &dyn ChannelHarness) {
    let inbound = Inbound::Start { user: 33, payload: None };
    let Some(events) = parse(harness, &inbound) else { return };
    match single(&inbound, events) {
        InboundEvent::Start { from, payload } => {
            assert_eq!(from.address(), harness.address(33), "Start: sender");
            assert_eq!(payload, None, "Start: payload");
        }
        other => panic!("{inbound:?}: expected Start, got {other:?}"),
    }
}

/// A button press is `Button` with the payload the bot sent.
pub async fn button_press_event(harness: &dyn ChannelHarness) {
    let inbound = Inbound::ButtonPress { user: 34, payload: "reward:redeem:42".into() };
    let Some(events) = parse(harness, &inbound) else { return };
    match single(&inbound, events) {
        InboundEvent::Button { from, payload, .. } => {
            assert_eq!(from.address(), harness.address(34), "Button: sender");
            assert_eq!(payload, "reward:redeem:42", "Button: payload");
        }
        other => panic!("{inbound:?}: expected Button, got {other:?}"),
    }
}

/// The sender's own contact is a verified `Contact` in E.164.
pub async fn own_contact_is_verified(harness: &dyn ChannelHarness) {
    if !harness.channel().capabilities().contact_sharing {
        return;
    }
    let inbound = Inbound::OwnContact { user: 35, phone: "+381601234567".into() };
    let Some(events) = parse(harness, &inbound) else { return };
    match single(&inbound, events) {
        InboundEvent::Contact { from, phone, verified } => {
            assert_eq!(from.address(), harness.address(35), "Contact: sender");
            assert_eq!(phone, "+381601234567", "Contact: phone (E.164)");
            assert!(verified, "Contact: the sender's own number must be verified");
        }
        other => panic!("{inbound:?}: expected Contact, got {other:?}"),
    }
}

/// Someone else's contact card is an unverified `Contact`.
pub async fn someone_elses_contact_is_unverified(harness: &dyn ChannelHarness) {
    let inbound = Inbound::OthersContact { user: 36, phone: "+381601234568".into() };
    let Some(events) = parse(harness, &inbound) else { return };
    for event in events {
        if let InboundEvent::Contact { verified, phone, .. } = event {
            assert_eq!(phone, "+381601234568", "Contact: phone (E.164)");
            assert!(!verified, "Contact: someone else's number must not be verified");
        }
    }
}

/// A shared location is `Location`.
pub async fn location_event(harness: &dyn ChannelHarness) {
    let inbound = Inbound::Location { user: 37, lat: 44.8176, lon: 20.4569 };
    let Some(events) = parse(harness, &inbound) else { return };
    match single(&inbound, events) {
        InboundEvent::Location { from, lat, lon } => {
            assert_eq!(from.address(), harness.address(37), "Location: sender");
            assert!((lat - 44.8176).abs() < 1e-6 && (lon - 20.4569).abs() < 1e-6, "Location: {lat},{lon}");
        }
        other => panic!("{inbound:?}: expected Location, got {other:?}"),
    }
}

/// Blocking the bot is `Blocked`, unblocking it `Unblocked`, for the person's address.
pub async fn blocked_and_unblocked_events(harness: &dyn ChannelHarness) {
    let want = harness.address(38).0;
    let inbound = Inbound::Blocked { user: 38 };
    if let Some(events) = parse(harness, &inbound) {
        assert_eq!(single(&inbound, events), InboundEvent::Blocked { user: want.clone() }, "Blocked");
    }
    let inbound = Inbound::Unblocked { user: 38 };
    if let Some(events) = parse(harness, &inbound) {
        assert_eq!(single(&inbound, events), InboundEvent::Unblocked { user: want }, "Unblocked");
    }
}

/// An update the conversation does not use gives no events (and no error, so the platform
/// stops retrying).
pub async fn housekeeping_gives_no_events(harness: &dyn ChannelHarness) {
    let inbound = Inbound::Housekeeping { user: 39 };
    if let Some(events) = parse(harness, &inbound) {
        assert!(events.is_empty(), "{inbound:?}: expected no events, got {events:?}");
    }
}

/// Parsing the same request twice gives the same outcome, for every kind of request.
pub async fn parse_is_pure(harness: &dyn ChannelHarness) {
    let channel = harness.channel();
    for inbound in every_inbound() {
        let Some(body) = harness.body(&inbound) else { continue };
        for auth in [Auth::Valid, Auth::Wrong] {
            let request = harness.request(body.clone(), auth);
            let first = channel.parse_webhook(&request);
            assert_eq!(channel.parse_webhook(&request), first, "{inbound:?} ({auth:?}): parsed twice differs");
            assert_eq!(harness.channel().parse_webhook(&request), first, "{inbound:?}: differs between instances");
        }
    }
    let malformed = harness.request(b"nope".to_vec(), Auth::Valid);
    assert_eq!(channel.parse_webhook(&malformed), channel.parse_webhook(&malformed), "malformed: parsed twice differs");
}

/// Acknowledging a button press that carries an ack id answers it on the platform; other
/// events are acknowledged without effect or panic.
pub async fn acknowledge_answers_button_press(harness: &dyn ChannelHarness) {
    let channel = harness.channel();
    let inbound = Inbound::ButtonPress { user: 40, payload: "card".into() };
    let Some(events) = parse(harness, &inbound) else { return };
    let event = single(&inbound, events);
    channel.acknowledge(&event).await;
    if let InboundEvent::Button { ack_id: Some(id), .. } = &event {
        assert!(harness.acknowledgements().contains(id), "acknowledge: the fake got no answer for {id}");
    }
    let before = harness.acknowledgements().len();
    if let Some(events) = parse(harness, &Inbound::Text { user: 40, text: "hi".into() }) {
        for event in &events {
            channel.acknowledge(event).await;
        }
    }
    assert_eq!(harness.acknowledgements().len(), before, "acknowledge: a text event was acknowledged");
}

/// On a platform with lists, more payload buttons than fit under a message (up to
/// `max_list_rows`) all stay choosable, as buttons or list rows, each with its label and
/// payload.
pub async fn delivers_a_list_of_choices(harness: &dyn ChannelHarness) {
    let caps = harness.channel().capabilities();
    let count = caps.max_buttons + 1;
    if caps.max_list_rows < count {
        return;
    }
    let to = harness.address(41);
    let buttons: Vec<Button> = (0..count).map(|i| Button::payload(format!("Cafe {i}"), format!("cafe:{i}"))).collect();
    let message = Message::Text { text: "Which cafe?".into(), buttons: vec![buttons.clone()] };
    let sent = deliver(harness, &to, &message).await;
    assert!(
        sent.list.len() <= caps.max_list_rows,
        "send: a list of {} rows, at most {}",
        sent.list.len(),
        caps.max_list_rows
    );
    let choosable: Vec<&SentButton> = sent.all_buttons().chain(&sent.list).collect();
    for button in &buttons {
        assert!(
            choosable.iter().any(|b| b.label == button.label && b.action == button.action),
            "send: `{}` is not a button or list row: {sent:?}",
            button.label
        );
    }
    assert!(text_of(&sent).starts_with("Which cafe?"), "send: the text arrived changed: {sent:?}");
}

/// A channel with a service window answers `OutsideServiceWindow` when the platform refuses a
/// free-form message because the window has closed, and still delivers a template then.
pub async fn outside_window_is_outside_window(harness: &dyn ChannelHarness) {
    if harness.channel().capabilities().service_window.is_none() {
        return;
    }
    let Some(result) = failing_send(harness, 42, Fault::OutsideServiceWindow).await else { return };
    assert!(matches!(result, DeliveryResult::OutsideServiceWindow { .. }), "send outside the window: {result:?}");
    let to = harness.address(42);
    let template = Message::Template {
        name: "reward_ready".into(),
        language: "en_US".into(),
        params: vec!["Ana".into(), "Free cappuccino".into()],
    };
    let sent = deliver(harness, &to, &template).await;
    assert_eq!(sent.template.as_deref(), Some("reward_ready"), "send: not a template: {sent:?}");
    let text = text_of(&sent);
    assert!(text.contains("Ana") && text.contains("Free cappuccino"), "send: template parameters lost: {sent:?}");
}

/// A channel without a service window answers `PermanentFailure` to a template, without
/// sending anything.
pub async fn a_template_is_refused_without_a_service_window(harness: &dyn ChannelHarness) {
    if harness.channel().capabilities().service_window.is_some() {
        return;
    }
    let to = harness.address(43);
    let template = Message::Template { name: "reward_ready".into(), language: "en".into(), params: vec!["Ana".into()] };
    let result = send(harness, &to, &template).await;
    assert!(matches!(result, DeliveryResult::PermanentFailure { .. }), "send a template: {result:?}");
    assert!(harness.sent(&to).is_empty(), "send: a refused template reached the platform");
}

/// A valid 1×1 PNG (a transparent pixel).
#[must_use]
pub fn tiny_png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
        0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d,
        0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ]
}
