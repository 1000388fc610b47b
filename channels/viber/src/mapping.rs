//! Viber's JSON to and from core's types, without I/O: how a [`Message`] is rendered as a
//! `send_message` body, how a callback becomes [`InboundEvent`]s, and how an answer's `status`
//! becomes a [`DeliveryResult`].

use std::time::Duration;

use regulars_core::channel::text::{cut, with_lines};
use regulars_core::channel::{
    Button, ButtonAction, Capabilities, DeliveryResult, InboundEvent, MAX_PAYLOAD_LEN, MediaHost, Message, RateLimits,
    ReceiptStatus, Sender,
};
use regulars_core::guest::normalize_phone;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Longest text message Viber accepts.
pub(crate) const MAX_TEXT_LEN: usize = 7000;

/// Viber refuses request bodies over 30 KB; this stays a little under it.
pub(crate) const MAX_BODY_BYTES: usize = 30_000;

/// Most receivers one `broadcast_message` takes.
pub(crate) const MAX_BROADCAST: usize = 300;

/// The `ActionBody` of a payload button is this prefix and the payload: Viber sends it back as
/// an ordinary text message from the person, and the prefix tells it from typed text.
pub const PAYLOAD_PREFIX: &str = "rg:";

/// What `RateLimited` carries: Viber's "too many requests" (status 12) gives no retry-after.
pub(crate) const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Buttons of a keyboard row share Viber's grid of six columns.
const GRID_COLUMNS: usize = 6;

/// Longest text of a `picture` message.
pub(crate) const MAX_PICTURE_TEXT: usize = 768;

/// What Viber allows, and what the outbox sender paces by; `photos` only where the server
/// hosts images for it ([`crate::ViberChannel::with_media_host`]).
pub(crate) fn capabilities(photos: bool) -> Capabilities {
    Capabilities {
        max_text_len: MAX_TEXT_LEN,
        // Viber's keyboards scroll; more than two dozen buttons is unusable on a phone.
        max_buttons: 24,
        // The grid has six columns, but a label in one column shows four letters: at most three
        // buttons (two columns each) keep labels readable.
        max_buttons_per_row: 3,
        // `Text` takes up to 250 characters, but a full-width button shows about two lines.
        max_button_label: 40,
        max_list_rows: 0,
        // A `picture` message needs a public URL of the image and Viber has no upload API:
        // without a media host, photos are sent as their caption (which carries the card's
        // code) and buttons.
        photos,
        max_caption_len: if photos { MAX_PICTURE_TEXT } else { MAX_TEXT_LEN },
        // Viber can ask for the person's number (`share-phone`), but its callback does not say
        // whose number a contact is: a person can attach anyone's contact card instead. A shared
        // contact is never verified, so the channel does not claim contact sharing (see the
        // crate docs); share-contact buttons are still rendered as `share-phone`.
        contact_sharing: false,
        verified_phone_inherent: false,
        // A `location` message carries no title or address: places are sent as text with a map
        // link instead, so nothing is dropped.
        location: false,
        mini_app: false,
        // Viber publishes no per-second limit for bots; this stays well under what it accepts.
        rate: RateLimits { per_second: 20, per_chat_interval: Duration::from_secs(1) },
        service_window: None,
    }
}

