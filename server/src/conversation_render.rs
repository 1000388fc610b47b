//! Renders the conversation's [`Reply`]s into channel [`Message`]s in the person's language.
//!
//! The renderer lives in the server, the one crate that knows both core and i18n: core stays
//! free of Fluent (it names messages, it never formats them) and regulars-i18n stays a pure
//! localization library with no domain types, so translators' tooling never rebuilds for a
//! change in the conversation, and a new reply shape is one match arm here.

use regulars_core::channel::{Button, Message};
use regulars_core::conversation::{Arg, Phrase, Reply, ReplyBody, ReplyButton};
use regulars_i18n::{FluentArgs, FluentValue, LanguageIdentifier, Localizer, format_date, format_money, format_time};

/// The language pair a reply renders in: the person's, and the chain's as the first fallback.
struct Languages {
    person: LanguageIdentifier,
    chain: LanguageIdentifier,
}

/// Renders `reply` as the message its channel sends.
#[must_use]
pub fn render(i18n: &Localizer, reply: &Reply) -> Message {
    let langs = Languages {
        person: i18n.negotiate(Some(&reply.language), None, &reply.fallback_language),
        chain: i18n.negotiate(Some(&reply.fallback_language), None, "en"),
    };
    match &reply.body {
        ReplyBody::Text { lines, buttons } => {
            Message::Text { text: text(i18n, &langs, lines), buttons: rows(i18n, &langs, buttons) }
        }
        ReplyBody::Photo { png, caption, buttons } => Message::Photo {
            png: png.clone(),
            caption: text(i18n, &langs, caption),
            buttons: rows(i18n, &langs, buttons),
        },
        ReplyBody::Location { lat, lon, title, address } => {
            Message::Location { lat: *lat, lon: *lon, title: title.clone(), address: address.clone() }
        }
        // A reply shape this renderer does not know yet: say nothing wrong, say something.
        _ => Message::text(i18n.format(&langs.person, "bot-fallback", None)),
    }
}

fn text(i18n: &Localizer, langs: &Languages, lines: &[Phrase]) -> String {
    lines.iter().map(|p| phrase(i18n, langs, p)).collect::<Vec<_>>().join("\n")
}

fn rows(i18n: &Localizer, langs: &Languages, rows: &[Vec<ReplyButton>]) -> Vec<Vec<Button>> {
    rows.iter()
        .map(|row| {
            row.iter().map(|b| Button { label: phrase(i18n, langs, &b.label), action: b.action.clone() }).collect()
        })
        .collect()
}

fn phrase(i18n: &Localizer, langs: &Languages, phrase: &Phrase) -> String {
    match phrase {
        Phrase::Message { id, args } => {
            let mut fluent = FluentArgs::new();
            for (name, arg) in args {
                fluent.set(*name, value(&langs.person, arg));
            }
            i18n.format_for_chain(&langs.person, &langs.chain, id, Some(&fluent))
        }
        Phrase::InLanguage { language, id } => {
            let lang = i18n.negotiate(Some(language), None, "en");
            i18n.format(&lang, id, None)
        }
        Phrase::Verbatim(text) => text.clone(),
        _ => String::new(),
    }
}

fn value(lang: &LanguageIdentifier, arg: &Arg) -> FluentValue<'static> {
    match arg {
        Arg::Int(n) => FluentValue::from(*n),
        Arg::Text(text) => FluentValue::from(text.clone()),
        Arg::Date(date) => FluentValue::from(format_date(lang, *date)),
        Arg::Time(time) => FluentValue::from(format_time(lang, *time)),
        Arg::Money { minor, currency } => FluentValue::from(format_money(lang, *minor, currency)),
        _ => FluentValue::None,
    }
}
