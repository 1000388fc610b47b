//! WhatsApp's JSON to and from core's types, without I/O: how a [`Message`] is rendered as a
//! Cloud API message object, how a webhook notification becomes [`InboundEvent`]s, and how an
//! error answer becomes a [`DeliveryResult`].

use std::time::Duration;

use regulars_core::channel::text::{cut, paragraph, units, with_lines};
use regulars_core::channel::{
    Button, ButtonAction, Capabilities, DeliveryResult, InboundEvent, MAX_PAYLOAD_LEN, Message, RateLimits,
    ReceiptStatus, Sender,
};
use regulars_core::guest::normalize_phone;
use serde::Deserialize;
use serde_json::{Value, json};

/// Longest text message body.
const MAX_TEXT: usize = 4096;
/// Longest image caption, and longest body of an interactive message.
const MAX_CAPTION: usize = 1024;
/// Reply buttons per interactive message.
const MAX_REPLY_BUTTONS: usize = 3;
/// Longest reply button title.
const MAX_BUTTON_TITLE: usize = 20;
/// Rows of an interactive list (in all sections together).
const MAX_LIST_ROWS: usize = 10;
/// Longest list row title.
const MAX_ROW_TITLE: usize = 24;
/// Longest list row description.
const MAX_ROW_DESCRIPTION: usize = 72;
/// Longest label of the button that opens a list.
const MAX_LIST_BUTTON: usize = 20;
/// The label of the button that opens a list when the text's first line does not fit: a
/// menu sign, the same in every language.
const LIST_BUTTON_FALLBACK: &str = "☰";
/// The pair rate limit: one message to the same person every 6 seconds (error 131056).
pub(crate) const PAIR_INTERVAL: Duration = Duration::from_secs(6);
/// What `RateLimited` carries for the other rate limits, which give no time.
pub(crate) const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// What the Cloud API allows, and what the outbox sender paces by.
pub(crate) fn capabilities() -> Capabilities {
    Capabilities {
        max_text_len: MAX_TEXT,
        max_buttons: MAX_REPLY_BUTTONS,
        max_buttons_per_row: MAX_REPLY_BUTTONS,
        max_button_label: MAX_BUTTON_TITLE,
        max_list_rows: MAX_LIST_ROWS,
        photos: true,
        max_caption_len: MAX_CAPTION,
        // The address is the phone number: there is nothing to ask for.
        contact_sharing: false,
        verified_phone_inherent: true,
        location: true,
        mini_app: false,
        rate: RateLimits { per_second: 80, per_chat_interval: PAIR_INTERVAL },
        service_window: Some(Duration::from_secs(24 * 60 * 60)),
    }
}

/// A message rendered for the Cloud API.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outgoing {
    /// One `messages` call: the type-specific part of the message object (`type` and its
    /// object), without `messaging_product` and `to`.
    Message(Value),
    /// An upload of the PNG to `media`, then one `messages` call referencing it.
    Photo {
        /// The image.
        png: Vec<u8>,
        /// The message that shows it.
        message: PhotoMessage,
    },
}

/// How an uploaded image is sent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PhotoMessage {
    /// `type:image` with a caption.
    Image {
        /// The caption (buttons that did not fit already in it as lines).
        caption: String,
    },
    /// `type:interactive` reply buttons with the image as the header and the caption as the
    /// body: one message with the photo and its buttons.
    Buttons {
        /// The body.
        body: String,
        /// The `action.buttons` array.
        buttons: Value,
    },
}

impl PhotoMessage {
    /// The message's type-specific part, showing the uploaded media `media_id`.
    pub(crate) fn json(&self, media_id: &str) -> Value {
        match self {
            Self::Image { caption } if caption.is_empty() => json!({"type": "image", "image": {"id": media_id}}),
            Self::Image { caption } => json!({"type": "image", "image": {"id": media_id, "caption": caption}}),
            Self::Buttons { body, buttons } => json!({
                "type": "interactive",
                "interactive": {
                    "type": "button",
                    "header": {"type": "image", "image": {"id": media_id}},
                    "body": {"text": body},
                    "action": {"buttons": buttons},
                },
            }),
        }
    }
}