/// Renders `message` within `caps` as a `send_message` body without the receiver: `sender`,
/// `type`, `text`, and `keyboard` and `min_api_version` where needed. The body
/// stays under [`MAX_BODY_BYTES`] with `reserve` more bytes for the addressing (the text is cut
/// further when needed). `Err` holds the reason it cannot be sent at all.
pub(crate) fn render(
    message: &Message,
    caps: &Capabilities,
    sender: &Value,
    reserve: usize,
    media: Option<&dyn MediaHost>,
) -> Result<Map<String, Value>, String> {
    // A picture where the server hosts images (its `text` is the caption, up to 768
    // characters); otherwise the caption as text, which carries the card's code.
    let picture = match (message, media) {
        (Message::Photo { png, .. }, Some(media)) if caps.photos => media.publish_png(png),
        _ => None,
    };
    let (text, buttons): (String, &[Vec<Button>]) = match message {
        Message::Text { text, buttons } => (text.clone(), buttons),
        Message::Photo { caption, buttons, .. } => (caption.clone(), buttons),
        Message::Location { lat, lon, title, address } => (place_text(*lat, *lon, title, address), &[]),
        other => return Err(format!("message kind not supported by the Viber channel: {other:?}")),
    };
    let keyboard = keyboard(buttons, caps)?;
    let mut budget = if picture.is_some() { caps.max_caption_len } else { caps.max_text_len };
    loop {
        let mut body = Map::new();
        body.insert("sender".into(), sender.clone());
        match &picture {
            Some(url) => {
                body.insert("type".into(), json!("picture"));
                body.insert("media".into(), json!(url));
            }
            None => {
                body.insert("type".into(), json!("text"));
            }
        }
        body.insert("text".into(), json!(with_lines(&text, &keyboard.lines, budget)));
        if !keyboard.buttons.is_empty() {
            body.insert(
                "keyboard".into(),
                json!({"Type": "keyboard", "DefaultHeight": false, "Buttons": keyboard.buttons}),
            );
        }
        if keyboard.share_phone {
            // share-phone is an API level 3 action.
            body.insert("min_api_version".into(), json!(3));
        }
        let size = Value::Object(body.clone()).to_string().len() + reserve;
        if size <= MAX_BODY_BYTES {
            return Ok(body);
        }
        if budget <= 1 {
            return Err(format!("the message is over Viber's {MAX_BODY_BYTES} bytes even without its text"));
        }
        // Every character is at least one byte of JSON: dropping `excess` of them is enough.
        budget = budget.saturating_sub(size - MAX_BODY_BYTES).max(1);
    }
}

