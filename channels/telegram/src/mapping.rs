//! Telegram's types to and from core's, without I/O: how a [`Message`] is rendered as Bot API
//! calls, how an `Update` becomes [`InboundEvent`]s, and how an error answer becomes a
//! [`DeliveryResult`].

use std::time::Duration;

use regulars_core::channel::text::{cut, with_lines};
use regulars_core::channel::{
    Button, ButtonAction, Capabilities, DeliveryResult, InboundEvent, MAX_PAYLOAD_LEN, Message, RateLimits, Sender,
};
use regulars_core::guest::normalize_phone;
use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::types::{
    ButtonRequest, ChatMemberKind, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup,
    MediaKind, MessageKind, ReplyMarkup, Update, UpdateKind, User, WebAppInfo,
};

/// What Telegram allows, and what the outbox sender paces by.
pub(crate) fn capabilities(mini_app: bool) -> Capabilities {
    Capabilities {
        max_text_len: 4096,
        // Telegram takes up to 100 inline buttons, but more than two dozen is unusable on a phone.
        max_buttons: 24,
        max_buttons_per_row: 3,
        max_button_label: 64,
        max_list_rows: 0,
        photos: true,
        max_caption_len: 1024,
        contact_sharing: true,
        verified_phone_inherent: false,
        location: true,
        mini_app,
        rate: RateLimits { per_second: 30, per_chat_interval: Duration::from_secs(1) },
        service_window: None,
    }
}

/// A message rendered as one Bot API call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outgoing {
    /// `sendMessage`.
    Text { text: String, markup: Option<ReplyMarkup> },
    /// `sendPhoto`, uploading the PNG.
    Photo { png: Vec<u8>, caption: String, markup: Option<ReplyMarkup> },
    /// `sendVenue` (with a title and address) or `sendLocation`.
    Place { lat: f64, lon: f64, title: String, address: String },
}

/// Renders `message` within `caps`; `Err` holds the reason it cannot be sent at all.
pub(crate) fn render(message: &Message, caps: &Capabilities) -> Result<Outgoing, String> {
    match message {
        Message::Text { text, buttons } => {
            let keyboard = keyboard(buttons, caps)?;
            Ok(Outgoing::Text { text: with_lines(text, &keyboard.lines, caps.max_text_len), markup: keyboard.markup })
        }
        Message::Photo { png, caption, buttons } => {
            let keyboard = keyboard(buttons, caps)?;
            let caption = with_lines(caption, &keyboard.lines, caps.max_caption_len);
            Ok(Outgoing::Photo { png: png.clone(), caption, markup: keyboard.markup })
        }
        Message::Location { lat, lon, title, address } => Ok(Outgoing::Place {
            lat: *lat,
            lon: *lon,
            title: cut(title, caps.max_text_len),
            address: cut(address, caps.max_text_len),
        }),
        other => Err(format!("message kind not supported by the Telegram channel: {other:?}")),
    }
}

/// Buttons as a reply markup, plus the buttons that did not fit as numbered lines of text.
#[derive(Debug, Default)]
struct Keyboard {
    markup: Option<ReplyMarkup>,
    lines: Vec<String>,
}