/// Renders `message`; `Err` holds the reason it cannot be sent at all.
pub(crate) fn render(message: &Message) -> Result<Outgoing, String> {
    match message {
        Message::Text { text, buttons } => {
            let choices = Choices::of(buttons)?;
            Ok(Outgoing::Message(choices.text_message(text)))
        }
        Message::Photo { png, caption, buttons } => {
            if png.is_empty() {
                return Err("the photo has no bytes".into());
            }
            let choices = Choices::of(buttons)?;
            Ok(Outgoing::Photo { png: png.clone(), message: choices.photo_message(caption) })
        }
        Message::Location { lat, lon, title, address } => {
            let mut location = json!({"latitude": lat, "longitude": lon});
            if !title.is_empty() {
                location["name"] = json!(cut(title, MAX_TEXT));
            }
            if !address.is_empty() {
                location["address"] = json!(cut(address, MAX_TEXT));
            }
            Ok(Outgoing::Message(json!({"type": "location", "location": location})))
        }
        Message::Template { name, language, params } => {
            if name.is_empty() || language.is_empty() {
                return Err("a template needs a name and a language code".into());
            }
            let mut template = json!({"name": name, "language": {"code": language}});
            if !params.is_empty() {
                let parameters: Vec<Value> =
                    params.iter().map(|p| json!({"type": "text", "text": template_param(p)})).collect();
                template["components"] = json!([{"type": "body", "parameters": parameters}]);
            }
            Ok(Outgoing::Message(json!({"type": "template", "template": template})))
        }
        other => Err(format!("message kind not supported by the WhatsApp channel: {other:?}")),
    }
}

/// A template parameter as the Cloud API takes it: no new lines or tabs, and no more than
/// four spaces in a row (error 132018 otherwise).
fn template_param(param: &str) -> String {
    let flat: String = param.chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect();
    let mut out = String::with_capacity(flat.len());
    let mut spaces = 0;
    for c in flat.chars() {
        spaces = if c == ' ' { spaces + 1 } else { 0 };
        if spaces <= 4 {
            out.push(c);
        }
    }
    out
}

/// A message's buttons, sorted into what WhatsApp can show: payload buttons (reply buttons
/// or list rows) and everything else as numbered lines of text.
#[derive(Debug, Default)]
struct Choices<'a> {
    /// Payload buttons with their place among all buttons (from 1).
    payload: Vec<(usize, &'a Button, &'a str)>,
    /// Links and Mini Apps (plain links here) as lines, with their place among all buttons.
    links: Vec<(usize, String)>,
}

impl<'a> Choices<'a> {
    fn of(rows: &'a [Vec<Button>]) -> Result<Self, String> {
        let mut choices = Self::default();
        for (n, button) in rows.iter().flatten().enumerate().map(|(i, b)| (i + 1, b)) {
            match &button.action {
                ButtonAction::Payload(payload) => {
                    if payload.is_empty() || payload.len() > MAX_PAYLOAD_LEN {
                        return Err(format!("button payload must be 1-{MAX_PAYLOAD_LEN} bytes, got {}", payload.len()));
                    }
                    choices.payload.push((n, button, payload));
                }
                ButtonAction::Url(url) | ButtonAction::MiniApp(url) => {
                    choices.links.push((n, format!("{n}. {}: {url}", button.label)));
                }
                // WhatsApp's address is the phone number: the platform has nothing to ask for,
                // and the conversation already has the number (`verified_phone_inherent`).
                ButtonAction::ShareContact => {}
            }
        }
        Ok(choices)
    }

    /// The numbered lines of text for the payload buttons after the first `shown`, and for
    /// every link, in button order.
    fn lines(&self, shown: usize) -> Vec<String> {
        let mut lines: Vec<(usize, String)> =
            self.payload.iter().skip(shown).map(|(n, button, _)| (*n, format!("{n}. {}", button.label))).collect();
        lines.extend(self.links.iter().cloned());
        lines.sort_by_key(|(n, _)| *n);
        lines.into_iter().map(|(_, line)| line).collect()
    }

    /// Up to three payload buttons as `action.buttons`.
    fn reply_buttons(&self) -> Value {
        let buttons: Vec<Value> = self
            .payload
            .iter()
            .map(|(_, button, payload)| {
                json!({"type": "reply", "reply": {"id": payload, "title": cut(&button.label, MAX_BUTTON_TITLE)}})
            })
            .collect();
        Value::Array(buttons)
    }

    /// A text message: reply buttons for up to three payload buttons, a list for up to ten
    /// (the rest, beyond ten, as numbered lines), plain text with numbered lines when the text
    /// is too long for an interactive body.
    fn text_message(&self, text: &str) -> Value {
        let count = self.payload.len();
        if count > 0 {
            let body = format!("{text}{}", paragraph(&self.lines(MAX_LIST_ROWS)));
            if !text.trim().is_empty() && units(&body) <= MAX_CAPTION {
                let interactive = if count <= MAX_REPLY_BUTTONS {
                    json!({"type": "button", "body": {"text": body}, "action": {"buttons": self.reply_buttons()}})
                } else {
                    json!({"type": "list", "body": {"text": body}, "action": self.list(text)})
                };
                return json!({"type": "interactive", "interactive": interactive});
            }
        }
        let body = with_lines(text, &self.lines(0), MAX_TEXT);
        json!({"type": "text", "text": {"body": body, "preview_url": false}})
    }