/// A place as text: its name, address and a map link that opens on any phone.
fn place_text(lat: f64, lon: f64, title: &str, address: &str) -> String {
    let link = format!("https://www.google.com/maps/search/?api=1&query={lat},{lon}");
    [title, address, link.as_str()]
        .iter()
        .filter(|part| !part.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// Buttons as Viber keyboard buttons, plus the buttons that did not fit as numbered lines.
#[derive(Debug, Default)]
struct Keyboard {
    buttons: Vec<Value>,
    lines: Vec<String>,
    share_phone: bool,
}

/// Keyboard buttons where they fit: rows wider than allowed wrap (each button of a row gets an
/// equal share of the six columns), buttons beyond the maximum become numbered lines (numbered
/// by their place among all buttons).
fn keyboard(rows: &[Vec<Button>], caps: &Capabilities) -> Result<Keyboard, String> {
    for button in rows.iter().flatten() {
        if let ButtonAction::Payload(payload) = &button.action
            && (payload.is_empty() || payload.len() > MAX_PAYLOAD_LEN)
        {
            return Err(format!("button payload must be 1-{MAX_PAYLOAD_LEN} bytes, got {}", payload.len()));
        }
    }
    let mut keyboard = Keyboard::default();
    let mut position = 0;
    for row in rows {
        for chunk in row.chunks(caps.max_buttons_per_row.max(1)) {
            let room = caps.max_buttons.saturating_sub(keyboard.buttons.len());
            let shown = chunk.len().min(room);
            for (i, button) in chunk.iter().enumerate() {
                position += 1;
                if i >= shown {
                    keyboard.lines.push(line(position, button));
                    continue;
                }
                let rendered = viber_button(button, columns(i, shown), caps)?;
                keyboard.share_phone |= button.action == ButtonAction::ShareContact;
                keyboard.buttons.push(rendered);
            }
        }
    }
    Ok(keyboard)
}

/// The columns of the `i`th of `count` buttons in one row: an equal share of six, the first
/// ones taking what does not divide.
fn columns(i: usize, count: usize) -> usize {
    let count = count.clamp(1, GRID_COLUMNS);
    GRID_COLUMNS / count + usize::from(i < GRID_COLUMNS % count)
}

fn line(n: usize, button: &Button) -> String {
    match &button.action {
        ButtonAction::Url(url) | ButtonAction::MiniApp(url) => format!("{n}. {}: {url}", button.label),
        ButtonAction::Payload(_) | ButtonAction::ShareContact => format!("{n}. {}", button.label),
    }
}

fn viber_button(button: &Button, columns: usize, caps: &Capabilities) -> Result<Value, String> {
    let text = escape_label(&cut(&button.label, caps.max_button_label));
    let (action_type, action_body, silent) = match &button.action {
        // Silent: the press is not shown in the chat as the person's message (it would show
        // the prefixed payload).
        ButtonAction::Payload(payload) => ("reply", format!("{PAYLOAD_PREFIX}{payload}"), true),
        // Silent: the link opens without also being sent to the bot as a message.
        ButtonAction::Url(url) | ButtonAction::MiniApp(url) => ("open-url", parse_url(url)?, true),
        // Viber's desktop app cannot share the number and sends the `ActionBody` as text
        // instead: the label, which the conversation then reads as typed text.
        ButtonAction::ShareContact => ("share-phone", cut(&button.label, caps.max_button_label), false),
    };
    let mut rendered = json!({
        "Columns": columns,
        "Rows": 1,
        "ActionType": action_type,
        "ActionBody": action_body,
        "Text": text,
    });
    if silent {
        rendered["Silent"] = json!(true);
    }
    Ok(rendered)
}

fn parse_url(url: &str) -> Result<String, String> {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(url.to_owned()),
        Ok(_) => Err(format!("button URL `{url}`: Viber opens only http(s) links")),
        Err(e) => Err(format!("button URL `{url}`: {e}")),
    }
}

/// Button `Text` takes Viber's few HTML tags (`<b>`, `<font>`, `<br>`): a label's own `<`, `>`
/// and `&` are written as entities so that they show as themselves.
pub(crate) fn escape_label(label: &str) -> String {
    let mut escaped = String::with_capacity(label.len());
    for c in label.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// What a non-zero `status` of a send means for the outbox (0 is `Delivered` with
/// `message_token`). `secret` (the token) is scrubbed from the reason.
pub(crate) fn delivery_result(
    status: i64,
    status_message: &str,
    message_token: Option<String>,
    secret: &str,
) -> DeliveryResult {
    let reason = || {
        let text = if status_message.is_empty() { "no status message" } else { status_message };
        scrub(&format!("Viber status {status}: {text}"), secret)
    };
    match status {
        0 => DeliveryResult::Delivered { message_id: message_token },
        // receiverNotRegistered, receiverNotSubscribed, receiverNoSuitableDevice: nobody this
        // bot can reach.
        5 | 6 | 11 => DeliveryResult::Blocked { reason: reason() },
        12 => DeliveryResult::RateLimited { retry_after: DEFAULT_RETRY_AFTER },
        // invalidAuthToken, badData, missingData, the account blocked, suspended or without a
        // webhook, API versions, no balance, and Viber's "general error": nothing a retry
        // fixes.
        _ => DeliveryResult::PermanentFailure { reason: reason() },
    }
}

/// `text` with every occurrence of `secret` replaced by `***`.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() { text.to_owned() } else { text.replace(secret, "***") }
}

/// Viber's answer to a call: HTTP 200 with a `status` always.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Answer {
    /// 0: ok.
    pub(crate) status: i64,
    /// `ok`, or what went wrong.
    #[serde(default)]
    pub(crate) status_message: String,
    /// The sent message's token (a 64-bit number), as text.
    #[serde(default, deserialize_with = "token_text")]
    pub(crate) message_token: Option<String>,
    /// `broadcast_message`: the receivers it did not reach.
    #[serde(default)]
    pub(crate) failed_list: Vec<FailedReceiver>,
    /// `get_account_info`: the bot's URI.
    #[serde(default)]
    pub(crate) uri: Option<String>,
}