/// Inline buttons where they fit: rows wider than allowed wrap, buttons beyond the maximum
/// become numbered lines (numbered by their place among all buttons, so "25" means the 25th).
/// A share-contact request needs a reply keyboard, which cannot carry inline buttons: with one,
/// the keyboard holds the contact request and every other button becomes a line.
fn keyboard(rows: &[Vec<Button>], caps: &Capabilities) -> Result<Keyboard, String> {
    let mut keyboard = Keyboard::default();
    let numbered: Vec<(usize, &Button)> = rows.iter().flatten().enumerate().map(|(i, b)| (i + 1, b)).collect();
    for (_, button) in &numbered {
        if let ButtonAction::Payload(payload) = &button.action
            && (payload.is_empty() || payload.len() > MAX_PAYLOAD_LEN)
        {
            return Err(format!("button payload must be 1-{MAX_PAYLOAD_LEN} bytes, got {}", payload.len()));
        }
    }
    let line = |n: usize, button: &Button| match &button.action {
        ButtonAction::Url(url) | ButtonAction::MiniApp(url) => format!("{n}. {}: {url}", button.label),
        ButtonAction::Payload(_) | ButtonAction::ShareContact => format!("{n}. {}", button.label),
    };
    let label = |button: &Button| cut(&button.label, caps.max_button_label);

    if numbered.iter().any(|(_, b)| b.action == ButtonAction::ShareContact) {
        let mut contact_rows: Vec<Vec<KeyboardButton>> = Vec::new();
        for (n, button) in &numbered {
            if button.action == ButtonAction::ShareContact && contact_rows.len() < caps.max_buttons {
                contact_rows.push(vec![KeyboardButton::new(label(button)).request(ButtonRequest::Contact)]);
            } else {
                keyboard.lines.push(line(*n, button));
            }
        }
        let markup = KeyboardMarkup::new(contact_rows).one_time_keyboard().resize_keyboard();
        keyboard.markup = Some(ReplyMarkup::Keyboard(markup));
        return Ok(keyboard);
    }

    let mut inline: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    let mut shown = 0;
    let mut position = 0;
    for row in rows {
        for chunk in row.chunks(caps.max_buttons_per_row.max(1)) {
            let mut out = Vec::new();
            for button in chunk {
                position += 1;
                if shown >= caps.max_buttons {
                    keyboard.lines.push(line(position, button));
                    continue;
                }
                let text = label(button);
                let rendered = match &button.action {
                    ButtonAction::Payload(payload) => InlineKeyboardButton::callback(text, payload.clone()),
                    ButtonAction::Url(url) => InlineKeyboardButton::url(text, parse_url(url)?),
                    ButtonAction::MiniApp(url) if caps.mini_app => {
                        InlineKeyboardButton::web_app(text, WebAppInfo { url: parse_url(url)? })
                    }
                    ButtonAction::MiniApp(url) => InlineKeyboardButton::url(text, parse_url(url)?),
                    ButtonAction::ShareContact => unreachable!("handled above"),
                };
                out.push(rendered);
                shown += 1;
            }
            if !out.is_empty() {
                inline.push(out);
            }
        }
    }
    if !inline.is_empty() {
        keyboard.markup = Some(ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(inline)));
    }
    Ok(keyboard)
}

fn parse_url(url: &str) -> Result<url::Url, String> {
    url::Url::parse(url).map_err(|e| format!("button URL `{url}`: {e}"))
}

/// What Telegram's error answer means for the outbox. `secret` (the token) is scrubbed from
/// the reason, which otherwise names only the platform's description or the kind of network
/// failure, never a URL.
pub(crate) fn delivery_failure(error: &RequestError, secret: &str) -> DeliveryResult {
    let reason = |text: String| scrub(&text, secret);
    match error {
        RequestError::RetryAfter(seconds) => {
            let wait = seconds.duration();
            DeliveryResult::RateLimited { retry_after: if wait.is_zero() { DEFAULT_RETRY_AFTER } else { wait } }
        }
        RequestError::Api(api) => match api {
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::ChatNotFound
            | ApiError::UserNotFound
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel => DeliveryResult::Blocked { reason: reason(api.to_string()) },
            ApiError::Unknown(description) => unknown_api_error(&reason(description.clone())),
            other => DeliveryResult::PermanentFailure { reason: reason(other.to_string()) },
        },
        RequestError::Network(e) => {
            let what = if e.is_timeout() {
                "the Bot API did not answer in time"
            } else if e.is_connect() {
                "could not connect to the Bot API"
            } else {
                "network error talking to the Bot API"
            };
            DeliveryResult::TemporaryFailure { reason: what.to_owned() }
        }
        // A proxy's HTML error page or a cut-off answer: Telegram's side, worth retrying.
        RequestError::InvalidJson { .. } => {
            DeliveryResult::TemporaryFailure { reason: "unreadable answer from the Bot API".into() }
        }
        RequestError::Io(e) => DeliveryResult::TemporaryFailure { reason: reason(format!("I/O error: {e}")) },
        RequestError::MigrateToChatId(_) => {
            DeliveryResult::PermanentFailure { reason: "the group moved to a supergroup".into() }
        }
    }
}

