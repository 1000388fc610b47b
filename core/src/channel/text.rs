//! Fitting text into a platform's limits, the same way on every channel: lengths counted in
//! UTF-16 code units (Telegram's and Viber's unit; a limit in those also holds in characters),
//! cuts ending in `…`, and the numbered lines that stand for buttons a platform cannot show
//! kept whole while the text before them is cut. And making what people send storable
//! ([`without_nul`]).

/// What a cut text ends with.
pub const ELLIPSIS: char = '…';

/// `text` without its NUL characters (U+0000).
///
/// Messengers pass on whatever a person (or a script) typed as their message or name, NUL
/// included, and PostgreSQL's `text` type cannot store NUL at all (SQLite can): an event
/// carrying one would fail when the guest's name or the conversation's state is written, and
/// the update would be lost after the platform had been told it arrived. Dropping NUL keeps
/// the message whole otherwise; other control characters are stored fine and kept (tabs and
/// line breaks belong in free text).
#[must_use]
pub fn without_nul(text: String) -> String {
    if text.contains('\0') { text.replace('\0', "") } else { text }
}

/// The length of `text` in UTF-16 code units.
#[must_use]
pub fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `text` cut to at most `max` UTF-16 code units (hence characters), ending with `…` when cut.
#[must_use]
pub fn cut(text: &str, max: usize) -> String {
    if units(text) <= max {
        return text.to_owned();
    }
    let mut kept = String::new();
    let mut used = 1; // the ellipsis
    for c in text.chars() {
        used += c.len_utf16();
        if used > max {
            break;
        }
        kept.push(c);
    }
    let mut kept = kept.trim_end().to_owned();
    kept.push(ELLIPSIS);
    kept
}

/// `lines` as a paragraph to put under a text: a blank line, then one line each; empty for no
/// lines.
#[must_use]
pub fn paragraph(lines: &[String]) -> String {
    if lines.is_empty() { String::new() } else { format!("\n\n{}", lines.join("\n")) }
}

/// `text`, then `lines` (a blank line apart), within `max`: the text is cut first, so every
/// line stays while there is room for them.
#[must_use]
pub fn with_lines(text: &str, lines: &[String], max: usize) -> String {
    if lines.is_empty() {
        return cut(text, max);
    }
    let tail = paragraph(lines);
    let room = max.saturating_sub(units(&tail));
    if room == 0 {
        return cut(&format!("{text}{tail}"), max);
    }
    format!("{}{tail}", cut(text, room))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{InboundEvent, ReceiptStatus, Sender};

    #[test]
    fn nul_is_dropped_and_the_rest_kept() {
        assert_eq!(without_nul("Hva\0la\0".to_owned()), "Hvala");
        assert_eq!(without_nul("line\nbreak\ttab".to_owned()), "line\nbreak\ttab", "other controls stay");
        assert_eq!(without_nul("Ћао 👋".to_owned()), "Ћао 👋");
    }

    #[test]
    fn every_text_of_an_event_loses_its_nul() {
        let from =
            Sender { external_id: "4\u{0}2".into(), display_name: Some("A\0na".into()), language: Some("sr\0".into()) };
        let clean = Sender { external_id: "42".into(), display_name: Some("Ana".into()), language: Some("sr".into()) };
        assert_eq!(
            InboundEvent::Text { from: from.clone(), text: "h\0i".into() }.without_nul(),
            InboundEvent::Text { from: clean.clone(), text: "hi".into() }
        );
        assert_eq!(
            InboundEvent::Start { from: from.clone(), payload: Some("ref\0".into()) }.without_nul(),
            InboundEvent::Start { from: clean.clone(), payload: Some("ref".into()) }
        );
        assert_eq!(
            InboundEvent::Button { from: from.clone(), payload: "card\0".into(), ack_id: Some("\u{0}1".into()) }
                .without_nul(),
            InboundEvent::Button { from: clean, payload: "card".into(), ack_id: Some("1".into()) }
        );
        assert_eq!(
            InboundEvent::Receipt { message_id: "m\0".into(), status: ReceiptStatus::Read }.without_nul(),
            InboundEvent::Receipt { message_id: "m".into(), status: ReceiptStatus::Read }
        );
        let nameless = Sender { display_name: Some("\0\0".into()), language: Some("\0".into()), ..from };
        let InboundEvent::Text { from, .. } = InboundEvent::Text { from: nameless, text: String::new() }.without_nul()
        else {
            unreachable!()
        };
        assert_eq!((from.display_name, from.language), (None, None), "a name of only NUL is no name");
    }

    #[test]
    fn cuts_count_utf16_units_and_end_with_an_ellipsis() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("hello world", 8), "hello w…");
        assert_eq!(cut("hello world", 7), "hello…");
        assert_eq!(cut("☕😀😀😀", 5), "☕😀…");
        assert!(units(&cut(&"я".repeat(5000), 4096)) <= 4096);
    }

    #[test]
    fn lines_stay_whole_and_the_text_is_cut_first() {
        let lines = vec!["1. Card".to_owned(), "2. History".to_owned()];
        assert_eq!(with_lines("Menu", &lines, 100), "Menu\n\n1. Card\n2. History");
        let fitted = with_lines(&"x".repeat(100), &lines, 40);
        assert!(units(&fitted) <= 40 && fitted.ends_with("1. Card\n2. History"), "{fitted}");
        assert_eq!(with_lines("Menu", &[], 3), "Me…");
        assert_eq!(paragraph(&[]), "");
    }
}