/// One receiver a broadcast did not reach.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct FailedReceiver {
    /// The user id.
    pub(crate) receiver: String,
    /// Why, as in a single send's answer.
    pub(crate) status: i64,
    /// What Viber said.
    #[serde(default)]
    pub(crate) status_message: String,
}

/// `message_token` is a JSON number in Viber's answers and callbacks (a string in some
/// examples): either becomes its decimal text.
fn token_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    })
}

/// One callback, as far as the conversation reads it.
#[derive(Debug, Deserialize)]
struct Callback {
    event: String,
    #[serde(default, deserialize_with = "token_text")]
    message_token: Option<String>,
    /// `message`: who wrote.
    #[serde(default)]
    sender: Option<ViberUser>,
    /// `conversation_started`, `subscribed`: who.
    #[serde(default)]
    user: Option<ViberUser>,
    /// `unsubscribed`, `delivered`, `seen`, `failed`: who.
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    message: Option<InboundMessage>,
    /// `conversation_started`: the deep link's `context`.
    #[serde(default)]
    context: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ViberUser {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    language: Option<String>,
}

#[derive(Debug, Deserialize)]
struct InboundMessage {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    contact: Option<Contact>,
    #[serde(default)]
    location: Option<Location>,
}

#[derive(Debug, Deserialize)]
struct Contact {
    #[serde(default)]
    phone_number: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Location {
    lat: f64,
    lon: f64,
}

/// The events of one callback body; `Err` holds why it is not Viber's JSON. NUL is dropped
/// from every text ([`InboundEvent::without_nul`]): Viber passes it on in messages and names,
/// and storage (PostgreSQL) cannot hold it, so the callback would otherwise fail to be handled
/// after Viber was told it arrived.
pub(crate) fn events(body: &[u8]) -> Result<Vec<InboundEvent>, String> {
    Ok(callback_events(body)?.into_iter().map(InboundEvent::without_nul).collect())
}

fn callback_events(body: &[u8]) -> Result<Vec<InboundEvent>, String> {
    let callback: Callback = serde_json::from_slice(body).map_err(|e| format!("not a Viber callback: {e}"))?;
    let missing = |what: &str| format!("`{}` callback without {what}", callback.event);
    let event = match callback.event.as_str() {
        "message" => {
            let from = sender(callback.sender.as_ref().ok_or_else(|| missing("sender"))?);
            let message = callback.message.as_ref().ok_or_else(|| missing("message"))?;
            match message_event(from, message) {
                Some(event) => event,
                None => return Ok(Vec::new()),
            }
        }
        "conversation_started" => InboundEvent::Start {
            from: sender(callback.user.as_ref().ok_or_else(|| missing("user"))?),
            payload: callback.context.as_deref().and_then(start_payload),
        },
        "subscribed" => {
            InboundEvent::Unblocked { user: callback.user.as_ref().ok_or_else(|| missing("user"))?.id.clone() }
        }
        "unsubscribed" => InboundEvent::Blocked { user: callback.user_id.clone().ok_or_else(|| missing("user_id"))? },
        "delivered" | "seen" | "failed" => {
            let status = match callback.event.as_str() {
                "delivered" => ReceiptStatus::Delivered,
                "seen" => ReceiptStatus::Read,
                _ => ReceiptStatus::Failed,
            };
            let message_id = callback.message_token.clone().ok_or_else(|| missing("message_token"))?;
            InboundEvent::Receipt { message_id, status }
        }
        // `webhook` (set_webhook's check), `client_status`, `action` and whatever comes later.
        _ => return Ok(Vec::new()),
    };
    Ok(vec![event])
}

fn message_event(from: Sender, message: &InboundMessage) -> Option<InboundEvent> {
    match message.kind.as_str() {
        "text" => {
            let text = message.text.clone()?;
            match button_payload(&text) {
                Some(payload) => Some(InboundEvent::Button { from, payload, ack_id: None }),
                None => Some(InboundEvent::Text { from, text }),
            }
        }
        "contact" => {
            let phone = normalize_phone(message.contact.as_ref()?.phone_number.as_deref()?)?;
            // A share-phone press and an attached contact card look the same: Viber does not
            // vouch for the number.
            Some(InboundEvent::Contact { from, phone, verified: false })
        }
        "location" => {
            let place = message.location.as_ref()?;
            Some(InboundEvent::Location { from, lat: place.lat, lon: place.lon })
        }
        // Pictures, stickers, files, videos and links are not the conversation's.
        _ => None,
    }
}

fn sender(user: &ViberUser) -> Sender {
    Sender {
        external_id: user.id.clone(),
        display_name: user.name.clone().filter(|n| !n.trim().is_empty()),
        language: user.language.clone().filter(|l| !l.trim().is_empty()),
    }
}

/// The payload of a payload button's reply: [`PAYLOAD_PREFIX`] then 1-64 bytes of the payload
/// alphabet (`A-Za-z0-9_:.-`). Anything else is typed text.
fn button_payload(text: &str) -> Option<String> {
    let payload = text.strip_prefix(PAYLOAD_PREFIX)?;
    let valid = (1..=MAX_PAYLOAD_LEN).contains(&payload.len())
        && payload.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-'));
    valid.then(|| payload.to_owned())
}

/// A deep link's `context` as a start payload: 1-64 of `A-Za-z0-9_-`, the payloads the bot puts
/// in its links (as on Telegram); anything else starts without one.
fn start_payload(context: &str) -> Option<String> {
    let context = context.trim();
    let valid = (1..=64).contains(&context.len())
        && context.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    valid.then(|| context.to_owned())
}

#[cfg(test)]
mod tests {
    use regulars_core::channel::text::units;