/// What `RateLimited` carries when Telegram gives no `retry_after`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(3);

/// teloxide drops `error_code`: descriptions it does not know are told apart by their words.
fn unknown_api_error(description: &str) -> DeliveryResult {
    let reason = description.to_owned();
    let server_side = ["Internal Server Error", "Bad Gateway", "Service Unavailable", "Gateway Timeout"];
    if description.starts_with("Forbidden") {
        DeliveryResult::Blocked { reason }
    } else if description.starts_with("Too Many Requests") {
        DeliveryResult::RateLimited { retry_after: DEFAULT_RETRY_AFTER }
    } else if server_side.iter().any(|s| description.starts_with(s)) {
        DeliveryResult::TemporaryFailure { reason }
    } else {
        DeliveryResult::PermanentFailure { reason }
    }
}

/// `text` with every occurrence of `secret` (and of its part after the colon) replaced by `***`.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    let mut text = text.to_owned();
    let tail = secret.split_once(':').map_or(secret, |(_, tail)| tail);
    for part in [secret, tail] {
        if !part.is_empty() {
            text = text.replace(part, "***");
        }
    }
    text
}

/// The events an update carries: private chats only (groups and channels are not the
/// conversation's), and only what the conversation uses. NUL is dropped from every text:
/// Telegram delivers it in messages and names as typed, and storage (PostgreSQL) cannot hold
/// it, so an update carrying one would fail to be handled after Telegram was told it
/// arrived ([`InboundEvent::without_nul`]).
pub(crate) fn events(update: &Update, bot_username: &str) -> Vec<InboundEvent> {
    update_events(update, bot_username).into_iter().map(InboundEvent::without_nul).collect()
}