    /// The `action` of a list of the first ten payload buttons: row titles are cut at 24
    /// characters, with the whole label as the row's description when it was cut.
    fn list(&self, text: &str) -> Value {
        let rows: Vec<Value> = self
            .payload
            .iter()
            .take(MAX_LIST_ROWS)
            .map(|(_, button, payload)| {
                let mut row = json!({"id": payload, "title": cut(&button.label, MAX_ROW_TITLE)});
                if units(&button.label) > MAX_ROW_TITLE {
                    row["description"] = json!(cut(&button.label, MAX_ROW_DESCRIPTION));
                }
                row
            })
            .collect();
        let first_line = text.lines().next().unwrap_or_default().trim();
        let opener = if (1..=MAX_LIST_BUTTON).contains(&units(first_line)) { first_line } else { LIST_BUTTON_FALLBACK };
        json!({"button": opener, "sections": [{"rows": rows}]})
    }

    /// An image: with up to three payload buttons, one interactive message with the image as
    /// its header; otherwise the image with every button as a numbered line of the caption.
    fn photo_message(&self, caption: &str) -> PhotoMessage {
        let count = self.payload.len();
        if (1..=MAX_REPLY_BUTTONS).contains(&count) && !caption.trim().is_empty() {
            let body = format!("{caption}{}", paragraph(&self.lines(count)));
            if units(&body) <= MAX_CAPTION {
                return PhotoMessage::Buttons { body, buttons: self.reply_buttons() };
            }
        }
        PhotoMessage::Image { caption: with_lines(caption, &self.lines(0), MAX_CAPTION) }
    }
}

/// The Graph API's error object.
#[derive(Debug, Default, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error_data: Option<ErrorData>,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorData {
    #[serde(default)]
    details: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ErrorAnswer {
    error: GraphError,
}

/// What a refused call means for the outbox: the Cloud API's error `code` first, then the
/// HTTP status. `retry_after` is a `Retry-After` header, if the answer had one (the Graph API
/// documents none; the defaults are [`PAIR_INTERVAL`] for the pair limit and
/// [`DEFAULT_RETRY_AFTER`] otherwise). `secret` (the access token) is scrubbed from the
/// reason.
pub(crate) fn delivery_failure(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    secret: &str,
) -> DeliveryResult {
    let error = serde_json::from_slice::<ErrorAnswer>(body).map(|a| a.error).ok();
    let code = error.as_ref().and_then(|e| e.code);
    let reason = match &error {
        Some(e) => {
            let mut reason = format!("WhatsApp error {}: {}", code.unwrap_or_default(), e.message);
            if let Some(details) = e.error_data.as_ref().and_then(|d| d.details.as_deref()) {
                reason.push_str(" (");
                reason.push_str(details);
                reason.push(')');
            }
            scrub(&reason, secret)
        }
        None => format!("HTTP {status} from the Graph API"),
    };
    match code {
        // The pair limit: too many messages to this person in a short time.
        Some(131_056) => DeliveryResult::RateLimited { retry_after: retry_after.unwrap_or(PAIR_INTERVAL) },
        // Throughput, business account and application rate limits.
        Some(130_429 | 80_007 | 4) => {
            DeliveryResult::RateLimited { retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER) }
        }
        // Message undeliverable: no WhatsApp account, an old app, or the person blocked the
        // business.
        Some(131_026) => DeliveryResult::Blocked { reason },
        // Re-engagement: more than 24 hours since the person's last message.
        Some(131_047) => DeliveryResult::OutsideServiceWindow { reason },
        // Unknown error, temporarily unavailable, service unavailable.
        Some(1 | 2 | 131_000 | 131_016 | 133_004) => DeliveryResult::TemporaryFailure { reason },
        _ if status >= 500 => DeliveryResult::TemporaryFailure { reason },
        _ if status == 429 => DeliveryResult::RateLimited { retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER) },
        _ => DeliveryResult::PermanentFailure { reason },
    }
}

/// `text` with every occurrence of `secret` replaced by `***`.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() { text.to_owned() } else { text.replace(secret, "***") }
}