    use super::*;

    fn caps() -> Capabilities {
        capabilities(false)
    }

    /// A media host as the server's, or one that cannot publish.
    #[derive(Debug)]
    struct Hosted(bool);

    impl MediaHost for Hosted {
        fn publish_png(&self, png: &[u8]) -> Option<String> {
            self.0.then(|| format!("https://media.example/{}.png", png.len()))
        }
    }

    #[test]
    fn photos_are_pictures_where_the_server_hosts_them() {
        let photo = Message::Photo {
            png: vec![0x89, b'P', b'N', b'G'],
            caption: "Your card: 123456".into(),
            buttons: vec![vec![Button::payload("Menu", "v1:menu")]],
        };
        let body = render(&photo, &capabilities(true), &sender_json(), 0, Some(&Hosted(true))).unwrap();
        assert_eq!(body["type"], "picture");
        assert_eq!(body["media"], "https://media.example/4.png");
        assert_eq!(body["text"], "Your card: 123456");
        assert_eq!(body["keyboard"]["Buttons"][0]["ActionBody"], "rg:v1:menu");
        let long = Message::Photo { png: vec![1], caption: "x".repeat(2000), buttons: Vec::new() };
        let body = render(&long, &capabilities(true), &sender_json(), 0, Some(&Hosted(true))).unwrap();
        assert_eq!(units(body["text"].as_str().unwrap()), MAX_PICTURE_TEXT, "a picture's text is cut at 768");
        // A host that cannot publish, or none: the caption as text.
        for host in [Some(&Hosted(false) as &dyn MediaHost), None] {
            let body = render(&photo, &capabilities(host.is_some()), &sender_json(), 0, host).unwrap();
            assert_eq!((body["type"].as_str(), body.get("media")), (Some("text"), None));
        }
    }

    fn sender_json() -> Value {
        json!({"name": "Regulars"})
    }

    fn body(message: &Message) -> Map<String, Value> {
        render(message, &caps(), &sender_json(), 40, None).unwrap()
    }

    fn buttons(body: &Map<String, Value>) -> Vec<Value> {
        body["keyboard"]["Buttons"].as_array().cloned().unwrap_or_default()
    }