fn update_events(update: &Update, bot_username: &str) -> Vec<InboundEvent> {
    match &update.kind {
        UpdateKind::Message(message) if message.chat.is_private() => message_event(message, bot_username),
        UpdateKind::CallbackQuery(query) => match &query.data {
            Some(payload) => vec![InboundEvent::Button {
                from: sender(&query.from),
                payload: payload.clone(),
                ack_id: Some(query.id.0.clone()),
            }],
            None => Vec::new(),
        },
        UpdateKind::MyChatMember(change) if change.chat.is_private() => {
            let user = change.chat.id.0.to_string();
            match change.new_chat_member.kind {
                ChatMemberKind::Banned(_) | ChatMemberKind::Left => vec![InboundEvent::Blocked { user }],
                ChatMemberKind::Member(_) => vec![InboundEvent::Unblocked { user }],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

fn message_event(message: &teloxide::types::Message, bot_username: &str) -> Vec<InboundEvent> {
    let Some(user) = &message.from else { return Vec::new() };
    let from = sender(user);
    let MessageKind::Common(common) = &message.kind else { return Vec::new() };
    let event = match &common.media_kind {
        MediaKind::Text(text) => match start_payload(&text.text, bot_username) {
            Some(payload) => InboundEvent::Start { from, payload },
            None => InboundEvent::Text { from, text: text.text.clone() },
        },
        MediaKind::Contact(shared) => {
            let Some(phone) = normalize_phone(&shared.contact.phone_number) else { return Vec::new() };
            let verified = shared.contact.user_id == Some(user.id);
            InboundEvent::Contact { from, phone, verified }
        }
        MediaKind::Location(shared) => {
            InboundEvent::Location { from, lat: shared.location.latitude, lon: shared.location.longitude }
        }
        MediaKind::Venue(shared) => {
            InboundEvent::Location { from, lat: shared.venue.location.latitude, lon: shared.venue.location.longitude }
        }
        _ => return Vec::new(),
    };
    vec![event]
}

fn sender(user: &User) -> Sender {
    Sender {
        external_id: user.id.0.to_string(),
        display_name: Some(user.full_name()).filter(|n| !n.trim().is_empty()),
        language: user.language_code.clone(),
    }
}

/// `Some(payload)` when `text` is the `/start` command (`/start`, `/start@<bot>`), with its
/// deep-link payload when that is one (1-64 of `A-Za-z0-9_-`, as `t.me` links allow); a
/// `/start` followed by anything else starts without a payload.
fn start_payload(text: &str, bot_username: &str) -> Option<Option<String>> {
    let (command, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let (name, addressee) = command.split_once('@').unwrap_or((command, ""));
    if name != "/start" || !(addressee.is_empty() || addressee.eq_ignore_ascii_case(bot_username)) {
        return None;
    }
    let payload = rest.trim();
    let valid = (1..=64).contains(&payload.len())
        && payload.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    Some(valid.then(|| payload.to_owned()))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use teloxide::types::Seconds;

    use regulars_core::channel::text::units;

    use super::*;

    fn caps() -> Capabilities {
        capabilities(false)
    }

    fn markup_json(outgoing: &Outgoing) -> Value {
        let markup = match outgoing {
            Outgoing::Text { markup, .. } | Outgoing::Photo { markup, .. } => markup.clone(),
            Outgoing::Place { .. } => None,
        };
        serde_json::to_value(markup).unwrap()
    }

    #[test]
    fn text_is_cut_in_utf16_units_with_an_ellipsis() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("hello world", 8), "hello w…");
        assert_eq!(cut("hello world", 7), "hello…");
        // Emoji are two UTF-16 units: Telegram's count, stricter than characters.
        let emoji = "☕😀😀😀";
        assert_eq!(cut(emoji, 5), "☕😀…");
        let long: String = "a".repeat(5000);
        let cut_text = cut(&long, 4096);
        assert_eq!(cut_text.chars().count(), 4096);
        assert!(cut_text.ends_with('…'));
    }

    #[test]
    fn payload_buttons_become_callback_rows_wrapped_at_three() {
        let row: Vec<Button> = (1..=5).map(|i| Button::payload(format!("B{i}"), format!("p{i}"))).collect();
        let out = render(&Message::Text { text: "Pick".into(), buttons: vec![row] }, &caps()).unwrap();
        assert_eq!(
            markup_json(&out),
            json!({"inline_keyboard": [
                [{"text": "B1", "callback_data": "p1"}, {"text": "B2", "callback_data": "p2"}, {"text": "B3", "callback_data": "p3"}],
                [{"text": "B4", "callback_data": "p4"}, {"text": "B5", "callback_data": "p5"}],
            ]})
        );
    }

    #[test]
    fn links_and_mini_apps() {
        let buttons = vec![vec![
            Button { label: "Site".into(), action: ButtonAction::Url("https://regulars.example/".into()) },
            Button { label: "App".into(), action: ButtonAction::MiniApp("https://app.regulars.example/".into()) },
        ]];
        let message = Message::Text { text: "Links".into(), buttons };
        let with_app = render(&message, &capabilities(true)).unwrap();
        assert_eq!(
            markup_json(&with_app)["inline_keyboard"][0][1],
            json!({"text": "App", "web_app": {"url": "https://app.regulars.example/"}})
        );
        let without = render(&message, &capabilities(false)).unwrap();
        assert_eq!(
            markup_json(&without)["inline_keyboard"][0][1],
            json!({"text": "App", "url": "https://app.regulars.example/"})
        );
        let bad = Message::Text {
            text: "x".into(),
            buttons: vec![vec![Button { label: "Bad".into(), action: ButtonAction::Url("not a url".into()) }]],
        };
        assert!(render(&bad, &caps()).is_err());
    }

    #[test]
    fn share_contact_is_a_one_time_reply_keyboard_and_other_buttons_become_lines() {
        let message = Message::Text {
            text: "Link your card".into(),
            buttons: vec![vec![
                Button { label: "Share my number".into(), action: ButtonAction::ShareContact },
                Button::payload("Later", "later"),
            ]],
        };
        let out = render(&message, &caps()).unwrap();
        assert_eq!(
            markup_json(&out),
            json!({"keyboard": [[{"text": "Share my number", "request_contact": true}]],
                   "resize_keyboard": true, "one_time_keyboard": true})
        );
        let Outgoing::Text { text, .. } = out else { panic!() };
        assert_eq!(text, "Link your card\n\n2. Later");
    }

    #[test]
    fn buttons_beyond_the_maximum_become_numbered_lines_and_text_makes_room() {
        let row: Vec<Button> = (1..=26).map(|i| Button::payload(format!("B{i}"), format!("p{i}"))).collect();
        let text = "x".repeat(5000);
        let out = render(&Message::Text { text, buttons: vec![row] }, &caps()).unwrap();
        let markup = markup_json(&out);
        let shown: usize =
            markup["inline_keyboard"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().len()).sum();
        assert_eq!(shown, 24);
        let Outgoing::Text { text, .. } = out else { panic!() };
        assert!(text.ends_with("…\n\n25. B25\n26. B26"), "{}", &text[text.len() - 40..]);
        assert!(units(&text) <= 4096);
    }

    #[test]
    fn long_labels_are_cut_and_bad_payloads_refused() {
        let label = "L".repeat(100);
        let out =
            render(&Message::Text { text: "t".into(), buttons: vec![vec![Button::payload(label, "p")]] }, &caps())
                .unwrap();
        assert_eq!(markup_json(&out)["inline_keyboard"][0][0]["text"].as_str().unwrap().chars().count(), 64);
        let long = Button::payload("x", "p".repeat(65));
        assert!(render(&Message::Text { text: "t".into(), buttons: vec![vec![long]] }, &caps()).is_err());
    }

    #[test]
    fn photos_and_places() {
        let photo = Message::Photo { png: vec![1, 2], caption: "c".repeat(2000), buttons: Vec::new() };
        let Outgoing::Photo { png, caption, markup } = render(&photo, &caps()).unwrap() else { panic!() };
        assert_eq!((png, caption.chars().count(), markup), (vec![1, 2], 1024, None));
        let place = Message::Location { lat: 1.5, lon: 2.5, title: "Cafe".into(), address: "Street 1".into() };
        assert_eq!(
            render(&place, &caps()).unwrap(),
            Outgoing::Place { lat: 1.5, lon: 2.5, title: "Cafe".into(), address: "Street 1".into() }
        );
    }

    #[test]
    fn errors_map_to_delivery_results() {
        let token = "123:SECRETtail";
        let api = |e: ApiError| delivery_failure(&RequestError::Api(e), token);
        assert!(matches!(api(ApiError::BotBlocked), DeliveryResult::Blocked { .. }));
        assert!(matches!(api(ApiError::UserDeactivated), DeliveryResult::Blocked { .. }));
        assert!(matches!(api(ApiError::ChatNotFound), DeliveryResult::Blocked { .. }));
        assert!(matches!(
            api(ApiError::Unknown("Forbidden: bot can't initiate".into())),
            DeliveryResult::Blocked { .. }
        ));
        assert!(matches!(
            api(ApiError::Unknown("Internal Server Error".into())),
            DeliveryResult::TemporaryFailure { .. }
        ));
        assert!(matches!(api(ApiError::Unknown("Bad Gateway".into())), DeliveryResult::TemporaryFailure { .. }));
        assert!(matches!(api(ApiError::MessageTextIsEmpty), DeliveryResult::PermanentFailure { .. }));
        assert!(matches!(api(ApiError::InvalidToken), DeliveryResult::PermanentFailure { .. }));
        assert_eq!(
            delivery_failure(&RequestError::RetryAfter(Seconds::from_seconds(7)), token),
            DeliveryResult::RateLimited { retry_after: Duration::from_secs(7) }
        );
        assert_eq!(
            delivery_failure(&RequestError::RetryAfter(Seconds::from_seconds(0)), token),
            DeliveryResult::RateLimited { retry_after: DEFAULT_RETRY_AFTER }
        );
        let leaked = api(ApiError::Unknown("Bad Request: bot123:SECRETtail is odd".into()));
        assert_eq!(leaked, DeliveryResult::PermanentFailure { reason: "Bad Request: bot*** is odd".into() });
    }

    #[test]
    fn start_commands() {
        assert_eq!(start_payload("/start", "regulars_bot"), Some(None));
        assert_eq!(start_payload("/start ref_AB-1", "regulars_bot"), Some(Some("ref_AB-1".into())));
        assert_eq!(start_payload("/start@Regulars_Bot ref", "regulars_bot"), Some(Some("ref".into())));
        assert_eq!(start_payload("/start@other_bot ref", "regulars_bot"), None);
        assert_eq!(start_payload("/start hello world", "regulars_bot"), Some(None));
        assert_eq!(start_payload("/started", "regulars_bot"), None);
        assert_eq!(start_payload("start", "regulars_bot"), None);
    }

    /// As the webhook reads it: teloxide's `Update` only deserializes from text, not from a
    /// `Value` (it then falls back to `UpdateKind::Error`).
    fn update(value: &Value) -> Update {
        serde_json::from_str(&value.to_string()).unwrap()
    }

    #[test]
    fn updates_become_events() {
        let from = json!({"id": 42, "is_bot": false, "first_name": "Ana", "last_name": "P", "language_code": "sr"});
        let chat = json!({"id": 42, "type": "private", "first_name": "Ana"});
        let message = |extra: Value| {
            let mut m = json!({"message_id": 1, "date": 1_795_166_943, "from": from, "chat": chat});
            m.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            json!({"update_id": 1, "message": m})
        };
        let sender =
            Sender { external_id: "42".into(), display_name: Some("Ana P".into()), language: Some("sr".into()) };
        assert_eq!(
            events(&update(&message(json!({"text": "hi"}))), "regulars_bot"),
            vec![InboundEvent::Text { from: sender.clone(), text: "hi".into() }]
        );
        let contact = |user_id: i64| {
            message(json!({"contact": {"phone_number": "381601234567", "first_name": "A", "user_id": user_id}}))
        };
        assert_eq!(
            events(&update(&contact(42)), "regulars_bot"),
            vec![InboundEvent::Contact { from: sender.clone(), phone: "+381601234567".into(), verified: true }]
        );
        assert_eq!(
            events(&update(&contact(43)), "regulars_bot"),
            vec![InboundEvent::Contact { from: sender, phone: "+381601234567".into(), verified: false }]
        );
        let group = json!({"update_id": 2, "message": {"message_id": 1, "date": 1_795_166_943, "from": from,
            "chat": {"id": -100, "type": "group", "title": "G"}, "text": "hi"}});
        assert!(events(&update(&group), "regulars_bot").is_empty());
        let sticker_like = message(json!({"dice": {"emoji": "🎲", "value": 3}}));
        assert!(events(&update(&sticker_like), "regulars_bot").is_empty());
    }

    #[test]
    fn nul_in_a_message_or_a_name_is_dropped_not_the_update() {
        let from = json!({"id": 42, "is_bot": false, "first_name": "A\u{0}na", "last_name": "\u{0}",
            "language_code": "sr"});
        let chat = json!({"id": 42, "type": "private", "first_name": "Ana"});
        let body = json!({"update_id": 1, "message": {"message_id": 1, "date": 1_795_166_943, "from": from,
            "chat": chat, "text": "hi\u{0} there"}});
        // As Telegram sends it: the JSON escape, which teloxide decodes to a real NUL.
        assert!(body.to_string().contains("\\u0000"));
        let events = events(&update(&body), "regulars_bot");
        let [InboundEvent::Text { from, text }] = events.as_slice() else { panic!("{events:?}") };
        assert_eq!(text, "hi there");
        assert_eq!(from.display_name.as_deref(), Some("Ana "), "{from:?}");
    }
}