/// The id of the sent message in a successful answer
/// (`{"messaging_product":"whatsapp","contacts":[…],"messages":[{"id":"wamid…"}]}`).
pub(crate) fn sent_message_id(body: &[u8]) -> Option<String> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    answer.get("messages")?.get(0)?.get("id")?.as_str().map(str::to_owned)
}

/// A webhook notification: only the envelope is required; each change's value is read
/// leniently, so one message of a shape this crate does not know costs that message, not the
/// whole notification.
#[derive(Debug, Deserialize)]
struct Notification {
    object: String,
    entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
struct Change {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: Value,
}

#[derive(Debug, Default, Deserialize)]
struct ChangeValue {
    #[serde(default)]
    contacts: Vec<Value>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    statuses: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct Profile {
    #[serde(default)]
    wa_id: Option<String>,
    #[serde(default)]
    profile: Option<ProfileName>,
}

#[derive(Debug, Deserialize)]
struct ProfileName {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct InMessage {
    from: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<Text>,
    #[serde(default)]
    interactive: Option<Interactive>,
    #[serde(default)]
    button: Option<QuickReply>,
    #[serde(default)]
    location: Option<Location>,
    #[serde(default)]
    contacts: Vec<Card>,
}

#[derive(Debug, Deserialize)]
struct Text {
    body: String,
}

#[derive(Debug, Deserialize)]
struct Interactive {
    #[serde(default)]
    button_reply: Option<Reply>,
    #[serde(default)]
    list_reply: Option<Reply>,
}

#[derive(Debug, Deserialize)]
struct Reply {
    id: String,
}

/// A press of a template's quick-reply button.
#[derive(Debug, Deserialize)]
struct QuickReply {
    payload: String,
}

#[derive(Debug, Deserialize)]
struct Location {
    latitude: f64,
    longitude: f64,
}

#[derive(Debug, Deserialize)]
struct Card {
    #[serde(default)]
    phones: Vec<CardPhone>,
}

#[derive(Debug, Deserialize)]
struct CardPhone {
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    wa_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Status {
    id: String,
    status: String,
}

/// The object of WhatsApp Business Account notifications.
const OBJECT: &str = "whatsapp_business_account";

/// The events a verified notification body carries; `Err` when it is not the platform's JSON.
/// NUL is dropped from every text ([`InboundEvent::without_nul`]): WhatsApp passes it on in
/// message bodies and profile names, and storage (PostgreSQL) cannot hold it, so the message
/// would otherwise fail to be handled after Meta was told it arrived.
pub(crate) fn events(body: &[u8]) -> Result<Vec<InboundEvent>, String> {
    Ok(notification_events(body)?.into_iter().map(InboundEvent::without_nul).collect())
}

fn notification_events(body: &[u8]) -> Result<Vec<InboundEvent>, String> {
    let notification: Notification =
        serde_json::from_slice(body).map_err(|e| format!("not a WhatsApp webhook notification: {e}"))?;
    if notification.object != OBJECT {
        // Another product's notification sent to this URL: nothing for the conversation.
        return Ok(Vec::new());
    }
    let mut events = Vec::new();
    for change in notification.entry.iter().flat_map(|e| &e.changes) {
        if change.field != "messages" {
            continue;
        }
        let value = ChangeValue::deserialize(&change.value).unwrap_or_default();
        let profiles: Vec<Profile> = value.contacts.iter().filter_map(|c| Profile::deserialize(c).ok()).collect();
        for message in &value.messages {
            let Ok(message) = InMessage::deserialize(message) else { continue };
            events.extend(message_events(&message, &profiles));
        }
        for status in &value.statuses {
            let Ok(status) = Status::deserialize(status) else { continue };
            let status_kind = match status.status.as_str() {
                "delivered" => ReceiptStatus::Delivered,
                "read" => ReceiptStatus::Read,
                "failed" => ReceiptStatus::Failed,
                // `sent` (reached WhatsApp's servers: `send` already said so) and anything newer.
                _ => continue,
            };
            events.push(InboundEvent::Receipt { message_id: status.id, status: status_kind });
        }
    }
    Ok(events)
}

fn message_events(message: &InMessage, profiles: &[Profile]) -> Vec<InboundEvent> {
    let from = sender(&message.from, profiles);
    let event = match message.kind.as_str() {
        "text" => {
            let Some(text) = &message.text else { return Vec::new() };
            match start_payload(&text.body) {
                Some(payload) => InboundEvent::Start { from, payload },
                None => InboundEvent::Text { from, text: text.body.clone() },
            }
        }
        "interactive" => {
            let Some(interactive) = &message.interactive else { return Vec::new() };
            let Some(reply) = interactive.button_reply.as_ref().or(interactive.list_reply.as_ref()) else {
                return Vec::new();
            };
            InboundEvent::Button { from, payload: reply.id.clone(), ack_id: None }
        }
        "button" => {
            let Some(button) = &message.button else { return Vec::new() };
            InboundEvent::Button { from, payload: button.payload.clone(), ack_id: None }
        }
        "location" => {
            let Some(location) = &message.location else { return Vec::new() };
            InboundEvent::Location { from, lat: location.latitude, lon: location.longitude }
        }
        "contacts" => {
            return message
                .contacts
                .iter()
                .filter_map(|card| {
                    card.phones.iter().find_map(|p| {
                        let phone = normalize_phone(p.phone.as_deref().or(p.wa_id.as_deref())?)?;
                        let verified = p.wa_id.as_deref() == Some(message.from.as_str());
                        Some(InboundEvent::Contact { from: from.clone(), phone, verified })
                    })
                })
                .collect();
        }
        // Media, reactions, orders, system notices, `unsupported`: not the conversation's.
        _ => return Vec::new(),
    };
    vec![event]
}

fn sender(from: &str, profiles: &[Profile]) -> Sender {
    let profile = profiles.iter().find(|p| p.wa_id.as_deref() == Some(from)).or(profiles.first());
    let name = profile.and_then(|p| p.profile.as_ref()).and_then(|p| p.name.clone());
    Sender { external_id: from.to_owned(), display_name: name.filter(|n| !n.trim().is_empty()), language: None }
}

/// `Some(payload)` when `text` is what a `wa.me` deep link pre-fills: `start` (any case),
/// alone or followed by one payload (1-64 of `A-Za-z0-9_-:.`); `start` followed by anything
/// else is ordinary text.
pub(crate) fn start_payload(text: &str) -> Option<Option<String>> {
    let text = text.trim();
    let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    if !word.eq_ignore_ascii_case("start") {
        return None;
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Some(None);
    }
    let valid = rest.len() <= MAX_PAYLOAD_LEN
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.'));
    valid.then(|| Some(rest.to_owned()))
}

#[cfg(test)]
mod tests {
    use regulars_core::channel::MAX_PAYLOAD_LEN;