    #[test]
    fn text_is_cut_in_utf16_units_with_an_ellipsis() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("hello world", 8), "hello w…");
        assert_eq!(cut("☕😀😀😀", 5), "☕😀…");
        let out = body(&Message::text("a".repeat(8000)));
        let text = out["text"].as_str().unwrap();
        assert_eq!(text.chars().count(), MAX_TEXT_LEN);
        assert!(text.ends_with('…'));
        assert_eq!(out["type"], "text");
        assert_eq!(out["sender"], sender_json());
        assert!(!out.contains_key("keyboard") && !out.contains_key("min_api_version"));
    }

    #[test]
    fn bodies_stay_under_30_kb() {
        // 3500 emoji are 7000 UTF-16 units, within the text limit, and 14 000 bytes; with a
        // broadcast list of 20 000 bytes the body would be over 30 KB.
        let emoji = "😀".repeat(3500);
        let out = render(&Message::text(emoji), &caps(), &sender_json(), 20_000, None).unwrap();
        let size = Value::Object(out.clone()).to_string().len();
        assert!(size + 20_000 <= MAX_BODY_BYTES, "{size}");
        assert!(out["text"].as_str().unwrap().ends_with('…'));
        assert!(render(&Message::text("x"), &caps(), &sender_json(), MAX_BODY_BYTES, None).is_err());
    }

    #[test]
    fn payload_buttons_fill_the_six_column_grid_and_wrap_at_three() {
        let row: Vec<Button> = (1..=5).map(|i| Button::payload(format!("B{i}"), format!("p{i}"))).collect();
        let out =
            body(&Message::Text { text: "Pick".into(), buttons: vec![row, vec![Button::payload("Menu", "menu")]] });
        assert_eq!(out["keyboard"]["Type"], "keyboard");
        assert_eq!(out["keyboard"]["DefaultHeight"], false);
        let got = buttons(&out);
        let grid: Vec<u64> = got.iter().map(|b| b["Columns"].as_u64().unwrap()).collect();
        assert_eq!(grid, [2, 2, 2, 3, 3, 6]);
        assert_eq!(
            got[0],
            json!({"Columns": 2, "Rows": 1, "ActionType": "reply", "ActionBody": "rg:p1", "Text": "B1", "Silent": true})
        );
        assert_eq!(out["text"], "Pick");
        assert_eq!((columns(0, 4), columns(1, 4), columns(2, 4), columns(3, 4)), (2, 2, 1, 1));
    }

    #[test]
    fn links_share_phone_and_labels() {
        let message = Message::Text {
            text: "Links".into(),
            buttons: vec![
                vec![
                    Button { label: "Menu".into(), action: ButtonAction::Url("https://regulars.example/menu".into()) },
                    Button {
                        label: "App".into(),
                        action: ButtonAction::MiniApp("https://regulars.example/app".into()),
                    },
                ],
                vec![Button { label: "Share <my> number & more".into(), action: ButtonAction::ShareContact }],
            ],
        };
        let out = body(&message);
        let got = buttons(&out);
        assert_eq!(got[0]["ActionType"], "open-url");
        assert_eq!(got[0]["ActionBody"], "https://regulars.example/menu");
        assert_eq!(got[1]["ActionBody"], "https://regulars.example/app");
        assert_eq!(got[2]["ActionType"], "share-phone");
        assert_eq!(got[2]["Text"], "Share &lt;my&gt; number &amp; more");
        assert_eq!(got[2]["ActionBody"], "Share <my> number & more");
        assert_eq!(out["min_api_version"], 3);
        let bad = Message::Text {
            text: "x".into(),
            buttons: vec![vec![Button {
                label: "Bad".into(),
                action: ButtonAction::Url("javascript:alert(1)".into()),
            }]],
        };
        assert!(render(&bad, &caps(), &sender_json(), 0, None).is_err());
    }

