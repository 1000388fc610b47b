//! [`Reply`]: what the conversation says, channel-neutral and language-neutral.
//!
//! A reply names Fluent messages and their arguments instead of carrying text, so core never
//! depends on the localization crate: the server renders each reply in the person's language
//! and hands the channel a finished [`Message`](crate::channel::Message). Buttons carry a
//! [`ButtonAction`] exactly as channels take it, with labels that are phrases too.

use chrono::{NaiveDate, NaiveTime};

use crate::channel::{Address, ButtonAction, Capabilities};

/// One argument of a Fluent message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Arg {
    /// A whole number (selects plural variants).
    Int(i64),
    /// Text shown as is (names, addresses, links).
    Text(String),
    /// A calendar date, formatted for the language.
    Date(NaiveDate),
    /// A time of day, formatted for the language.
    Time(NaiveTime),
    /// An amount of money in minor units, formatted for the language.
    Money {
        /// Minor units.
        minor: i64,
        /// ISO 4217 code.
        currency: String,
    },
}

/// A piece of text to render: a Fluent message with arguments, a message in a fixed language,
/// or text that needs no translation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phrase {
    /// Message `id` with `args`, in the reply's language.
    Message {
        /// The Fluent message id (`bot-card-balance`).
        id: &'static str,
        /// Its arguments by name.
        args: Vec<(&'static str, Arg)>,
    },
    /// Message `id` in `language` whatever the reply's language is: each language button
    /// names its language in that language.
    InLanguage {
        /// The language to render in (BCP 47).
        language: String,
        /// The Fluent message id.
        id: &'static str,
    },
    /// Text as is: a cafe's or reward's name as the owner typed it.
    Verbatim(String),
}

impl Phrase {
    /// Message `id` without arguments.
    #[must_use]
    pub fn msg(id: &'static str) -> Self {
        Self::Message { id, args: Vec::new() }
    }

    /// Message `id` with `args`.
    #[must_use]
    pub fn with(id: &'static str, args: Vec<(&'static str, Arg)>) -> Self {
        Self::Message { id, args }
    }

    /// The message id, for messages.
    #[must_use]
    pub fn id(&self) -> Option<&'static str> {
        match self {
            Self::Message { id, .. } | Self::InLanguage { id, .. } => Some(id),
            Self::Verbatim(_) => None,
        }
    }

    /// The argument `name`, if this is a message that has it.
    #[must_use]
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        match self {
            Self::Message { args, .. } => args.iter().find(|(n, _)| *n == name).map(|(_, a)| a),
            _ => None,
        }
    }
}

/// A button: a phrase for the label and what pressing it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyButton {
    /// The label.
    pub label: Phrase,
    /// What it does (a payload, a link, the contact request).
    pub action: ButtonAction,
}

impl ReplyButton {
    /// A button labelled with message `id` that sends `payload` back.
    #[must_use]
    pub fn payload(id: &'static str, payload: impl Into<String>) -> Self {
        Self { label: Phrase::msg(id), action: ButtonAction::Payload(payload.into()) }
    }
}

/// What a reply shows.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ReplyBody {
    /// Paragraphs of text (one phrase per line) with buttons, row by row.
    Text {
        /// The lines.
        lines: Vec<Phrase>,
        /// Buttons, row by row (empty: none).
        buttons: Vec<Vec<ReplyButton>>,
    },
    /// A PNG (the card QR) with a caption of lines and buttons.
    Photo {
        /// The PNG bytes.
        png: Vec<u8>,
        /// The caption, one phrase per line.
        caption: Vec<Phrase>,
        /// Buttons, row by row.
        buttons: Vec<Vec<ReplyButton>>,
    },
    /// A place on the map.
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
}

impl ReplyBody {
    /// The text or caption lines (none for a location).
    #[must_use]
    pub fn lines(&self) -> &[Phrase] {
        match self {
            Self::Text { lines, .. } => lines,
            Self::Photo { caption, .. } => caption,
            Self::Location { .. } => &[],
        }
    }

    /// Every button, rows flattened.
    pub fn buttons(&self) -> impl Iterator<Item = &ReplyButton> {
        let rows: &[Vec<ReplyButton>] = match self {
            Self::Text { buttons, .. } | Self::Photo { buttons, .. } => buttons,
            Self::Location { .. } => &[],
        };
        rows.iter().flatten()
    }
}

/// One message back to the person who wrote, with the language to render it in.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Where it goes (the sender's address on the channel).
    pub to: Address,
    /// The language to render in (BCP 47): the person's choice, else their messenger's, else
    /// the chain's.
    pub language: String,
    /// The chain's default language, the fallback for messages missing in `language`.
    pub fallback_language: String,
    /// What it shows.
    pub body: ReplyBody,
}

impl Reply {
    /// Whether any line of the reply is message `id`.
    #[must_use]
    pub fn has(&self, id: &str) -> bool {
        self.body.lines().iter().any(|p| p.id() == Some(id))
    }
}

/// Lays `buttons` out in rows that fit `caps`: at most `max_buttons_per_row` per row and
/// `max_buttons` in all, or `max_list_rows` where the channel shows longer choices as a list
/// (WhatsApp: 3 buttons, or a list of 10). Buttons are given most important first; when they
/// do not all fit,
/// the last ones are dropped (each screen the conversation builds keeps its way back to the
/// menu first, and everything dropped is also reachable by a typed command).
#[must_use]
pub fn layout(buttons: Vec<ReplyButton>, per_row: usize, caps: &Capabilities) -> Vec<Vec<ReplyButton>> {
    let max = if caps.max_buttons == 0 { buttons.len() } else { caps.max_buttons.max(caps.max_list_rows) };
    let per_row = per_row.min(caps.max_buttons_per_row.max(1)).max(1);
    let mut rows: Vec<Vec<ReplyButton>> = Vec::new();
    for button in buttons.into_iter().take(max) {
        match rows.last_mut() {
            Some(row) if row.len() < per_row => row.push(button),
            _ => rows.push(vec![button]),
        }
    }
    rows
}