    use super::*;

    fn text_json(message: &Message) -> Value {
        match render(message).unwrap() {
            Outgoing::Message(json) => json,
            other => panic!("expected one message, got {other:?}"),
        }
    }

    fn with_buttons(text: &str, buttons: Vec<Button>) -> Message {
        Message::Text { text: text.into(), buttons: vec![buttons] }
    }

    fn payloads(n: usize) -> Vec<Button> {
        (1..=n).map(|i| Button::payload(format!("Choice {i}"), format!("c{i}"))).collect()
    }

    #[test]
    fn plain_text_is_a_text_message_cut_at_4096() {
        assert_eq!(
            text_json(&Message::text("Hvala! ☕")),
            json!({"type": "text", "text": {"body": "Hvala! ☕", "preview_url": false}})
        );
        let long = text_json(&Message::text("a".repeat(5000)));
        let body = long["text"]["body"].as_str().unwrap();
        assert_eq!(body.chars().count(), 4096);
        assert!(body.ends_with('…'));
    }

    #[test]
    fn up_to_three_payload_buttons_are_reply_buttons_with_titles_cut_at_20() {
        let mut buttons = payloads(3);
        buttons[0].label = "A very long label for a reply button".into();
        let json = text_json(&with_buttons("Menu", buttons));
        assert_eq!(
            json,
            json!({"type": "interactive", "interactive": {
                "type": "button",
                "body": {"text": "Menu"},
                "action": {"buttons": [
                    {"type": "reply", "reply": {"id": "c1", "title": "A very long label f…"}},
                    {"type": "reply", "reply": {"id": "c2", "title": "Choice 2"}},
                    {"type": "reply", "reply": {"id": "c3", "title": "Choice 3"}},
                ]},
            }})
        );
    }

    #[test]
    fn four_to_ten_payload_buttons_are_a_list_and_more_become_lines() {
        let mut buttons = payloads(5);
        buttons[4].label = "Cappuccino with oat milk, large".into();
        let json = text_json(&with_buttons("Pick a drink\nAll cafes", buttons));
        let interactive = &json["interactive"];
        assert_eq!(interactive["type"], "list");
        assert_eq!(interactive["body"]["text"], "Pick a drink\nAll cafes");
        assert_eq!(interactive["action"]["button"], "Pick a drink");
        let rows = interactive["action"]["sections"][0]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0], json!({"id": "c1", "title": "Choice 1"}));
        assert_eq!(
            rows[4],
            json!({"id": "c5", "title": "Cappuccino with oat mil…", "description": "Cappuccino with oat milk, large"})
        );