    #[test]
    fn buttons_beyond_the_maximum_become_numbered_lines_and_labels_are_cut() {
        let mut row: Vec<Button> = (1..=26).map(|i| Button::payload(format!("B{i}"), format!("p{i}"))).collect();
        row[0].label = "L".repeat(100);
        let out = body(&Message::Text { text: "x".repeat(7000), buttons: vec![row] });
        let got = buttons(&out);
        assert_eq!(got.len(), 24);
        assert_eq!(got[0]["Text"].as_str().unwrap().chars().count(), 40);
        let text = out["text"].as_str().unwrap();
        assert!(text.ends_with("…\n\n25. B25\n26. B26"), "{}", &text[text.len() - 40..]);
        assert!(units(text) <= MAX_TEXT_LEN);
        let long = Button::payload("x", "p".repeat(65));
        assert!(
            render(&Message::Text { text: "t".into(), buttons: vec![vec![long]] }, &caps(), &sender_json(), 0, None)
                .is_err()
        );
    }

    #[test]
    fn photos_places_and_templates() {
        let photo = Message::Photo {
            png: vec![1, 2],
            caption: "Your card: 123 456".into(),
            buttons: vec![vec![Button::payload("Refresh", "card")]],
        };
        let out = body(&photo);
        assert_eq!((out["type"].as_str(), out["text"].as_str()), (Some("text"), Some("Your card: 123 456")));
        assert_eq!(buttons(&out)[0]["ActionBody"], "rg:card");
        let place = Message::Location { lat: 44.8176, lon: 20.4569, title: "Cafe".into(), address: "Street 1".into() };
        assert_eq!(
            body(&place)["text"],
            "Cafe\nStreet 1\nhttps://www.google.com/maps/search/?api=1&query=44.8176,20.4569"
        );
        let template = Message::Template { name: "t".into(), language: "en".into(), params: Vec::new() };
        assert!(render(&template, &caps(), &sender_json(), 0, None).is_err());
    }

    #[test]
    fn statuses_map_to_delivery_results() {
        let token = "4453b6ac12345678-e02c5f12174805f9";
        let result = |status: i64, message: &str| delivery_result(status, message, Some("42".into()), token);
        assert_eq!(result(0, "ok"), DeliveryResult::Delivered { message_id: Some("42".into()) });
        assert!(matches!(result(5, "receiverNotRegistered"), DeliveryResult::Blocked { .. }));
        assert!(matches!(result(6, "receiverNotSubscribed"), DeliveryResult::Blocked { .. }));
        assert!(matches!(result(11, "receiverNoSuitableDevice"), DeliveryResult::Blocked { .. }));
        assert_eq!(result(12, "Too many requests"), DeliveryResult::RateLimited { retry_after: DEFAULT_RETRY_AFTER });
        assert!(matches!(result(2, "invalidAuthToken"), DeliveryResult::PermanentFailure { .. }));
        assert!(matches!(result(3, "badData"), DeliveryResult::PermanentFailure { .. }));
        assert!(matches!(result(99, ""), DeliveryResult::PermanentFailure { .. }));
        assert_eq!(
            result(3, &format!("bad token {token}")),
            DeliveryResult::PermanentFailure { reason: "Viber status 3: bad token ***".into() }
        );
    }

    fn message_callback(message: &Value) -> Vec<u8> {
        json!({
            "event": "message", "timestamp": 1_457_764_197_627_i64, "message_token": 4_912_661_846_655_238_145_u64,
            "sender": {"id": "01234567890A=", "name": "Ana", "avatar": "https://a.example/a.jpg",
                       "country": "RS", "language": "sr", "api_version": 10},
            "message": message, "chat_hostname": "SN-CHAT-05_", "silent": false,
        })
        .to_string()
        .into_bytes()
    }

    fn ana() -> Sender {
        Sender { external_id: "01234567890A=".into(), display_name: Some("Ana".into()), language: Some("sr".into()) }
    }