        let json = text_json(&with_buttons("A first line longer than twenty characters", payloads(12)));
        let interactive = &json["interactive"];
        assert_eq!(interactive["action"]["button"], LIST_BUTTON_FALLBACK);
        assert_eq!(interactive["action"]["sections"][0]["rows"].as_array().unwrap().len(), 10);
        assert_eq!(
            interactive["body"]["text"],
            "A first line longer than twenty characters\n\n11. Choice 11\n12. Choice 12"
        );
    }

    #[test]
    fn links_become_lines_and_contact_requests_are_left_out() {
        let buttons = vec![
            Button::payload("Card", "card"),
            Button { label: "Menu".into(), action: ButtonAction::Url("https://regulars.example/menu".into()) },
            Button { label: "Share".into(), action: ButtonAction::ShareContact },
            Button { label: "App".into(), action: ButtonAction::MiniApp("https://regulars.example/app".into()) },
        ];
        let json = text_json(&with_buttons("Hi", buttons));
        assert_eq!(
            json["interactive"]["body"]["text"],
            "Hi\n\n2. Menu: https://regulars.example/menu\n4. App: https://regulars.example/app"
        );
        assert_eq!(json["interactive"]["action"]["buttons"].as_array().unwrap().len(), 1);
        let only_links = vec![Button { label: "Menu".into(), action: ButtonAction::Url("https://m.example".into()) }];
        assert_eq!(text_json(&with_buttons("Hi", only_links))["text"]["body"], "Hi\n\n1. Menu: https://m.example");
    }

    #[test]
    fn text_too_long_for_an_interactive_body_keeps_every_button_as_a_line() {
        let text = "x".repeat(2000);
        let json = text_json(&with_buttons(&text, payloads(2)));
        assert_eq!(json["type"], "text");
        assert_eq!(json["text"]["body"], format!("{text}\n\n1. Choice 1\n2. Choice 2"));
    }

    #[test]
    fn bad_payloads_are_refused() {
        let too_long = Button::payload("Long", "p".repeat(MAX_PAYLOAD_LEN + 1));
        assert!(render(&with_buttons("Hi", vec![too_long])).is_err());
        assert!(render(&with_buttons("Hi", vec![Button::payload("Empty", "")])).is_err());
        assert!(render(&Message::Photo { png: Vec::new(), caption: "x".into(), buttons: Vec::new() }).is_err());
    }

    #[test]
    fn photos_carry_their_buttons_in_the_header_message_or_the_caption() {
        let png = vec![0x89, b'P', b'N', b'G'];
        let photo = |buttons: Vec<Button>| Message::Photo {
            png: png.clone(),
            caption: "Your card".into(),
            buttons: vec![buttons],
        };
        let Outgoing::Photo { png: uploaded, message } = render(&photo(payloads(1))).unwrap() else { panic!() };
        assert_eq!(uploaded, png);
        assert_eq!(
            message.json("media-1"),
            json!({"type": "interactive", "interactive": {
                "type": "button",
                "header": {"type": "image", "image": {"id": "media-1"}},
                "body": {"text": "Your card"},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "c1", "title": "Choice 1"}}]},
            }})
        );
        let Outgoing::Photo { message, .. } = render(&photo(payloads(4))).unwrap() else { panic!() };
        assert_eq!(
            message.json("media-2"),
            json!({"type": "image", "image": {"id": "media-2",
                "caption": "Your card\n\n1. Choice 1\n2. Choice 2\n3. Choice 3\n4. Choice 4"}})
        );
        let Outgoing::Photo { message, .. } = render(&photo(Vec::new())).unwrap() else { panic!() };
        assert_eq!(message.json("m"), json!({"type": "image", "image": {"id": "m", "caption": "Your card"}}));
    }

    #[test]
    fn locations_and_templates_have_the_platforms_shape() {
        let location =
            Message::Location { lat: 44.8, lon: 20.4, title: "Dorćol".into(), address: "Cara Dušana 10".into() };
        assert_eq!(
            text_json(&location),
            json!({"type": "location", "location": {"latitude": 44.8, "longitude": 20.4, "name": "Dorćol", "address": "Cara Dušana 10"}})
        );
        let template = Message::Template {
            name: "reward_ready".into(),
            language: "sr".into(),
            params: vec!["Ana".into(), "Free\ncappuccino      now".into()],
        };
        assert_eq!(
            text_json(&template),
            json!({"type": "template", "template": {
                "name": "reward_ready",
                "language": {"code": "sr"},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "text": "Ana"},
                    {"type": "text", "text": "Free cappuccino    now"},
                ]}],
            }})
        );
        let bare = Message::Template { name: "hello".into(), language: "en_US".into(), params: Vec::new() };
        assert_eq!(
            text_json(&bare),
            json!({"type": "template", "template": {"name": "hello", "language": {"code": "en_US"}}})
        );
    }

    fn error(code: i64) -> Vec<u8> {
        json!({"error": {"message": format!("(#{code}) Something"), "type": "OAuthException", "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": "Details."}, "fbtrace_id": "Az"}})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn error_codes_map_to_delivery_results() {
        let fail = |status, code| delivery_failure(status, None, &error(code), "EAAGtoken");
        assert_eq!(fail(400, 130_429), DeliveryResult::RateLimited { retry_after: DEFAULT_RETRY_AFTER });
        assert_eq!(fail(400, 80_007), DeliveryResult::RateLimited { retry_after: DEFAULT_RETRY_AFTER });
        assert_eq!(fail(400, 4), DeliveryResult::RateLimited { retry_after: DEFAULT_RETRY_AFTER });
        assert_eq!(fail(400, 131_056), DeliveryResult::RateLimited { retry_after: PAIR_INTERVAL });
        assert_eq!(
            delivery_failure(400, Some(Duration::from_secs(9)), &error(130_429), ""),
            DeliveryResult::RateLimited { retry_after: Duration::from_secs(9) }
        );
        assert!(
            matches!(fail(400, 131_026), DeliveryResult::Blocked { reason } if reason == "WhatsApp error 131026: (#131026) Something (Details.)")
        );
        assert!(matches!(fail(400, 131_047), DeliveryResult::OutsideServiceWindow { .. }));
        assert!(matches!(fail(500, 131_000), DeliveryResult::TemporaryFailure { .. }));
        assert!(matches!(fail(503, 2), DeliveryResult::TemporaryFailure { .. }));
        assert!(matches!(fail(400, 131_009), DeliveryResult::PermanentFailure { .. }));
        assert!(matches!(fail(401, 190), DeliveryResult::PermanentFailure { .. }));
        assert!(matches!(
            delivery_failure(502, None, b"<html>Bad Gateway</html>", ""),
            DeliveryResult::TemporaryFailure { .. }
        ));
        assert!(matches!(delivery_failure(429, None, b"", ""), DeliveryResult::RateLimited { .. }));
        assert!(matches!(delivery_failure(403, None, b"", ""), DeliveryResult::PermanentFailure { .. }));
        let leaky = json!({"error": {"message": "bad token EAAGtoken", "code": 190}}).to_string();
        let DeliveryResult::PermanentFailure { reason } = delivery_failure(401, None, leaky.as_bytes(), "EAAGtoken")
        else {
            panic!()
        };
        assert_eq!(reason, "WhatsApp error 190: bad token ***");
    }

    #[test]
    fn the_sent_message_id_is_the_wamid() {
        let answer = br#"{"messaging_product":"whatsapp","contacts":[{"input":"381601234567","wa_id":"381601234567"}],"messages":[{"id":"wamid.HBgLMzgx"}]}"#;
        assert_eq!(sent_message_id(answer).as_deref(), Some("wamid.HBgLMzgx"));
        assert_eq!(sent_message_id(b"{}"), None);
    }

    fn notification(value: &Value) -> Vec<u8> {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]})
            .to_string()
            .into_bytes()
    }

    fn from_message(message: &Value) -> Vec<InboundEvent> {
        let mut message = message.clone();
        message["from"] = json!("381601234567");
        message["id"] = json!("wamid.in");
        message["timestamp"] = json!("1795166943");
        let value = json!({"messaging_product": "whatsapp",
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": "381601234567"}], "messages": [message]});
        events(&notification(&value)).unwrap()
    }

    fn ana() -> Sender {
        Sender { external_id: "381601234567".into(), display_name: Some("Ana".into()), language: None }
    }

    #[test]
    fn nul_in_a_message_or_a_name_is_dropped_not_the_message() {
        let mut message = json!({"type": "text", "text": {"body": "Hva\u{0}la"}});
        message["from"] = json!("381601234567");
        message["id"] = json!("wamid.in");
        message["timestamp"] = json!("1795166943");
        let value = json!({"messaging_product": "whatsapp",
            "contacts": [{"profile": {"name": "An\u{0}a"}, "wa_id": "381601234567"}], "messages": [message]});
        let body = notification(&value);
        assert!(String::from_utf8_lossy(&body).contains("\\u0000"), "sent as the JSON escape");
        assert_eq!(events(&body).unwrap(), vec![InboundEvent::Text { from: ana(), text: "Hvala".into() }]);
    }

    #[test]
    fn inbound_messages_become_events() {
        let text = |body: &str| from_message(&json!({"type": "text", "text": {"body": body}}));
        assert_eq!(text("Hvala"), vec![InboundEvent::Text { from: ana(), text: "Hvala".into() }]);
        assert_eq!(text("start ref_AB12"), vec![InboundEvent::Start { from: ana(), payload: Some("ref_AB12".into()) }]);
        assert_eq!(
            text("START staff:x.1"),
            vec![InboundEvent::Start { from: ana(), payload: Some("staff:x.1".into()) }]
        );
        assert_eq!(text(" Start "), vec![InboundEvent::Start { from: ana(), payload: None }]);
        assert_eq!(text("start the day"), vec![InboundEvent::Text { from: ana(), text: "start the day".into() }]);
        assert_eq!(text("started"), vec![InboundEvent::Text { from: ana(), text: "started".into() }]);
        let button = |payload: &str| vec![InboundEvent::Button { from: ana(), payload: payload.into(), ack_id: None }];
        assert_eq!(
            from_message(
                &json!({"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "card", "title": "Card"}}})
            ),
            button("card")
        );
        assert_eq!(
            from_message(
                &json!({"type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "cafe:2", "title": "Dorćol", "description": ""}}})
            ),
            button("cafe:2")
        );
        assert_eq!(
            from_message(&json!({"type": "button", "button": {"payload": "stop", "text": "Stop"}})),
            button("stop")
        );
        assert_eq!(
            from_message(
                &json!({"type": "location", "location": {"latitude": 44.8, "longitude": 20.4, "name": "Home"}})
            ),
            vec![InboundEvent::Location { from: ana(), lat: 44.8, lon: 20.4 }]
        );
        let card = |wa_id: &str| {
            from_message(&json!({"type": "contacts", "contacts": [{"name": {"formatted_name": "M"},
                "phones": [{"phone": "+381 60 123-4568", "wa_id": wa_id, "type": "CELL"}]}]}))
        };
        assert_eq!(
            card("381601234568"),
            vec![InboundEvent::Contact { from: ana(), phone: "+381601234568".into(), verified: false }]
        );
        assert_eq!(
            card("381601234567"),
            vec![InboundEvent::Contact { from: ana(), phone: "+381601234568".into(), verified: true }]
        );
        for ignored in [
            json!({"type": "image", "image": {"id": "1", "mime_type": "image/jpeg", "sha256": "x"}}),
            json!({"type": "reaction", "reaction": {"message_id": "wamid.x", "emoji": "👍"}}),
            json!({"type": "unsupported", "errors": [{"code": 131_051}]}),
            json!({"type": "text", "text": 5}),
        ] {
            assert_eq!(from_message(&ignored), Vec::new(), "{ignored}");
        }
    }

    #[test]
    fn statuses_become_receipts_and_sent_is_nothing() {
        let value = json!({"messaging_product": "whatsapp", "statuses": [
            {"id": "wamid.1", "status": "sent", "timestamp": "1", "recipient_id": "381"},
            {"id": "wamid.1", "status": "delivered", "timestamp": "2", "recipient_id": "381"},
            {"id": "wamid.1", "status": "read", "timestamp": "3", "recipient_id": "381"},
            {"id": "wamid.2", "status": "failed", "timestamp": "4", "recipient_id": "381", "errors": [{"code": 131_047}]},
        ]});
        let receipt = |id: &str, status| InboundEvent::Receipt { message_id: id.into(), status };
        assert_eq!(
            events(&notification(&value)).unwrap(),
            vec![
                receipt("wamid.1", ReceiptStatus::Delivered),
                receipt("wamid.1", ReceiptStatus::Read),
                receipt("wamid.2", ReceiptStatus::Failed),
            ]
        );
    }

    #[test]
    fn capabilities_are_whatsapps() {
        let caps = capabilities();
        assert_eq!((caps.max_buttons, caps.max_button_label, caps.max_list_rows), (3, 20, 10));
        assert!(caps.verified_phone_inherent && !caps.contact_sharing && !caps.mini_app);
        assert_eq!(caps.rate, RateLimits { per_second: 80, per_chat_interval: Duration::from_secs(6) });
        assert_eq!(caps.service_window, Some(Duration::from_secs(86_400)));
    }
}