    #[test]
    fn nul_in_a_message_or_a_name_is_dropped_not_the_message() {
        let body = String::from_utf8(message_callback(&json!({"type": "text", "text": "h\u{0}i"})))
            .unwrap()
            .replace(r#""name":"Ana""#, r#""name":"A\u0000na""#);
        assert!(body.contains(r#""A\u0000na""#), "{body}");
        assert_eq!(events(body.as_bytes()).unwrap(), vec![InboundEvent::Text { from: ana(), text: "hi".into() }]);
    }

    #[test]
    fn messages_become_events() {
        let one = |message: Value| events(&message_callback(&message)).unwrap();
        assert_eq!(
            one(json!({"type": "text", "text": "hi"})),
            vec![InboundEvent::Text { from: ana(), text: "hi".into() }]
        );
        assert_eq!(
            one(json!({"type": "text", "text": "rg:v1:card", "tracking_data": "x"})),
            vec![InboundEvent::Button { from: ana(), payload: "v1:card".into(), ack_id: None }]
        );
        // Not the payload alphabet, or nothing after the prefix: typed text.
        assert!(matches!(&one(json!({"type": "text", "text": "rg: hello"}))[..], [InboundEvent::Text { .. }]));
        assert!(matches!(&one(json!({"type": "text", "text": "rg:"}))[..], [InboundEvent::Text { .. }]));
        // Whether from a share-phone button or an attached card: never verified.
        assert_eq!(
            one(json!({"type": "contact", "contact": {"name": "Ana", "phone_number": "381601234567"},
                       "tracking_data": "anything"})),
            vec![InboundEvent::Contact { from: ana(), phone: "+381601234567".into(), verified: false }]
        );
        assert!(one(json!({"type": "contact", "contact": {"name": "Ana", "phone_number": "0601234567"}})).is_empty());
        assert_eq!(
            one(json!({"type": "location", "location": {"lat": 44.8176, "lon": 20.4569}})),
            vec![InboundEvent::Location { from: ana(), lat: 44.8176, lon: 20.4569 }]
        );
        assert!(one(json!({"type": "sticker", "sticker_id": 46105})).is_empty());
        assert!(one(json!({"type": "picture", "media": "https://m.example/p.jpg"})).is_empty());
    }

    #[test]
    fn other_callbacks_become_events() {
        let parse = |value: Value| events(value.to_string().as_bytes());
        let user = json!({"id": "01234567890A=", "name": "Ana", "language": "sr", "country": "RS", "api_version": 10});
        assert_eq!(
            parse(json!({"event": "conversation_started", "timestamp": 1, "message_token": 7, "type": "open",
                         "context": "ref_AB12", "user": user, "subscribed": false}))
            .unwrap(),
            vec![InboundEvent::Start { from: ana(), payload: Some("ref_AB12".into()) }]
        );
        assert_eq!(
            parse(json!({"event": "conversation_started", "timestamp": 1, "message_token": 7, "type": "open",
                         "user": user, "subscribed": true}))
            .unwrap(),
            vec![InboundEvent::Start { from: ana(), payload: None }]
        );
        assert_eq!(
            parse(json!({"event": "subscribed", "timestamp": 1, "user": user, "message_token": 8})).unwrap(),
            vec![InboundEvent::Unblocked { user: "01234567890A=".into() }]
        );
        assert_eq!(
            parse(json!({"event": "unsubscribed", "timestamp": 1, "user_id": "01234567890A=", "message_token": 9}))
                .unwrap(),
            vec![InboundEvent::Blocked { user: "01234567890A=".into() }]
        );
        for (event, status) in
            [("delivered", ReceiptStatus::Delivered), ("seen", ReceiptStatus::Read), ("failed", ReceiptStatus::Failed)]
        {
            assert_eq!(
                parse(json!({"event": event, "timestamp": 1, "message_token": 4_912_661_846_655_238_145_u64,
                             "user_id": "01234567890A=", "desc": "x"}))
                .unwrap(),
                vec![InboundEvent::Receipt { message_id: "4912661846655238145".into(), status }]
            );
        }
        assert!(
            parse(json!({"event": "webhook", "timestamp": 1, "message_token": 241_256_543_215_u64}))
                .unwrap()
                .is_empty()
        );
        assert!(parse(json!({"event": "client_status", "timestamp": 1})).unwrap().is_empty());
        assert!(parse(json!({})).is_err());
        assert!(parse(json!({"event": "message", "timestamp": 1})).is_err());
        assert!(parse(json!({"event": "unsubscribed"})).is_err());
        assert!(events(b"[1,2]").is_err());
    }
}
